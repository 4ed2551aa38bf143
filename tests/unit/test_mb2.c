/*
 * Host unit tests of boot/mb2_parse.c: multiboot2 information → struct boot_info.
 *
 * Every block is built in memory with the helpers below, then copied so that its last byte
 * is the last readable byte of a page (guarded_copy): a parser that reads past the block's
 * stated size faults at once, with or without AddressSanitizer.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "unit.h"
#include "../../boot/multiboot2.h"

#define MBI_PHYS 0x10000ull

/* ---- building a multiboot2 information block ---- */

static uint8_t blk[1u << 21];      /* room for the largest block mb2_parse accepts (1 MiB) */
static uint32_t blen;              /* bytes written so far */
static struct boot_info bi;

static void b_init(void)
{
    memset(blk, 0, sizeof(blk));
    blen = 8;                      /* the header: total_size, reserved */
}

static void b_put(const void *p, uint32_t n)
{
    assert_true(blen + n <= sizeof(blk));
    if (n)
        memcpy(blk + blen, p, n);
    blen += n;
}

static void b_align(void)
{
    blen = (uint32_t)ALIGN_UP(blen, 8);
}

/* A tag whose size field says `size` (whatever the payload really is), then 8-aligned. */
static uint32_t b_tag_raw(uint16_t type, uint32_t size, const void *payload, uint32_t plen)
{
    struct mb2_tag t = { type, 0, size };
    uint32_t at = blen;
    b_put(&t, sizeof(t));
    b_put(payload, plen);
    b_align();
    return at;
}

static uint32_t b_tag(uint16_t type, const void *payload, uint32_t plen)
{
    return b_tag_raw(type, (uint32_t)sizeof(struct mb2_tag) + plen, payload, plen);
}

static void b_set_total(uint32_t total)
{
    memcpy(blk, &total, 4);
}

/* The end tag, and total_size = everything written. */
static void b_end(void)
{
    b_tag(MB2_TAG_END, NULL, 0);
    b_set_total(blen);
}

static void add_string_tag(uint16_t type, const char *s)
{
    b_tag(type, s, (uint32_t)strlen(s) + 1);
}

static void add_cmdline(const char *s) { add_string_tag(MB2_TAG_CMDLINE, s); }
static void add_loader(const char *s) { add_string_tag(MB2_TAG_LOADER_NAME, s); }

static void add_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t p[1024];
    uint32_t n = (uint32_t)strlen(s) + 1;
    assert_true(n + 8 <= sizeof(p));
    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, s, n);
    b_tag(MB2_TAG_MODULE, p, 8 + n);
}

/* An E820-style memory map tag with entries of `entry_size` bytes (normally 24). */
static void add_e820_sized(const struct mb2_mmap_entry *e, uint32_t n, uint32_t entry_size)
{
    static uint8_t p[32 + 512 * 64];
    uint32_t hdr[2] = { entry_size, 0 };
    uint32_t stride = entry_size >= sizeof(*e) ? entry_size : (uint32_t)sizeof(*e);

    assert_true(8 + n * stride <= sizeof(p));
    memset(p, 0, sizeof(p));
    memcpy(p, hdr, 8);
    for (uint32_t i = 0; i < n; i++)
        memcpy(p + 8 + i * stride, &e[i], sizeof(*e));
    b_tag(MB2_TAG_MMAP, p, 8 + n * stride);
}

static void add_e820(const struct mb2_mmap_entry *e, uint32_t n)
{
    add_e820_sized(e, n, sizeof(*e));
}

static void add_efi_mmap_sized(const struct mb2_efi_mmap_desc *d, uint32_t n, uint32_t desc_size)
{
    static uint8_t p[32 + 512 * 64];
    uint32_t hdr[2] = { desc_size, 1 };
    uint32_t stride = desc_size >= sizeof(*d) ? desc_size : (uint32_t)sizeof(*d);

    assert_true(8 + n * stride <= sizeof(p));
    memset(p, 0, sizeof(p));
    memcpy(p, hdr, 8);
    for (uint32_t i = 0; i < n; i++)
        memcpy(p + 8 + i * stride, &d[i], sizeof(*d));
    b_tag(MB2_TAG_EFI_MMAP, p, 8 + n * stride);
}

static void add_efi_mmap(const struct mb2_efi_mmap_desc *d, uint32_t n)
{
    add_efi_mmap_sized(d, n, sizeof(*d));
}

/* ACPI 1.0 RSDP (20 bytes) and ACPI 2.0+ RSDP (36 bytes), told apart by their OEM id. */
static void add_rsdp_old(void)
{
    uint8_t r[20] = "RSD PTR ";
    memcpy(r + 9, "OLDOEM", 6);
    r[15] = 0;
    b_tag(MB2_TAG_ACPI_OLD, r, sizeof(r));
}

static void add_rsdp_new(void)
{
    uint8_t r[36] = "RSD PTR ";
    memcpy(r + 9, "NEWOEM", 6);
    r[15] = 2;
    r[20] = 36;
    b_tag(MB2_TAG_ACPI_NEW, r, sizeof(r));
}

