/*
 * Host unit tests of grant map, unmap, copy and teardown (kernel/grant_table.c,
 * grant_map.c, grant_entry.c) on the real p2m (mm/p2m.c, NPT format) with the fake frame
 * allocator: frames are host allocations that phys_to_virt refuses once freed, so a grant
 * path that touched a freed frame fails the test (and AddressSanitizer sees the rest).
 * Domains are built here: RAM pages owned through the p2m, one vCPU, a grant table.
 *
 * Besides the rules one by one, a random model: three domains granting, mapping,
 * unmapping, copying, revoking (well-behaved or not) and dying and being reborn, with the
 * invariants checked after every step — each mapping is in its mapper's p2m and points to
 * a live frame its granter owns and has pinned exactly once per mapping, the granter's
 * flags say so — and every frame back at the end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "fake_frames.h"
#include <keel/grant_table.h>
#include <keel/xen_abi.h>
#include <keel/heap.h>
#include <keel/frame.h>
#include <arch/paging.h>

extern struct p2m_format npt_format;

/* ---- fakes */
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }

static unsigned flushes, pauses;
static void fake_flush(struct vcpu *v) { (void)v; flushes++; }
static const struct hvm_ops fake_hvm = { .flush_guest_tlb = fake_flush };
const struct hvm_ops *hvm = &fake_hvm;

#define MAX_DOMS 4
static struct domain *doms[MAX_DOMS];

struct domain *domain_find(unsigned id)
{
    for (unsigned i = 0; i < MAX_DOMS; i++)
        if (doms[i] && doms[i]->id == id)
            return doms[i];
    return NULL;
}
bool domain_pause_others(struct vcpu *v) { (void)v; pauses++; return true; }
void domain_unpause(struct domain *d) { (void)d; }
/* Guest pointers are host pointers here. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    (void)v;
    memcpy(dst, (void *)(uintptr_t)gva, len);
    return 0;
}
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    (void)v;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

/* ---- domains */
#define PAGES 8
#define WINDOW(d, k) ((d)->mem_bytes + 4096ull * (k))

static struct domain *mkdom(unsigned id)
{
    struct domain *d = calloc(1, sizeof(*d));
    d->id = id;
    d->nr_vcpus = 1;
    d->vcpus[0] = calloc(1, sizeof(struct vcpu));
    d->vcpus[0]->dom = d;
    d->mem_bytes = PAGES * 4096;
    assert_int_equal(p2m_init(&d->p2m, &npt_format), 0);
    for (unsigned i = 0; i < PAGES; i++) {
        paddr_t pa = fake_frames_alloc_run(1, 4096);
        memset(phys_to_virt(pa), (int)(id * 16 + i), 4096);
        assert_int_equal(p2m_map(&d->p2m, i * 4096ull, pa, 4096, P2M_RWX, true), 0);
    }
    assert_int_equal(gnttab_domain_init(d), 0);
    doms[id % MAX_DOMS] = d;
    return d;
}

static void rmdom(struct domain *d)
{
    doms[d->id % MAX_DOMS] = NULL;            /* unlisted first, as domain_destroy does */
    gnttab_domain_destroy(d);
    p2m_destroy(&d->p2m);
    free(d->vcpus[0]);
    free(d);
}

static struct grant_entry_v1 *ent(struct domain *d, uint32_t ref) { return gnttab_entry(d->xen.gnt, ref); }

static void grant(struct domain *g, uint32_t ref, struct domain *to, uint32_t gfn, bool ro)
{
    struct grant_entry_v1 *e = ent(g, ref);
    e->frame = gfn;
    e->domid = (uint16_t)to->id;
    e->flags = (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0));
}

static int16_t map(struct domain *m, struct domain *g, uint32_t ref, uint64_t gpa, bool ro, uint32_t *h)
{
    struct gnttab_map_grant_ref op = { .host_addr = gpa, .ref = ref, .dom = (uint16_t)g->id,
                                       .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0) };
    unsigned long f = gnttab_lock_all();
    int16_t st = gnttab_map_one(m->vcpus[0], &op);
    gnttab_unlock_all(f);
    if (h)
        *h = op.handle;
    return st;
}

