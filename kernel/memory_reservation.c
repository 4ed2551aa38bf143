/*
 * XENMEM_decrease_reservation and XENMEM_populate_physmap: a domain gives RAM pages back
 * (a balloon driver, or a guest making room for a grant mapping) and asks for pages at
 * GFNs where it has none. The domain's limit, max_pages (set at creation, changed by
 * Dom0), caps what it holds: populate stops there, as on Xen, and returns how many
 * extents it did.
 *
 * Keel takes 4 KiB extents (extent_order 0), GFNs below P2M_POPULATE_LIMIT, and extent
 * lists of any length (the continuation index in cmd's upper bits is honoured, so a
 * guest that restarts a partly done call is served from where it stopped). Giving back
 * frees the frame at once: the other vCPUs are paused around the change and every vCPU's
 * TLB flushed (kernel/domain_pause.c explains why), and only RAM the domain owns can go —
 * not shared_info, not a frame Keel writes through (vcpu_info, the console ring), not a
 * page mapped from elsewhere, not a page another domain maps or copies through a grant.
 */
#include <keel/xen_abi.h>
#include <keel/frame.h>
#include <keel/grant_table.h>
#include <keel/string.h>
#include <arch/paging.h>
#include <public/memory.h>

BUILD_BUG_ON(sizeof(struct xen_memory_reservation) != 32);
BUILD_BUG_ON(sizeof(struct compat_memory_reservation) != 20);

/* A guest may populate GFNs below this (4 GiB): its p2m stays a bounded tree. */
#define P2M_POPULATE_LIMIT (1ull << 32)

static int release(struct domain *d, uint64_t gfn)
{
    paddr_t hpa;
    unsigned perms;
    int rc = -XEN_EINVAL;

    /* Under the grant lock: another domain cannot start mapping or copying the page
     * between the check and the free. */
    unsigned long f = gnttab_lock_all();
    if (gfn < P2M_POPULATE_LIMIT >> PAGE_SHIFT &&
        p2m_lookup(&d->p2m, gfn << PAGE_SHIFT, &hpa, &perms) && (perms & P2M_OWNED) &&
        !xen_frame_used_by_keel(d, hpa & PAGE_MASK))
        rc = p2m_unmap(&d->p2m, gfn << PAGE_SHIFT, PAGE_SIZE);
    gnttab_unlock_all(f);
    return rc;
}

static int populate_one(struct domain *d, uint64_t gfn)
{
    paddr_t hpa;
    unsigned perms;

    if (gfn >= P2M_POPULATE_LIMIT >> PAGE_SHIFT)
        return -XEN_EINVAL;
    if (p2m_lookup(&d->p2m, gfn << PAGE_SHIFT, &hpa, &perms))
        return -XEN_EEXIST;                    /* something is there already */
    if (d->p2m.nr_owned >= READ_ONCE(d->max_pages))
        return -XEN_ENOMEM;                    /* at its limit */
    paddr_t pa = frame_alloc();
    if (!pa)
        return -XEN_ENOMEM;
    memset(phys_to_virt(pa), 0, PAGE_SIZE);    /* never what an earlier owner left */
    int rc = p2m_map(&d->p2m, gfn << PAGE_SHIFT, pa, PAGE_SIZE, P2M_RWX, true);
    if (rc)
        frame_free(pa, 1);
    else if (gfn > d->max_gfn)
        d->max_gfn = gfn;
    return rc;
}

long xen_reservation_op(struct vcpu *v, unsigned op, uint64_t start, uint64_t arg)
{
    struct domain *d = v->dom;
    uint64_t list, nr;
    uint32_t order, domid;
    size_t esize = v->xen.hc_compat ? 4 : 8;

    if (v->xen.hc_compat) {
        struct compat_memory_reservation r;
        if (copy_from_guest(v, &r, arg, sizeof(r)))
            return -XEN_EFAULT;
        list = r.extent_start, nr = r.nr_extents, order = r.extent_order, domid = r.domid;
    } else {
        struct xen_memory_reservation r;
        if (copy_from_guest(v, &r, arg, sizeof(r)))
            return -XEN_EFAULT;
        list = r.extent_start, nr = r.nr_extents, order = r.extent_order, domid = r.domid;
    }
    int rc = xen_self_only(d, domid);
    if (rc)
        return rc;
    if (op == XENMEM_increase_reservation)
        return -XEN_ENOSYS;                    /* PV only: HVM guests populate GFNs */
    if (order != 0)
        return -XEN_EINVAL;
    if (start > nr)
        return -XEN_EINVAL;
    if (!domain_pause_others(v))
        return HYPERCALL_RETRY;
    uint64_t done = start;
    bool removed = false;
    for (; done < nr; done++) {
        uint64_t gfn = 0;
        if (copy_from_guest(v, &gfn, list + done * esize, esize)) {
            rc = -XEN_EFAULT;
            break;
        }
        if (op == XENMEM_decrease_reservation) {
            if (release(d, gfn))
                break;
            removed = true;
        } else if (populate_one(d, gfn)) {
            break;
        }
    }
    if (removed)
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            hvm->flush_guest_tlb(d->vcpus[i]);
    domain_unpause(d);
    /* A bad list pointer before anything was done is an error; otherwise, as on Xen, the
     * count done tells the guest where it stopped. */
    return rc && done == start ? rc : (long)done;
}