static void add_fb(uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h, uint8_t bpp, uint8_t type)
{
    uint8_t p[24 + 6];
    memcpy(p, &addr, 8);
    memcpy(p + 8, &pitch, 4);
    memcpy(p + 12, &w, 4);
    memcpy(p + 16, &h, 4);
    p[20] = bpp;
    p[21] = type;
    p[22] = p[23] = 0;
    memcpy(p + 24, "\x10\x08\x08\x08\x00\x08", 6);      /* RGB colour info, as GRUB adds */
    b_tag(MB2_TAG_FRAMEBUFFER, p, sizeof(p));
}

static const struct mb2_mmap_entry std_e820[] = {
    { 0x0, 0x9fc00, 1, 0 },
    { 0x9fc00, 0x400, 2, 0 },
    { 0xf0000, 0x10000, 2, 0 },
    { 0x100000, 0x7ee0000, 1, 0 },
    { 0x7fe0000, 0x20000, 3, 0 },
    { 0xfffc0000, 0x40000, 2, 0 },
};

/* Parses the block; the copy handed to mb2_parse is exactly min(total_size, written) bytes
 * long (at least the 8-byte header), with a guard page right after it. */
static int parse_at(paddr_t phys)
{
    uint32_t total;
    memcpy(&total, blk, 4);
    size_t n = total < blen ? total : blen;
    if (n < 8)
        n = 8;
    void *p = guarded_copy(blk, n);
    memset(&bi, 0xa5, sizeof(bi));      /* mb2_parse must clear everything itself */
    clear_log();
    int r = mb2_parse(p, phys, &bi);
    guarded_free(p);
    return r;
}

static int parse(void)
{
    return parse_at(MBI_PHYS);
}

static void assert_mem(uint32_t i, uint64_t base, uint64_t len, uint32_t type)
{
    assert_true(i < bi.nr_mem);
    assert_int_equal(bi.mem[i].base, base);
    assert_int_equal(bi.mem[i].len, len);
    assert_int_equal(bi.mem[i].type, type);
}

/* A minimal valid block: one usable range. */
static void add_min_map(void)
{
    static const struct mb2_mmap_entry e = { 0x100000, 0x1000000, 1, 0 };
    add_e820(&e, 1);
}

/* ---- well-formed blocks ---- */

static void normal_block(void **state)
{
    (void)state;
    b_init();
    add_cmdline("loglvl=debug smp=2");
    add_loader("GRUB 2.06");
    add_e820(std_e820, ARRAY_SIZE(std_e820));
    add_module(0x200000, 0x280000, "dom0 console=hvc0");
    add_module(0x280000, 0x281234, "initrd");
    add_rsdp_old();
    add_rsdp_new();
    add_fb(0xfd000000, 4096, 1024, 768, 32, 1);
    b_end();

    assert_int_equal(parse(), 0);
    assert_log_empty();
    assert_int_equal(bi.nr_warnings, 0);
    assert_int_equal(bi.source, BOOT_SRC_MULTIBOOT2_BIOS);
    assert_string_equal(bi.cmdline, "loglvl=debug smp=2");
    assert_string_equal(bi.loader_name, "GRUB 2.06");

    assert_int_equal(bi.nr_mem, 6);
    assert_mem(0, 0x0, 0x9fc00, MEM_USABLE);
    assert_mem(1, 0x9fc00, 0x400, MEM_RESERVED);
    assert_mem(2, 0xf0000, 0x10000, MEM_RESERVED);
    assert_mem(3, 0x100000, 0x7ee0000, MEM_USABLE);
    assert_mem(4, 0x7fe0000, 0x20000, MEM_ACPI_RECLAIM);
    assert_mem(5, 0xfffc0000, 0x40000, MEM_RESERVED);

    assert_int_equal(bi.nr_modules, 2);
    assert_int_equal(bi.modules[0].start, 0x200000);
    assert_int_equal(bi.modules[0].end, 0x280000);
    assert_string_equal(bi.modules[0].cmdline, "dom0 console=hvc0");
    assert_int_equal(bi.modules[1].start, 0x280000);
    assert_int_equal(bi.modules[1].end, 0x281234);
    assert_string_equal(bi.modules[1].cmdline, "initrd");

    assert_int_equal(bi.rsdp_len, 36);
    assert_memory_equal(bi.rsdp + 9, "NEWOEM", 6);
    for (size_t i = 36; i < sizeof(bi.rsdp); i++)
        assert_int_equal(bi.rsdp[i], 0);

    assert_true(bi.fb.present);
    assert_int_equal(bi.fb.addr, 0xfd000000);
    assert_int_equal(bi.fb.pitch, 4096);
    assert_int_equal(bi.fb.width, 1024);
    assert_int_equal(bi.fb.height, 768);
    assert_int_equal(bi.fb.bpp, 32);
    assert_int_equal(bi.fb.type, 1);
}

static void absent_things_are_zero(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_warnings, 0);
    assert_string_equal(bi.cmdline, "");
    assert_string_equal(bi.loader_name, "");
    assert_int_equal(bi.nr_modules, 0);
    assert_int_equal(bi.rsdp_len, 0);
    assert_false(bi.fb.present);
    assert_int_equal(bi.source, BOOT_SRC_MULTIBOOT2_BIOS);
    assert_int_equal(bi.nr_mem, 1);
    for (size_t i = 1; i < BOOT_MAX_MEM_RANGES; i++)
        assert_int_equal(bi.mem[i].len, 0);
}