static int16_t unmap(struct domain *m, uint64_t gpa, uint32_t h)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = h };
    unsigned long f = gnttab_lock_all();
    int16_t st = gnttab_unmap_one(m->vcpus[0], &op);
    gnttab_unlock_all(f);
    return st;
}

static int16_t copy(struct domain *c, struct gnttab_copy *op)
{
    unsigned long f = gnttab_lock_all();
    int16_t st = gnttab_copy_one(c->vcpus[0], op);
    gnttab_unlock_all(f);
    return st;
}

static paddr_t frame_of(struct domain *d, uint64_t gpa, unsigned *perms)
{
    paddr_t hpa;
    unsigned p;
    if (!p2m_lookup(&d->p2m, gpa, &hpa, &p))
        return 0;
    if (perms)
        *perms = p;
    return hpa & PAGE_MASK;
}

static int setup(void **state)
{
    (void)state;
    fake_frames_reset();
    memset(doms, 0, sizeof(doms));
    return 0;
}

static void all_back(void)
{
    for (unsigned i = 0; i < MAX_DOMS; i++)
        if (doms[i])
            rmdom(doms[i]);
    assert_int_equal(fake_frames_live(), 0);
    if (fake_frames_errors())
        fail_msg("bad frees: %s", fake_frames_first_error());
}

