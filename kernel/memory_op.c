/*
 * memory_op: XENMEM_add_to_physmap for the shared_info page and grant-table frames,
 * XENMEM_memory_map, the reservation queries, and giving back / populating pages
 * (kernel/memory_reservation.c). Everything else is -ENOSYS for now.
 *
 * Mapping shared_info (or a grant-table frame, the same way) at a GFN replaces what was
 * there: RAM of the domain is freed (the domain holds one frame less; destroying it
 * later returns the rest, and the shared_info frame, which Keel owns and frees itself),
 * and a previous mapping of the same frame elsewhere is removed. GFNs up to 1 TiB are
 * accepted (Linux puts shared_info in a page of its RAM and its grant frames in unpopulated
 * space, above 4 GiB), but only while the domain's p2m has fewer than P2M_TABLES_LIMIT
 * tables: a guest cannot make Keel build page tables all over its address space. The
 * other vCPUs are paused around the change
 * (kernel/domain_pause.c explains why) and every vCPU's TLB is flushed.
 */
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <keel/grant_table.h>
#include <public/memory.h>

BUILD_BUG_ON(sizeof(struct xen_add_to_physmap) != 24);
BUILD_BUG_ON(sizeof(struct compat_add_to_physmap) != 16);
BUILD_BUG_ON(sizeof(struct xen_e820_entry) != 20);

/* Frames that must stay where they are (grant lock held): the ones Keel writes through
 * the direct map (replacing them would leave Keel writing a frame the domain no longer
 * has), and pages in use through a grant (another domain maps them or is copying them). */
bool xen_frame_used_by_keel(struct domain *d, paddr_t frame)
{
    if (frame == d->xen.console_ring_pa || gnttab_frame_pinned(d, frame))
        return true;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->xen.vcpu_info_frame == frame)
            return true;
    return false;
}

/* Maps a frame Keel owns for the domain (shared_info, a grant-table frame) at gfn, where
 * *slot records its current GFN; grant_idx < 0 for shared_info. */
static long map_keel_frame(struct vcpu *v, uint64_t gfn, int grant_idx)
{
    struct domain *d = v->dom;
    uint64_t gpa = gfn << PAGE_SHIFT, *slot = &d->xen.shared_info_gfn;
    paddr_t hpa, pa = d->xen.shared_info_pa;
    unsigned perms;
    long rc = 0;

    /* Anywhere below 1 TiB (Linux puts its grant frames in unpopulated space, above 4 GiB
     * for a small guest), but the tables Keel builds for it are bounded: a guest moving
     * a frame from place to place must not make Keel allocate page tables without end. */
    if (gfn >= (1ull << 40) >> PAGE_SHIFT)
        return -XEN_EINVAL;
    if (gfn >= d->mem_bytes >> PAGE_SHIFT && d->p2m.nr_tables >= P2M_TABLES_LIMIT(d->mem_bytes))
        return -XEN_ENOMEM;                    /* (its RAM's tables exist already) */
    if (!domain_pause_others(v))
        return HYPERCALL_RETRY;
    /* Looked at with the other vCPUs stopped (none can register a vcpu_info meanwhile)
     * and the grant lock held (no other domain starts using one of its pages). */
    unsigned long gf = gnttab_lock_all();
    if (grant_idx >= 0 && !(pa = gnttab_frame_for_map(d, (unsigned)grant_idx, &slot))) {
        rc = -XEN_EINVAL;
        goto out;
    }
    bool present = p2m_lookup(&d->p2m, gpa, &hpa, &perms);
    hpa &= PAGE_MASK;
    if (present && hpa == pa)
        goto out;                              /* there already */
    /* Nor is a grant mapping of another domain's page replaced: it goes with unmap. */
    if (present && (xen_frame_used_by_keel(d, hpa) ||
                    (!(perms & P2M_OWNED) && hpa != d->xen.shared_info_pa &&
                     !gnttab_is_table_frame(d, hpa)))) {
        rc = -XEN_EBUSY;
        goto out;
    }
    if (present) {
        /* Another Keel frame there loses its place; RAM is freed. */
        if (hpa == d->xen.shared_info_pa)
            d->xen.shared_info_gfn = SHINFO_GFN_NONE;
        gnttab_forget_gfn(d, gfn);
        rc = p2m_unmap(&d->p2m, gpa, PAGE_SIZE);
    }
    if (!rc && *slot != SHINFO_GFN_NONE) {
        p2m_unmap(&d->p2m, *slot << PAGE_SHIFT, PAGE_SIZE);
        *slot = SHINFO_GFN_NONE;
    }
    if (!rc)
        rc = p2m_map(&d->p2m, gpa, pa, PAGE_SIZE, P2M_R | P2M_W, false);
    if (!rc)
        *slot = gfn;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        hvm->flush_guest_tlb(d->vcpus[i]);
out:
    gnttab_unlock_all(gf);
    domain_unpause(d);
    return rc;
}