static void e820_type_mapping(void **state)
{
    static const struct { uint32_t e820, type; } m[] = {
        { 1, MEM_USABLE }, { 2, MEM_RESERVED }, { 3, MEM_ACPI_RECLAIM }, { 4, MEM_ACPI_NVS },
        { 5, MEM_BAD }, { 0, MEM_RESERVED }, { 6, MEM_RESERVED }, { 12, MEM_RESERVED },
        { 0xf0000000u, MEM_RESERVED },
    };
    struct mb2_mmap_entry e[ARRAY_SIZE(m)];
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(m); i++)
        e[i] = (struct mb2_mmap_entry){ i * 0x100000, 0x100000, m[i].e820, 0 };
    b_init();
    add_e820(e, ARRAY_SIZE(e));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, ARRAY_SIZE(m));
    for (size_t i = 0; i < ARRAY_SIZE(m); i++)
        assert_mem((uint32_t)i, i * 0x100000, 0x100000, m[i].type);
}

static void acpi_new_then_old(void **state)
{
    (void)state;
    b_init();
    add_rsdp_new();
    add_rsdp_old();
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.rsdp_len, 36);
    assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
    assert_memory_equal(bi.rsdp + 9, "NEWOEM", 6);
    assert_int_equal(bi.rsdp[15], 2);
}

static void acpi_old_then_new(void **state)
{
    (void)state;
    b_init();
    add_rsdp_old();
    add_rsdp_new();
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.rsdp_len, 36);
    assert_memory_equal(bi.rsdp + 9, "NEWOEM", 6);
}

static void acpi_old_only(void **state)
{
    (void)state;
    b_init();
    add_rsdp_old();
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.rsdp_len, 20);
    assert_memory_equal(bi.rsdp + 9, "OLDOEM", 6);
}

static void acpi_oversized_rsdp_cut(void **state)
{
    uint8_t r[100];
    (void)state;
    for (size_t i = 0; i < sizeof(r); i++)
        r[i] = (uint8_t)i;
    b_init();
    b_tag(MB2_TAG_ACPI_NEW, r, sizeof(r));
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.rsdp_len, sizeof(bi.rsdp));
    assert_memory_equal(bi.rsdp, r, sizeof(bi.rsdp));
}

static const struct mb2_efi_mmap_desc std_efi[] = {
    { 7, 0, 0x0, 0, 0x9f, 0xf },
    { 6, 0, 0x9f000, 0, 1, 0x800000000000000full },
    { 7, 0, 0x100000, 0, 0x700, 0xf },
    { 9, 0, 0x800000, 0, 0x10, 0xf },
};

static void efi_mmap_preferred_over_e820(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        b_init();
        if (order == 0)
            add_e820(std_e820, ARRAY_SIZE(std_e820));
        add_efi_mmap(std_efi, ARRAY_SIZE(std_efi));
        if (order == 1)
            add_e820(std_e820, ARRAY_SIZE(std_e820));
        b_end();
        assert_int_equal(parse(), 0);
        assert_int_equal(bi.nr_warnings, 0);
        assert_int_equal(bi.nr_mem, 4);
        assert_mem(0, 0x0, 0x9f000, MEM_USABLE);
        assert_mem(1, 0x9f000, 0x1000, MEM_FIRMWARE_RUNTIME);
        assert_mem(2, 0x100000, 0x700000, MEM_USABLE);
        assert_mem(3, 0x800000, 0x10000, MEM_ACPI_RECLAIM);
    }
}

static void efi_type_mapping(void **state)
{
    static const struct { uint32_t efi, type; } m[] = {
        { 0, MEM_RESERVED },            /* EfiReservedMemoryType */
        { 1, MEM_USABLE },              /* EfiLoaderCode */
        { 2, MEM_USABLE },              /* EfiLoaderData */
        { 3, MEM_USABLE },              /* EfiBootServicesCode */
        { 4, MEM_USABLE },              /* EfiBootServicesData */
        { 5, MEM_FIRMWARE_RUNTIME },    /* EfiRuntimeServicesCode */
        { 6, MEM_FIRMWARE_RUNTIME },    /* EfiRuntimeServicesData */
        { 7, MEM_USABLE },              /* EfiConventionalMemory */
        { 8, MEM_BAD },                 /* EfiUnusableMemory */
        { 9, MEM_ACPI_RECLAIM },        /* EfiACPIReclaimMemory */
        { 10, MEM_ACPI_NVS },           /* EfiACPIMemoryNVS */
        { 11, MEM_RESERVED },           /* EfiMemoryMappedIO */
        { 12, MEM_RESERVED },           /* EfiMemoryMappedIOPortSpace */
        { 13, MEM_RESERVED },           /* EfiPalCode */
        { 14, MEM_RESERVED },           /* EfiPersistentMemory */
        { 15, MEM_RESERVED },           /* EfiUnacceptedMemoryType */
        { 0x70000000u, MEM_RESERVED },  /* OEM */
        { 0x80000000u, MEM_RESERVED },  /* OS */
    };
    struct mb2_efi_mmap_desc d[ARRAY_SIZE(m)];
    (void)state;
    memset(d, 0, sizeof(d));
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        d[i].type = m[i].efi;
        d[i].phys_start = i * 0x10000;
        d[i].num_pages = 0x10;
    }
    b_init();
    add_efi_mmap(d, ARRAY_SIZE(d));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, ARRAY_SIZE(m));
    for (size_t i = 0; i < ARRAY_SIZE(m); i++)
        assert_mem((uint32_t)i, i * 0x10000, 0x10000, m[i].type);
}

