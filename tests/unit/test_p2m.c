/*
 * Host unit tests of mm/p2m.c, the generic guest-physical -> host-physical tree, with two
 * entry formats:
 *  - the real AMD NPT format (svm/npt.c, `npt_format`): present = P, execute = no NX,
 *    readable whenever present;
 *  - an EPT-like format defined here: R/W/X in bits 0-2 (present = any of them, r_bit =
 *    bit 0, x_is_nx false), a write-back memory type in bits 3-5, large bit 7, owned bit 52;
 * each with 1 GiB leaves supported (huge_1g) and not: four configurations, and each test
 * runs in every configuration it applies to ("npt/...", "npt1g/...", "ept/...",
 * "ept1g/...").
 *
 * Frames come from tests/unit/fake_frames.c: host allocations whose "physical address" is
 * the host pointer, tracked one 4 KiB frame at a time, so that the tests can count live
 * frames exactly and see double frees and frees of frames never allocated. Owned guest RAM
 * is real host memory (4 KiB or 2 MiB-aligned runs); 1 GiB leaves map fake addresses above
 * 2^50 that are never dereferenced (not owned, except in one test where they are
 * registered with the allocator without memory behind them).
 *
 * Which level a mapping used is checked by counting table frames (p2m->nr_tables, and the
 * allocator's live count) and by walking the raw tree with the format's masks (raw_level).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fake_frames.h"
#include <keel/p2m.h>
#include <keel/frame.h>
#include <arch/paging.h>
#include <public/xen.h>

extern struct p2m_format npt_format;      /* svm/npt.c (svm/svm.h is private to svm/) */

/* ---- The EPT-like test format ---- */

#define T_R       (1ull << 0)
#define T_W       (1ull << 1)
#define T_X       (1ull << 2)
#define T_RWX     (T_R | T_W | T_X)
#define T_MT_WB   (6ull << 3)
#define T_LARGE   (1ull << 7)
#define T_OWNED   (1ull << 52)
#define T_ADDR    0x000ffffffffff000ull

static uint64_t t_leaf(paddr_t hpa, unsigned perms, int level, bool owned)
{
    uint64_t e = hpa | T_MT_WB;
    if (perms & P2M_R)
        e |= T_R;
    if (perms & P2M_W)
        e |= T_W;
    if (perms & P2M_X)
        e |= T_X;
    if (level > 1)
        e |= T_LARGE;
    if (owned)
        e |= T_OWNED;
    return e;
}

static uint64_t t_table(paddr_t next) { return next | T_RWX; }

static struct p2m_format eptlike_format = {
    .leaf = t_leaf,
    .table = t_table,
    .present_mask = T_RWX,
    .large_bit = T_LARGE,
    .addr_mask = T_ADDR,
    .owned_bit = T_OWNED,
    .r_bit = T_R,
    .w_bit = T_W,
    .x_bit = T_X,
    .x_is_nx = false,
    .huge_1g = false,
};

/* The NPT bits, independently of svm/npt.c, for the raw-entry test. */
#define NPT_P     (1ull << 0)
#define NPT_RW    (1ull << 1)
#define NPT_US    (1ull << 2)
#define NPT_PS    (1ull << 7)
#define NPT_OWNED (1ull << 52)
#define NPT_NX    (1ull << 63)

/* ---- Configurations and fixtures ---- */

struct cfg {
    const char *name;
    struct p2m_format *fmt;
    bool huge_1g;
    bool npt;             /* readable whenever present */
    uint64_t seed;
};

static struct cfg cfgs[] = {
    { "npt",   &npt_format,     false, true,  0x243f6a8885a308d3ull },
    { "npt1g", &npt_format,     true,  true,  0x13198a2e03707344ull },
    { "ept",   &eptlike_format, false, false, 0xa4093822299f31d0ull },
    { "ept1g", &eptlike_format, true,  false, 0x082efa98ec4e6c89ull },
};
#define CFG_NPT   (1u << 0)
#define CFG_NPT1G (1u << 1)
#define CFG_EPT   (1u << 2)
#define CFG_EPT1G (1u << 3)
#define CFG_ALL   0xfu
#define CFG_HUGE  (CFG_NPT1G | CFG_EPT1G)
#define CFG_NPTS  (CFG_NPT | CFG_NPT1G)

static const struct cfg *C;
static struct p2m P;
static bool p_live;

/* Fake host-physical addresses: above any host pointer, below 2^52, 1 GiB-aligned. */
#define FAKE      0x000c000000000000ull

static int setup(void **state)
{
    C = *state;
    C->fmt->huge_1g = C->huge_1g;
    fake_frames_reset();
    clear_log();
    if (p2m_init(&P, C->fmt))
        return -1;
    p_live = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (p_live)
        p2m_destroy(&P);
    p_live = false;
    fake_frames_reset();
    return 0;
}

static unsigned xp(unsigned perms)
{
    return C->npt ? perms | P2M_R : perms;
}

#define assert_frames_ok()                                                                  \
    do {                                                                                    \
        if (fake_frames_errors())                                                           \
            fail_msg("frame allocator saw %u bad frees; first: %s", fake_frames_errors(),  \
                     fake_frames_first_error());                                            \
    } while (0)

#define assert_live(n)                                                                      \
    do {                                                                                    \
        assert_frames_ok();                                                                 \
        assert_int_equal(fake_frames_live(), (n));                                          \
    } while (0)

/* Destroys the p2m and checks that every table and owned frame went back, once. */
static void finish(void)
{
    p2m_destroy(&P);
    p_live = false;
    assert_int_equal(P.root, 0);
    assert_int_equal(P.nr_tables, 0);
    assert_int_equal(P.nr_owned, 0);
    assert_live(0);
    p2m_destroy(&P);             /* a second destroy does nothing */
    assert_live(0);
}

static void check_map_(uint64_t gpa, paddr_t hpa, unsigned perms, int line)
{
    paddr_t h = 0xbadbad;
    unsigned pr = 0xbad;
    if (!p2m_lookup(&P, gpa, &h, &pr))
        fail_msg("line %d: gpa %#llx not mapped (expected hpa %#llx perms %u)", line,
                 (unsigned long long)gpa, (unsigned long long)hpa, perms);
    pr &= ~P2M_OWNED;            /* checked by the model test, which knows ownership */
    if (h != hpa || pr != perms)
        fail_msg("line %d: gpa %#llx -> hpa %#llx perms %u, expected hpa %#llx perms %u", line,
                 (unsigned long long)gpa, (unsigned long long)h, pr, (unsigned long long)hpa,
                 perms);
}
#define check_map(g, h, p) check_map_((g), (h), (p), __LINE__)

static void check_unmapped_(uint64_t gpa, int line)
{
    paddr_t h = 0;
    unsigned pr = 0;
    if (p2m_lookup(&P, gpa, &h, &pr))
        fail_msg("line %d: gpa %#llx is mapped (hpa %#llx perms %u), expected unmapped", line,
                 (unsigned long long)gpa, (unsigned long long)h, pr);
}
#define check_unmapped(g) check_unmapped_((g), __LINE__)

/* The raw entry mapping gpa, walked with the format's masks only, and its level (0 and
 * the non-present entry when unmapped). */
static uint64_t raw_entry(uint64_t gpa, int *level)
{
    const struct p2m_format *f = C->fmt;
    uint64_t *t = phys_to_virt(P.root);
    for (int l = 4; l >= 1; l--) {
        uint64_t e = t[(gpa >> (12 + 9 * (l - 1))) & 511];
        if (!(e & f->present_mask)) {
            *level = 0;
            return e;
        }
        if (l == 1 || (l <= 3 && (e & f->large_bit))) {
            *level = l;
            return e;
        }
        t = phys_to_virt(e & f->addr_mask);
    }
    *level = 0;
    return 0;
}

static int raw_level(uint64_t gpa)
{
    int l;
    raw_entry(gpa, &l);
    return l;
}

/* ---- p2m_init ---- */

static void init_state(void **state)
{
    (void)state;
    assert_true(P.root != 0);
    assert_ptr_equal(P.fmt, C->fmt);
    assert_int_equal(P.nr_tables, 1);
    assert_int_equal(P.nr_owned, 0);
    assert_int_equal(P.gen, 0);
    assert_live(1);
    const uint64_t *root = phys_to_virt(P.root);
    for (int i = 0; i < 512; i++)
        assert_int_equal(root[i], 0);
    check_unmapped(0);
    check_unmapped(0x1000);
    check_unmapped(GiB(1));
    check_unmapped(P2M_MAX_GPA - 1);
    check_unmapped(P2M_MAX_GPA);
    check_unmapped(~0ull);
    finish();
}

static void init_nomem(void **state)
{
    (void)state;
    p2m_destroy(&P);
    p_live = false;
    assert_live(0);

    struct p2m q;
    memset(&q, 0xff, sizeof(q));
    fake_frames_fail_after(0);
    assert_int_equal(p2m_init(&q, C->fmt), -XEN_ENOMEM);
    fake_frames_fail_after(-1);
    assert_int_equal(q.root, 0);
    assert_int_equal(q.nr_tables, 0);
    assert_live(0);
    p2m_destroy(&q);             /* harmless on a p2m whose init failed */
    assert_live(0);
}

/* ---- p2m_map: leaf sizes chosen by alignment ---- */

