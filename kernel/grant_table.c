/*
 * Grant tables: each domain's table of v1 entries in frames Keel allocates and owns for
 * the domain's life (like shared_info: mapped into the guest without the p2m's ownership
 * bit, freed here), GNTTABOP_setup_table and query_size, the hypercall's dispatch with
 * continuations, and teardown on both sides when a domain dies.
 *
 * Teardown of a dying domain d:
 *  - the mappings d holds of other domains' pages: dropped (d no longer runs); the
 *    granters see GTF_reading/GTF_writing clear;
 *  - the mappings other domains hold of d's pages: each such mapper is paused (all its
 *    vCPUs out of vcpu_run, kernel/domain_pause.c), the entries leave its p2m and its
 *    TLBs are flushed before it runs again; only then are d's frames freed (p2m_destroy
 *    after this), so no freed frame stays reachable. The mapper finds its handle gone
 *    (GNTST_bad_handle on unmap) and the GPA empty.
 * Destroys run one at a time (the boot CPU's idle hook, the churn self test), never on
 * a vCPU of the mapper being paused.
 */
#include <keel/grant_table.h>
#include <keel/xen_abi.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/printk.h>
#include <arch/paging.h>
#include <public/memory.h>

BUILD_BUG_ON(sizeof(struct grant_entry_v1) != 8);
BUILD_BUG_ON(sizeof(struct gnttab_map_grant_ref) != 32);
BUILD_BUG_ON(sizeof(struct gnttab_unmap_grant_ref) != 24);
BUILD_BUG_ON(sizeof(struct gnttab_setup_table) != 24);
BUILD_BUG_ON(sizeof(struct compat_gnttab_setup_table) != 16);
BUILD_BUG_ON(sizeof(struct gnttab_query_size) != 16);
BUILD_BUG_ON(sizeof(struct gnttab_copy) != 40);
BUILD_BUG_ON(sizeof(struct compat_gnttab_copy) != 24);

static spinlock_t gnttab_lock = SPINLOCK_INIT;
static struct gnttab *all_tables;

unsigned long gnttab_lock_all(void) { return spin_lock_irqsave(&gnttab_lock); }
void gnttab_unlock_all(unsigned long flags) { spin_unlock_irqrestore(&gnttab_lock, flags); }

struct grant_entry_v1 *gnttab_entry(struct gnttab *gt, uint32_t ref)
{
    if (ref >= gt->nr_frames * GNTTAB_PER_FRAME)
        return NULL;
    return (struct grant_entry_v1 *)phys_to_virt(gt->frame_pa[ref / GNTTAB_PER_FRAME]) +
           ref % GNTTAB_PER_FRAME;
}

/* Grows the table to n frames (zeroed: every new entry is GTF_invalid). */
static bool grow(struct gnttab *gt, unsigned n)
{
    while (gt->nr_frames < n) {
        paddr_t pa = frame_alloc_zeroed();
        if (!pa)
            return false;
        gt->frame_pa[gt->nr_frames] = pa;
        gt->frame_gfn[gt->nr_frames++] = GNTTAB_GFN_NONE;
    }
    return true;
}

int gnttab_domain_init(struct domain *d)
{
    struct gnttab *gt = kzalloc(sizeof(*gt));
    if (!gt)
        return -XEN_ENOMEM;
    gt->d = d;
    d->xen.gnt = gt;
    if (!grow(gt, 1))                  /* one frame from the start, as on Xen */
        return -XEN_ENOMEM;
    unsigned long f = gnttab_lock_all();
    gt->next = all_tables;
    all_tables = gt;
    gnttab_unlock_all(f);
    return 0;
}

/* A table (other than d's) holding a mapping of d's pages, or NULL. Lock held. */
static struct gnttab *mapper_of(struct domain *d)
{
    for (struct gnttab *t = all_tables; t; t = t->next)
        for (unsigned i = 0; t->nr_maps && i < GNTTAB_MAPTRACK; i++)
            if (t->maptrack[i].granter == d)
                return t;
    return NULL;
}

