/*
 * struct boot_info: everything boot/ learned about how Keel was started.
 * Filled by exactly one boot path (multiboot2 today, the UEFI loader later);
 * nothing above boot/ ever looks at multiboot2 tags or EFI tables.
 */
#ifndef KEEL_BOOT_INFO_H
#define KEEL_BOOT_INFO_H

#include <keel/types.h>

#define BOOT_MAX_MEM_RANGES 256
#define BOOT_MAX_MODULES    16
#define BOOT_CMDLINE_MAX    512
#define BOOT_MODULE_CMDLINE_MAX 256

enum mem_type {
    MEM_USABLE = 1,        /* free RAM */
    MEM_RESERVED,          /* firmware or device, never touched */
    MEM_ACPI_RECLAIM,      /* ACPI tables: kept, they are read after boot */
    MEM_ACPI_NVS,          /* firmware storage across sleep states */
    MEM_BAD,               /* defective RAM */
    MEM_FIRMWARE_RUNTIME,  /* EFI runtime services code and data */
    MEM_TYPE_COUNT
};

struct mem_range {
    uint64_t base;
    uint64_t len;
    uint32_t type;         /* enum mem_type */
};

struct boot_module {
    paddr_t start;
    paddr_t end;           /* exclusive */
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

enum boot_source {
    BOOT_SRC_UNKNOWN = 0,
    BOOT_SRC_MULTIBOOT2_BIOS,
    BOOT_SRC_MULTIBOOT2_EFI,   /* GRUB under UEFI: boot services already exited */
    BOOT_SRC_UEFI,             /* keel.efi, Keel's own UEFI loader (boot/efi/) */
};

struct boot_framebuffer {
    bool present;
    paddr_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp;
    uint8_t type;              /* 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
    enum boot_source source;
    char loader_name[64];
    char cmdline[BOOT_CMDLINE_MAX];

    uint32_t nr_mem;
    struct mem_range mem[BOOT_MAX_MEM_RANGES];

    uint32_t nr_modules;
    struct boot_module modules[BOOT_MAX_MODULES];

    /* A copy of the ACPI RSDP as the loader handed it over (0 if none). */
    uint32_t rsdp_len;
    uint8_t rsdp[64];

    struct boot_framebuffer fb;

    /* The boot protocol's own data: must not be handed out before we are done with it. */
    paddr_t loader_data_start, loader_data_end;

    /* Problems found while parsing (already printed); a count helps tests and diagnostics. */
    uint32_t nr_warnings;

    /* Boot benchmark: the TSC at the boot loader's own entry when it measures one
     * (keel.efi), else 0 (multiboot2); and the TSC ticks since then that the loader spent
     * in the firmware's file reads, which the figure leaves out (disk I/O is not
     * repeatable under QEMU -icount). */
    uint64_t loader_tsc_start;
    uint64_t loader_tsc_io;
};

const char *mem_type_name(uint32_t type);

#endif
