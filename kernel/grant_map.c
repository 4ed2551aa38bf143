/*
 * GNTTABOP_map_grant_ref, unmap_grant_ref and copy, one operation at a time with the
 * grant lock held (kernel/grant_table.c batches them).
 *
 * PVH/HVM semantics, as Xen's: map's host_addr is a guest-PHYSICAL address of the
 * mapper, and the granter's frame appears there in the mapper's p2m (read-only with
 * GNTMAP_readonly), without the ownership bit: it stays the granter's frame. Keel maps
 * only at a GPA where nothing is mapped (a hole the guest left, or above its RAM up to
 * GNTTAB_MAP_WINDOW), so that no RAM frame is displaced and lost; on unmap the GPA is
 * left empty, as Xen leaves it for HVM guests. Anything else is GNTST_general_error,
 * which is what Xen answers when the p2m update fails.
 *
 * Only frames the granter owns (RAM, with the p2m's ownership bit) can be used through a
 * grant: not Keel's frames mapped into it, not pages it has itself mapped from a third
 * domain (whose death would otherwise leave them reachable through the second mapping).
 */
#include <keel/grant_table.h>
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <arch/paging.h>

/* The domain named as granter: alive, with a table that is not being torn down. The
 * pointer stays valid while the grant lock is held (teardown takes it after unlisting). */
static struct domain *live_granter(struct domain *self, uint16_t domid)
{
    struct domain *rd = domid == DOMID_SELF ? self : domain_find(domid);
    return rd && rd->xen.gnt && !rd->xen.gnt->dying ? rd : NULL;
}

/* Pins ref of rd for a use by ld; *frame: the granter's frame. */
static int16_t acquire(struct domain *rd, uint32_t ref, struct domain *ld, bool readonly,
                       paddr_t *frame)
{
    struct gnttab *gt = rd->xen.gnt;
    struct grant_entry_v1 *e = gnttab_entry(gt, ref);
    if (!e)
        return GNTST_bad_gntref;
    struct gnt_active *a = &gt->act[ref];
    bool first = !a->rd_pins && !a->wr_pins;
    int16_t rc = (int16_t)gnt_entry_pin(e, a, (uint16_t)ld->id, readonly);
    if (rc)
        return rc;
    if (first) {
        uint64_t gfn = READ_ONCE(e->frame);
        paddr_t hpa;
        unsigned perms;
        if (!p2m_lookup(&rd->p2m, gfn << PAGE_SHIFT, &hpa, &perms) || !(perms & P2M_OWNED) ||
            !(perms & (readonly ? P2M_R : P2M_W))) {
            gnt_entry_unpin(e, a, readonly);
            return GNTST_bad_page;
        }
        a->frame = hpa & PAGE_MASK;
        a->gfn = gfn;
    }
    *frame = a->frame;
    return GNTST_okay;
}

static void release(struct domain *rd, uint32_t ref, bool readonly)
{
    struct gnttab *gt = rd->xen.gnt;
    gnt_entry_unpin(gnttab_entry(gt, ref), &gt->act[ref], readonly);
}

int16_t gnttab_map_one(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = v->dom;
    struct gnttab *lgt = ld->xen.gnt;
    bool ro = op->flags & GNTMAP_readonly;
    paddr_t hpa, frame;
    unsigned perms, h;

    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref;
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
        return GNTST_general_error;            /* no device or PV page-table maps */
    struct domain *rd = op->dom == DOMID_SELF ? NULL : live_granter(ld, op->dom);
    if (!rd)
        return GNTST_bad_domain;
    for (h = 0; h < GNTTAB_MAPTRACK && gnt_map_used(&lgt->maptrack[h]); h++)
        ;
    if (h == GNTTAB_MAPTRACK)
        return GNTST_no_space;
    uint64_t gpa = op->host_addr;
    if ((gpa & ~PAGE_MASK) || gpa >= ld->mem_bytes + GNTTAB_MAP_WINDOW ||
        p2m_lookup(&ld->p2m, gpa, &hpa, &perms))
        return GNTST_general_error;
    int16_t rc = acquire(rd, op->ref, ld, ro, &frame);
    if (rc)
        return rc;
    if (p2m_map(&ld->p2m, gpa, frame, PAGE_SIZE, ro ? P2M_R : P2M_R | P2M_W, false)) {
        release(rd, op->ref, ro);
        return GNTST_general_error;
    }
    lgt->maptrack[h] = (struct gnt_map){ .granter = rd, .ref = op->ref, .readonly = ro,
                                         .gpa = gpa, .frame = frame };
    lgt->nr_maps++;
    op->handle = h;
    op->dev_bus_addr = 0;
    return GNTST_okay;
}

