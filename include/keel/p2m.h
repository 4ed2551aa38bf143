/*
 * The guest-physical → host-physical map of a domain (mm/p2m.c). One generic four-level
 * radix tree; the entry format (NPT or EPT) comes from the backend (struct p2m_format).
 * Nothing is ever mapped into a guest except frames the caller hands in: the hypervisor's
 * own memory and other guests' memory are simply never passed to p2m_map.
 */
#ifndef KEEL_P2M_H
#define KEEL_P2M_H

#include <keel/hvm.h>
#include <keel/spinlock.h>

struct p2m {
    paddr_t root;                 /* top-level table */
    const struct p2m_format *fmt;
    uint64_t nr_tables;           /* frames used by the tree itself */
    uint64_t nr_owned;            /* owned 4 KiB frames mapped (freed on destroy) */
    volatile uint64_t gen;        /* bumped whenever a mapping is removed or narrowed */
    spinlock_t lock;
    /* Set while devices may DMA into this domain (drivers/iommu.c): called for every
     * change to owned RAM, under the lock and before an unmapped frame is freed, so that
     * the I/O page tables never point at a frame the domain no longer owns. hpa 0: gone. */
    void (*io_sync)(struct p2m *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms);
    void *io_priv;
};

#define P2M_MAX_GPA (1ull << 48)
/* The most page-table frames a guest may make Keel build for a domain of `mem` bytes
 * where it chooses the GFNs (add_to_physmap): what its RAM needs, plus room for a few
 * dozen scattered pages. */
#define P2M_TABLES_LIMIT(mem) (((mem) >> 21) + 64)

int p2m_init(struct p2m *p, const struct p2m_format *fmt);
/* Maps [gpa, gpa+size) to [hpa, hpa+size) with the largest pages alignment allows.
 * `owned`: the frames belong to the domain and are freed with it. 0 or -XEN_E*. */
int p2m_map(struct p2m *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms, bool owned);
/* Removes the mappings of [gpa, gpa+size) (splitting large pages); owned frames are freed. */
int p2m_unmap(struct p2m *p, uint64_t gpa, uint64_t size);
/* Takes the owned leaf that maps gpa (4 KiB, 2 MiB or 1 GiB) out of the map without
 * freeing it: its frames [*base, *base + *size) are the caller's now. False if gpa maps
 * nothing or a frame the domain does not own. (Grant teardown: a dying domain's pages
 * that other domains still map outlive it.) */
bool p2m_take_leaf(struct p2m *p, uint64_t gpa, paddr_t *base, uint64_t *size);
/* Changes permissions of [gpa, gpa+size); every page must be mapped. */
int p2m_protect(struct p2m *p, uint64_t gpa, uint64_t size, unsigned perms);
/* The host frame behind gpa (page-aligned result plus offset) and its permissions. */
bool p2m_lookup(struct p2m *p, uint64_t gpa, paddr_t *hpa, unsigned *perms);
/* A vCPU's small cache of recent lookups (a software TLB over the p2m), exact because it
 * is dropped whenever the p2m generation moves. */
#define P2M_CACHE_ENTRIES 4
struct p2m_cache {
    uint64_t gen;
    unsigned next;
    struct { uint64_t gfn; paddr_t hpa; unsigned perms; } e[P2M_CACHE_ENTRIES];
};
bool p2m_lookup_cached(struct p2m *p, struct p2m_cache *c, uint64_t gpa, paddr_t *hpa,
                       unsigned *perms);

/* Frees every table and every owned frame. */
void p2m_destroy(struct p2m *p);

#endif
