/* What drivers/amd_iommu.c (device table, commands, events) shares with
 * drivers/amd_iommu_irq.c (interrupt remapping). Formats from AMD's "I/O Virtualization
 * Technology (IOMMU) Specification". */
#ifndef DRIVERS_AMD_IOMMU_H
#define DRIVERS_AMD_IOMMU_H

#include <keel/types.h>

#define AMDVI_NR_DEVIDS 65536

extern uint64_t *amdvi_devtab;          /* AMDVI_NR_DEVIDS entries of 4 quadwords */

/* Command buffer; the caller holds the AMD-Vi lock. wait_done returns when every command
 * submitted before it is complete. */
void amdvi_submit(uint64_t c0, uint64_t c1);
void amdvi_wait_done(void);
void amdvi_lock(unsigned long *flags);
void amdvi_unlock(unsigned long flags);

/* Interrupt remapping (amd_iommu_irq.c). irq_init: the interrupt half (quadword 2) of
 * every device table entry — remapped through a table of entries all off for the PCI
 * functions enumerated at boot, aborted for every other requester id; false if out of
 * memory (every entry then aborts). Route and unroute as struct iommu_ops's. */
bool amdvi_irq_init(void);
int amdvi_irq_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr,
                    uint32_t *data);
void amdvi_irq_unroute(uint16_t bdf, uint8_t vector);

#endif
