/*
 * C side of the multiboot2 entry: turn GRUB's information into struct boot_info and hand
 * over to the kernel. This file and mb2_parse.c are the only ones that know multiboot2.
 */
#include "multiboot2.h"
#include <keel/init.h>
#include <keel/printk.h>
#include <arch/cpu.h>

void mb2_boot_main(uint32_t magic, uint32_t mbi_phys);

static struct boot_info boot_info;

void mb2_boot_main(uint32_t magic, uint32_t mbi_phys)
{
    console_early_init();
    if (magic != MB2_BOOTLOADER_MAGIC) {   /* already checked in assembly; belt and braces */
        pr_err("error: not started by a multiboot2 loader (magic %#x); stopping\n", magic);
        cpu_stop();
    }
    /* The boot page tables identity-map the low 4 GiB, where GRUB puts its information. */
    if (mb2_parse((const void *)(uintptr_t)mbi_phys, mbi_phys, &boot_info) < 0) {
        pr_err("error: cannot go on without valid boot information; stopping\n");
        console_flush();
        cpu_stop();
    }
    keel_start(&boot_info);
}