/* Firmware uses descriptors larger than the 40-byte structure (48 is usual); the stride is
 * desc_size. */
static void efi_mmap_larger_descriptors(void **state)
{
    static const uint32_t sizes[] = { 40, 48, 64, 4096 };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        b_init();
        add_efi_mmap_sized(std_efi, ARRAY_SIZE(std_efi), sizes[i]);
        b_end();
        assert_int_equal(parse(), 0);
        assert_int_equal(bi.nr_mem, 4);
        assert_mem(2, 0x100000, 0x700000, MEM_USABLE);
        assert_mem(3, 0x800000, 0x10000, MEM_ACPI_RECLAIM);
    }
}

static void efi_mmap_bad_page_counts(void **state)
{
    static const struct mb2_efi_mmap_desc d[] = {
        { 7, 0, 0x100000, 0, 0, 0 },                        /* empty: skipped */
        { 7, 0, 0x200000, 0, 1ull << 52, 0 },               /* 2^64 bytes: impossible */
        { 7, 0, 0x300000, 0, ~0ull, 0 },                    /* impossible */
        { 7, 0, 0x400000, 0, 4, 0 },
    };
    (void)state;
    b_init();
    add_efi_mmap(d, ARRAY_SIZE(d));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 1);
    assert_mem(0, 0x400000, 0x4000, MEM_USABLE);
    assert_int_equal(bi.nr_warnings, 2);
    assert_int_equal(log_count("impossible page count"), 2);
}

/* An EFI map that is unusable (bad descriptor size) gives way to the E820 map. */
static void efi_mmap_bad_desc_size_falls_back(void **state)
{
    (void)state;
    b_init();
    add_efi_mmap_sized(std_efi, ARRAY_SIZE(std_efi), 32);   /* < 40 */
    add_e820(std_e820, ARRAY_SIZE(std_e820));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, ARRAY_SIZE(std_e820));
    assert_mem(3, 0x100000, 0x7ee0000, MEM_USABLE);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("impossible descriptor size");
}

static void efi64_sets_source(void **state)
{
    uint64_t st = 0x7f000000;
    (void)state;
    b_init();
    add_min_map();
    b_tag(MB2_TAG_EFI64, &st, sizeof(st));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.source, BOOT_SRC_MULTIBOOT2_EFI);
    assert_int_equal(bi.nr_warnings, 0);
}

static void efi32_sets_source(void **state)
{
    uint32_t st = 0x7f000000;
    (void)state;
    b_init();
    b_tag(MB2_TAG_EFI32, &st, sizeof(st));
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.source, BOOT_SRC_MULTIBOOT2_EFI);
}

static void efi_boot_services_not_exited_warns(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    b_tag(MB2_TAG_EFI_BS, NULL, 0);
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("boot services");
}

static void loader_data_range(void **state)
{
    (void)state;
    b_init();
    add_cmdline("x");
    add_min_map();
    b_end();
    assert_int_equal(parse_at(0x7fff8), 0);
    assert_int_equal(bi.loader_data_start, 0x7fff8);
    assert_int_equal(bi.loader_data_end, 0x7fff8 + blen);
}

static void unknown_tags_ignored(void **state)
{
    uint8_t junk[40];
    (void)state;
    memset(junk, 0xee, sizeof(junk));
    b_init();
    b_tag(MB2_TAG_BASIC_MEMINFO, junk, 8);
    b_tag(MB2_TAG_BOOTDEV, junk, 12);
    b_tag(0x7777, junk, sizeof(junk));
    add_min_map();
    b_tag(21, junk, 4);                 /* load base address */
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_warnings, 0);
    assert_int_equal(bi.nr_mem, 1);
}

static void largest_accepted_block(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    b_end();
    b_set_total(MB2_MAX_INFO_SIZE);     /* end tag, then padding up to 1 MiB */
    blen = MB2_MAX_INFO_SIZE;
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 1);
    assert_int_equal(bi.loader_data_end, MBI_PHYS + MB2_MAX_INFO_SIZE);
}

/* ---- malformed blocks ---- */

static void total_size_too_small(void **state)
{
    static const uint32_t sizes[] = { 0, 1, 8, 15 };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        b_init();
        add_min_map();
        b_end();
        b_set_total(sizes[i]);
        assert_int_equal(parse(), -1);
        assert_log_contains("not believable");
    }
}

static void total_size_huge(void **state)
{
    static const uint32_t sizes[] = { MB2_MAX_INFO_SIZE + 1, 0x7fffffffu, 0xffffffffu };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        b_init();
        add_min_map();
        b_end();
        b_set_total(sizes[i]);
        assert_int_equal(parse(), -1);
        assert_log_contains("not believable");
    }
}