static void map_4k(void **state)
{
    (void)state;
    const uint64_t g = GiB(5) + MiB(6) + 0x5000;
    paddr_t run = fake_frames_alloc_run(3, PAGE_SIZE);

    assert_int_equal(p2m_map(&P, g, run, 3 * PAGE_SIZE, P2M_R | P2M_W, true), 0);
    assert_int_equal(P.nr_tables, 4);             /* root, L3, L2, L1 */
    assert_int_equal(P.nr_owned, 3);
    assert_live(4 + 3);
    for (int i = 0; i < 3; i++) {
        check_map(g + i * PAGE_SIZE, run + i * PAGE_SIZE, xp(P2M_R | P2M_W));
        check_map(g + i * PAGE_SIZE + 0x123, run + i * PAGE_SIZE + 0x123, xp(P2M_R | P2M_W));
        check_map(g + i * PAGE_SIZE + 0xfff, run + i * PAGE_SIZE + 0xfff, xp(P2M_R | P2M_W));
        assert_int_equal(raw_level(g + i * PAGE_SIZE), 1);
    }
    check_unmapped(g - 1);
    check_unmapped(g + 3 * PAGE_SIZE);
    check_unmapped(g + GiB(1));
    check_unmapped(g + 512 * GiB(1));

    /* Another page in the same 2 MiB: the same L1 table. */
    assert_int_equal(p2m_map(&P, g + 0x10000, FAKE + 0x7000, PAGE_SIZE, P2M_R, false), 0);
    assert_int_equal(P.nr_tables, 4);
    assert_int_equal(P.nr_owned, 3);
    check_map(g + 0x10000, FAKE + 0x7000, xp(P2M_R));
    /* One in the next 512 GiB: three new tables. */
    assert_int_equal(p2m_map(&P, g + 512 * GiB(1), FAKE, PAGE_SIZE, P2M_R, false), 0);
    assert_int_equal(P.nr_tables, 7);
    assert_live(7 + 3);
    assert_int_equal(P.gen, 0);                    /* mapping removes nothing */
    finish();
}

static void map_2m(void **state)
{
    (void)state;
    const uint64_t g = GiB(5);                     /* slots g + k * 2 MiB */
    paddr_t run = fake_frames_alloc_run(512, MiB(2));

    /* 2 MiB-aligned gpa and hpa, 2 MiB: one large leaf. */
    assert_int_equal(p2m_map(&P, g + MiB(2), run, MiB(2), P2M_RWX, true), 0);
    assert_int_equal(P.nr_tables, 3);              /* root, L3, L2 */
    assert_int_equal(P.nr_owned, 512);
    assert_live(3 + 512);
    assert_int_equal(raw_level(g + MiB(2)), 2);
    check_map(g + MiB(2), run, xp(P2M_RWX));
    check_map(g + MiB(2) + 0x1ff123, run + 0x1ff123, xp(P2M_RWX));
    check_map(g + MiB(4) - 1, run + MiB(2) - 1, xp(P2M_RWX));
    check_unmapped(g + MiB(2) - 1);
    check_unmapped(g + MiB(4));

    /* 2 MiB-aligned gpa, hpa only 4 KiB-aligned: 512 small leaves. */
    assert_int_equal(p2m_map(&P, g + MiB(6), FAKE + 0x1000, MiB(2), P2M_R, false), 0);
    assert_int_equal(P.nr_tables, 4);
    assert_int_equal(raw_level(g + MiB(6)), 1);
    assert_int_equal(raw_level(g + MiB(8) - PAGE_SIZE), 1);
    check_map(g + MiB(8) - 1, FAKE + 0x1000 + MiB(2) - 1, xp(P2M_R));

    /* 2 MiB-aligned hpa, gpa only 4 KiB-aligned: small leaves over two slots. */
    assert_int_equal(p2m_map(&P, g + MiB(10) + 0x1000, FAKE + MiB(2), MiB(2), P2M_R, false), 0);
    assert_int_equal(P.nr_tables, 6);
    assert_int_equal(raw_level(g + MiB(10) + 0x1000), 1);
    assert_int_equal(raw_level(g + MiB(12)), 1);
    check_map(g + MiB(12) + 0x800, FAKE + MiB(4) - 0x1000 + 0x800, xp(P2M_R));
    check_unmapped(g + MiB(10));
    check_unmapped(g + MiB(12) + 0x1000);

    /* Congruent mod 2 MiB, [slot 8 - 4 KiB, slot 10 + 8 KiB): 4 KiB, 2 MiB, 2 x 4 KiB. */
    assert_int_equal(p2m_map(&P, g + MiB(16) - 0x1000, FAKE + GiB(1) - 0x1000,
                             MiB(2) + 0x3000, P2M_R | P2M_X, false), 0);
    assert_int_equal(P.nr_tables, 8);
    assert_int_equal(raw_level(g + MiB(16) - 0x1000), 1);
    assert_int_equal(raw_level(g + MiB(16)), 2);
    assert_int_equal(raw_level(g + MiB(18) - 0x1000), 2);
    assert_int_equal(raw_level(g + MiB(18)), 1);
    assert_int_equal(raw_level(g + MiB(18) + 0x1000), 1);
    check_map(g + MiB(16) - 0x1000, FAKE + GiB(1) - 0x1000, xp(P2M_R | P2M_X));
    check_map(g + MiB(17), FAKE + GiB(1) + MiB(1), xp(P2M_R | P2M_X));
    check_map(g + MiB(18) + 0x1fff, FAKE + GiB(1) + MiB(2) + 0x1fff, xp(P2M_R | P2M_X));
    check_unmapped(g + MiB(18) + 0x2000);

    /* Two large leaves in one call. */
    assert_int_equal(p2m_map(&P, g + MiB(20), FAKE + MiB(20), MiB(4), P2M_R, false), 0);
    assert_int_equal(P.nr_tables, 8);
    assert_int_equal(raw_level(g + MiB(20)), 2);
    assert_int_equal(raw_level(g + MiB(22)), 2);
    check_map(g + MiB(23) + 0x10, FAKE + MiB(23) + 0x10, xp(P2M_R));
    assert_int_equal(P.nr_owned, 512);
    assert_live(8 + 512);
    finish();
}

static void map_1g(void **state)
{
    (void)state;
    const uint64_t g = GiB(3);
    bool huge = C->huge_1g;

    assert_int_equal(p2m_map(&P, g, FAKE, GiB(1), P2M_R | P2M_X, false), 0);
    assert_int_equal(P.nr_tables, huge ? 2 : 3);
    assert_int_equal(raw_level(g), huge ? 3 : 2);
    assert_int_equal(raw_level(g + GiB(1) - PAGE_SIZE), huge ? 3 : 2);
    check_map(g, FAKE, xp(P2M_R | P2M_X));
    check_map(g + 0x12345678, FAKE + 0x12345678, xp(P2M_R | P2M_X));
    check_map(g + GiB(1) - 1, FAKE + GiB(1) - 1, xp(P2M_R | P2M_X));
    check_unmapped(g - 1);
    check_unmapped(g + GiB(1));
    assert_int_equal(P.nr_owned, 0);

    /* 1 GiB-aligned gpa, hpa only 2 MiB-aligned: 2 MiB leaves whatever the format. */
    assert_int_equal(p2m_map(&P, g + GiB(1), FAKE + GiB(2) + MiB(2), GiB(1), P2M_R, false), 0);
    assert_int_equal(P.nr_tables, huge ? 3 : 4);
    assert_int_equal(raw_level(g + GiB(1)), 2);
    assert_int_equal(raw_level(g + GiB(2) - MiB(2)), 2);
    check_map(g + GiB(2) - 1, FAKE + GiB(3) + MiB(2) - 1, xp(P2M_R));

    /* 1 GiB + 2 MiB + 4 KiB, all aligned: one of each size. */
    uint64_t g2 = GiB(10);
    assert_int_equal(p2m_map(&P, g2, FAKE + GiB(4), GiB(1) + MiB(2) + PAGE_SIZE, P2M_RWX, false), 0);
    assert_int_equal(raw_level(g2), huge ? 3 : 2);
    assert_int_equal(raw_level(g2 + GiB(1)), 2);
    assert_int_equal(raw_level(g2 + GiB(1) + MiB(2)), 1);
    check_unmapped(g2 + GiB(1) + MiB(2) + PAGE_SIZE);
    /* g2 is in the first 512 GiB too: tables: L2 (when not huge), L2 for g2 + 1 GiB, L1. */
    assert_int_equal(P.nr_tables, huge ? 5 : 7);
    check_map(g2 + GiB(1) + MiB(2) + 0x10, FAKE + GiB(5) + MiB(2) + 0x10, xp(P2M_RWX));
    check_map(g2 + 0x3ffff000, FAKE + GiB(4) + 0x3ffff000, xp(P2M_RWX));
    assert_live(P.nr_tables);
    finish();
}

/* Owned 1 GiB leaves over frames registered without memory: split twice and freed in
 * pieces of every size, each frame exactly once. */
static void owned_1g_split_and_free(void **state)
{
    (void)state;
    const uint64_t g = GiB(7);
    const paddr_t h = FAKE + GiB(64);
    const uint64_t n = GiB(1) >> PAGE_SHIFT;

    fake_frames_reserve(h, n);
    assert_int_equal(p2m_map(&P, g, h, GiB(1), P2M_RWX, true), 0);
    assert_int_equal(P.nr_owned, n);
    assert_int_equal(P.nr_tables, 2);
    assert_int_equal(raw_level(g), 3);

    uint64_t before = P.gen;
    uint64_t off = 3 * MiB(2) + 7 * PAGE_SIZE;
    assert_int_equal(p2m_unmap(&P, g + off, PAGE_SIZE), 0);
    assert_true(P.gen > before);
    assert_int_equal(P.nr_tables, 4);              /* the 1 GiB and one 2 MiB split */
    assert_int_equal(raw_level(g), 2);
    assert_int_equal(raw_level(g + off - PAGE_SIZE), 1);
    check_unmapped(g + off);
    assert_false(fake_frames_is_live(h + off));
    assert_true(fake_frames_is_live(h + off - PAGE_SIZE));
    assert_true(fake_frames_is_live(h + off + PAGE_SIZE));
    check_map(g + off - PAGE_SIZE, h + off - PAGE_SIZE, xp(P2M_RWX));
    check_map(g + off + PAGE_SIZE, h + off + PAGE_SIZE, xp(P2M_RWX));
    for (uint64_t i = 0; i < 512; i++)
        check_map(g + i * MiB(2) + 0x1000, h + i * MiB(2) + 0x1000, xp(P2M_RWX));
    assert_int_equal(P.nr_owned, n - 1);
    assert_live(4 + n - 1);

    /* A whole 2 MiB piece: frame_free(addr, 512). */
    assert_int_equal(p2m_unmap(&P, g + MiB(20), MiB(2)), 0);
    check_unmapped(g + MiB(20));
    check_unmapped(g + MiB(22) - 1);
    check_map(g + MiB(22), h + MiB(22), xp(P2M_RWX));
    assert_int_equal(P.nr_owned, n - 1 - 512);
    assert_live(4 + n - 1 - 512);
    for (uint64_t i = 0; i < 512; i++)
        assert_false(fake_frames_is_live(h + MiB(20) + i * PAGE_SIZE));
    finish();
}