void gnttab_drop_map(struct domain *d, struct gnt_map *m)
{
    paddr_t hpa;
    unsigned perms;

    /* Only if it is still our mapping there (nothing else can replace it today, but the
     * p2m is the authority). */
    if (p2m_lookup(&d->p2m, m->gpa, &hpa, &perms) && (hpa & PAGE_MASK) == m->frame &&
        !(perms & P2M_OWNED))
        p2m_unmap(&d->p2m, m->gpa, PAGE_SIZE);
    paddr_t orphan = m->orphan ? m->frame : 0;
    if (m->granter)
        release(m->granter, m->ref, m->readonly);
    memset(m, 0, sizeof(*m));
    d->xen.gnt->nr_maps--;
    if (orphan)
        gnttab_orphan_unmapped(orphan);
}

int16_t gnttab_unmap_one(struct vcpu *v, struct gnttab_unmap_grant_ref *op)
{
    struct gnttab *lgt = v->dom->xen.gnt;

    if (op->handle >= GNTTAB_MAPTRACK || !gnt_map_used(&lgt->maptrack[op->handle]))
        return GNTST_bad_handle;
    struct gnt_map *m = &lgt->maptrack[op->handle];
    if (op->host_addr != m->gpa)
        return GNTST_general_error;            /* Xen: the p2m entry does not match */
    gnttab_drop_map(v->dom, m);
    return GNTST_okay;
}

/* One side of a copy: the frame, pinned if it came through a grant. */
struct copy_buf {
    struct domain *rd;                 /* granter, NULL for the caller's own GFN */
    uint32_t ref;
    paddr_t frame;
};

static int16_t claim(struct vcpu *v, const struct gnttab_copy_ptr *p, bool gref, bool write,
                     struct copy_buf *b)
{
    struct domain *ld = v->dom;
    paddr_t hpa;
    unsigned perms;

    b->rd = NULL;
    if (!gref) {
        if (p->u.gmfn >= P2M_MAX_GPA >> PAGE_SHIFT ||
            !p2m_lookup(&ld->p2m, p->u.gmfn << PAGE_SHIFT, &hpa, &perms) ||
            !(perms & (write ? P2M_W : P2M_R)))
            return GNTST_bad_page;
        b->frame = hpa & PAGE_MASK;
        return GNTST_okay;
    }
    struct domain *rd = live_granter(ld, p->domid);
    if (!rd)
        return GNTST_bad_domain;
    int16_t rc = acquire(rd, p->u.ref, ld, !write, &b->frame);
    if (!rc)
        b->rd = rd, b->ref = p->u.ref;
    return rc;
}

/* Whole pages move 8 bytes per step (rep movsq); anything unaligned byte by byte. */
static void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
    if (!(((uintptr_t)d | (uintptr_t)s | n) & 7)) {
        size_t q = n / 8;
        __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) :: "memory");
    } else {
        memcpy(d, s, n);
    }
}

int16_t gnttab_copy_one(struct vcpu *v, struct gnttab_copy *op)
{
    bool sg = op->flags & GNTCOPY_source_gref, dg = op->flags & GNTCOPY_dest_gref;
    struct copy_buf src, dst;

    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    /* A frame number (not a grant) names the caller's own memory, and only as DOMID_SELF. */
    if ((!sg && op->source.domid != DOMID_SELF) || (!dg && op->dest.domid != DOMID_SELF))
        return GNTST_permission_denied;
    int16_t rc = claim(v, &op->source, sg, false, &src);
    if (rc)
        return rc;
    rc = claim(v, &op->dest, dg, true, &dst);
    if (!rc) {
        uint8_t *d = (uint8_t *)phys_to_virt(dst.frame) + op->dest.offset;
        const uint8_t *s = (uint8_t *)phys_to_virt(src.frame) + op->source.offset;
        if (d + op->len > s && s + op->len > d)
            memmove(d, s, op->len);            /* the same page on both sides */
        else
            copy_bytes(d, s, op->len);
    }
    if (dst.rd)
        release(dst.rd, dst.ref, false);
    if (src.rd)
        release(src.rd, src.ref, true);
    return rc;
}
