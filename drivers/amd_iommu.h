/* AMD-Vi internals shared by drivers/amd_iommu.c (the unit) and amd_iommu_pt.c (I/O page
 * tables). Numbers from the AMD I/O Virtualization Technology specification. */
#ifndef DRIVERS_AMD_IOMMU_H
#define DRIVERS_AMD_IOMMU_H

#include <keel/types.h>

/* Page table entries (and the first quadword of a device table entry). */
#define AMDVI_PR          (1ull << 0)
#define AMDVI_NEXT(l)     ((uint64_t)(l) << 9)     /* level of the table pointed to; 0: leaf */
#define AMDVI_ADDR        0x000ffffffffff000ull
#define AMDVI_IR          (1ull << 61)
#define AMDVI_IW          (1ull << 62)
/* A not-present entry. Hardware ignores every other bit when PR is 0; the next-level
 * field is set anyway because QEMU's model only reports an IO_PAGE_FAULT for a
 * not-present entry that is not all zeros (it silently drops the access otherwise). */
#define AMDVI_ABSENT      AMDVI_NEXT(1)

#define AMDVI_LEVELS      4                        /* 48-bit I/O virtual addresses */

/* Commands the page-table code needs: invalidate a domain's cached translations. */
void amdvi_flush_domain(uint16_t domid);
struct domain;
/* The domain's I/O page table root and domain id (built on first use); 0: no memory. */
paddr_t amdvi_domain_root(struct domain *d, uint16_t *domid);

#endif
