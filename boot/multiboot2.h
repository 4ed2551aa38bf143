/* The multiboot2 boot information format (tags), as the multiboot2 specification defines it.
 * Private to boot/. */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include <keel/types.h>
#include <keel/boot_info.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Largest boot information block we accept: GRUB's is a few KiB; anything huge is corrupt. */
#define MB2_MAX_INFO_SIZE (1u << 20)

enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_BOOTDEV = 5,
    MB2_TAG_MMAP = 6,
    MB2_TAG_FRAMEBUFFER = 8,
    MB2_TAG_EFI32 = 11,
    MB2_TAG_EFI64 = 12,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
    MB2_TAG_EFI_MMAP = 17,
    MB2_TAG_EFI_BS = 18,
};

struct mb2_info_header { uint32_t total_size, reserved; } __packed;
struct mb2_tag { uint16_t type, flags; uint32_t size; } __packed;

struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start, mod_end;
    char cmdline[];
} __packed;

struct mb2_mmap_entry { uint64_t base, len; uint32_t type, reserved; } __packed;
struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size, entry_version;
} __packed;

struct mb2_tag_framebuffer {
    struct mb2_tag tag;
    uint64_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp, type;
    uint16_t reserved;
} __packed;

struct mb2_efi_mmap_desc {
    uint32_t type, pad;
    uint64_t phys_start, virt_start, num_pages, attribute;
} __packed;
struct mb2_tag_efi_mmap {
    struct mb2_tag tag;
    uint32_t desc_size, desc_version;
} __packed;

/*
 * Parses a multiboot2 information block (already in memory at `mbi`, whose physical
 * address is `mbi_phys`) into `bi`. Malformed input is reported with pr_warn/pr_err and
 * never read past its stated size. Returns 0 when `bi` is usable, or a negative value when
 * Keel cannot go on (no valid header or no memory map).
 */
int mb2_parse(const void *mbi, paddr_t mbi_phys, struct boot_info *bi);

#endif
