/*
 * The vendor-neutral IOMMU layer (include/keel/iommu.h): picks the unit at boot (an IVRS
 * table means AMD-Vi, a DMAR table VT-d), polls it for faults from a 10 ms timer on the
 * boot CPU, and keeps each domain's I/O page tables: a tree translating the device's
 * addresses (the domain's guest-physical addresses) to host frames, in the vendor's entry
 * format (struct iommu_ops). It maps exactly the domain's own RAM: it is filled from the
 * p2m once, then follows every change to the p2m's owned frames through p2m->io_sync
 * (called before an unmapped frame is freed), so the hypervisor's memory and other
 * domains' memory are never reachable. 4 KiB leaves only: simple, and a 16 MiB guest
 * needs 8 tables.
 */
#include <keel/cmdline.h>
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/iommu.h>
#include <keel/printk.h>
#include <keel/timer.h>
#include <arch/paging.h>
#include "iommu_unit.h"

struct io_domain {
    paddr_t root;
    uint16_t domid;
    uint64_t nr_tables;
};

static const struct iommu_ops *ops;
static struct timer poll_timer;

bool iommu_present(void) { return ops != NULL; }

void iommu_clflush(const void *p, size_t len)
{
    for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + len; a += 64)
        __asm__ volatile("clflush (%0)" :: "r"(a) : "memory");
    __asm__ volatile("mfence" ::: "memory");     /* written back before the unit is told */
}

/* Entries just written reach memory, where a unit that does not snoop reads them. */
static void written(const void *p, size_t len)
{
    if (ops->flush_cpu_cache)
        iommu_clflush(p, len);
}

static paddr_t new_table(struct io_domain *io)
{
    paddr_t pa = frame_alloc();
    if (!pa)
        return 0;
    uint64_t *t = phys_to_virt(pa);
    for (int i = 0; i < 512; i++)
        t[i] = ops->absent;
    written(t, PAGE_SIZE);
    io->nr_tables++;
    return pa;
}

/* Sets the 4 KiB leaf for iova (creating tables); leaf ops->absent removes it. An address
 * beyond what the tables translate (3 levels: 512 GiB) is left unreachable. */
static int set_leaf(struct io_domain *io, uint64_t iova, uint64_t leaf)
{
    if (iova >> (12 + 9 * ops->levels))
        return leaf == ops->absent ? 0 : -1;
    uint64_t *t = phys_to_virt(io->root);
    for (unsigned l = ops->levels; l > 1; l--) {
        uint64_t *e = &t[(iova >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & 1)) {
            if (leaf == ops->absent)
                return 0;                          /* nothing there to remove */
            paddr_t nt = new_table(io);
            if (!nt)
                return -1;
            *e = ops->table(nt, l);
            written(e, 8);
        }
        t = phys_to_virt(*e & IOPT_ADDR);
    }
    WRITE_ONCE(t[(iova >> 12) & 511], leaf);
    written(&t[(iova >> 12) & 511], 8);
    return 0;
}

static uint64_t leaf_for(paddr_t hpa, unsigned perms)
{
    return hpa && (perms & (P2M_R | P2M_W)) ? ops->leaf(hpa, perms) : ops->absent;
}

static void sync(struct p2m *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
    struct io_domain *io = p->io_priv;
    for (uint64_t off = 0; off < size; off += PAGE_SIZE)
        if (set_leaf(io, gpa + off, leaf_for(hpa ? hpa + off : 0, perms)) < 0)
            pr_err("error: %s: no memory for an I/O page table; GPA %#llx not "
                   "reachable by devices\n", ops->name, (unsigned long long)(gpa + off));
    ops->flush_domain(io->domid);      /* waits: nothing is freed before devices let go */
}

/* The domain's I/O page tables, built on first use. NULL if out of memory or ids. */
static struct io_domain *io_domain_of(struct domain *d)
{
    struct p2m *p = &d->p2m;
    struct io_domain *io = p->io_priv;
    if (io)
        return io;
    if (d->id + 1 >= ops->nr_domids) {
        pr_err("error: %s: no I/O domain id for domain %u\n", ops->name, d->id);
        return NULL;
    }
    io = kzalloc(sizeof(*io));
    if (!io)
        return NULL;
    io->domid = (uint16_t)(d->id + 1);            /* 0 is the blocked devices' */
    io->root = new_table(io);
    if (!io->root) {
        kfree(io);
        return NULL;
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
            return NULL;
        }
    }
    p->io_priv = io;
    p->io_sync = sync;
    spin_unlock_irqrestore(&p->lock, fl);
    pr_info("%s: domain %u (%s): I/O page tables map its %llu MiB of RAM (%llu tables)\n",
            ops->name, d->id, d->name, (unsigned long long)(d->mem_bytes >> 20),
            (unsigned long long)io->nr_tables);
    return io;
}

int iommu_assign(uint16_t bdf, struct domain *d)
{
    struct io_domain *io = ops ? io_domain_of(d) : NULL;
    return io ? ops->set_device(bdf, io->root, io->domid) : -1;
}

void iommu_block(uint16_t bdf)
{
    if (ops)
        ops->set_device(bdf, 0, 0);
}

static void free_level(paddr_t t, unsigned level)
{
    uint64_t *tab = phys_to_virt(t);
    if (level > 1)
        for (int i = 0; i < 512; i++)
            if (tab[i] & 1)
                free_level(tab[i] & IOPT_ADDR, level - 1);
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
    ops->flush_domain(io->domid);
    free_level(io->root, ops->levels);
    kfree(io);
}

bool iommu_irq_remapping(void)
{
    return ops && ops->irq_route;
}

int iommu_msi_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr,
                    uint32_t *data)
{
    return iommu_irq_remapping() ? ops->irq_route(bdf, vector, apic_id, addr, data) : -1;
}

void iommu_msi_unroute(uint16_t bdf, uint8_t vector)
{
    if (iommu_irq_remapping())
        ops->irq_unroute(bdf, vector);
}

void iommu_poll(void)
{
    if (ops)
        ops->poll();
}

static void poll_tick(struct timer *t, void *arg)
{
    (void)arg;
    iommu_poll();
    timer_set(t, now_tsc() + us_to_tsc(10000));
}

void iommu_init(void)
{
    bool intremap = !keel_opts.iommu_no_intremap;
    ops = amdvi_probe(intremap);
    if (!ops)
        ops = vtd_probe(intremap);
    if (!ops) {
        pr_info("iommu: none found (no IVRS or DMAR table, or the unit is unusable)\n");
        return;
    }
    timer_init(&poll_timer, poll_tick, NULL);
    timer_set(&poll_timer, now_tsc() + us_to_tsc(10000));
}
