/* ACPI tables: RSDP → XSDT/RSDT → the tables Keel reads (MADT now; MCFG, DMAR, IVRS later). */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <keel/boot_info.h>
#include <keel/memmap.h>

struct acpi_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __packed;

struct acpi_rsdp {
    char sig[8];                 /* "RSD PTR " */
    uint8_t checksum;            /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision;            /* 0: ACPI 1.0 (RSDT only); 2+: XSDT fields valid */
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t ext_checksum;        /* over `length` bytes */
    uint8_t reserved[3];
} __packed;

#define ACPI_MAX_TABLES 64

/* Finds and checks the tables. Returns false (after saying why) when there is no usable
 * ACPI; Keel then runs on the boot CPU alone. */
bool acpi_init(const struct boot_info *bi);
/* The n-th table with this signature (0 = first), or NULL. */
const struct acpi_header *acpi_find_table(const char sig[4], unsigned n);
/* The physical ranges ACPI tables occupy, so the frame allocator leaves them alone. */
uint32_t acpi_table_ranges(struct phys_range *out, uint32_t max);

/* Checksum of `len` bytes: valid ACPI structures sum to 0. */
uint8_t acpi_checksum(const void *p, size_t len);

/* ---- MADT (arch/x86/madt.c, a pure parser, tested on the host) ---- */
#define MADT_MAX_CPUS    64
#define MADT_MAX_IOAPICS 8

struct madt_cpu {
    uint32_t apic_id;
    uint32_t acpi_uid;
};

struct madt_ioapic {
    uint32_t id;
    paddr_t addr;
    uint32_t gsi_base;
};

struct madt_info {
    paddr_t lapic_addr;
    bool pcat_compat;            /* legacy 8259 PICs present */
    uint32_t nr_cpus;
    struct madt_cpu cpus[MADT_MAX_CPUS];
    uint32_t nr_ioapics;
    struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
    uint32_t nr_bad;             /* entries rejected as nonsense */
};

/* Parses a MADT of `len` bytes (the table's own length must agree). Returns 0 on success,
 * -1 if the table is unusable as a whole. Bad entries are reported and skipped. */
int madt_parse(const void *table, size_t len, struct madt_info *out);

#endif
