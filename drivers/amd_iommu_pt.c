/*
 * AMD-Vi I/O page tables of a domain: a 4-level tree translating the device's addresses
 * (the domain's guest-physical addresses) to host frames. It maps exactly the domain's
 * own RAM: it is filled from the p2m once, then follows every change to the p2m's owned
 * frames through p2m->io_sync (called before an unmapped frame is freed), so the
 * hypervisor's memory and other domains' memory are never reachable. 4 KiB leaves only:
 * simple, and a 16 MiB guest needs 8 tables.
 */
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/iommu.h>
#include <keel/printk.h>
#include <arch/paging.h>
#include "amd_iommu.h"

struct io_domain {
    paddr_t root;
    uint16_t domid;
    uint64_t nr_tables;
};

static paddr_t new_table(struct io_domain *io)
{
    paddr_t pa = frame_alloc();
    if (!pa)
        return 0;
    uint64_t *t = phys_to_virt(pa);
    for (int i = 0; i < 512; i++)
        t[i] = AMDVI_ABSENT;
    io->nr_tables++;
    return pa;
}

/* Sets the 4 KiB leaf for iova (creating tables); leaf AMDVI_ABSENT removes it. */
static int set_leaf(struct io_domain *io, uint64_t iova, uint64_t leaf)
{
    uint64_t *t = phys_to_virt(io->root);
    for (int l = AMDVI_LEVELS; l > 1; l--) {
        uint64_t *e = &t[(iova >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & AMDVI_PR)) {
            if (leaf == AMDVI_ABSENT)
                return 0;                          /* nothing there to remove */
            paddr_t nt = new_table(io);
            if (!nt)
                return -1;
            *e = nt | AMDVI_PR | AMDVI_NEXT(l - 1) | AMDVI_IR | AMDVI_IW;
        }
        t = phys_to_virt(*e & AMDVI_ADDR);
    }
    WRITE_ONCE(t[(iova >> 12) & 511], leaf);
    return 0;
}

static uint64_t leaf_for(paddr_t hpa, unsigned perms)
{
    if (!hpa)
        return AMDVI_ABSENT;
    return hpa | AMDVI_PR | AMDVI_NEXT(0) | ((perms & P2M_R) ? AMDVI_IR : 0) |
           ((perms & P2M_W) ? AMDVI_IW : 0);
}

static void sync(struct p2m *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
    struct io_domain *io = p->io_priv;
    for (uint64_t off = 0; off < size; off += PAGE_SIZE)
        if (set_leaf(io, gpa + off, leaf_for(hpa ? hpa + off : 0, perms)) < 0)
            pr_err("error: amd-iommu: no memory for an I/O page table; GPA %#llx not "
                   "reachable by devices\n", (unsigned long long)(gpa + off));
    amdvi_flush_domain(io->domid);      /* waits: nothing is freed before devices let go */
}

/* The domain's I/O page table root, built on first use. 0 if out of memory. */
paddr_t amdvi_domain_root(struct domain *d, uint16_t *domid)
{
    struct p2m *p = &d->p2m;
    struct io_domain *io = p->io_priv;
    if (io) {
        *domid = io->domid;
        return io->root;
    }
    io = kzalloc(sizeof(*io));
    if (!io)
        return 0;
    io->domid = (uint16_t)(d->id + 1);            /* 0 is the blocked devices' */
    io->root = new_table(io);
    if (!io->root) {
        kfree(io);
        return 0;
    }
    /* Under the p2m lock: no mapping can change between the copy and the hook. */
    unsigned long fl = spin_lock_irqsave(&p->lock);
    for (uint64_t gpa = 0; gpa < d->mem_bytes; gpa += PAGE_SIZE) {
        paddr_t hpa;
        unsigned perms;
        if (p2m_lookup(p, gpa, &hpa, &perms) &&
            set_leaf(io, gpa, leaf_for(hpa, perms)) < 0) {
            spin_unlock_irqrestore(&p->lock, fl);
            p->io_priv = io;
            iommu_domain_release(d);
            return 0;
        }
    }
    p->io_priv = io;
    p->io_sync = sync;
    spin_unlock_irqrestore(&p->lock, fl);
    pr_info("amd-iommu: domain %u (%s): I/O page tables map its %llu MiB of RAM (%llu tables)\n",
            d->id, d->name, (unsigned long long)(d->mem_bytes >> 20),
            (unsigned long long)io->nr_tables);
    *domid = io->domid;
    return io->root;
}

static void free_level(paddr_t t, int level)
{
    uint64_t *tab = phys_to_virt(t);
    if (level > 1)
        for (int i = 0; i < 512; i++)
            if (tab[i] & AMDVI_PR)
                free_level(tab[i] & AMDVI_ADDR, level - 1);
    frame_free(t, 1);
}

void iommu_domain_release(struct domain *d)
{
    struct p2m *p = &d->p2m;
    struct io_domain *io = p->io_priv;
    if (!io)
        return;
    unsigned long fl = spin_lock_irqsave(&p->lock);
    p->io_sync = NULL;
    p->io_priv = NULL;
    spin_unlock_irqrestore(&p->lock, fl);
    amdvi_flush_domain(io->domid);
    free_level(io->root, AMDVI_LEVELS);
    kfree(io);
}