static void misaligned_or_missing(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    b_end();
    for (paddr_t phys = MBI_PHYS + 1; phys < MBI_PHYS + 8; phys++) {
        assert_int_equal(parse_at(phys), -1);
        assert_log_contains("misaligned");
    }
    clear_log();
    assert_int_equal(mb2_parse(NULL, MBI_PHYS, &bi), -1);
    assert_log_contains("missing");
}

/* A tag whose size runs past total_size ends the walk; what came before is kept. */
static void tag_past_total_size(void **state)
{
    (void)state;
    b_init();
    add_cmdline("keep me");
    add_min_map();
    uint32_t at = b_tag_raw(MB2_TAG_LOADER_NAME, 0x1000, "GRUB", 5);
    b_set_total(blen);                  /* no end tag: the block ends inside the bad tag */
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, "keep me");
    assert_string_equal(bi.loader_name, "");
    assert_int_equal(bi.nr_mem, 1);
    assert_log_contains("past the end");
    char want[64];
    snprintf(want, sizeof(want), "at offset %u claims 4096 bytes", at);
    assert_log_contains(want);
    assert_true(bi.nr_warnings >= 1);
}

/* Same, with an end tag after it that must not be reached. */
static void tag_past_total_size_by_one(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    uint32_t at = blen;
    add_cmdline("abcdefg");             /* tag size 16 */
    b_end();
    uint32_t size = blen - at + 1;       /* one byte past the block's end */
    memcpy(blk + at + 4, &size, 4);
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, "");
    assert_log_contains("past the end");
}

/* If the bad tag is the memory map, there is no memory map. */
static void mmap_tag_past_total_size(void **state)
{
    (void)state;
    b_init();
    add_cmdline("x");
    uint32_t at = blen;
    add_min_map();
    b_end();
    uint32_t size = blen + 8;
    memcpy(blk + at + 4, &size, 4);
    assert_int_equal(parse(), -1);
    assert_log_contains("past the end");
    assert_log_contains("no usable memory map");
}

static void tag_size_below_header(void **state)
{
    static const uint32_t sizes[] = { 0, 1, 4, 7 };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        b_init();
        add_min_map();
        b_tag_raw(MB2_TAG_CMDLINE, sizes[i], "oops", 5);
        add_loader("never read");
        b_end();
        assert_int_equal(parse(), 0);      /* the map came first */
        assert_int_equal(bi.nr_mem, 1);
        assert_string_equal(bi.cmdline, "");
        assert_string_equal(bi.loader_name, "");
        char want[32];
        snprintf(want, sizeof(want), "claims %u bytes", sizes[i]);
        assert_log_contains(want);
        assert_true(bi.nr_warnings >= 1);
    }
}

static void missing_end_tag(void **state)
{
    (void)state;
    b_init();
    add_loader("loader");
    add_min_map();
    b_set_total(blen);
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.loader_name, "loader");
    assert_int_equal(bi.nr_mem, 1);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("no end tag");
}

/* total_size ends inside the next tag's header: the walk stops without reading it. */
static void total_ends_inside_tag_header(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    uint32_t cut = blen + 4;
    add_cmdline("unseen");
    b_end();
    b_set_total(cut);
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, "");
    assert_log_contains("no end tag");
}

/* A string with no NUL inside its tag, at the very end of the block: cut, warned, and not
 * one byte read past it (the guard page is right after the last character). */
static void unterminated_cmdline(void **state)
{
    (void)state;
    b_init();
    add_min_map();
    b_tag_raw(MB2_TAG_CMDLINE, 8 + 5, "smp=4", 5);
    b_set_total(blen - 3);              /* the block ends right after "smp=4" */
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, "smp=4");
    assert_log_contains("command line string is not terminated");
}

static void empty_cmdline_tag(void **state)
{
    (void)state;
    b_init();
    b_tag(MB2_TAG_CMDLINE, "", 1);
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, "");
    assert_int_equal(bi.nr_warnings, 0);
}

static void overlong_cmdline(void **state)
{
    char s[BOOT_CMDLINE_MAX + 100];
    (void)state;
    for (size_t i = 0; i < sizeof(s) - 1; i++)
        s[i] = (char)('a' + i % 26);
    s[sizeof(s) - 1] = '\0';
    b_init();
    add_cmdline(s);
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_memory_equal(bi.cmdline, s, BOOT_CMDLINE_MAX - 1);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("cut to 511");
}

static void cmdline_exactly_max(void **state)
{
    char s[BOOT_CMDLINE_MAX];
    (void)state;
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    b_init();
    add_cmdline(s);
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_string_equal(bi.cmdline, s);
    assert_int_equal(bi.nr_warnings, 0);
}

