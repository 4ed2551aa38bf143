/*
 * ACPI table discovery. The RSDP comes from the boot loader (boot_info) or, on a BIOS
 * machine, from the EBDA / 0xE0000-0xFFFFF scan the ACPI specification describes. Every
 * table is checked (signature, sane length, checksum) before it is listed; a bad one is
 * reported and left out. Runs on the boot page tables, which reach the low 4 GiB.
 */
#include <arch/acpi.h>
#include <arch/paging.h>
#include <keel/printk.h>
#include <keel/string.h>

#define ACPI_MAX_TABLE_LEN MiB(4)
#define BOOT_MAP_LIMIT GiB(4)

static const struct acpi_header *tables[ACPI_MAX_TABLES];
static unsigned nr_tables;
static struct phys_range ranges[ACPI_MAX_TABLES + 2];
static unsigned nr_ranges;

uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    while (len--)
        sum += *b++;
    return sum;
}

static void note_range(paddr_t start, uint64_t len)
{
    if (nr_ranges < ARRAY_SIZE(ranges)) {
        ranges[nr_ranges].start = start;
        ranges[nr_ranges].end = start + len;
        nr_ranges++;
    }
}

static bool rsdp_valid(const struct acpi_rsdp *r, size_t avail)
{
    if (avail < 20 || memcmp(r->sig, "RSD PTR ", 8) || acpi_checksum(r, 20))
        return false;
    if (r->revision >= 2) {
        if (avail < 36 || r->length < 36 || r->length > avail || acpi_checksum(r, r->length))
            return false;
    }
    return true;
}

/* ACPI spec: the RSDP is on a 16-byte boundary in the first KiB of the EBDA or in
 * 0xE0000-0xFFFFF. Only meaningful on BIOS machines. */
static const struct acpi_rsdp *rsdp_scan(void)
{
    paddr_t ebda = (paddr_t)(*(const uint16_t *)phys_to_virt(0x40e)) << 4;
    struct { paddr_t s, e; } areas[2] = { { ebda, ebda + 1024 }, { 0xe0000, 0x100000 } };
    for (int a = 0; a < 2; a++) {
        if (areas[a].s < 0x400 || areas[a].e > 0x100000)
            continue;
        for (paddr_t pa = areas[a].s; pa + 36 <= areas[a].e; pa += 16) {
            const struct acpi_rsdp *r = phys_to_virt(pa);
            if (rsdp_valid(r, areas[a].e - pa))
                return r;
        }
    }
    return NULL;
}

/* Checks the table at `pa`; returns it, or NULL after saying what is wrong. */
static const struct acpi_header *table_at(paddr_t pa, const char *what)
{
    if (!pa || pa + sizeof(struct acpi_header) > BOOT_MAP_LIMIT) {
        pr_warn("warning: ACPI: %s at %#llx is out of reach; ignored\n", what,
                (unsigned long long)pa);
        return NULL;
    }
    const struct acpi_header *h = phys_to_virt(pa);
    if (h->length < sizeof(*h) || h->length > ACPI_MAX_TABLE_LEN ||
        pa + h->length > BOOT_MAP_LIMIT) {
        pr_warn("warning: ACPI: %s at %#llx has impossible length %u; ignored\n", what,
                (unsigned long long)pa, h->length);
        return NULL;
    }
    if (acpi_checksum(h, h->length)) {
        pr_warn("warning: ACPI: %s %.4s at %#llx fails its checksum; ignored\n", what, h->sig,
                (unsigned long long)pa);
        return NULL;
    }
    return h;
}

bool acpi_init(const struct boot_info *bi)
{
    const struct acpi_rsdp *rsdp = NULL;

    if (bi->rsdp_len) {
        if (rsdp_valid((const void *)bi->rsdp, bi->rsdp_len))
            rsdp = (const void *)bi->rsdp;
        else
            pr_warn("warning: ACPI: the RSDP from the boot loader is invalid\n");
    }
    if (!rsdp && bi->source == BOOT_SRC_MULTIBOOT2_BIOS) {
        rsdp = rsdp_scan();
        if (rsdp)
            note_range((paddr_t)(uintptr_t)rsdp, rsdp->revision >= 2 ? rsdp->length : 20);
    }
    if (!rsdp) {
        pr_warn("warning: ACPI: no RSDP found; running on the boot CPU only\n");
        return false;
    }

    bool x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header *root = table_at(x ? rsdp->xsdt : rsdp->rsdt, x ? "XSDT" : "RSDT");
    if (!root && x) {                 /* a broken XSDT: the RSDT may still be good */
        x = false;
        root = table_at(rsdp->rsdt, "RSDT");
    }
    if (!root || memcmp(root->sig, x ? "XSDT" : "RSDT", 4)) {
        pr_warn("warning: ACPI: no valid root table; running on the boot CPU only\n");
        return false;
    }
    note_range((paddr_t)(uintptr_t)root, root->length);

    size_t esz = x ? 8 : 4;
    size_t n = (root->length - sizeof(*root)) / esz;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t pa = 0;
        memcpy(&pa, entries + i * esz, esz);     /* XSDT entries are unaligned */
        const struct acpi_header *t = table_at(pa, "table");
        if (!t)
            continue;
        if (nr_tables == ACPI_MAX_TABLES) {
            pr_warn("warning: ACPI: more than %u tables; the rest is ignored\n", ACPI_MAX_TABLES);
            break;
        }
        tables[nr_tables++] = t;
        note_range(pa, t->length);
    }
    pr_info("acpi: %s rev %u, %u tables:", x ? "XSDT" : "RSDT", rsdp->revision, nr_tables);
    for (unsigned i = 0; i < nr_tables; i++)
        pr_info(" %.4s", tables[i]->sig);
    pr_info("\n");
    return true;
}

const struct acpi_header *acpi_find_table(const char sig[4], unsigned n)
{
    for (unsigned i = 0; i < nr_tables; i++)
        if (!memcmp(tables[i]->sig, sig, 4) && n-- == 0)
            return tables[i];
    return NULL;
}

uint32_t acpi_table_ranges(struct phys_range *out, uint32_t max)
{
    uint32_t n = MIN(max, nr_ranges);
    memcpy(out, ranges, n * sizeof(*out));
    return n;
}