/* ---- Permissions, both formats, every leaf size ---- */

static void perms_all_levels(void **state)
{
    (void)state;
    static const unsigned sets[] = {
        P2M_R, P2M_R | P2M_W, P2M_R | P2M_X, P2M_RWX, P2M_X, P2M_W | P2M_X, P2M_W,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(sets); i++) {
        unsigned p = sets[i];
        uint64_t g = GiB(1) * (i + 1);
        assert_int_equal(p2m_map(&P, g + 0x5000, FAKE + 0x9000, PAGE_SIZE, p, false), 0);
        assert_int_equal(p2m_map(&P, g + MiB(4), FAKE + MiB(8), MiB(2), p, false), 0);
        check_map(g + 0x5abc, FAKE + 0x9abc, xp(p));
        check_map(g + MiB(5) + 0x123, FAKE + MiB(9) + 0x123, xp(p));
        assert_int_equal(raw_level(g + 0x5000), 1);
        assert_int_equal(raw_level(g + MiB(4)), 2);
        if (C->huge_1g) {
            uint64_t g1 = GiB(64) + GiB(1) * i;
            assert_int_equal(p2m_map(&P, g1, FAKE + GiB(2), GiB(1), p, false), 0);
            assert_int_equal(raw_level(g1), 3);
            check_map(g1 + 0x2345678, FAKE + GiB(2) + 0x2345678, xp(p));
        }
    }
    /* No permission at all: NPT cannot express it (still readable). The EPT-like format
     * would write an entry with R/W/X clear, which is "not present": not asked of it. */
    if (C->npt) {
        assert_int_equal(p2m_map(&P, GiB(100), FAKE, PAGE_SIZE, 0, false), 0);
        check_map(GiB(100), FAKE, P2M_R);
    }
    finish();
}

/* The real NPT encoding, entry by entry. */
static void npt_raw_entries(void **state)
{
    (void)state;
    const uint64_t g = GiB(9) + MiB(4) + 0x3000;
    paddr_t run = fake_frames_alloc_run(1, PAGE_SIZE);
    int l;

    assert_int_equal(p2m_map(&P, g, run, PAGE_SIZE, P2M_R | P2M_W, true), 0);
    /* Tables: P, RW, US (guest accesses are user accesses in the nested walk), no NX. */
    uint64_t *t = phys_to_virt(P.root);
    for (int lv = 4; lv > 1; lv--) {
        uint64_t e = t[(g >> (12 + 9 * (lv - 1))) & 511];
        assert_int_equal(e & ~0x000ffffffffff000ull, NPT_P | NPT_RW | NPT_US);
        assert_true(fake_frames_is_live(e & 0x000ffffffffff000ull));
        t = phys_to_virt(e & 0x000ffffffffff000ull);
    }
    assert_int_equal(raw_entry(g, &l), run | NPT_P | NPT_RW | NPT_US | NPT_NX | NPT_OWNED);
    assert_int_equal(l, 1);

    assert_int_equal(p2m_map(&P, GiB(9) + MiB(8), FAKE + MiB(2), MiB(2), P2M_R | P2M_X, false), 0);
    assert_int_equal(raw_entry(GiB(9) + MiB(8), &l), (FAKE + MiB(2)) | NPT_P | NPT_US | NPT_PS);
    assert_int_equal(l, 2);
    if (C->huge_1g) {
        assert_int_equal(p2m_map(&P, GiB(20), FAKE, GiB(1), P2M_R | P2M_W, false), 0);
        assert_int_equal(raw_entry(GiB(20), &l), FAKE | NPT_P | NPT_RW | NPT_US | NPT_PS | NPT_NX);
        assert_int_equal(l, 3);
    }
    /* A split keeps the encoding: 4 KiB leaves without PS. */
    assert_int_equal(p2m_protect(&P, GiB(9) + MiB(8), PAGE_SIZE, P2M_R), 0);
    assert_int_equal(raw_entry(GiB(9) + MiB(8), &l), (FAKE + MiB(2)) | NPT_P | NPT_US | NPT_NX);
    assert_int_equal(l, 1);
    assert_int_equal(raw_entry(GiB(9) + MiB(8) + 0x1000, &l),
                     (FAKE + MiB(2) + 0x1000) | NPT_P | NPT_US);
    assert_int_equal(l, 1);
    finish();
}

/* ---- Overlaps ---- */

static void map_over_existing(void **state)
{
    (void)state;
    const uint64_t s = GiB(2) + MiB(8);            /* a 2 MiB slot holding 4 KiB pages */
    const uint64_t g = s + 0x10000;
    const uint64_t s2 = GiB(2) + MiB(32);          /* a 2 MiB leaf */

    assert_int_equal(p2m_map(&P, g, FAKE, PAGE_SIZE, P2M_R | P2M_W, false), 0);
    assert_int_equal(p2m_map(&P, g, FAKE + MiB(1), PAGE_SIZE, P2M_R, false), -XEN_EEXIST);
    check_map(g, FAKE, xp(P2M_R | P2M_W));

    /* A 2 MiB map over the slot holding it. */
    assert_int_equal(p2m_map(&P, s, FAKE + MiB(10), MiB(2), P2M_RWX, false), -XEN_EEXIST);
    check_map(g, FAKE, xp(P2M_R | P2M_W));
    check_unmapped(s);
    check_unmapped(s + MiB(2) - PAGE_SIZE);

    /* The conflict at the first page of a range: nothing of the range is mapped. */
    assert_int_equal(p2m_map(&P, g, FAKE + MiB(12), 3 * PAGE_SIZE, P2M_RWX, false), -XEN_EEXIST);
    check_map(g, FAKE, xp(P2M_R | P2M_W));
    check_unmapped(g + PAGE_SIZE);
    check_unmapped(g + 2 * PAGE_SIZE);

    /* A range running into the mapping: it stays, nothing past it is mapped. */
    assert_int_equal(p2m_map(&P, g - 2 * PAGE_SIZE, FAKE + MiB(14), 4 * PAGE_SIZE, P2M_RWX, false),
                     -XEN_EEXIST);
    check_map(g, FAKE, xp(P2M_R | P2M_W));
    check_unmapped(g + PAGE_SIZE);

    /* 4 KiB and 2 MiB over a 2 MiB leaf: all of it stays as it was. */
    assert_int_equal(p2m_map(&P, s2, FAKE + MiB(20), MiB(2), P2M_R | P2M_X, false), 0);
    assert_int_equal(p2m_map(&P, s2 + 5 * PAGE_SIZE, FAKE + MiB(40), PAGE_SIZE, P2M_RWX, false),
                     -XEN_EEXIST);
    assert_int_equal(p2m_map(&P, s2, FAKE + MiB(40), MiB(2), P2M_RWX, false), -XEN_EEXIST);
    assert_int_equal(p2m_map(&P, s2 + MiB(1), FAKE + MiB(41), MiB(2), P2M_RWX, false), -XEN_EEXIST);
    for (uint64_t i = 0; i < 512; i++)
        check_map(s2 + i * PAGE_SIZE + 0x44, FAKE + MiB(20) + i * PAGE_SIZE + 0x44,
                  xp(P2M_R | P2M_X));
    check_unmapped(s2 + MiB(2));

    /* 1 GiB over a region holding mappings (without 1 GiB leaves, the 2 MiB leaves before
     * the first conflict may stay: see map_failure_maps_nothing). */
    assert_int_equal(p2m_map(&P, GiB(2), FAKE + GiB(8), GiB(1), P2M_RWX, false), -XEN_EEXIST);
    check_map(g, FAKE, xp(P2M_R | P2M_W));
    if (C->huge_1g)
        check_unmapped(GiB(2));
    check_map(s2 + 0x1000, FAKE + MiB(20) + 0x1000, xp(P2M_R | P2M_X));

    /* And something inside a 1 GiB leaf. */
    assert_int_equal(p2m_map(&P, GiB(6), FAKE + GiB(6), GiB(1), P2M_R, false), 0);
    assert_int_equal(p2m_map(&P, GiB(6) + MiB(2), FAKE, MiB(2), P2M_RWX, false), -XEN_EEXIST);
    assert_int_equal(p2m_map(&P, GiB(6) + MiB(700), FAKE, PAGE_SIZE, P2M_RWX, false), -XEN_EEXIST);
    check_map(GiB(6) + MiB(2), FAKE + GiB(6) + MiB(2), xp(P2M_R));
    check_map(GiB(6) + MiB(700), FAKE + GiB(6) + MiB(700), xp(P2M_R));
    check_map(GiB(7) - 1, FAKE + GiB(7) - 1, xp(P2M_R));

    /* (P.gen may have moved: a map that fails half way takes back what it placed.) */
    assert_int_equal(P.nr_owned, 0);
    finish();
}

/* p2m_map fails with -XEN_EEXIST half way through a range but keeps what it mapped before
 * the conflict. A caller freeing its frames on error (as kernel/domain.c populate() does)
 * then leaves owned mappings of freed frames: the guest keeps access to them and
 * p2m_destroy frees them a second time. */