static void overlong_loader_name(void **state)
{
    char s[100];
    (void)state;
    memset(s, 'L', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    b_init();
    add_loader(s);
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(strlen(bi.loader_name), sizeof(bi.loader_name) - 1);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("loader name string is 99 bytes; cut to 63");
}

static void overlong_module_cmdline(void **state)
{
    char s[BOOT_MODULE_CMDLINE_MAX + 44];
    (void)state;
    memset(s, 'm', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    b_init();
    add_module(0x1000000, 0x1001000, s);
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_modules, 1);
    assert_int_equal(strlen(bi.modules[0].cmdline), BOOT_MODULE_CMDLINE_MAX - 1);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("module command line string");
}

static void unterminated_module_cmdline(void **state)
{
    uint8_t p[8 + 6];
    uint32_t start = 0x300000, end = 0x301000;
    (void)state;
    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, "initrd", 6);          /* no NUL */
    b_init();
    add_min_map();
    b_tag(MB2_TAG_MODULE, p, sizeof(p));
    b_set_total(blen - 2);               /* the block ends after the 'd' */
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_modules, 1);
    assert_string_equal(bi.modules[0].cmdline, "initrd");
    assert_log_contains("not terminated");
}

static void module_end_before_start(void **state)
{
    (void)state;
    b_init();
    add_module(0x400000, 0x500000, "first");
    add_module(0x600000, 0x5fffff, "backwards");
    add_module(0x700000, 0x700000, "empty");
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_modules, 2);
    assert_string_equal(bi.modules[0].cmdline, "first");
    assert_string_equal(bi.modules[1].cmdline, "empty");
    assert_int_equal(bi.modules[1].start, bi.modules[1].end);
    assert_int_equal(bi.nr_warnings, 1);
    assert_log_contains("ends before it starts");
}

static void module_tag_too_short(void **state)
{
    uint32_t start = 0x400000;
    (void)state;
    b_init();
    b_tag(MB2_TAG_MODULE, &start, 4);    /* 12 bytes: no end, no string */
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_modules, 0);
    assert_log_contains("module tag too short");
}

static void too_many_modules(void **state)
{
    char name[16];
    (void)state;
    b_init();
    for (uint32_t i = 0; i < BOOT_MAX_MODULES + 4; i++) {
        snprintf(name, sizeof(name), "mod%u", i);
        add_module(0x1000000 + i * 0x10000, 0x1000000 + i * 0x10000 + 0x1000, name);
    }
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
    for (uint32_t i = 0; i < BOOT_MAX_MODULES; i++) {
        snprintf(name, sizeof(name), "mod%u", i);
        assert_string_equal(bi.modules[i].cmdline, name);
        assert_int_equal(bi.modules[i].start, 0x1000000 + i * 0x10000);
    }
    assert_true(bi.nr_warnings >= 1 && bi.nr_warnings <= 4);
    assert_log_contains("more modules than Keel keeps");
}

static void mmap_entry_size_zero(void **state)
{
    (void)state;
    b_init();
    add_e820_sized(std_e820, 2, 0);
    b_end();
    assert_int_equal(parse(), -1);
    assert_log_contains("impossible entry size");
    assert_log_contains("no usable memory map");
}

static void mmap_entry_size_too_small(void **state)
{
    (void)state;
    b_init();
    add_e820_sized(std_e820, 2, 16);
    b_end();
    assert_int_equal(parse(), -1);
    assert_log_contains("impossible entry size");
}

static void mmap_entry_size_larger(void **state)
{
    (void)state;
    b_init();
    add_e820_sized(std_e820, ARRAY_SIZE(std_e820), 40);
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, ARRAY_SIZE(std_e820));
    for (uint32_t i = 0; i < ARRAY_SIZE(std_e820); i++)
        assert_int_equal(bi.mem[i].base, std_e820[i].base);
}

static void mmap_tag_header_only(void **state)
{
    uint32_t esz = 24;
    (void)state;
    b_init();
    b_tag(MB2_TAG_MMAP, &esz, 4);        /* 12 bytes: shorter than the mmap tag header */
    b_end();
    assert_int_equal(parse(), -1);
    assert_log_contains("impossible entry size");
}

/* A partial entry at the end of the tag is not read. */
static void mmap_partial_last_entry(void **state)
{
    uint8_t p[8 + 24 * 2 + 10];
    uint32_t hdr[2] = { 24, 0 };
    (void)state;
    memcpy(p, hdr, 8);
    memcpy(p + 8, std_e820, 48);
    memset(p + 56, 0x11, 10);
    b_init();
    b_tag(MB2_TAG_MMAP, p, sizeof(p));
    b_set_total(blen - 6);               /* the block ends with the partial entry */
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 2);
    assert_mem(1, std_e820[1].base, std_e820[1].len, MEM_RESERVED);
}

static void mmap_zero_length_entries_dropped(void **state)
{
    static const struct mb2_mmap_entry e[] = {
        { 0x1000, 0, 1, 0 }, { 0x100000, 0x100000, 1, 0 }, { 0x300000, 0, 2, 0 },
    };
    (void)state;
    b_init();
    add_e820(e, ARRAY_SIZE(e));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 1);
    assert_mem(0, 0x100000, 0x100000, MEM_USABLE);
    assert_int_equal(bi.nr_warnings, 0);
}

static void mmap_only_empty_entries(void **state)
{
    static const struct mb2_mmap_entry e[] = { { 0x1000, 0, 1, 0 } };
    (void)state;
    b_init();
    add_e820(e, 1);
    b_end();
    assert_int_equal(parse(), -1);
    assert_log_contains("no usable memory map");
}