static unsigned drop_maps_of(struct gnttab *t, struct domain *granter)
{
    unsigned n = 0;
    for (unsigned i = 0; i < GNTTAB_MAPTRACK; i++)
        if (t->maptrack[i].granter && (!granter || t->maptrack[i].granter == granter)) {
            gnttab_drop_map(t->d, &t->maptrack[i]);
            n++;
        }
    return n;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab *gt = d->xen.gnt;
    if (!gt)
        return;
    unsigned long f = gnttab_lock_all();
    gt->dying = true;                  /* no new uses of its grants */
    drop_maps_of(gt, NULL);            /* its mappings of others */
    for (struct gnttab **pp = &all_tables; *pp; pp = &(*pp)->next)
        if (*pp == gt) {
            *pp = gt->next;
            break;
        }
    gnttab_unlock_all(f);

    /* Others' mappings of its pages. */
    for (;;) {
        f = gnttab_lock_all();
        struct gnttab *t = mapper_of(d);
        gnttab_unlock_all(f);
        if (!t)
            break;
        struct domain *m = t->d;
        domain_pause_all(m);
        f = gnttab_lock_all();
        unsigned n = drop_maps_of(t, d);
        gnttab_unlock_all(f);
        pr_info("domain %u (%s): grant teardown: %u mapping%s of its pages dropped from domain %u\n",
                d->id, d->name, n, n == 1 ? "" : "s", m->id);
        for (unsigned i = 0; i < m->nr_vcpus; i++)
            hvm->flush_guest_tlb(m->vcpus[i]);
        domain_unpause(m);
    }
    for (unsigned i = 0; i < gt->nr_frames; i++)
        frame_free(gt->frame_pa[i], 1);
    kfree(gt);
    d->xen.gnt = NULL;
}

bool gnttab_frame_pinned(struct domain *d, paddr_t frame)
{
    struct gnttab *gt = d->xen.gnt;
    for (unsigned r = 0; gt && r < GNTTAB_MAX_REFS; r++)
        if ((gt->act[r].rd_pins || gt->act[r].wr_pins) && gt->act[r].frame == frame)
            return true;
    return false;
}

paddr_t gnttab_frame_for_map(struct domain *d, unsigned idx, uint64_t **gfn_slot)
{
    struct gnttab *gt = d->xen.gnt;
    if (idx >= GNTTAB_MAX_FRAMES || !grow(gt, idx + 1))
        return 0;
    *gfn_slot = &gt->frame_gfn[idx];
    return gt->frame_pa[idx];
}

bool gnttab_is_table_frame(struct domain *d, paddr_t frame)
{
    struct gnttab *gt = d->xen.gnt;
    for (unsigned i = 0; i < gt->nr_frames; i++)
        if (gt->frame_pa[i] == frame)
            return true;
    return false;
}

void gnttab_forget_gfn(struct domain *d, uint64_t gfn)
{
    struct gnttab *gt = d->xen.gnt;
    for (unsigned i = 0; i < gt->nr_frames; i++)
        if (gt->frame_gfn[i] == gfn)
            gt->frame_gfn[i] = GNTTAB_GFN_NONE;
}

/* setup_table and query_size may name only the caller (Dom0 will get more). */
static int16_t self_status(struct domain *d, uint16_t dom)
{
    if (dom == DOMID_SELF || dom == d->id)
        return GNTST_okay;
    return domain_find(dom) ? GNTST_permission_denied : GNTST_bad_domain;
}

static long setup_table(struct vcpu *v, uint64_t uop, uint32_t count)
{
    struct domain *d = v->dom;
    struct gnttab_setup_table op;
    struct compat_gnttab_setup_table cop;
    bool compat = v->xen.hc_compat;

    if (count != 1)
        return -XEN_EINVAL;
    if (compat) {
        if (copy_from_guest(v, &cop, uop, sizeof(cop)))
            return -XEN_EFAULT;
        op = (struct gnttab_setup_table){ cop.dom, cop.nr_frames, 0, cop.frame_list };
    } else if (copy_from_guest(v, &op, uop, sizeof(op))) {
        return -XEN_EFAULT;
    }
    op.status = self_status(d, op.dom);
    if (!op.status && op.nr_frames > GNTTAB_MAX_FRAMES)
        op.status = GNTST_general_error;
    if (!op.status) {
        unsigned long f = gnttab_lock_all();
        bool ok = grow(d->xen.gnt, op.nr_frames);
        uint64_t gfns[GNTTAB_MAX_FRAMES];
        memcpy(gfns, d->xen.gnt->frame_gfn, sizeof(gfns));
        gnttab_unlock_all(f);
        if (!ok)
            op.status = GNTST_general_error;
        for (unsigned i = 0; ok && i < op.nr_frames; i++) {
            uint32_t g32 = (uint32_t)gfns[i];
            if (compat ? copy_to_guest(v, op.frame_list + 4 * i, &g32, 4)
                       : copy_to_guest(v, op.frame_list + 8 * i, &gfns[i], 8)) {
                op.status = GNTST_bad_virt_addr;
                break;
            }
        }
    }
    cop.status = op.status;
    if (compat ? copy_to_guest(v, uop, &cop, sizeof(cop)) : copy_to_guest(v, uop, &op, sizeof(op)))
        return -XEN_EFAULT;
    return 0;
}