static void map_failure_maps_nothing(void **state)
{
    (void)state;
    const uint64_t g = GiB(2);
    paddr_t run = fake_frames_alloc_run(2, PAGE_SIZE);

    assert_int_equal(p2m_map(&P, g + PAGE_SIZE, FAKE, PAGE_SIZE, P2M_R, false), 0);
    assert_int_equal(p2m_map(&P, g, run, 2 * PAGE_SIZE, P2M_RWX, true), -XEN_EEXIST);
    check_unmapped(g);
    assert_int_equal(P.nr_owned, 0);
    frame_free(run, 2);                            /* the caller's clean-up */
    finish();
}

/* ---- Argument checks ---- */

struct badrange { uint64_t gpa, size; };
static const struct badrange bad_ranges[] = {
    { 0x1001, PAGE_SIZE },
    { GiB(1) + 0x800, PAGE_SIZE },
    { GiB(1), 0x1800 },
    { GiB(1), 1 },
    { GiB(1), PAGE_SIZE - 1 },
    { GiB(1), 0 },
    { 0, 0 },
    { P2M_MAX_GPA, PAGE_SIZE },                    /* starts past the end */
    { P2M_MAX_GPA - PAGE_SIZE, 2 * PAGE_SIZE },    /* runs past it */
    { P2M_MAX_GPA - MiB(2), MiB(4) },
    { 0, P2M_MAX_GPA + PAGE_SIZE },
    { ~0ull & PAGE_MASK, PAGE_SIZE },              /* wraps */
    { PAGE_SIZE, ~0ull & PAGE_MASK },              /* gpa + size wraps to 0 */
    { P2M_MAX_GPA - PAGE_SIZE, 0ull - (P2M_MAX_GPA - PAGE_SIZE) },
    { GiB(1), ~0ull & PAGE_MASK },
};

static void bad_arguments(void **state)
{
    (void)state;
    /* A page at the very top of the space is fine (and tests the bound exactly). */
    assert_int_equal(p2m_map(&P, P2M_MAX_GPA - PAGE_SIZE, FAKE, PAGE_SIZE, P2M_RWX, false), 0);
    check_map(P2M_MAX_GPA - 1, FAKE + 0xfff, xp(P2M_RWX));
    check_unmapped(P2M_MAX_GPA);
    uint64_t tables = P.nr_tables;
    assert_int_equal(tables, 4);

    for (unsigned i = 0; i < ARRAY_SIZE(bad_ranges); i++) {
        const struct badrange *b = &bad_ranges[i];
        int rm = p2m_map(&P, b->gpa, FAKE + GiB(1), b->size, P2M_RWX, false);
        int ru = p2m_unmap(&P, b->gpa, b->size);
        int rp = p2m_protect(&P, b->gpa, b->size, P2M_R);
        if (rm != -XEN_EINVAL || ru != -XEN_EINVAL || rp != -XEN_EINVAL)
            fail_msg("gpa %#llx size %#llx: map %d unmap %d protect %d, expected %d",
                     (unsigned long long)b->gpa, (unsigned long long)b->size, rm, ru, rp,
                     -XEN_EINVAL);
    }
    /* Unaligned hpa. */
    assert_int_equal(p2m_map(&P, GiB(1), FAKE + 1, PAGE_SIZE, P2M_RWX, false), -XEN_EINVAL);
    assert_int_equal(p2m_map(&P, GiB(1), FAKE + 0x800, PAGE_SIZE, P2M_RWX, false), -XEN_EINVAL);
    assert_int_equal(p2m_map(&P, GiB(1), FAKE + 0xfff, MiB(2), P2M_RWX, false), -XEN_EINVAL);

    /* Nothing changed: no table, no mapping, no generation bump. */
    assert_int_equal(P.nr_tables, tables);
    assert_live(tables);
    assert_int_equal(P.gen, 0);
    check_map(P2M_MAX_GPA - PAGE_SIZE, FAKE, xp(P2M_RWX));
    check_unmapped(0);
    check_unmapped(0x1000);
    check_unmapped(GiB(1));

    /* The top page can be protected and unmapped. */
    assert_int_equal(p2m_protect(&P, P2M_MAX_GPA - PAGE_SIZE, PAGE_SIZE, P2M_R), 0);
    check_map(P2M_MAX_GPA - PAGE_SIZE, FAKE, xp(P2M_R));
    assert_int_equal(p2m_unmap(&P, P2M_MAX_GPA - PAGE_SIZE, PAGE_SIZE), 0);
    check_unmapped(P2M_MAX_GPA - PAGE_SIZE);
    finish();
}

/* p2m_map does not check hpa against the format's address bits: hpa bits above them land
 * in the entry's flags. 2^52 sets bit 52, the "owned" bit of both formats, so a mapping the
 * caller asked not to own becomes owned (of frame 0), the lookup says hpa 0, and
 * p2m_destroy calls frame_free(0, 1). Expected: -XEN_EINVAL for an hpa range not below
 * 2^52 (the architectural limit), and for one that wraps. */
static void hpa_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(p2m_map(&P, GiB(1), 1ull << 52, PAGE_SIZE, P2M_RWX, false), -XEN_EINVAL);
    assert_int_equal(p2m_map(&P, GiB(1), (1ull << 52) - PAGE_SIZE, 2 * PAGE_SIZE, P2M_RWX, false),
                     -XEN_EINVAL);
    assert_int_equal(p2m_map(&P, GiB(1), ~0ull & PAGE_MASK, 2 * PAGE_SIZE, P2M_RWX, false),
                     -XEN_EINVAL);
    check_unmapped(GiB(1));
    finish();
}

/* ---- p2m_unmap ---- */

static void unmap_whole_large(void **state)
{
    (void)state;
    const uint64_t s = GiB(4) + MiB(10);
    paddr_t run = fake_frames_alloc_run(512, MiB(2));

    assert_int_equal(p2m_map(&P, s, run, MiB(2), P2M_RWX, true), 0);
    assert_live(3 + 512);
    uint64_t g0 = P.gen;
    assert_int_equal(p2m_unmap(&P, s, MiB(2)), 0);
    assert_true(P.gen > g0);
    check_unmapped(s);
    check_unmapped(s + 0x1ff000);
    assert_int_equal(P.nr_tables, 3);              /* no split */
    assert_int_equal(P.nr_owned, 0);
    assert_live(3);                                /* the 512 frames, once */
    for (int i = 0; i < 512; i++)
        assert_false(fake_frames_is_live(run + i * PAGE_SIZE));

    /* A 1 GiB mapping (one leaf, or 512) at once. */
    assert_int_equal(p2m_map(&P, GiB(8), FAKE, GiB(1), P2M_RWX, false), 0);
    uint64_t tables = P.nr_tables;
    g0 = P.gen;
    assert_int_equal(p2m_unmap(&P, GiB(8), GiB(1)), 0);
    assert_true(P.gen > g0);
    assert_int_equal(P.nr_tables, tables);
    check_unmapped(GiB(8));
    check_unmapped(GiB(8) + MiB(500));
    check_unmapped(GiB(9) - 1);
    assert_live(tables);

    /* Several leaves of each size in one call. */
    paddr_t r2 = fake_frames_alloc_run(1024 + 2, MiB(2));
    assert_int_equal(p2m_map(&P, GiB(12), r2, MiB(4) + 2 * PAGE_SIZE, P2M_R, true), 0);
    assert_int_equal(P.nr_owned, 1026);
    assert_int_equal(p2m_unmap(&P, GiB(12), MiB(4) + 2 * PAGE_SIZE), 0);
    assert_int_equal(P.nr_owned, 0);
    check_unmapped(GiB(12));
    check_unmapped(GiB(12) + MiB(4) + PAGE_SIZE);
    assert_live(P.nr_tables);
    finish();
}

static void unmap_4k_in_2m(void **state)
{
    (void)state;
    const uint64_t s = GiB(4) + MiB(10);
    paddr_t run = fake_frames_alloc_run(512, MiB(2));

    assert_int_equal(p2m_map(&P, s, run, MiB(2), P2M_R | P2M_X, true), 0);
    assert_int_equal(P.nr_tables, 3);
    uint64_t g0 = P.gen;
    assert_int_equal(p2m_unmap(&P, s + 5 * PAGE_SIZE, PAGE_SIZE), 0);
    assert_true(P.gen > g0);
    assert_int_equal(P.nr_tables, 4);              /* the split */
    assert_int_equal(P.nr_owned, 511);
    assert_live(4 + 511);
    check_unmapped(s + 5 * PAGE_SIZE);
    assert_false(fake_frames_is_live(run + 5 * PAGE_SIZE));
    for (uint64_t i = 0; i < 512; i++) {
        if (i == 5)
            continue;
        check_map(s + i * PAGE_SIZE + 0x321, run + i * PAGE_SIZE + 0x321, xp(P2M_R | P2M_X));
        assert_int_equal(raw_level(s + i * PAGE_SIZE), 1);
        assert_true(fake_frames_is_live(run + i * PAGE_SIZE));
    }
    check_unmapped(s - 1);
    check_unmapped(s + MiB(2));

    /* The rest, hole included: every frame freed once, no further split. */
    assert_int_equal(p2m_unmap(&P, s, MiB(2)), 0);
    for (uint64_t i = 0; i < 512; i++)
        check_unmapped(s + i * PAGE_SIZE);
    assert_int_equal(P.nr_owned, 0);
    assert_int_equal(P.nr_tables, 4);
    assert_live(4);
    finish();
}