/* ---- the rules */
static void map_and_unmap(void **state)
{
    (void)state;
    struct domain *g = mkdom(1), *m = mkdom(2);
    uint32_t h, h2;
    unsigned perms;

    grant(g, 5, m, 3, false);
    assert_int_equal(map(m, g, 5, WINDOW(m, 0), false, &h), GNTST_okay);
    assert_int_equal(frame_of(m, WINDOW(m, 0), &perms), frame_of(g, 3 * 4096, NULL));
    assert_int_equal(perms & (P2M_R | P2M_W | P2M_OWNED), P2M_R | P2M_W);   /* not the mapper's */
    assert_int_equal(ent(g, 5)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_true(gnttab_frame_pinned(g, frame_of(g, 3 * 4096, NULL)));
    /* A second, read-only map of the same ref; then the GPA is taken. */
    assert_int_equal(map(m, g, 5, WINDOW(m, 1), true, &h2), GNTST_okay);
    frame_of(m, WINDOW(m, 1), &perms);
    assert_int_equal(perms & (P2M_R | P2M_W), P2M_R);
    assert_int_equal(map(m, g, 5, WINDOW(m, 1), true, NULL), GNTST_general_error);
    assert_int_equal(map(m, g, 5, 2 * 4096, true, NULL), GNTST_general_error);   /* over RAM */
    assert_int_equal(map(m, g, 5, m->mem_bytes + GNTTAB_MAP_WINDOW, true, NULL), GNTST_general_error);

    assert_int_equal(unmap(m, WINDOW(m, 1), h), GNTST_general_error);   /* not h's address */
    unsigned f0 = flushes;
    assert_int_equal(unmap(m, WINDOW(m, 0), h), GNTST_okay);
    assert_int_equal(frame_of(m, WINDOW(m, 0), NULL), 0);
    assert_int_equal(ent(g, 5)->flags, GTF_permit_access | GTF_reading);   /* the reader stays */
    assert_int_equal(unmap(m, WINDOW(m, 0), h), GNTST_bad_handle);
    assert_int_equal(unmap(m, WINDOW(m, 1), h2), GNTST_okay);
    assert_int_equal(ent(g, 5)->flags, GTF_permit_access);
    assert_false(gnttab_frame_pinned(g, frame_of(g, 3 * 4096, NULL)));
    assert_int_equal(flushes, f0);             /* unmap_one leaves flushes to the batch */
    all_back();
}

static void what_cannot_be_granted(void **state)
{
    (void)state;
    struct domain *g = mkdom(1), *m = mkdom(2), *third = mkdom(3);
    uint32_t h;
    paddr_t keel = fake_frames_alloc_run(1, 4096);

    /* A frame lent to g (not owned), and a page g maps from a third domain. */
    assert_int_equal(p2m_map(&g->p2m, 20 * 4096ull, keel, 4096, P2M_R | P2M_W, false), 0);
    grant(third, 1, g, 0, false);
    assert_int_equal(map(g, third, 1, WINDOW(g, 0), false, &h), GNTST_okay);
    grant(g, 2, m, 20, false);
    grant(g, 3, m, (uint32_t)(WINDOW(g, 0) >> 12), false);
    grant(g, 4, m, 0x40000, false);
    assert_int_equal(map(m, g, 2, WINDOW(m, 0), false, NULL), GNTST_bad_page);
    assert_int_equal(map(m, g, 3, WINDOW(m, 0), false, NULL), GNTST_bad_page);
    assert_int_equal(map(m, g, 4, WINDOW(m, 0), false, NULL), GNTST_bad_page);
    assert_int_equal(ent(g, 2)->flags, GTF_permit_access);
    p2m_unmap(&g->p2m, 20 * 4096ull, 4096);
    frame_free(keel, 1);
    all_back();
}

static void granter_dies_first(void **state)
{
    (void)state;
    struct domain *g = mkdom(1), *m = mkdom(2);
    uint32_t h[3];
    paddr_t page = frame_of(g, 1 * 4096, NULL);
    uint64_t live = fake_frames_live();
    grant(g, 1, m, 1, false);
    grant(m, 1, g, 1, false);
    assert_int_equal(map(m, g, 1, WINDOW(m, 0), false, &h[0]), GNTST_okay);
    assert_int_equal(map(m, g, 1, WINDOW(m, 1), true, &h[1]), GNTST_okay);
    assert_int_equal(map(g, m, 1, WINDOW(g, 0), false, &h[2]), GNTST_okay);
    assert_int_equal(ent(m, 1)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    unsigned p0 = pauses;
    clear_log();
    rmdom(g);
    assert_int_equal(pauses, p0);              /* nobody else had to stop */
    assert_log_contains("grant teardown: 1 page still mapped by other domains");
    /* Everything of g is gone but the page m maps (its table, its p2m tables, its RAM:
     * 8 pages, 1 table frame, 4 p2m tables): m's two mappings still reach it. */
    assert_int_equal(fake_frames_live(), live - (PAGES - 1) - 1 - 4);
    assert_true(fake_frames_is_live(page));
    assert_int_equal(frame_of(m, WINDOW(m, 0), NULL), page);
    assert_int_equal(frame_of(m, WINDOW(m, 1), NULL), page);
    assert_int_equal(ent(m, 1)->flags, GTF_permit_access);   /* g's use of m's page ended */
    struct gnttab_map_grant_ref op = { .host_addr = WINDOW(m, 2), .ref = 1, .dom = 1,
                                       .flags = GNTMAP_host_map };
    assert_int_equal(gnttab_map_one(m->vcpus[0], &op), GNTST_bad_domain);   /* g is gone */
    /* The last unmap frees it. */
    assert_int_equal(unmap(m, WINDOW(m, 0), h[0]), GNTST_okay);
    assert_true(fake_frames_is_live(page));
    assert_int_equal(unmap(m, WINDOW(m, 0), h[0]), GNTST_bad_handle);
    assert_int_equal(unmap(m, WINDOW(m, 1), h[1]), GNTST_okay);
    assert_false(fake_frames_is_live(page));
    assert_int_equal(frame_of(m, WINDOW(m, 1), NULL), 0);
    all_back();
}

/* Orphans in a 2 MiB leaf: the rest of the leaf is freed, the pinned frames kept; the
 * mapper's death frees them. */
static void orphans_in_a_large_page(void **state)
{
    (void)state;
    struct domain *g = calloc(1, sizeof(*g)), *m = mkdom(2);
    g->id = 1, g->nr_vcpus = 1, g->mem_bytes = 2 << 20;
    g->vcpus[0] = calloc(1, sizeof(struct vcpu));
    g->vcpus[0]->dom = g;
    assert_int_equal(p2m_init(&g->p2m, &npt_format), 0);
    paddr_t big = fake_frames_alloc_run(512, 2 << 20);
    assert_int_equal(p2m_map(&g->p2m, 0, big, 2 << 20, P2M_RWX, true), 0);
    assert_int_equal(gnttab_domain_init(g), 0);
    doms[1] = g;
    grant(g, 1, m, 7, false);
    grant(g, 2, m, 300, true);
    assert_int_equal(map(m, g, 1, WINDOW(m, 0), false, NULL), GNTST_okay);
    assert_int_equal(map(m, g, 2, WINDOW(m, 1), true, NULL), GNTST_okay);
    clear_log();
    rmdom(g);
    assert_log_contains("2 pages still mapped");
    for (unsigned i = 0; i < 512; i++)
        assert_int_equal(fake_frames_is_live(big + i * 4096ull), i == 7 || i == 300);
    all_back();                                /* m's death frees the two */
}

static void copies(void **state)
{
    (void)state;
    struct domain *g = mkdom(1), *c = mkdom(2);
    uint8_t *src = phys_to_virt(frame_of(g, 2 * 4096, NULL));
    uint8_t *dst = phys_to_virt(frame_of(c, 5 * 4096, NULL));
    for (int i = 0; i < 4096; i++)
        src[i] = (uint8_t)(i * 13);
    grant(g, 7, c, 2, true);
    struct gnttab_copy op = { .source = { .u.ref = 7, .domid = 1, .offset = 100 },
                              .dest = { .u.gmfn = 5, .domid = DOMID_SELF, .offset = 3 },
                              .len = 3000, .flags = GNTCOPY_source_gref };
    assert_int_equal(copy(c, &op), GNTST_okay);
    assert_memory_equal(dst + 3, src + 100, 3000);
    assert_int_equal(ent(g, 7)->flags, GTF_permit_access | GTF_readonly);   /* pinned only meanwhile */
    op.len = 4000;
    assert_int_equal(copy(c, &op), GNTST_bad_copy_arg);
    op.len = 8;
    op.dest.domid = 2;                         /* a frame must be named as DOMID_SELF */
    assert_int_equal(copy(c, &op), GNTST_permission_denied);
    op.dest.domid = DOMID_SELF;
    op.dest.u.gmfn = PAGES;                    /* not RAM */
    assert_int_equal(copy(c, &op), GNTST_bad_page);
    op.dest.u.ref = 7, op.dest.domid = 1, op.flags |= GNTCOPY_dest_gref;   /* read-only */
    assert_int_equal(copy(c, &op), GNTST_general_error);
    op.flags = GNTCOPY_source_gref, op.dest.u.gmfn = 5, op.dest.domid = DOMID_SELF;
    op.source.domid = 9;
    assert_int_equal(copy(c, &op), GNTST_bad_domain);
    op.source.domid = 1, op.source.u.ref = GNTTAB_PER_FRAME;   /* one frame so far */
    assert_int_equal(copy(c, &op), GNTST_bad_gntref);
    /* Same page on both sides, overlapping. */
    grant(c, 1, c, 5, false);
    op = (struct gnttab_copy){ .source = { .u.ref = 1, .domid = DOMID_SELF, .offset = 0 },
                               .dest = { .u.gmfn = 5, .domid = DOMID_SELF, .offset = 1 },
                               .len = 16, .flags = GNTCOPY_source_gref };
    uint8_t before[17];
    memcpy(before, dst, 17);
    assert_int_equal(copy(c, &op), GNTST_okay);
    assert_memory_equal(dst + 1, before, 16);
    all_back();
}

static void maptrack_limit(void **state)
{
    (void)state;
    struct domain *g = mkdom(1), *m = mkdom(2);
    grant(g, 1, m, 1, true);
    for (unsigned i = 0; i < GNTTAB_MAPTRACK; i++)
        assert_int_equal(map(m, g, 1, WINDOW(m, i), true, NULL), GNTST_okay);
    assert_int_equal(map(m, g, 1, WINDOW(m, GNTTAB_MAPTRACK), true, NULL), GNTST_no_space);
    assert_int_equal(g->xen.gnt->act[1].rd_pins, GNTTAB_MAPTRACK);
    rmdom(m);                                  /* the mapper dies holding all of them */
    assert_int_equal(ent(g, 1)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(g->xen.gnt->act[1].rd_pins, 0);
    all_back();
}

/* ---- the random model */
static uint64_t seed = 42;
static unsigned rnd(unsigned n) { return (unsigned)(unit_rand(&seed) % n); }
static bool stomped[MAX_DOMS][32];

static void check_invariants(int step)
{
    unsigned pins[MAX_DOMS][32] = { 0 }, wpins[MAX_DOMS][32] = { 0 };
    for (unsigned i = 0; i < MAX_DOMS; i++) {
        struct domain *m = doms[i];
        if (!m)
            continue;
        for (unsigned k = 0; k < GNTTAB_MAPTRACK; k++) {
            struct gnt_map *mp = &m->xen.gnt->maptrack[k];
            if (mp->orphan) {                  /* its granter died: the frame lives on */
                unsigned perms;
                if (mp->granter || frame_of(m, mp->gpa, &perms) != mp->frame ||
                    !fake_frames_is_live(mp->frame) || (perms & P2M_OWNED))
                    fail_msg("step %d: orphan mapping %u of domain %u broken", step, k, m->id);
                continue;
            }
            if (!mp->granter)
                continue;
            struct domain *g = mp->granter;
            if (doms[g->id % MAX_DOMS] != g)
                fail_msg("step %d: domain %u maps a page of a dead domain", step, m->id);
            unsigned perms;
            if (frame_of(m, mp->gpa, &perms) != mp->frame || (perms & P2M_OWNED) ||
                !!(perms & P2M_W) == mp->readonly)
                fail_msg("step %d: mapping %u of domain %u not in its p2m as recorded", step, k, m->id);
            if (!fake_frames_is_live(mp->frame) || !gnttab_frame_pinned(g, mp->frame))
                fail_msg("step %d: a mapped frame is freed or unpinned", step);
            pins[g->id % MAX_DOMS][mp->ref]++;
            wpins[g->id % MAX_DOMS][mp->ref] += !mp->readonly;
        }
    }
    for (unsigned i = 0; i < MAX_DOMS; i++) {
        struct domain *g = doms[i];
        for (unsigned r = 0; g && r < 32; r++) {
            struct gnt_active *a = &g->xen.gnt->act[r];
            if (a->rd_pins + a->wr_pins != pins[i][r] || a->wr_pins != wpins[i][r])
                fail_msg("step %d: domain %u ref %u: %u+%u pins, %u mappings (%u writable)", step,
                         g->id, r, a->rd_pins, a->wr_pins, pins[i][r], wpins[i][r]);
            uint16_t fl = ent(g, r)->flags;
            bool rd = fl & GTF_reading, wr = fl & GTF_writing;
            if (!stomped[i][r] && (rd != (pins[i][r] > 0) || wr != (wpins[i][r] > 0)))
                fail_msg("step %d: domain %u ref %u flags %#x with %u mappings (%u writable)", step,
                         g->id, r, fl, pins[i][r], wpins[i][r]);
        }
    }
}

static void random_model(void **state)
{
    (void)state;
    unsigned next_id = 1;
    uint32_t handles[MAX_DOMS][8] = { 0 };
    uint64_t gpas[MAX_DOMS][8] = { 0 };
    for (unsigned i = 0; i < 3; i++)
        mkdom(next_id++);
    for (int step = 0; step < 20000; step++) {
        struct domain *a = doms[1 + rnd(3)], *b = doms[1 + rnd(3)];
        if (!a || !b)
            continue;
        unsigned ai = a->id % MAX_DOMS;
        uint32_t ref = rnd(32);
        switch (rnd(10)) {
        case 0: case 1: {                    /* grant (keeping the bits), or stomp on it */
            struct grant_entry_v1 *e = ent(a, ref);
            struct gnt_active *act = &a->xen.gnt->act[ref];
            uint16_t keep = (uint16_t)((act->rd_pins || act->wr_pins ? GTF_reading : 0) |
                                       (act->wr_pins ? GTF_writing : 0));
            e->frame = rnd(PAGES + 2);
            e->domid = (uint16_t)b->id;
            if (rnd(8)) {                    /* well-behaved: the hypervisor's bits kept */
                e->flags = (uint16_t)(keep | (rnd(4) ? GTF_permit_access : 0) | (rnd(2) ? GTF_readonly : 0));
                stomped[ai][ref] = false;
            } else {
                e->flags = (uint16_t)rnd(0x10000);
                stomped[ai][ref] = true;
            }
            break;
        }
        case 2: case 3: case 4: {            /* map */
            unsigned k = rnd(8);
            uint32_t h;
            if (map(a, b, ref, WINDOW(a, k), rnd(2), &h) == GNTST_okay)
                handles[ai][k] = h, gpas[ai][k] = WINDOW(a, k);
            break;
        }
        case 5: case 6: {                    /* unmap, mostly of something we mapped */
            unsigned k = rnd(8);
            unmap(a, rnd(4) ? gpas[ai][k] : WINDOW(a, rnd(8)), rnd(4) ? handles[ai][k] : rnd(300));
            break;
        }
        case 7: case 8: {                    /* copy */
            struct gnttab_copy op = { .len = (uint16_t)rnd(4097), .flags = (uint16_t)rnd(4) };
            op.source = (struct gnttab_copy_ptr){ .u.gmfn = rnd(PAGES + 1),
                                                  .domid = rnd(2) ? DOMID_SELF : (uint16_t)b->id,
                                                  .offset = (uint16_t)rnd(4097 - op.len) };
            op.dest = (struct gnttab_copy_ptr){ .u.gmfn = rnd(PAGES + 1), .domid = DOMID_SELF,
                                                .offset = (uint16_t)rnd(4097 - op.len) };
            if (op.flags & GNTCOPY_source_gref)
                op.source.u.ref = ref, op.source.domid = (uint16_t)b->id;
            if (op.flags & GNTCOPY_dest_gref)
                op.dest.u.ref = rnd(32), op.dest.domid = (uint16_t)b->id;
            copy(a, &op);
            break;
        }
        default:                             /* death and rebirth (rarely) */
            if (rnd(20))
                break;
            rmdom(a);
            memset(stomped[ai], 0, sizeof(stomped[ai]));
            memset(gpas[ai], 0, sizeof(gpas[ai]));
            while (doms[next_id % MAX_DOMS] || next_id % MAX_DOMS == 0)
                next_id++;
            mkdom(next_id++);
            break;
        }
        check_invariants(step);
        if (fake_frames_errors())
            fail_msg("step %d: bad frees: %s", step, fake_frames_first_error());
    }
    all_back();
}

int main(void)
{
    unit_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(map_and_unmap, setup),
        cmocka_unit_test_setup(what_cannot_be_granted, setup),
        cmocka_unit_test_setup(granter_dies_first, setup),
        cmocka_unit_test_setup(orphans_in_a_large_page, setup),
        cmocka_unit_test_setup(copies, setup),
        cmocka_unit_test_setup(maptrack_limit, setup),
        cmocka_unit_test_setup(random_model, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
