/*
 * multiboot2 information → struct boot_info.
 *
 * Hostile or truncated input must not make us read out of bounds: every tag is checked
 * against the block's stated total size, and every string against its tag's size.
 * Built for the host too (tests/unit/test_mb2.c).
 */
#include "multiboot2.h"
#include "efi_memtype.h"
#include <keel/printk.h>
#include <keel/string.h>

static void warn(struct boot_info *bi, const char *what)
{
    bi->nr_warnings++;
    pr_warn("warning: multiboot2: %s\n", what);
}

/* Copies a string that must end inside [s, s + max); an unterminated one is cut. */
static void copy_tag_string(struct boot_info *bi, char *dst, size_t dstlen,
                            const char *s, size_t max, const char *what)
{
    size_t n = strnlen(s, max);
    char msg[96];

    if (n == max) {
        snprintf(msg, sizeof(msg), "%s string is not terminated inside its tag; cut", what);
        warn(bi, msg);
    }
    if (n >= dstlen) {
        snprintf(msg, sizeof(msg), "%s string is %zu bytes; cut to %zu", what, n, dstlen - 1);
        warn(bi, msg);
        n = dstlen - 1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void add_range(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
    if (len == 0)
        return;
    if (base + len < base) {              /* wraps past 2^64 */
        warn(bi, "memory map entry wraps past the end of the address space; clipped");
        len = (uint64_t)0 - base;
        if (len == 0)
            return;
    }
    if (bi->nr_mem >= BOOT_MAX_MEM_RANGES) {
        if (bi->nr_mem == BOOT_MAX_MEM_RANGES)        /* say it once */
            warn(bi, "more memory map entries than Keel keeps; the rest is ignored");
        bi->nr_mem = BOOT_MAX_MEM_RANGES + 1;         /* clamped by mb2_parse */
        return;
    }
    bi->mem[bi->nr_mem].base = base;
    bi->mem[bi->nr_mem].len = len;
    bi->mem[bi->nr_mem].type = type;
    bi->nr_mem++;
}

static uint32_t e820_type(uint32_t t)
{
    switch (t) {
    case 1: return MEM_USABLE;
    case 3: return MEM_ACPI_RECLAIM;
    case 4: return MEM_ACPI_NVS;
    case 5: return MEM_BAD;
    default: return MEM_RESERVED;
    }
}

static uint32_t efi_type(uint32_t t)
{
    return efi_mem_type(t);    /* boot/efi_memtype.h: shared with keel.efi */
}

static void parse_e820(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
    if (t->tag.size < sizeof(*t) || t->entry_size < sizeof(struct mb2_mmap_entry)) {
        warn(bi, "memory map tag has an impossible entry size; ignored");
        return;
    }
    const uint8_t *p = (const uint8_t *)(t + 1);
    size_t n = (t->tag.size - sizeof(*t)) / t->entry_size;
    for (size_t i = 0; i < n; i++) {
        const struct mb2_mmap_entry *e = (const void *)(p + i * t->entry_size);
        add_range(bi, e->base, e->len, e820_type(e->type));
    }
}

static void parse_efi_mmap(struct boot_info *bi, const struct mb2_tag_efi_mmap *t)
{
    if (t->tag.size < sizeof(*t) || t->desc_size < sizeof(struct mb2_efi_mmap_desc)) {
        warn(bi, "EFI memory map tag has an impossible descriptor size; ignored");
        return;
    }
    const uint8_t *p = (const uint8_t *)(t + 1);
    size_t n = (t->tag.size - sizeof(*t)) / t->desc_size;
    for (size_t i = 0; i < n; i++) {
        const struct mb2_efi_mmap_desc *d = (const void *)(p + i * t->desc_size);
        if (d->num_pages > (UINT64_MAX >> PAGE_SHIFT)) {
            warn(bi, "EFI memory descriptor with an impossible page count; skipped");
            continue;
        }
        add_range(bi, d->phys_start, d->num_pages << PAGE_SHIFT, efi_type(d->type));
    }
}

static void parse_module(struct boot_info *bi, const struct mb2_tag_module *t)
{
    if (t->tag.size < sizeof(*t)) {
        warn(bi, "module tag too short; ignored");
        return;
    }
    if (t->mod_end < t->mod_start) {
        warn(bi, "module ends before it starts; ignored");
        return;
    }
    if (bi->nr_modules == BOOT_MAX_MODULES) {
        warn(bi, "more modules than Keel keeps; the rest is ignored");
        return;
    }
    struct boot_module *m = &bi->modules[bi->nr_modules++];
    m->start = t->mod_start;
    m->end = t->mod_end;
    copy_tag_string(bi, m->cmdline, sizeof(m->cmdline), t->cmdline,
                    t->tag.size - sizeof(*t), "module command line");
}

int mb2_parse(const void *mbi, paddr_t mbi_phys, struct boot_info *bi)
{
    const struct mb2_info_header *h = mbi;
    const struct mb2_tag_mmap *e820 = NULL;
    const struct mb2_tag_efi_mmap *efimap = NULL;
    bool saw_end = false, efi = false;
    char msg[128];

    memset(bi, 0, sizeof(*bi));
    bi->source = BOOT_SRC_MULTIBOOT2_BIOS;

    if (!mbi || (mbi_phys & 7)) {
        pr_err("error: multiboot2: boot information at %#llx is missing or misaligned\n",
               (unsigned long long)mbi_phys);
        return -1;
    }
    uint32_t total = h->total_size;
    if (total < sizeof(*h) + sizeof(struct mb2_tag) || total > MB2_MAX_INFO_SIZE) {
        pr_err("error: multiboot2: boot information claims %u bytes; not believable\n", total);
        return -1;
    }
    bi->loader_data_start = mbi_phys;
    bi->loader_data_end = mbi_phys + total;

    const uint8_t *base = mbi;
    uint32_t off = sizeof(*h);
    while (off + sizeof(struct mb2_tag) <= total) {
        const struct mb2_tag *t = (const void *)(base + off);
        if (t->size < sizeof(struct mb2_tag) || t->size > total - off) {
            snprintf(msg, sizeof(msg), "tag %u at offset %u claims %u bytes, past the end "
                     "(%u); the rest is ignored", t->type, off, t->size, total);
            warn(bi, msg);
            break;
        }
        if (t->type == MB2_TAG_END) {
            saw_end = true;
            break;
        }
        switch (t->type) {
        case MB2_TAG_CMDLINE:
            copy_tag_string(bi, bi->cmdline, sizeof(bi->cmdline), (const char *)(t + 1),
                            t->size - sizeof(*t), "command line");
            break;
        case MB2_TAG_LOADER_NAME:
            copy_tag_string(bi, bi->loader_name, sizeof(bi->loader_name),
                            (const char *)(t + 1), t->size - sizeof(*t), "loader name");
            break;
        case MB2_TAG_MODULE:
            parse_module(bi, (const void *)t);
            break;
        case MB2_TAG_MMAP:
            e820 = (const void *)t;
            break;
        case MB2_TAG_EFI_MMAP:
            efimap = (const void *)t;
            break;
        case MB2_TAG_EFI32:
        case MB2_TAG_EFI64:
            efi = true;
            break;
        case MB2_TAG_EFI_BS:
            warn(bi, "the loader did not exit EFI boot services; Keel expects it to");
            break;
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW: {
            uint32_t len = t->size - sizeof(*t);
            /* The new (ACPI 2+) RSDP wins over the old one whatever the tag order. */
            if (t->type == MB2_TAG_ACPI_OLD && bi->rsdp_len >= 36)
                break;
            if (len > sizeof(bi->rsdp))
                len = sizeof(bi->rsdp);
            memcpy(bi->rsdp, t + 1, len);
            bi->rsdp_len = len;
            break;
        }
        case MB2_TAG_FRAMEBUFFER: {
            const struct mb2_tag_framebuffer *f = (const void *)t;
            if (t->size < sizeof(*f)) {
                warn(bi, "framebuffer tag too short; ignored");
                break;
            }
            bi->fb.present = true;
            bi->fb.addr = f->addr;
            bi->fb.pitch = f->pitch;
            bi->fb.width = f->width;
            bi->fb.height = f->height;
            bi->fb.bpp = f->bpp;
            bi->fb.type = f->type;
            break;
        }
        default:
            break;   /* tags we do not need */
        }
        off += (uint32_t)ALIGN_UP(t->size, 8);
    }
    if (!saw_end)
        warn(bi, "no end tag inside the stated size; using what was read");

    if (efi)
        bi->source = BOOT_SRC_MULTIBOOT2_EFI;
    /* The EFI map tells runtime-services memory apart; prefer it when GRUB gives both. */
    if (efimap)
        parse_efi_mmap(bi, efimap);
    if (bi->nr_mem == 0 && e820)
        parse_e820(bi, e820);
    if (bi->nr_mem > BOOT_MAX_MEM_RANGES)
        bi->nr_mem = BOOT_MAX_MEM_RANGES;
    if (bi->nr_mem == 0) {
        pr_err("error: multiboot2: no usable memory map from the loader\n");
        return -1;
    }
    return 0;
}