static void too_many_mem_ranges(void **state)
{
    static struct mb2_mmap_entry e[BOOT_MAX_MEM_RANGES + 44];
    (void)state;
    for (uint32_t i = 0; i < ARRAY_SIZE(e); i++)
        e[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 0x80000, 1 + (i & 1), 0 };
    b_init();
    add_e820(e, ARRAY_SIZE(e));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, BOOT_MAX_MEM_RANGES);
    for (uint32_t i = 0; i < BOOT_MAX_MEM_RANGES; i++)
        assert_mem(i, (uint64_t)i << 20, 0x80000, (i & 1) ? MEM_RESERVED : MEM_USABLE);
    assert_int_equal(bi.nr_warnings, 1);
    assert_int_equal(log_count("more memory map entries"), 1);
}

static void exactly_max_mem_ranges(void **state)
{
    static struct mb2_mmap_entry e[BOOT_MAX_MEM_RANGES];
    (void)state;
    for (uint32_t i = 0; i < ARRAY_SIZE(e); i++)
        e[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 0x80000, 1, 0 };
    b_init();
    add_e820(e, ARRAY_SIZE(e));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, BOOT_MAX_MEM_RANGES);
    assert_int_equal(bi.nr_warnings, 0);
}

static void too_many_efi_ranges(void **state)
{
    static struct mb2_efi_mmap_desc d[BOOT_MAX_MEM_RANGES + 10];
    (void)state;
    memset(d, 0, sizeof(d));
    for (uint32_t i = 0; i < ARRAY_SIZE(d); i++) {
        d[i].type = 7;
        d[i].phys_start = (uint64_t)i << 20;
        d[i].num_pages = 1;
    }
    b_init();
    add_efi_mmap(d, ARRAY_SIZE(d));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, BOOT_MAX_MEM_RANGES);
    assert_int_equal(log_count("more memory map entries"), 1);
}

static void entry_wraps_past_2_64(void **state)
{
    static const struct mb2_mmap_entry e[] = {
        { 0x100000, 0x100000, 1, 0 },
        { 0xfffffffffff00000ull, 0x200000, 2, 0 },     /* wraps: clipped to 2^64 */
        { 0xffffffffffffffffull, 0xffffffffffffffffull, 1, 0 },
    };
    (void)state;
    b_init();
    add_e820(e, ARRAY_SIZE(e));
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 3);
    assert_mem(0, 0x100000, 0x100000, MEM_USABLE);
    assert_mem(1, 0xfffffffffff00000ull, 0x100000, MEM_RESERVED);
    assert_mem(2, 0xffffffffffffffffull, 1, MEM_USABLE);
    assert_int_equal(log_count("wraps past the end"), 2);
    for (uint32_t i = 0; i < bi.nr_mem; i++)
        assert_true(bi.mem[i].base + bi.mem[i].len >= bi.mem[i].base ||
                    bi.mem[i].base + bi.mem[i].len == 0);
}

static void efi_entry_wraps_past_2_64(void **state)
{
    static const struct mb2_efi_mmap_desc d[] = {
        { 7, 0, 0xffffffffffff0000ull, 0, 0x20, 0 },
    };
    (void)state;
    b_init();
    add_efi_mmap(d, 1);
    b_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(bi.nr_mem, 1);
    assert_mem(0, 0xffffffffffff0000ull, 0x10000, MEM_USABLE);
    assert_log_contains("wraps");
}

static void no_memory_map(void **state)
{
    uint32_t meminfo[2] = { 639, 130048 };
    (void)state;
    b_init();
    add_cmdline("console=com1");
    b_tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
    b_end();
    assert_int_equal(parse(), -1);
    assert_log_contains("no usable memory map");
}

static void only_end_tag(void **state)
{
    (void)state;
    b_init();
    b_end();
    assert_int_equal(blen, 16);
    assert_int_equal(parse(), -1);
}

static void framebuffer_too_short(void **state)
{
    uint8_t p[16] = { 0 };
    (void)state;
    b_init();
    b_tag(MB2_TAG_FRAMEBUFFER, p, sizeof(p));
    add_min_map();
    b_end();
    assert_int_equal(parse(), 0);
    assert_false(bi.fb.present);
    assert_log_contains("framebuffer tag too short");
}

/* Random corruption of a valid block, fed with random total sizes: the parser must never
 * read past the block (guard page / ASan), never loop, and leave bi consistent. */