/* A range straddling two 2 MiB leaves: both split, the outer halves stay. */
static void unmap_straddling(void **state)
{
    (void)state;
    const uint64_t s = GiB(4);
    paddr_t run = fake_frames_alloc_run(1024, MiB(2));

    assert_int_equal(p2m_map(&P, s, run, MiB(4), P2M_R | P2M_W, true), 0);
    assert_int_equal(raw_level(s), 2);
    assert_int_equal(raw_level(s + MiB(2)), 2);
    assert_int_equal(p2m_unmap(&P, s + MiB(1), MiB(2)), 0);
    assert_int_equal(P.nr_tables, 5);
    assert_int_equal(P.nr_owned, 512);
    assert_live(5 + 512);
    for (uint64_t i = 0; i < 1024; i++) {
        uint64_t o = i * PAGE_SIZE;
        if (o >= MiB(1) && o < MiB(3)) {
            check_unmapped(s + o);
            assert_false(fake_frames_is_live(run + o));
        } else {
            check_map(s + o, run + o, xp(P2M_R | P2M_W));
            assert_true(fake_frames_is_live(run + o));
        }
    }
    finish();
}

static void unmap_4k_in_1g(void **state)
{
    (void)state;
    const uint64_t g = GiB(2);
    const uint64_t off = 3 * MiB(2) + 7 * PAGE_SIZE;

    assert_int_equal(p2m_map(&P, g, FAKE, GiB(1), P2M_R | P2M_W, false), 0);
    uint64_t t0 = P.nr_tables;
    assert_int_equal(p2m_unmap(&P, g + off, PAGE_SIZE), 0);
    assert_int_equal(P.nr_tables, t0 + (C->huge_1g ? 2 : 1));
    check_unmapped(g + off);
    assert_int_equal(raw_level(g), 2);
    assert_int_equal(raw_level(g + off + PAGE_SIZE), 1);
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t o = 3 * MiB(2) + i * PAGE_SIZE;
        if (i != 7)
            check_map(g + o, FAKE + o, xp(P2M_R | P2M_W));
    }
    for (uint64_t i = 0; i < 512; i++) {
        check_map(g + i * MiB(2), FAKE + i * MiB(2), xp(P2M_R | P2M_W));
        check_map(g + i * MiB(2) + MiB(2) - 8, FAKE + i * MiB(2) + MiB(2) - 8, xp(P2M_R | P2M_W));
    }
    assert_live(P.nr_tables);
    finish();
}

static void unmap_unmapped(void **state)
{
    (void)state;
    assert_int_equal(p2m_unmap(&P, GiB(1), PAGE_SIZE), 0);
    assert_int_equal(p2m_unmap(&P, GiB(1), MiB(64)), 0);
    assert_int_equal(p2m_unmap(&P, 0, GiB(1) + MiB(2)), 0);
    assert_int_equal(P.nr_tables, 1);
    assert_int_equal(P.gen, 0);
    assert_live(1);

    /* Partly mapped: what was there goes, the rest is fine. */
    paddr_t run = fake_frames_alloc_run(1, PAGE_SIZE);
    assert_int_equal(p2m_map(&P, GiB(1) + 2 * PAGE_SIZE, run, PAGE_SIZE, P2M_R, true), 0);
    assert_int_equal(p2m_unmap(&P, GiB(1), 16 * PAGE_SIZE), 0);
    check_unmapped(GiB(1) + 2 * PAGE_SIZE);
    assert_int_equal(P.nr_owned, 0);
    assert_live(P.nr_tables);
    assert_int_equal(p2m_unmap(&P, GiB(1), 16 * PAGE_SIZE), 0);    /* again: nothing left */
    assert_live(P.nr_tables);
    finish();
}

/* After every page of a 2 MiB slot (or a 1 GiB region) was unmapped, its now empty table
 * stays in the tree, and p2m_map of a large leaf there finds the table entry "present" and
 * fails with -XEN_EEXIST although nothing is mapped (mm/p2m.c p2m_map: `if (present(f, *e))`
 * after walk_create, which returns the table entry itself at the leaf's level). */
static void remap_large_after_unmap(void **state)
{
    (void)state;
    const uint64_t s = GiB(4);
    int r1, r2, r3 = 0;

    /* A 2 MiB leaf, split by a 4 KiB unmap, then the rest unmapped. */
    assert_int_equal(p2m_map(&P, s, FAKE, MiB(2), P2M_RWX, false), 0);
    assert_int_equal(p2m_unmap(&P, s + PAGE_SIZE, PAGE_SIZE), 0);
    assert_int_equal(p2m_unmap(&P, s, MiB(2)), 0);
    for (uint64_t o = 0; o < MiB(2); o += PAGE_SIZE)
        check_unmapped(s + o);
    r1 = p2m_map(&P, s, FAKE + MiB(4), MiB(2), P2M_RWX, false);

    /* A 4 KiB page mapped and unmapped, then a 2 MiB leaf over its slot. */
    assert_int_equal(p2m_map(&P, s + MiB(8), FAKE, PAGE_SIZE, P2M_RWX, false), 0);
    assert_int_equal(p2m_unmap(&P, s + MiB(8), PAGE_SIZE), 0);
    check_unmapped(s + MiB(8));
    r2 = p2m_map(&P, s + MiB(8), FAKE + MiB(8), MiB(2), P2M_RWX, false);

    /* With 1 GiB leaves: a 1 GiB region emptied by unmaps. */
    if (C->huge_1g) {
        assert_int_equal(p2m_map(&P, GiB(16) + MiB(2), FAKE, MiB(2), P2M_RWX, false), 0);
        assert_int_equal(p2m_unmap(&P, GiB(16), GiB(1)), 0);
        r3 = p2m_map(&P, GiB(16), FAKE + GiB(1), GiB(1), P2M_RWX, false);
    }
    if (r1 || r2 || r3)
        fail_msg("large map over an emptied range: 2 MiB after split+unmap: %d, 2 MiB after "
                 "4 KiB map+unmap: %d, 1 GiB after unmap (1 GiB leaves only): %d; expected 0",
                 r1, r2, r3);
    check_map(s + 0x1000, FAKE + MiB(4) + 0x1000, xp(P2M_RWX));
    check_map(s + MiB(8), FAKE + MiB(8), xp(P2M_RWX));
    if (C->huge_1g)
        check_map(GiB(16) + MiB(2), FAKE + GiB(1) + MiB(2), xp(P2M_RWX));
    finish();
}

/* ---- p2m_protect ---- */

static void protect_split_2m(void **state)
{
    (void)state;
    const uint64_t s = GiB(4) + MiB(20);
    paddr_t run = fake_frames_alloc_run(512, MiB(2));

    assert_int_equal(p2m_map(&P, s, run, MiB(2), P2M_RWX, true), 0);
    uint64_t g0 = P.gen;
    assert_int_equal(p2m_protect(&P, s + 9 * PAGE_SIZE, 2 * PAGE_SIZE, P2M_R), 0);
    assert_true(P.gen > g0);
    assert_int_equal(P.nr_tables, 4);
    assert_int_equal(P.nr_owned, 512);
    for (uint64_t i = 0; i < 512; i++)
        check_map(s + i * PAGE_SIZE + 0x10, run + i * PAGE_SIZE + 0x10,
                  xp(i == 9 || i == 10 ? P2M_R : P2M_RWX));

    /* Widening the whole range back, then narrowing it all (4 KiB leaves now). */
    g0 = P.gen;
    assert_int_equal(p2m_protect(&P, s, MiB(2), P2M_R | P2M_W), 0);
    assert_true(P.gen > g0);
    assert_int_equal(P.nr_tables, 4);
    for (uint64_t i = 0; i < 512; i++)
        check_map(s + i * PAGE_SIZE, run + i * PAGE_SIZE, xp(P2M_R | P2M_W));
    /* The owned mark survived split and protect: destroy frees the 512 frames once. */
    assert_live(4 + 512);
    finish();
}

static void protect_large(void **state)
{
    (void)state;
    const uint64_t s = GiB(4) + MiB(20);

    /* A whole 2 MiB leaf: no split. */
    assert_int_equal(p2m_map(&P, s, FAKE, MiB(2), P2M_RWX, false), 0);
    assert_int_equal(p2m_protect(&P, s, MiB(2), P2M_R | P2M_X), 0);
    assert_int_equal(P.nr_tables, 3);
    assert_int_equal(raw_level(s), 2);
    check_map(s + 0x1abcd, FAKE + 0x1abcd, xp(P2M_R | P2M_X));

    /* A 2 MiB piece of 1 GiB. */
    assert_int_equal(p2m_map(&P, GiB(8), FAKE + GiB(8), GiB(1), P2M_RWX, false), 0);
    uint64_t t0 = P.nr_tables;
    assert_int_equal(p2m_protect(&P, GiB(8) + MiB(6), MiB(2), P2M_R), 0);
    assert_int_equal(P.nr_tables, t0 + (C->huge_1g ? 1 : 0));
    assert_int_equal(raw_level(GiB(8) + MiB(6)), 2);
    assert_int_equal(raw_level(GiB(8)), 2);
    for (uint64_t i = 0; i < 512; i++)
        check_map(GiB(8) + i * MiB(2) + 0x5000, FAKE + GiB(8) + i * MiB(2) + 0x5000,
                  xp(i == 3 ? P2M_R : P2M_RWX));

    /* A range over two large leaves and a bit of a third. */
    assert_int_equal(p2m_protect(&P, GiB(8) + MiB(100), MiB(4) + PAGE_SIZE, P2M_X), 0);
    check_map(GiB(8) + MiB(100), FAKE + GiB(8) + MiB(100), xp(P2M_X));
    check_map(GiB(8) + MiB(104), FAKE + GiB(8) + MiB(104), xp(P2M_X));
    check_map(GiB(8) + MiB(104) + PAGE_SIZE, FAKE + GiB(8) + MiB(104) + PAGE_SIZE, xp(P2M_RWX));
    check_map(GiB(8) + MiB(100) - PAGE_SIZE, FAKE + GiB(8) + MiB(100) - PAGE_SIZE, xp(P2M_RWX));
    finish();
}

