/*
 * C side of the native UEFI entry (boot/efi_entry.S): keel.efi (boot/efi/) has already
 * built struct boot_info; check what we can and hand over to the kernel, as
 * boot/multiboot2.c does after parsing. This file, efi_entry.S and boot/efi/ are the only
 * ones that know this boot path.
 */
#include "efi_handoff.h"
#include <keel/init.h>
#include <keel/printk.h>
#include <arch/cpu.h>

void efi_entry64(void);
void efi_boot_main(struct boot_info *bi);

/* How keel.efi finds efi_entry64 and checks that it speaks the same boot_info
 * (linker.ld puts .note.keel in a PT_NOTE program header). */
__attribute__((section(".note.keel"), used, aligned(4)))
static const struct keel_uefi_note_image keel_uefi_note = {
    .namesz = KEEL_NOTE_NAMESZ,
    .descsz = sizeof(struct keel_uefi_entry_note),
    .type = KEEL_NOTE_UEFI_ENTRY,
    .name = KEEL_NOTE_NAME,
    .desc = {
        .entry = (uint64_t)(uintptr_t)efi_entry64,
        .boot_info_size = sizeof(struct boot_info),
        .version = KEEL_UEFI_HANDOFF_VERSION,
    },
};

void efi_boot_main(struct boot_info *bi)
{
    console_early_init();
    /* keel.efi is built from the same tree and checked the note: these only catch a
     * broken loader, not a hostile one (a hostile loader owns the machine anyway). */
    if (!bi || bi->source != BOOT_SRC_UEFI || bi->nr_mem == 0 ||
        bi->nr_mem > BOOT_MAX_MEM_RANGES || bi->nr_modules > BOOT_MAX_MODULES) {
        pr_err("error: uefi: the boot information from keel.efi at %p is not valid; stopping\n",
               (void *)bi);
        console_flush();
        cpu_stop();
    }
    bi->loader_name[sizeof(bi->loader_name) - 1] = '\0';
    bi->cmdline[sizeof(bi->cmdline) - 1] = '\0';
    for (uint32_t i = 0; i < bi->nr_modules; i++)
        bi->modules[i].cmdline[sizeof(bi->modules[i].cmdline) - 1] = '\0';
    if (bi->nr_warnings)
        pr_warn("warning: uefi: the firmware's memory map has more ranges than Keel keeps "
                "(%u); the rest is ignored\n", BOOT_MAX_MEM_RANGES);
    keel_start(bi);
}
