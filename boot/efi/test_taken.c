/*
 * A Keel-shaped image that keel.efi must refuse to load because its memory is not free:
 * valid in every respect (the integration scenario uefi-bad-kernel-taken puts it on the
 * ESP as the kernel), but linked at 0x810000, which OVMF keeps as ACPI NVS (test_taken.ld).
 * Never run.
 */
#include <keel/boot_info.h>
#include "../efi_handoff.h"

void taken_entry(void);

void taken_entry(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

__attribute__((section(".note.keel"), used, aligned(4)))
static const struct keel_uefi_note_image taken_note = {
    .namesz = KEEL_NOTE_NAMESZ,
    .descsz = sizeof(struct keel_uefi_entry_note),
    .type = KEEL_NOTE_UEFI_ENTRY,
    .name = KEEL_NOTE_NAME,
    .desc = {
        .entry = (uint64_t)(uintptr_t)taken_entry,
        .boot_info_size = sizeof(struct boot_info),
        .version = KEEL_UEFI_HANDOFF_VERSION,
    },
};