static void protect_unmapped(void **state)
{
    (void)state;
    const uint64_t g = GiB(3) + MiB(2);

    assert_int_equal(p2m_protect(&P, g, PAGE_SIZE, P2M_R), -XEN_ENOENT);
    assert_int_equal(p2m_map(&P, g, FAKE, 2 * PAGE_SIZE, P2M_RWX, false), 0);
    assert_int_equal(p2m_protect(&P, g + 2 * PAGE_SIZE, PAGE_SIZE, P2M_R), -XEN_ENOENT);
    /* Starting in a hole: nothing changes. */
    assert_int_equal(p2m_protect(&P, g - PAGE_SIZE, 3 * PAGE_SIZE, P2M_R), -XEN_ENOENT);
    check_map(g, FAKE, xp(P2M_RWX));
    check_map(g + PAGE_SIZE, FAKE + PAGE_SIZE, xp(P2M_RWX));
    assert_int_equal(P.gen, 0);
    /* Running into a hole: an error (what was before it may have changed). */
    assert_int_equal(p2m_protect(&P, g, 3 * PAGE_SIZE, P2M_R), -XEN_ENOENT);
    check_unmapped(g + 2 * PAGE_SIZE);
    /* A 1 GiB range with one mapped page. */
    assert_int_equal(p2m_protect(&P, GiB(3), GiB(1), P2M_R), -XEN_ENOENT);
    finish();
}

/* ---- Generation and the lookup cache ---- */

static void gen_and_cache(void **state)
{
    (void)state;
    const uint64_t g = GiB(1) + 0x5000;
    struct p2m_cache c;
    paddr_t h;
    unsigned pr;

    memset(&c, 0, sizeof(c));
    assert_int_equal(p2m_map(&P, g, FAKE, PAGE_SIZE, P2M_R | P2M_W, false), 0);
    for (int k = 0; k < 3; k++) {                   /* a miss, then hits */
        assert_true(p2m_lookup_cached(&P, &c, g + 0x10, &h, &pr));
        assert_int_equal(h, FAKE + 0x10);
        assert_int_equal(pr, xp(P2M_R | P2M_W));
    }
    assert_true(p2m_lookup_cached(&P, &c, g + 0xff8, &h, &pr));
    assert_int_equal(h, FAKE + 0xff8);
    assert_false(p2m_lookup_cached(&P, &c, g + PAGE_SIZE, &h, &pr));

    uint64_t g0 = P.gen;
    assert_int_equal(p2m_map(&P, g + MiB(1), FAKE + MiB(1), PAGE_SIZE, P2M_R, false), 0);
    assert_int_equal(P.gen, g0);

    /* A cached translation does not survive an unmap. */
    assert_int_equal(p2m_unmap(&P, g, PAGE_SIZE), 0);
    assert_true(P.gen > g0);
    assert_false(p2m_lookup_cached(&P, &c, g + 0x10, &h, &pr));
    /* Nor a remap elsewhere. */
    assert_int_equal(p2m_map(&P, g, FAKE + MiB(3), PAGE_SIZE, P2M_RWX, false), 0);
    assert_true(p2m_lookup_cached(&P, &c, g + 0x10, &h, &pr));
    assert_int_equal(h, FAKE + MiB(3) + 0x10);
    assert_int_equal(pr, xp(P2M_RWX));
    /* Nor a narrowing. */
    g0 = P.gen;
    assert_int_equal(p2m_protect(&P, g, PAGE_SIZE, P2M_R), 0);
    assert_true(P.gen > g0);
    assert_true(p2m_lookup_cached(&P, &c, g + 0x10, &h, &pr));
    assert_int_equal(h, FAKE + MiB(3) + 0x10);
    assert_int_equal(pr, xp(P2M_R));

    /* More pages than cache entries, in a 2 MiB leaf, twice round. */
    assert_int_equal(p2m_map(&P, GiB(2), FAKE + GiB(2), MiB(2), P2M_R | P2M_X, false), 0);
    for (int round = 0; round < 2; round++)
        for (uint64_t i = 0; i < 2 * P2M_CACHE_ENTRIES + 1; i++) {
            uint64_t o = i * 3 * PAGE_SIZE + 0x40 * i;
            assert_true(p2m_lookup_cached(&P, &c, GiB(2) + o, &h, &pr));
            assert_int_equal(h, FAKE + GiB(2) + o);
            assert_int_equal(pr, xp(P2M_R | P2M_X));
        }
    /* Unmapping one page of the leaf: that page misses, its neighbours still translate. */
    for (uint64_t i = 0; i < P2M_CACHE_ENTRIES; i++)
        assert_true(p2m_lookup_cached(&P, &c, GiB(2) + i * PAGE_SIZE, &h, &pr));
    assert_int_equal(p2m_unmap(&P, GiB(2) + PAGE_SIZE, PAGE_SIZE), 0);
    assert_false(p2m_lookup_cached(&P, &c, GiB(2) + PAGE_SIZE, &h, &pr));
    for (uint64_t i = 0; i < P2M_CACHE_ENTRIES; i++) {
        if (i == 1)
            continue;
        assert_true(p2m_lookup_cached(&P, &c, GiB(2) + i * PAGE_SIZE + 8, &h, &pr));
        assert_int_equal(h, FAKE + GiB(2) + i * PAGE_SIZE + 8);
    }
    /* Beyond the space. */
    assert_false(p2m_lookup_cached(&P, &c, P2M_MAX_GPA, &h, &pr));
    finish();
}

/* A zero-filled cache (a vCPU comes from kzalloc, and nothing initializes its p2m_cache)
 * has gen 0 and four entries for gfn 0. While the p2m's gen is still 0 (no unmap or
 * protect yet: the normal state of a new domain), p2m_lookup_cached of any gpa in
 * [0, 4 KiB) hits those entries and returns true with hpa = 0 + offset and perms 0,
 * whatever the p2m says (mm/p2m.c p2m_lookup_cached, the `c->gen != gen` test). */
static void cache_zeroed_gfn0(void **state)
{
    (void)state;
    struct p2m_cache c;
    paddr_t h = 0;
    unsigned pr = 0;

    memset(&c, 0, sizeof(c));
    if (p2m_lookup_cached(&P, &c, 0x10, &h, &pr))    /* nothing is mapped */
        fail_msg("zeroed cache, unmapped gpa 0x10: hit with hpa %#llx perms %u, expected a miss",
                 (unsigned long long)h, pr);

    memset(&c, 0, sizeof(c));
    assert_int_equal(p2m_map(&P, 0, FAKE, PAGE_SIZE, P2M_R | P2M_W, false), 0);
    assert_int_equal(P.gen, 0);
    h = 0;
    pr = 0;
    bool ok = p2m_lookup_cached(&P, &c, 0x10, &h, &pr);
    if (!ok || h != FAKE + 0x10 || pr != xp(P2M_R | P2M_W))
        fail_msg("zeroed cache, gpa 0x10 mapped to %#llx: %d hpa %#llx perms %u, expected "
                 "hpa %#llx perms %u", (unsigned long long)FAKE, ok, (unsigned long long)h, pr,
                 (unsigned long long)FAKE + 0x10, xp(P2M_R | P2M_W));
    finish();
}

/* ---- Destroy and accounting ---- */

static void destroy_frees_everything(void **state)
{
    (void)state;
    paddr_t small = fake_frames_alloc_run(8, PAGE_SIZE);
    paddr_t big = fake_frames_alloc_run(1536, MiB(2));

    assert_int_equal(p2m_map(&P, GiB(1) + 0x3000, small, 8 * PAGE_SIZE, P2M_RWX, true), 0);
    assert_int_equal(p2m_map(&P, GiB(2), big, MiB(6), P2M_RWX, true), 0);
    assert_int_equal(p2m_map(&P, GiB(5), FAKE, GiB(1), P2M_R, false), 0);
    assert_int_equal(p2m_map(&P, 300 * GiB(1), FAKE + GiB(1), MiB(4), P2M_R, false), 0);
    assert_int_equal(p2m_map(&P, P2M_MAX_GPA - MiB(2), FAKE + GiB(2), MiB(2), P2M_R, false), 0);
    assert_int_equal(p2m_unmap(&P, GiB(2) + MiB(2) + 0x5000, 0x3000), 0);    /* split */
    assert_int_equal(p2m_protect(&P, GiB(2) + MiB(4) + MiB(1), PAGE_SIZE, P2M_R), 0);
    assert_int_equal(p2m_unmap(&P, GiB(1) + 0x4000, PAGE_SIZE), 0);
    assert_int_equal(p2m_protect(&P, GiB(5) + MiB(3), PAGE_SIZE, P2M_RWX), 0);
    assert_int_equal(P.nr_owned, 8 + 1536 - 3 - 1);
    assert_live(P.nr_tables + P.nr_owned);
    finish();
}

static void owned_accounting(void **state)
{
    (void)state;
    paddr_t small = fake_frames_alloc_run(3, PAGE_SIZE);
    paddr_t big = fake_frames_alloc_run(512, MiB(2));

    assert_int_equal(p2m_map(&P, GiB(1), small, 3 * PAGE_SIZE, P2M_RWX, true), 0);
    assert_int_equal(P.nr_owned, 3);
    assert_int_equal(p2m_map(&P, GiB(2), big, MiB(2), P2M_RWX, true), 0);
    assert_int_equal(P.nr_owned, 515);
    assert_int_equal(p2m_map(&P, GiB(3), FAKE, MiB(2), P2M_RWX, false), 0);
    assert_int_equal(P.nr_owned, 515);
    assert_int_equal(p2m_map(&P, GiB(2), FAKE, PAGE_SIZE, P2M_RWX, true), -XEN_EEXIST);
    assert_int_equal(P.nr_owned, 515);
    assert_int_equal(p2m_unmap(&P, GiB(2) + MiB(1), PAGE_SIZE), 0);
    assert_int_equal(P.nr_owned, 514);
    assert_int_equal(p2m_protect(&P, GiB(2), MiB(1), P2M_R), 0);
    assert_int_equal(P.nr_owned, 514);
    assert_int_equal(p2m_unmap(&P, GiB(3), MiB(2)), 0);           /* not owned */
    assert_int_equal(P.nr_owned, 514);
    assert_int_equal(p2m_unmap(&P, GiB(1) + PAGE_SIZE, PAGE_SIZE), 0);
    assert_int_equal(P.nr_owned, 513);
    assert_int_equal(p2m_unmap(&P, GiB(1), GiB(2)), 0);
    assert_int_equal(P.nr_owned, 0);
    assert_live(P.nr_tables);
    finish();
}