static long query_size(struct vcpu *v, uint64_t uop, uint32_t count)
{
    struct gnttab_query_size op;

    if (count != 1)
        return -XEN_EINVAL;
    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    op.status = self_status(v->dom, op.dom);
    if (!op.status) {
        op.nr_frames = READ_ONCE(v->dom->xen.gnt->nr_frames);
        op.max_nr_frames = GNTTAB_MAX_FRAMES;
    }
    return copy_to_guest(v, uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* One element of a batch: read, do under the lock, write the result back. */
static long one_op(struct vcpu *v, unsigned cmd, uint64_t at)
{
    union {
        struct gnttab_map_grant_ref map;
        struct gnttab_unmap_grant_ref unmap;
        struct gnttab_copy copy;
    } op;
    struct compat_gnttab_copy cc;
    size_t size = cmd == GNTTABOP_map_grant_ref ? sizeof(op.map) :
                  cmd == GNTTABOP_unmap_grant_ref ? sizeof(op.unmap) : sizeof(op.copy);
    bool compat_copy = cmd == GNTTABOP_copy && v->xen.hc_compat;

    if (compat_copy) {
        if (copy_from_guest(v, &cc, at, sizeof(cc)))
            return -XEN_EFAULT;
        op.copy = (struct gnttab_copy){
            .source = { .u.gmfn = cc.source.u, .domid = cc.source.domid, .offset = cc.source.offset },
            .dest = { .u.gmfn = cc.dest.u, .domid = cc.dest.domid, .offset = cc.dest.offset },
            .len = cc.len, .flags = cc.flags };
    } else if (copy_from_guest(v, &op, at, size)) {
        return -XEN_EFAULT;
    }
    unsigned long f = gnttab_lock_all();
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        op.map.status = gnttab_map_one(v, &op.map);
        break;
    case GNTTABOP_unmap_grant_ref:
        op.unmap.status = gnttab_unmap_one(v, &op.unmap);
        break;
    default:
        op.copy.status = gnttab_copy_one(v, &op.copy);
        break;
    }
    gnttab_unlock_all(f);
    if (compat_copy) {
        cc.status = op.copy.status;
        return copy_to_guest(v, at, &cc, sizeof(cc)) ? -XEN_EFAULT : 0;
    }
    return copy_to_guest(v, at, &op, size) ? -XEN_EFAULT : 0;
}

/* Operations per entry into the hypervisor; a longer batch continues by re-executing the
 * hypercall with the argument registers advanced (Xen's continuation), so that a huge
 * count never keeps a CPU in the hypervisor. */
#define GNTTAB_BATCH 32

static long batch(struct vcpu *v, unsigned cmd, uint64_t uop, uint32_t count)
{
    struct domain *d = v->dom;
    size_t size = cmd == GNTTABOP_map_grant_ref ? sizeof(struct gnttab_map_grant_ref) :
                  cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref) :
                  v->xen.hc_compat ? sizeof(struct compat_gnttab_copy) : sizeof(struct gnttab_copy);
    uint32_t n = MIN(count, GNTTAB_BATCH);
    long rc = 0;

    if (!count)
        return 0;
    /* Unmapping narrows this domain's p2m: its other vCPUs stop meanwhile (see
     * kernel/domain_pause.c) and flush their TLBs before they run again. */
    if (cmd == GNTTABOP_unmap_grant_ref && !domain_pause_others(v))
        return HYPERCALL_RETRY;
    uint32_t i;
    for (i = 0; i < n && !rc; i++)
        rc = one_op(v, cmd, uop + i * size);
    if (cmd == GNTTABOP_unmap_grant_ref) {
        for (unsigned j = 0; j < d->nr_vcpus; j++)
            hvm->flush_guest_tlb(d->vcpus[j]);
        domain_unpause(d);
    }
    if (rc || n == count)
        return rc;
    uop += (uint64_t)n * size;
    count -= n;
    if (v->xen.hc_compat)
        v->regs.rcx = (uint32_t)uop, v->regs.rdx = count;
    else
        v->regs.rsi = uop, v->regs.rdx = count;
    return HYPERCALL_RETRY;
}

long do_grant_table_op(struct vcpu *v, const uint64_t a[5])
{
    unsigned cmd = (unsigned)a[0];
    uint32_t count = (uint32_t)a[2];

    if ((int32_t)count < 0)
        return -XEN_EINVAL;
    switch (cmd) {
    case GNTTABOP_setup_table:
        return setup_table(v, a[1], count);
    case GNTTABOP_query_size:
        return query_size(v, a[1], count);
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        return batch(v, cmd, a[1], count);
    default:
        return -XEN_ENOSYS;
    }
}
