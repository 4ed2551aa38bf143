/*
 * AMD-Vi interrupt remapping. Each device table entry has an interrupt half: with IV set
 * and IntCtl "remapped", a device's fixed or arbitrated MSI is looked up in that
 * device's own interrupt remapping table, at the index its MSI data carries (bits 10:0);
 * the entry gives the vector and the destination CPU, and an entry that is off blocks
 * the interrupt. With IntCtl "abort" every such interrupt is blocked. NMI, INIT, ExtINT
 * and the LINT pins pass only if the entry's pass bits say so: they never do here.
 *
 * Keel gives each PCI function found at boot a table of 256 entries (1 KiB, all off)
 * and uses the index = the host vector drivers/pci_msi.c gave the MSI; every other
 * requester id (and the IOAPIC, which Keel does not use) has IntCtl "abort". The tables
 * are per device, so one device cannot use another's entries. Entries are the 32-bit
 * format (the unit's GA mode stays off).
 */
#include <keel/frame.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <arch/paging.h>
#include "amd_iommu.h"

#define DTE_IV              (1ull << 0)          /* quadword 2 of a device table entry */
#define DTE_INTTABLEN_256   (8ull << 1)          /* 2^8 entries */
#define DTE_INTTAB_ADDR     0x000fffffffffffc0ull
#define DTE_INTCTL_REMAP    (2ull << 60)         /* 0: abort */
#define DTE_INTCTL_MASK     (3ull << 60)
#define IRTE_REMAP_EN       (1u << 0)            /* fixed, physical: 0 */
#define IRTE_DEST(id)       (((id) & 0xffu) << 8)
#define IRTE_VECTOR(v)      ((uint32_t)(v) << 16)
#define CMD_INV_INT_TABLE   5ull
#define TABLE_BYTES         1024

bool amdvi_irq_init(void)
{
    for (size_t i = 0; i < AMDVI_NR_DEVIDS; i++)
        amdvi_devtab[i * 4 + 2] = DTE_IV;        /* IntCtl 0: interrupts aborted */
    paddr_t frame = 0;
    for (unsigned i = 0; i < pci_nr_devs; i++) {
        if (i % (PAGE_SIZE / TABLE_BYTES) == 0 && !(frame = frame_alloc_zeroed())) {
            pr_err("error: amd-iommu: no memory for interrupt remapping tables; device "
                   "interrupts are all blocked\n");
            return false;
        }
        paddr_t t = frame + (i % (PAGE_SIZE / TABLE_BYTES)) * TABLE_BYTES;
        amdvi_devtab[(size_t)pci_devs[i].bdf * 4 + 2] = DTE_IV | DTE_INTTABLEN_256 | t |
                                                         DTE_INTCTL_REMAP;
    }
    pr_info("amd-iommu: interrupt remapping on: a device raises only the vectors Keel gave "
            "it; %u remapping tables, other requester ids aborted\n", pci_nr_devs);
    return true;
}

/* The device's table, or NULL if it has none (not enumerated at boot). */
static volatile uint32_t *table_of(uint16_t bdf)
{
    uint64_t q2 = amdvi_devtab[(size_t)bdf * 4 + 2];
    if ((q2 & DTE_INTCTL_MASK) != DTE_INTCTL_REMAP)
        return NULL;
    return phys_to_virt(q2 & DTE_INTTAB_ADDR);
}

static void set_entry(uint16_t bdf, uint8_t index, uint32_t irte)
{
    unsigned long fl;
    amdvi_lock(&fl);
    WRITE_ONCE(table_of(bdf)[index], irte);
    __asm__ volatile("sfence" ::: "memory");
    amdvi_submit(bdf | CMD_INV_INT_TABLE << 60, 0);
    amdvi_wait_done();
    amdvi_unlock(fl);
}

int amdvi_irq_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr,
                    uint32_t *data)
{
    if (!table_of(bdf) || apic_id > 0xff)
        return -1;
    set_entry(bdf, vector, IRTE_REMAP_EN | IRTE_DEST(apic_id) | IRTE_VECTOR(vector));
    *addr = 0xfee00000u | (apic_id & 0xff) << 12;
    *data = vector;                 /* the index; bits 10:8 zero: fixed, as the unit reads it */
    return 0;
}

void amdvi_irq_unroute(uint16_t bdf, uint8_t vector)
{
    if (table_of(bdf))
        set_entry(bdf, vector, 0);
}
