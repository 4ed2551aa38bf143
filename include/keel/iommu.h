/*
 * The IOMMU interface the PCI layer uses (drivers/iommu.c, with drivers/amd_iommu.c or
 * drivers/vtd.c underneath).
 * A device is either translated through a domain's I/O page tables (which map exactly
 * that domain's RAM, kept in step with its p2m) or blocked. Faults are logged with the
 * device, the address and the access, and the hypervisor carries on.
 */
#ifndef KEEL_IOMMU_H
#define KEEL_IOMMU_H

#include <keel/types.h>

struct domain;
struct p2m;

/* Finds and enables the IOMMU from ACPI (IVRS: AMD-Vi, DMAR: VT-d); every device starts
 * blocked. */
void iommu_init(void);
bool iommu_present(void);
/* Builds the domain's I/O page tables from its p2m (once) and points the device at them. */
int iommu_assign(uint16_t bdf, struct domain *d);
/* The device can no longer reach any memory. */
void iommu_block(uint16_t bdf);
/* Frees the domain's I/O page tables (its devices must be blocked first). */
void iommu_domain_release(struct domain *d);
/* Interrupt remapping: whether it is on. Route: an MSI of the device for host `vector`
 * on the CPU with local APIC id apic_id gets an entry; the address and data returned are
 * what the device must write (0, or -1 if no entry). Unroute removes the entry. */
bool iommu_irq_remapping(void);
int iommu_msi_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr,
                    uint32_t *data);
void iommu_msi_unroute(uint16_t bdf, uint8_t vector);
/* Reads and logs pending fault events (timer). */
void iommu_poll(void);

#endif
