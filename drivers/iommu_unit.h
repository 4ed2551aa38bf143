/* What an IOMMU vendor driver (drivers/amd_iommu.c, drivers/vtd.c) gives drivers/iommu.c,
 * which owns the vendor-neutral part: the choice of unit at boot, the fault-poll timer and
 * each domain's I/O page tables (a radix tree of 512-entry tables, like the CPU's, whose
 * entry format is the vendor's). */
#ifndef DRIVERS_IOMMU_UNIT_H
#define DRIVERS_IOMMU_UNIT_H

#include <keel/types.h>

#define IOPT_ADDR 0x000ffffffffff000ull  /* the next table / frame in both vendors' entries */

struct iommu_ops {
    const char *name;                         /* log prefix: "amd-iommu", "vt-d" */
    unsigned levels;                          /* of the I/O page tables (3 or 4) */
    uint16_t nr_domids;                       /* I/O domain ids 1 .. nr_domids-1 usable */
    bool flush_cpu_cache;                     /* the unit does not snoop: clflush entries */
    uint64_t absent;                          /* a not-present entry; bit 0 clear */
    uint64_t (*table)(paddr_t next, unsigned level);   /* entry of a level-`level` table */
    uint64_t (*leaf)(paddr_t hpa, unsigned perms);     /* P2M_R/P2M_W; bit 0 set if any */
    /* Points the device at a root (0: blocks it) and makes the unit forget what it cached
     * about the device and both domains; returns when that is done. */
    int (*set_device)(uint16_t bdf, paddr_t root, uint16_t domid);
    /* Forgets the domain's cached translations; returns when done. */
    void (*flush_domain)(uint16_t domid);
    void (*poll)(void);
    /* Interrupt remapping; both NULL while it is off. irq_route aims the device's entry for
     * host `vector` at that vector on the CPU with local APIC id apic_id (fixed, edge) and
     * gives the MSI address and data the device must be programmed with; irq_unroute
     * removes the entry (the device's interrupts through it are then blocked). */
    int (*irq_route)(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr,
                     uint32_t *data);
    void (*irq_unroute)(uint16_t bdf, uint8_t vector);
};

/* Each finds its unit from ACPI and enables it with every device blocked — their DMA,
 * and, if `intremap` and the unit can, their interrupts; NULL: none. */
const struct iommu_ops *amdvi_probe(bool intremap);
const struct iommu_ops *vtd_probe(bool intremap);

/* Writes the cache lines holding [p, p+len) back to memory (for a unit that does not
 * snoop the CPU caches), then fences. */
void iommu_clflush(const void *p, size_t len);

#endif