long xen_map_shared_info(struct vcpu *v, uint64_t gfn)
{
    return map_keel_frame(v, gfn, -1);
}

static long add_to_physmap(struct vcpu *v, uint64_t cmd, uint64_t arg)
{
    uint32_t domid, space;
    uint64_t idx, gpfn;

    /* Only gmfn_range uses the continuation index; a value that does not fit its
     * 16-bit size field is refused, as on Xen. */
    if ((cmd >> MEMOP_EXTENT_SHIFT) > 0xffff)
        return -XEN_EDOM;
    if (v->xen.hc_compat) {
        struct compat_add_to_physmap x;
        if (copy_from_guest(v, &x, arg, sizeof(x)))
            return -XEN_EFAULT;
        domid = x.domid, space = x.space, idx = x.idx, gpfn = x.gpfn;
    } else {
        struct xen_add_to_physmap x;
        if (copy_from_guest(v, &x, arg, sizeof(x)))
            return -XEN_EFAULT;
        domid = x.domid, space = x.space, idx = x.idx, gpfn = x.gpfn;
    }
    if (space == XENMAPSPACE_gmfn_foreign)
        return -XEN_ENOSYS;                    /* only through the batch form, on Xen */
    int rc = xen_self_only(v->dom, domid);
    if (rc)
        return rc;
    switch (space) {
    case XENMAPSPACE_shared_info:
        if (idx != 0)
            return -XEN_EINVAL;                /* one page */
        return xen_map_shared_info(v, gpfn);
    case XENMAPSPACE_grant_table:
        if (idx & XENMAPIDX_grant_table_status)
            return -XEN_EINVAL;                /* v1 tables have no status frames */
        return idx >= GNTTAB_MAX_FRAMES ? -XEN_EINVAL : map_keel_frame(v, gpfn, (int)idx);
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
    case XENMAPSPACE_dev_mmio:
        return -XEN_ENOSYS;                    /* not yet */
    default:
        return -XEN_EINVAL;
    }
}

static long memory_map(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->dom;
    uint32_t nr;
    uint64_t buf;

    if (v->xen.hc_compat) {
        struct compat_memory_map m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -XEN_EFAULT;
        nr = m.nr_entries, buf = m.buffer;
    } else {
        struct xen_memory_map m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -XEN_EFAULT;
        nr = m.nr_entries, buf = m.buffer;
    }
    if (!d->xen.nr_e820)
        return -XEN_ENOSYS;                    /* no map for this domain */
    nr = MIN(nr, d->xen.nr_e820);              /* a short buffer gets the first entries */
    if (copy_to_guest(v, buf, d->xen.e820, nr * sizeof(struct xen_e820_entry)) ||
        copy_to_guest(v, arg, &nr, sizeof(nr)))
        return -XEN_EFAULT;
    return 0;
}

/* XENMEM_{current,maximum}_reservation, XENMEM_maximum_gpfn: arg points to a domid. */
static long reservation(struct vcpu *v, unsigned op, uint64_t arg)
{
    struct domain *d = v->dom;
    domid_t domid;

    if (copy_from_guest(v, &domid, arg, sizeof(domid)))
        return -XEN_EFAULT;
    int rc = xen_self_only(d, domid);
    if (rc)
        return rc;
    switch (op) {
    case XENMEM_current_reservation:
        return (long)d->p2m.nr_owned;          /* RAM frames it holds now */
    case XENMEM_maximum_reservation:
        return (long)READ_ONCE(d->max_pages);
    default:
        return (long)d->max_gfn;
    }
}

long do_memory_op(struct vcpu *v, const uint64_t a[5])
{
    uint64_t cmd = a[0];
    unsigned op = cmd & MEMOP_CMD_MASK;

    switch (op) {
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, cmd, a[1]);
    case XENMEM_memory_map:
        return memory_map(v, a[1]);
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return xen_reservation_op(v, op, cmd >> MEMOP_EXTENT_SHIFT, a[1]);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return reservation(v, op, a[1]);
    default:
        return -XEN_ENOSYS;
    }
}
