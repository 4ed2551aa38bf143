/*
 * Grant tables: each domain's table of v1 entries in frames Keel allocates and owns for
 * the domain's life (like shared_info: mapped into the guest without the p2m's ownership
 * bit, freed here), GNTTABOP_setup_table and query_size, the hypercall's dispatch with
 * continuations, and teardown on both sides when a domain dies.
 *
 * Teardown of a dying domain d (unlisted, its vCPUs stopped):
 *  - the mappings d holds of other domains' pages are dropped; the granters see
 *    GTF_reading/GTF_writing clear;
 *  - d's pages that other domains still map outlive d, as on Xen: they leave d's p2m
 *    before p2m_destroy could free them and become *orphans*, owned by the mappings;
 *    the mappers keep a valid mapping and free the frame with their last unmap of it
 *    (or their own death). So no freed frame is ever reachable, and no other domain has
 *    to be paused (the destroyer may well be a vCPU of the mapper: Dom0 destroying a
 *    DomU whose pages its backends map).
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

/* Is `frame` still mapped by some domain as an orphan? Lock held. */
static bool orphan_mapped(paddr_t frame)
{
    for (struct gnttab *t = all_tables; t; t = t->next)
        for (unsigned i = 0; t->nr_maps && i < GNTTAB_MAPTRACK; i++)
            if (t->maptrack[i].orphan && t->maptrack[i].frame == frame)
                return true;
    return false;
}

void gnttab_orphan_unmapped(paddr_t frame)
{
    if (!orphan_mapped(frame))
        frame_free(frame, 1);
}

/* d's pages that others still map become orphans: their mappings stay valid, and each
 * frame is freed with its last mapping. The leaf holding such a page (up to 1 GiB) is
 * taken out of d's p2m whole; its other frames are freed here. Lock held. */
static unsigned orphan_pages(struct domain *d)
{
    struct gnttab *gt = d->xen.gnt;
    unsigned kept = 0;

    for (unsigned r = 0; r < GNTTAB_MAX_REFS; r++) {
        struct gnt_active *a = &gt->act[r];
        paddr_t base;
        uint64_t size;
        if (!(a->rd_pins || a->wr_pins) ||
            !p2m_take_leaf(&d->p2m, a->gfn << PAGE_SHIFT, &base, &size))
            continue;                  /* not in use, or its leaf taken already */
        /* Free the leaf around its pinned frames, lowest first. */
        paddr_t from = base;
        for (;;) {
            paddr_t next = base + size;
            for (unsigned q = 0; q < GNTTAB_MAX_REFS; q++) {
                struct gnt_active *b = &gt->act[q];
                if ((b->rd_pins || b->wr_pins) && b->frame >= from && b->frame < next)
                    next = b->frame;
            }
            if (next > from)
                frame_free(from, (next - from) >> PAGE_SHIFT);
            if (next == base + size)
                break;
            kept++;
            from = next + PAGE_SIZE;
        }
    }
    for (struct gnttab *t = all_tables; t; t = t->next)
        for (unsigned i = 0; t->nr_maps && i < GNTTAB_MAPTRACK; i++)
            if (t->maptrack[i].granter == d) {
                t->maptrack[i].granter = NULL;
                t->maptrack[i].orphan = true;
            }
    return kept;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab *gt = d->xen.gnt;
    if (!gt)
        return;
    unsigned long f = gnttab_lock_all();
    gt->dying = true;                  /* no new uses of its grants */
    for (unsigned i = 0; i < GNTTAB_MAPTRACK; i++)          /* its mappings of others */
        if (gnt_map_used(&gt->maptrack[i]))
            gnttab_drop_map(d, &gt->maptrack[i]);
    for (struct gnttab **pp = &all_tables; *pp; pp = &(*pp)->next)
        if (*pp == gt) {
            *pp = gt->next;
            break;
        }
    /* What is pinned now is mapped by others (copies never outlast the lock). */
    unsigned kept = orphan_pages(d);
    gnttab_unlock_all(f);
    if (kept)
        pr_info("domain %u (%s): grant teardown: %u page%s still mapped by other domains, "
                "freed when they unmap\n", d->id, d->name, kept, kept == 1 ? "" : "s");
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
