/* Host page tables (arch/x86/paging.c). Keel maps all of physical memory 1:1 (the
 * "direct map"), so a physical address is also the virtual address that reaches it. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <keel/types.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#ifndef KEEL_HOST_TEST
static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)pa; }
static inline paddr_t virt_to_phys(const void *va) { return (paddr_t)(uintptr_t)va; }
#else
void *phys_to_virt(paddr_t pa);        /* tests/unit/fake_arch.c */
paddr_t virt_to_phys(const void *va);
#endif

/* Builds and loads the host page tables: direct map of [0, limit) with NX everywhere but
 * the hypervisor's text, which is read-only; rodata read-only. Page 0 stays unmapped. */
void paging_init(paddr_t limit);
/* Loads the host page tables on an AP. */
void paging_load(void);
/* Physical address of the host PML4 (below 4 GiB, for the AP trampoline). */
paddr_t paging_root(void);
/* Maps a page of device registers uncached (LAPIC, IOMMU...), splitting large pages. */
void *ioremap(paddr_t pa, size_t size);

#endif
