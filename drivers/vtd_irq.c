/*
 * VT-d interrupt remapping. With it on, a device's interrupt is a request the unit
 * translates through a table Keel owns: the device only names an entry (the "handle" in
 * its MSI address), and the entry says which vector reaches which CPU — if the entry is
 * present and was written for that device (source-id check: the requester id must be the
 * one the entry names). Compatibility-format requests, which carry their own vector and
 * destination as on a machine without remapping, are blocked (GCMD.CFI stays clear). So a
 * device a domain drives, or a DMA write it is made to aim at the interrupt window
 * 0xFEE00000-0xFEEFFFFF, can raise only the vectors Keel gave it: a bad request is
 * recorded as a fault (drivers/vtd.c logs it) and dropped.
 *
 * One table for every unit, indexed by host vector: drivers/pci_msi.c gives each enabled
 * MSI its own host vector, so the vector is a unique, free index. 256 entries of 16 bytes.
 * Destinations are xAPIC ids (IRTA.EIME clear: what every unit supports).
 */
#include <keel/frame.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <arch/paging.h>
#include "vtd.h"

#define IRT_SIZE_256    7ull            /* IRTA.S: 2^(S+1) entries */
#define IRTE_P          (1ull << 0)     /* low quadword; fixed, edge, physical: all 0 */
#define IRTE_VECTOR(v)  ((uint64_t)(v) << 16)
#define IRTE_DEST(id)   ((uint64_t)((id) & 0xff) << 40)   /* xAPIC id in DST[15:8] */
#define IRTE_SVT_RID    (1ull << 18)    /* high quadword: verify the full requester id */
#define MSI_REMAPPABLE  (1u << 4)       /* address: interrupt format 1 */

static uint64_t *irt;

bool vtd_irq_enable(void)
{
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        if (!(u->ecap & ECAP_IR) || !u->queue) {
            pr_warn("warning: vt-d: unit at %#llx %s: interrupts of passthrough devices are "
                    "not remapped\n", (unsigned long long)u->base,
                    !(u->ecap & ECAP_IR) ? "has no interrupt remapping"
                                         : "has no working invalidation queue");
            return false;
        }
    }
    paddr_t t = frame_alloc_zeroed();           /* every entry not present */
    if (!t) {
        pr_err("error: vt-d: no memory for the interrupt remapping table\n");
        return false;
    }
    irt = phys_to_virt(t);
    vtd_written(irt, PAGE_SIZE);
    bool ok = true;
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        vtd_wr64(&vtd_units[i], REG_IRTA, t | IRT_SIZE_256);
        ok &= vtd_command(&vtd_units[i], GCMD_SIRTP);
    }
    vtd_invalidate_irq(-1);
    for (unsigned i = 0; i < vtd_nr_units; i++)
        ok &= vtd_command(&vtd_units[i], GCMD_IRE);
    pr_info("vt-d: interrupt remapping on%s: a device raises only the vectors Keel gave it; "
            "compatibility-format interrupts blocked\n", ok ? "" : " BUT A UNIT DOES NOT ANSWER");
    return true;
}

int vtd_irq_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr, uint32_t *data)
{
    if (apic_id > 0xff)
        return -1;
    uint64_t *e = &irt[vector * 2];
    e[1] = bdf | IRTE_SVT_RID;                  /* SQ 0: all 16 bits compared */
    WRITE_ONCE(e[0], IRTE_P | IRTE_VECTOR(vector) | IRTE_DEST(apic_id));
    vtd_written(e, 16);
    vtd_invalidate_irq(vector);
    /* Handle = vector in address bits 19:5 (bit 2 holds handle bit 15: 0), SHV 0. */
    *addr = 0xfee00000u | (uint32_t)vector << 5 | MSI_REMAPPABLE;
    *data = 0;
    return 0;
}

void vtd_irq_unroute(uint16_t bdf, uint8_t vector)
{
    (void)bdf;
    uint64_t *e = &irt[vector * 2];
    WRITE_ONCE(e[0], 0);
    e[1] = 0;
    vtd_written(e, 16);
    vtd_invalidate_irq(vector);
}