static void mutation_fuzz(void **state)
{
    static uint8_t good[4096];
    uint32_t good_len;
    uint64_t seed = 0x6b65656c6d623221ull;
    (void)state;

    b_init();
    add_cmdline("loglvl=debug");
    add_loader("GRUB");
    add_module(0x200000, 0x280000, "dom0");
    add_e820(std_e820, ARRAY_SIZE(std_e820));
    add_efi_mmap(std_efi, ARRAY_SIZE(std_efi));
    add_rsdp_old();
    add_rsdp_new();
    add_fb(0xfd000000, 4096, 1024, 768, 32, 1);
    b_tag(MB2_TAG_EFI64, "\0\0\0\0\0\0\0\0", 8);
    b_end();
    good_len = blen;
    assert_true(good_len <= sizeof(good));
    memcpy(good, blk, good_len);

    for (int iter = 0; iter < 20000; iter++) {
        memcpy(blk, good, good_len);
        blen = good_len;
        int nmut = 1 + (int)(unit_rand(&seed) % 6);
        for (int k = 0; k < nmut; k++) {
            uint32_t at = 8 + (uint32_t)(unit_rand(&seed) % (good_len - 8));
            switch (unit_rand(&seed) % 4) {
            case 0: blk[at] = (uint8_t)unit_rand(&seed); break;
            case 1: blk[at] ^= (uint8_t)(1u << (unit_rand(&seed) % 8)); break;
            case 2: {                         /* a size field somewhere */
                uint32_t v = (uint32_t)unit_rand(&seed) % 128;
                memcpy(blk + (at & ~7u) + 4, &v, 4);
                break;
            }
            default: blk[at] = 0; break;
            }
        }
        uint32_t total = good_len;
        if (unit_rand(&seed) % 4 == 0)
            total = (uint32_t)(unit_rand(&seed) % (good_len + 1));
        b_set_total(total);
        int r = parse();
        assert_true(r == 0 || r == -1);
        if (r == 0)
            assert_true(bi.nr_mem >= 1);
        assert_true(bi.nr_mem <= BOOT_MAX_MEM_RANGES);
        assert_true(bi.nr_modules <= BOOT_MAX_MODULES);
        assert_true(bi.rsdp_len <= sizeof(bi.rsdp));
        assert_true(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
        assert_true(memchr(bi.loader_name, 0, sizeof(bi.loader_name)) != NULL);
        for (uint32_t i = 0; i < bi.nr_modules; i++) {
            assert_true(memchr(bi.modules[i].cmdline, 0, sizeof(bi.modules[i].cmdline)) != NULL);
            assert_true(bi.modules[i].start <= bi.modules[i].end);
        }
        for (uint32_t i = 0; i < bi.nr_mem; i++) {
            assert_true(bi.mem[i].len != 0);
            assert_true(bi.mem[i].type >= MEM_USABLE && bi.mem[i].type < MEM_TYPE_COUNT);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_block),
        cmocka_unit_test(absent_things_are_zero),
        cmocka_unit_test(e820_type_mapping),
        cmocka_unit_test(acpi_new_then_old),
        cmocka_unit_test(acpi_old_then_new),
        cmocka_unit_test(acpi_old_only),
        cmocka_unit_test(acpi_oversized_rsdp_cut),
        cmocka_unit_test(efi_mmap_preferred_over_e820),
        cmocka_unit_test(efi_type_mapping),
        cmocka_unit_test(efi_mmap_larger_descriptors),
        cmocka_unit_test(efi_mmap_bad_page_counts),
        cmocka_unit_test(efi_mmap_bad_desc_size_falls_back),
        cmocka_unit_test(efi64_sets_source),
        cmocka_unit_test(efi32_sets_source),
        cmocka_unit_test(efi_boot_services_not_exited_warns),
        cmocka_unit_test(loader_data_range),
        cmocka_unit_test(unknown_tags_ignored),
        cmocka_unit_test(largest_accepted_block),
        cmocka_unit_test(total_size_too_small),
        cmocka_unit_test(total_size_huge),
        cmocka_unit_test(misaligned_or_missing),
        cmocka_unit_test(tag_past_total_size),
        cmocka_unit_test(tag_past_total_size_by_one),
        cmocka_unit_test(mmap_tag_past_total_size),
        cmocka_unit_test(tag_size_below_header),
        cmocka_unit_test(missing_end_tag),
        cmocka_unit_test(total_ends_inside_tag_header),
        cmocka_unit_test(unterminated_cmdline),
        cmocka_unit_test(empty_cmdline_tag),
        cmocka_unit_test(overlong_cmdline),
        cmocka_unit_test(cmdline_exactly_max),
        cmocka_unit_test(overlong_loader_name),
        cmocka_unit_test(overlong_module_cmdline),
        cmocka_unit_test(unterminated_module_cmdline),
        cmocka_unit_test(module_end_before_start),
        cmocka_unit_test(module_tag_too_short),
        cmocka_unit_test(too_many_modules),
        cmocka_unit_test(mmap_entry_size_zero),
        cmocka_unit_test(mmap_entry_size_too_small),
        cmocka_unit_test(mmap_entry_size_larger),
        cmocka_unit_test(mmap_tag_header_only),
        cmocka_unit_test(mmap_partial_last_entry),
        cmocka_unit_test(mmap_zero_length_entries_dropped),
        cmocka_unit_test(mmap_only_empty_entries),
        cmocka_unit_test(too_many_mem_ranges),
        cmocka_unit_test(exactly_max_mem_ranges),
        cmocka_unit_test(too_many_efi_ranges),
        cmocka_unit_test(entry_wraps_past_2_64),
        cmocka_unit_test(efi_entry_wraps_past_2_64),
        cmocka_unit_test(no_memory_map),
        cmocka_unit_test(only_end_tag),
        cmocka_unit_test(framebuffer_too_short),
        cmocka_unit_test(mutation_fuzz),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
