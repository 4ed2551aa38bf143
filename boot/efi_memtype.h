/*
 * EFI memory types → enum mem_type, for both boot paths that see an EFI memory map
 * (GRUB's EFI map tag in boot/mb2_parse.c, keel.efi's own map in boot/efi/). Private to boot/.
 */
#ifndef BOOT_EFI_MEMTYPE_H
#define BOOT_EFI_MEMTYPE_H

#include <keel/boot_info.h>

static inline uint32_t efi_mem_type(uint32_t t)
{
    switch (t) {
    case 1: case 2:          /* loader code/data: ours now (what we need is reserved apart) */
    case 3: case 4:          /* boot services code/data: free after ExitBootServices */
    case 7:                  /* conventional */
        return MEM_USABLE;
    case 5: case 6:          /* runtime services code/data */
        return MEM_FIRMWARE_RUNTIME;
    case 8: return MEM_BAD;
    case 9: return MEM_ACPI_RECLAIM;
    case 10: return MEM_ACPI_NVS;
    default: return MEM_RESERVED;   /* reserved, MMIO, PAL code, persistent, unknown */
    }
}

#endif