/* ---- Out of memory ---- */

static void nomem(void **state)
{
    (void)state;
    /* A map needing three new tables, the k-th allocation failing. */
    for (long k = 0; k < 3; k++) {
        uint64_t g = (uint64_t)(10 + k) * 512 * GiB(1) + 0x7000;
        paddr_t run = fake_frames_alloc_run(1, PAGE_SIZE);
        fake_frames_fail_after(k);
        assert_int_equal(p2m_map(&P, g, run, PAGE_SIZE, P2M_RWX, true), -XEN_ENOMEM);
        fake_frames_fail_after(-1);
        check_unmapped(g);
        assert_int_equal(P.nr_owned, 0);
        frame_free(run, 1);                        /* still the caller's */
        assert_live(P.nr_tables);
    }

    /* A split failing in unmap and in protect: the large leaf is untouched. */
    const uint64_t s = GiB(4);
    assert_int_equal(p2m_map(&P, s, FAKE, MiB(2), P2M_RWX, false), 0);
    uint64_t t0 = P.nr_tables, g0 = P.gen;
    fake_frames_fail_after(0);
    assert_int_equal(p2m_unmap(&P, s + PAGE_SIZE, PAGE_SIZE), -XEN_ENOMEM);
    assert_int_equal(p2m_protect(&P, s + PAGE_SIZE, PAGE_SIZE, P2M_R), -XEN_ENOMEM);
    /* And a map that must split to find out it overlaps. */
    int r = p2m_map(&P, s + PAGE_SIZE, FAKE, PAGE_SIZE, P2M_R, false);
    assert_true(r == -XEN_ENOMEM || r == -XEN_EEXIST);
    fake_frames_fail_after(-1);
    assert_int_equal(P.nr_tables, t0);
    assert_int_equal(P.gen, g0);
    assert_int_equal(raw_level(s), 2);
    for (uint64_t i = 0; i < 512; i += 17)
        check_map(s + i * PAGE_SIZE, FAKE + i * PAGE_SIZE, xp(P2M_RWX));
    assert_live(P.nr_tables);
    finish();
}

/* ---- Randomized model test ---- */

/* 64 MiB of guest space at the very top of the 2^48 range (the last entry of every
 * table), 2000 random map/unmap/protect operations, each compared page by page with an
 * array model of the expected hpa, permissions and ownership. The model also predicts the
 * tree's shape: which 2 MiB slots are one large leaf and which have an L1 table (tables
 * are never freed before destroy), hence nr_tables exactly, hence the leaf sizes chosen.
 * Every R_EPOCH operations the p2m is destroyed with whatever it maps (no frame may stay
 * live) and a fresh one starts: with the emptied-table bug (remap_large_after_unmap) large
 * leaves could otherwise no longer be placed once every slot had an L1 table. */
#define R_PAGES   16384u
#define R_SLOTS   (R_PAGES / 512)
#define R_BASE    (P2M_MAX_GPA - (uint64_t)R_PAGES * PAGE_SIZE)
#define R_OPS     2000
#define R_EPOCH   100

struct mpage {
    paddr_t hpa;
    uint8_t perms;
    bool mapped, owned;
};

static struct mpage *M;
static bool leaf2m[R_SLOTS], has_l1[R_SLOTS];
static bool uppers;                  /* L3 and L2 tables of the region exist */
static uint64_t m_owned, rng;

static uint64_t rnd(uint64_t n) { return unit_rand(&rng) % n; }

static uint64_t r_gpa(uint64_t page) { return R_BASE + page * PAGE_SIZE; }

static unsigned r_perms(void)
{
    static const unsigned npt[] = { P2M_R, P2M_R | P2M_W, P2M_R | P2M_X, P2M_RWX, P2M_X, 0 };
    static const unsigned ept[] = { P2M_R, P2M_R | P2M_W, P2M_R | P2M_X, P2M_RWX, P2M_X,
                                    P2M_W | P2M_X };
    return C->npt ? npt[rnd(ARRAY_SIZE(npt))] : ept[rnd(ARRAY_SIZE(ept))];
}

static void r_check_page(uint64_t i, int op)
{
    uint64_t off = rnd(PAGE_SIZE);
    paddr_t h = 0;
    unsigned pr = 0;
    bool ok = p2m_lookup(&P, r_gpa(i) + off, &h, &pr);
    if (ok != M[i].mapped)
        fail_msg("op %d: page %llu (gpa %#llx) %s, model says %s", op, (unsigned long long)i,
                 (unsigned long long)r_gpa(i), ok ? "mapped" : "unmapped",
                 M[i].mapped ? "mapped" : "unmapped");
    if (ok && !!(pr & P2M_OWNED) != M[i].owned)
        fail_msg("op %d: page %llu: lookup says %sowned, model says %sowned", op,
                 (unsigned long long)i, pr & P2M_OWNED ? "" : "not ", M[i].owned ? "" : "not ");
    pr &= ~P2M_OWNED;
    if (ok && (h != M[i].hpa + off || pr != xp(M[i].perms)))
        fail_msg("op %d: page %llu (gpa %#llx): hpa %#llx perms %u, model hpa %#llx perms %u",
                 op, (unsigned long long)i, (unsigned long long)r_gpa(i) + off,
                 (unsigned long long)h, pr, (unsigned long long)(M[i].hpa + off),
                 xp(M[i].perms));
    if (ok && M[i].owned && !fake_frames_is_live(M[i].hpa))
        fail_msg("op %d: page %llu maps owned frame %#llx, which was freed", op,
                 (unsigned long long)i, (unsigned long long)M[i].hpa);
}

static void r_check_state(int op)
{
    unsigned l1 = 0;
    for (unsigned s = 0; s < R_SLOTS; s++)
        l1 += has_l1[s];
    (void)l1;
    if (P.nr_owned != m_owned)
        fail_msg("op %d: nr_owned %llu, model %llu", op, (unsigned long long)P.nr_owned,
                 (unsigned long long)m_owned);
    assert_frames_ok();
    if (fake_frames_live() != P.nr_tables + m_owned)
        fail_msg("op %d: %llu live frames, expected %llu tables + %llu owned", op,
                 (unsigned long long)fake_frames_live(), (unsigned long long)P.nr_tables,
                 (unsigned long long)m_owned);
}

/* The leaf levels p2m_map uses for [page, page + n) at hpa (its own loop, replayed). */
static int r_chunks(uint64_t page, paddr_t hpa, uint64_t n, int *lv)
{
    uint64_t gpa = r_gpa(page), size = n * PAGE_SIZE;
    int k = 0;
    while (size) {
        uint64_t ls = PAGE_SIZE;
        lv[k] = 1;
        if (C->huge_1g && !((gpa | hpa) & (GiB(1) - 1)) && size >= GiB(1))
            fail_msg("a 1 GiB leaf in the 64 MiB test region?");
        if (!((gpa | hpa) & (MiB(2) - 1)) && size >= MiB(2)) {
            lv[k] = 2;
            ls = MiB(2);
        }
        k++;
        gpa += ls;
        hpa += ls;
        size -= ls;
    }
    return k;
}

/* A large leaf in the slots [first, last] that is only partly covered is split. */
static void r_split_partial(uint64_t page, uint64_t n)
{
    for (uint64_t s = page / 512; s <= (page + n - 1) / 512; s++) {
        bool whole = page <= s * 512 && page + n >= (s + 1) * 512;
        if (leaf2m[s] && !whole) {
            leaf2m[s] = false;
            has_l1[s] = true;
        }
    }
}

static void random_model(void **state)
{
    (void)state;
    static int lv[R_PAGES];
    struct p2m_cache cache;
    unsigned nmap = 0, nunmap = 0, nprot = 0, nexist = 0, nenoent = 0, nskip = 0, nlarge = 0;
    int done = 0, epoch_at = -1;

    M = calloc(R_PAGES, sizeof(*M));
    assert_non_null(M);
    rng = C->seed;

    for (int op = 0; done < R_OPS; op++) {
        if (done % R_EPOCH == 0 && done != epoch_at) {
            epoch_at = done;
            if (done) {
                for (uint64_t i = 0; i < R_PAGES; i++)
                    r_check_page(i, op);
                p2m_destroy(&P);
                if (fake_frames_live())
                    fail_msg("op %d: %llu frames live after p2m_destroy", op,
                             (unsigned long long)fake_frames_live());
                assert_frames_ok();
                assert_int_equal(p2m_init(&P, C->fmt), 0);
            }
            memset(M, 0, R_PAGES * sizeof(*M));
            memset(leaf2m, 0, sizeof(leaf2m));
            memset(has_l1, 0, sizeof(has_l1));
            uppers = false;
            m_owned = 0;
            memset(&cache, 0, sizeof(cache));
            cache.gen = ~0ull;
        }
        uint64_t page, n;
        if (rnd(2))
            page = rnd(R_SLOTS) * 512;
        else
            page = rnd(R_PAGES);
        switch (rnd(4)) {
        case 0: n = 1 + rnd(16); break;
        case 1: n = 512 * (1 + rnd(4)); break;
        case 2: n = 512 * (1 + rnd(3)) + rnd(64); n = n > 32 ? n - 32 : 1; break;
        default: n = 1 + rnd(4096); break;
        }
        if (page + n > R_PAGES)
            n = R_PAGES - page;
        uint64_t gpa = r_gpa(page), size = n * PAGE_SIZE;
        unsigned kind = (unsigned)rnd(100);
        uint64_t g0 = P.gen;

        if (kind < 45) {                                        /* map */
            unsigned perms = r_perms();
            if (M[page].mapped) {
                /* Overlapping at its first page: -XEN_EEXIST and no change (but a 4 KiB
                 * first leaf inside a 2 MiB leaf splits it on the way). */
                paddr_t hpa = FAKE + rnd(4096) * MiB(2) + (rnd(2) ? 0 : (page % 512) * PAGE_SIZE);
                r_chunks(page, hpa, n, lv);
                int r = p2m_map(&P, gpa, hpa, size, perms, false);
                if (r != -XEN_EEXIST)
                    fail_msg("op %d: map over page %llu: %d, expected -EEXIST", op,
                             (unsigned long long)page, r);
                if (lv[0] == 1 && leaf2m[page / 512]) {
                    leaf2m[page / 512] = false;
                    has_l1[page / 512] = true;
                }
                nexist++;
            } else {
                uint64_t k = 0;
                while (k < n && !M[page + k].mapped)
                    k++;
                n = k;
                size = n * PAGE_SIZE;
                bool owned = rnd(2);
                unsigned mode = (unsigned)rnd(4);    /* hpa: 2 MiB-aligned, congruent, any */
                uint64_t o = mode <= 1 ? 0 : mode == 2 ? page % 512 : rnd(512);
                paddr_t hpa;
                if (owned) {
                    paddr_t base = fake_frames_alloc_run(n + 512, MiB(2));
                    hpa = base + o * PAGE_SIZE;
                    if (o)
                        frame_free(base, o);
                    if (512 - o)
                        frame_free(hpa + size, 512 - o);
                } else {
                    hpa = FAKE + rnd(4096) * MiB(2) + o * PAGE_SIZE;
                }
                int nc = r_chunks(page, hpa, n, lv);
                bool empty_table_hit = false;
                uint64_t p = page;
                for (int c = 0; c < nc; c++) {
                    if (lv[c] == 2 && has_l1[p / 512])
                        empty_table_hit = true;
                    p += lv[c] == 2 ? 512 : 1;
                }
                int r = p2m_map(&P, gpa, hpa, size, perms, owned);
                if (r)
                    fail_msg("op %d: map page %llu + %llu to %#llx: %d%s", op,
                             (unsigned long long)page, (unsigned long long)n,
                             (unsigned long long)hpa, r,
                             empty_table_hit ? " (a large leaf over an emptied table)" : "");
                uppers = true;
                p = page;
                for (int c = 0; c < nc; c++) {
                    if (lv[c] == 2) {
                        leaf2m[p / 512] = true;
                        nlarge++;
                    } else {
                        has_l1[p / 512] = true;
                    }
                    p += lv[c] == 2 ? 512 : 1;
                }
                for (uint64_t i = 0; i < n; i++) {
                    M[page + i].mapped = true;
                    M[page + i].hpa = hpa + i * PAGE_SIZE;
                    M[page + i].perms = (uint8_t)perms;
                    M[page + i].owned = owned;
                }
                if (owned)
                    m_owned += n;
                if (P.gen != g0)
                    fail_msg("op %d: map moved the generation", op);
                nmap++;
            }
        } else if (kind < 70) {                                 /* unmap */
            int r = p2m_unmap(&P, gpa, size);
            if (r)
                fail_msg("op %d: unmap page %llu + %llu: %d", op, (unsigned long long)page,
                         (unsigned long long)n, r);
            r_split_partial(page, n);
            bool any = false;
            for (uint64_t i = page; i < page + n; i++) {
                if (!M[i].mapped)
                    continue;
                any = true;
                if (M[i].owned) {
                    m_owned--;
                    if (fake_frames_is_live(M[i].hpa))
                        fail_msg("op %d: owned frame %#llx of page %llu not freed by unmap",
                                 op, (unsigned long long)M[i].hpa, (unsigned long long)i);
                }
                memset(&M[i], 0, sizeof(M[i]));
            }
            for (uint64_t s = page / 512; s <= (page + n - 1) / 512; s++)
                if (leaf2m[s] && page <= s * 512 && page + n >= (s + 1) * 512)
                    leaf2m[s] = false;
            if (any && P.gen == g0)
                fail_msg("op %d: unmap did not move the generation", op);
            nunmap++;
        } else {                                                /* protect */
            unsigned perms = r_perms();
            if (!M[page].mapped) {
                int r = p2m_protect(&P, gpa, size, perms);
                if (r != -XEN_ENOENT)
                    fail_msg("op %d: protect of unmapped page %llu: %d", op,
                             (unsigned long long)page, r);
                if (P.gen != g0)
                    fail_msg("op %d: failed protect moved the generation", op);
                nenoent++;
            } else {
                uint64_t k = 0;
                while (k < n && M[page + k].mapped)
                    k++;
                n = k;
                size = n * PAGE_SIZE;
                int r = p2m_protect(&P, gpa, size, perms);
                if (r)
                    fail_msg("op %d: protect page %llu + %llu: %d", op,
                             (unsigned long long)page, (unsigned long long)n, r);
                r_split_partial(page, n);
                for (uint64_t i = page; i < page + n; i++)
                    M[i].perms = (uint8_t)perms;
                if (P.gen == g0)
                    fail_msg("op %d: protect did not move the generation", op);
                nprot++;
            }
        }

        done++;
        /* The pages around the operation, a few cached lookups, the counts; all of it
         * every 100 operations. */
        uint64_t lo = page ? page - 1 : 0, hi = MIN(page + n + 1, (uint64_t)R_PAGES);
        for (uint64_t i = lo; i < hi; i++)
            r_check_page(i, op);
        for (int j = 0; j < 8; j++) {
            uint64_t i = rnd(2) ? lo + rnd(hi - lo) : rnd(R_PAGES);
            paddr_t h;
            unsigned pr;
            bool ok = p2m_lookup_cached(&P, &cache, r_gpa(i) + 0x18, &h, &pr);
            unsigned want = ok ? xp(M[i].perms) | (M[i].owned ? P2M_OWNED : 0) : 0;
            if (ok != M[i].mapped || (ok && (h != M[i].hpa + 0x18 || pr != want)))
                fail_msg("op %d: cached lookup of page %llu: %d %#llx %u, model %d %#llx %u",
                         op, (unsigned long long)i, ok, (unsigned long long)h, pr,
                         M[i].mapped, (unsigned long long)M[i].hpa + 0x18, xp(M[i].perms));
        }
        r_check_state(op);
        if (op % 100 == 99)
            for (uint64_t i = 0; i < R_PAGES; i++)
                r_check_page(i, op);
    }
    for (uint64_t i = 0; i < R_PAGES; i++)
        r_check_page(i, R_OPS);
    print_message("%s: %u maps (%u large leaves), %u unmaps, %u protects, %u EEXIST, "
                  "%u ENOENT, %u skipped; %llu tables, %llu owned frames at the end\n",
                  C->name, nmap, nlarge, nunmap, nprot, nexist, nenoent, nskip,
                  (unsigned long long)P.nr_tables, (unsigned long long)m_owned);
    /* The model must have exercised every path. */
    assert_true(nmap > 300 && nunmap > 200 && nprot > 100 && nexist > 20 && nenoent > 20);
    assert_true(nlarge > 50);
    free(M);
    M = NULL;
    finish();
}

/* ---- Registration: every test in each configuration it applies to ---- */

struct entry {
    const char *name;
    CMUnitTestFunction fn;
    unsigned cfgs;
};

#define E(fn, c) { #fn, fn, c }

static const struct entry entries[] = {
    E(init_state, CFG_ALL),
    E(init_nomem, CFG_ALL),
    E(map_4k, CFG_ALL),
    E(map_2m, CFG_ALL),
    E(map_1g, CFG_ALL),
    E(owned_1g_split_and_free, CFG_HUGE),
    E(perms_all_levels, CFG_ALL),
    E(npt_raw_entries, CFG_NPTS),
    E(map_over_existing, CFG_ALL),
    E(bad_arguments, CFG_ALL),
    E(unmap_whole_large, CFG_ALL),
    E(unmap_4k_in_2m, CFG_ALL),
    E(unmap_straddling, CFG_ALL),
    E(unmap_4k_in_1g, CFG_ALL),
    E(unmap_unmapped, CFG_ALL),
    E(protect_split_2m, CFG_ALL),
    E(protect_large, CFG_ALL),
    E(protect_unmapped, CFG_ALL),
    E(gen_and_cache, CFG_ALL),
    E(destroy_frees_everything, CFG_ALL),
    E(owned_accounting, CFG_ALL),
    E(nomem, CFG_ALL),
    E(random_model, CFG_ALL),
    E(map_failure_maps_nothing, CFG_NPT | CFG_EPT),
    E(hpa_out_of_range, CFG_NPT | CFG_EPT),
    E(remap_large_after_unmap, CFG_ALL),
    E(cache_zeroed_gfn0, CFG_NPT | CFG_EPT),
};

int main(void)
{
    static struct CMUnitTest tests[ARRAY_SIZE(entries) * ARRAY_SIZE(cfgs)];
    static char names[ARRAY_SIZE(entries) * ARRAY_SIZE(cfgs)][64];
    size_t n = 0;

    for (size_t c = 0; c < ARRAY_SIZE(cfgs); c++)
        for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
            if (!(entries[i].cfgs & (1u << c)))
                continue;
            snprintf(names[n], sizeof(names[n]), "%s/%s", cfgs[c].name, entries[i].name);
            tests[n] = (struct CMUnitTest){ names[n], entries[i].fn, setup, teardown, &cfgs[c] };
            n++;
        }
    unit_init();
    int r = _cmocka_run_group_tests("p2m", tests, n, NULL, NULL);
    fake_frames_reset();
    return r;
}
