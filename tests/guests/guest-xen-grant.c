/*
 * guest-xen-grant: grant_table_op within one domain, with good and bad arguments.
 *  - query_size / setup_table: sizes, frame lists, the limit, other domains, bad counts
 *    and pointers; XENMAPSPACE_grant_table places table frames in our physical map;
 *  - map/unmap of a grant to ourselves at a GPA above our RAM: the data is shared both
 *    ways, the entry shows GTF_reading|GTF_writing while mapped (so revoking fails),
 *    unmap clears them, a second unmap is GNTST_bad_handle, a revoked ref no longer maps;
 *    read-only grants and maps (a hypercall writing into one gets -EFAULT);
 *  - every bad argument with its exact status: flags, domains, refs out of range or
 *    granted to someone else, host addresses (unaligned, over RAM, outside the window,
 *    taken), frames that are not ours, handles, the maptrack limit (256 maps in one
 *    batch, which Keel continues in pieces), copy offsets/lengths/domains/pages;
 *  - grant copy of 1 MiB through 256 grefs, checksum compared;
 *  - the same calls from 32-bit code: setup_table's frame list of 4-byte GFNs, the 24-byte
 *    compat copy layout, map/unmap (whose layout is the same);
 *  - BENCH <vendor>/grant_map_unmap and grant_copy_4k (instructions under the bench runner).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>

#define UNMAPPED   0x40000000ul
#define HV_POINTER 0xffff800000000000ul
#define NMAPS      256
#define BENCH_ROUNDS 200

static uint8_t table[2][4096] __attribute__((aligned(4096)));
static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t data[4096] __attribute__((aligned(4096)));
static uint8_t big_src[1 << 20] __attribute__((aligned(4096)));
static uint8_t big_dst[1 << 20] __attribute__((aligned(4096)));
static struct gnttab_map_grant_ref maps[NMAPS + 1];
static struct gnttab_unmap_grant_ref unmaps[NMAPS];
static domid_t self;
static uint64_t map_gpa;                       /* a free GPA above our RAM */

static const char *vendor(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

static uint64_t gfn(const void *p) { return (uint64_t)(uintptr_t)p >> 12; }

static int16_t query(domid_t dom, struct gnttab_query_size *q, long *rc)
{
    *q = (struct gnttab_query_size){ .dom = dom, .status = 99 };
    *rc = xen_grant_table_op(GNTTABOP_query_size, q, 1);
    return q->status;
}

static int16_t setup(domid_t dom, uint32_t n, uint64_t list, long *rc)
{
    struct gnttab_setup_table s = { .dom = dom, .nr_frames = n, .frame_list = list, .status = 99 };
    *rc = xen_grant_table_op(GNTTABOP_setup_table, &s, 1);
    return s.status;
}

static void check_table(void)
{
    struct gnttab_query_size q;
    uint64_t gfns[4] = { 1, 1, 1, 1 };
    long rc, rc2;

    int16_t st = query(DOMID_SELF, &q, &rc);
    test_check(rc == 0 && st == GNTST_okay && q.nr_frames == 1 && q.max_nr_frames == 4,
               "gnttab-query", "rc %ld st %d frames %u max %u", rc, st, q.nr_frames, q.max_nr_frames);
    int16_t st1 = query(0x1234, &q, &rc);
    struct gnttab_query_size q2 = { .dom = DOMID_SELF };
    rc = xen_grant_table_op(GNTTABOP_query_size, &q2, 2);
    rc2 = xen_grant_table_op(GNTTABOP_query_size, (void *)UNMAPPED, 1);
    test_check(st1 == GNTST_bad_domain && rc == -XEN_EINVAL && rc2 == -XEN_EFAULT,
               "gnttab-query-errors", "st %d rc %ld %ld", st1, rc, rc2);

    st = setup(self, 2, (uint64_t)(uintptr_t)gfns, &rc);
    query(DOMID_SELF, &q, &rc2);
    test_check(rc == 0 && st == GNTST_okay && gfns[0] == ~0ull && gfns[1] == ~0ull &&
               gfns[2] == 1 && q.nr_frames == 2, "gnttab-setup",
               "rc %ld st %d gfns %lx %lx %lx, now %u frames", rc, st, gfns[0], gfns[1], gfns[2], q.nr_frames);
    int16_t e1 = setup(DOMID_SELF, 5, (uint64_t)(uintptr_t)gfns, &rc);
    int16_t e2 = setup(DOMID_SELF, 1, UNMAPPED, &rc2);
    int16_t e3 = setup(0x1234, 1, (uint64_t)(uintptr_t)gfns, &rc2);
    long r4 = xen_grant_table_op(GNTTABOP_setup_table, (void *)HV_POINTER, 1);
    long r5 = xen_grant_table_op(GNTTABOP_setup_table, gfns, 0);
    test_check(e1 == GNTST_general_error && e2 == GNTST_bad_virt_addr && e3 == GNTST_bad_domain &&
               r4 == -XEN_EFAULT && r5 == -XEN_EINVAL, "gnttab-setup-errors",
               "%d %d %d %ld %ld", e1, e2, e3, r4, r5);

    /* Table frames into our physical map (over RAM pages, which we give up). */
    long m0 = xen_gnttab_map(table[0]);
    long m1 = xen_gnttab_map_frame(1, table[1]);
    long m2 = xen_gnttab_map_frame(4, data);
    long m3 = xen_gnttab_map_frame(XENMAPIDX_grant_table_status, data);
    long m4 = xen_gnttab_map_frame(0, (void *)(1ul << 40));       /* past 1 TiB */
    st = setup(DOMID_SELF, 2, (uint64_t)(uintptr_t)gfns, &rc);
    test_check(m0 == 0 && m1 == 0 && m2 == -XEN_EINVAL && m3 == -XEN_EINVAL && m4 == -XEN_EINVAL &&
               st == GNTST_okay && gfns[0] == gfn(table[0]) && gfns[1] == gfn(table[1]),
               "gnttab-physmap", "%ld %ld %ld %ld %ld st %d gfns %lx %lx", m0, m1, m2, m3, m4,
               st, gfns[0], gfns[1]);

    long u1 = xen_grant_table_op(GNTTABOP_transfer, maps, 1);
    long u2 = xen_grant_table_op(GNTTABOP_set_version, maps, 1);
    long u3 = xen_grant_table_op(99, maps, 1);
    long u4 = xen_grant_table_op(GNTTABOP_map_grant_ref, maps, 0x80000000ul);
    long u5 = xen_grant_table_op(GNTTABOP_map_grant_ref, (void *)UNMAPPED, 1);
    long u6 = xen_grant_table_op(GNTTABOP_copy, (void *)HV_POINTER, 3);
    long u7 = xen_grant_table_op(GNTTABOP_unmap_grant_ref, maps, 0);
    test_check(u1 == -XEN_ENOSYS && u2 == -XEN_ENOSYS && u3 == -XEN_ENOSYS && u4 == -XEN_EINVAL &&
               u5 == -XEN_EFAULT && u6 == -XEN_EFAULT && u7 == 0, "gnttab-op-errors",
               "%ld %ld %ld %ld %ld %ld %ld", u1, u2, u3, u4, u5, u6, u7);
}

static void check_map(void)
{
    volatile uint8_t *m = (volatile uint8_t *)map_gpa;
    volatile struct grant_entry_v1 *e = &xen_gnttab[10];
    uint32_t h = 0, h2;

    for (int i = 0; i < 4096; i++)
        data[i] = (uint8_t)(i * 7);
    xen_grant_access(10, self, data, 0);
    int st = xen_grant_map(self, 10, map_gpa, GNTMAP_host_map, &h);
    if (!test_check(st == GNTST_okay, "grant-map", "status %d", st))
        return;
    int same = 1;
    for (int i = 0; i < 4096; i++)
        same &= m[i] == (uint8_t)(i * 7);
    m[100] = 0xab;
    uint16_t fl = e->flags;
    int revoke = xen_grant_end(10);
    test_check(same && data[100] == 0xab && (fl & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing) &&
               revoke == -1, "grant-map-shared", "same %d data %x flags %x revoke %d", same,
               data[100], fl, revoke);
    int st2 = xen_grant_map(self, 10, map_gpa, GNTMAP_host_map, &h2);   /* GPA taken */
    int u1 = xen_grant_unmap(map_gpa + 4096, h);                         /* wrong address */
    int u2 = xen_grant_unmap(map_gpa, h);
    fl = e->flags;
    int u3 = xen_grant_unmap(map_gpa, h);                                /* double unmap */
    int u4 = xen_grant_unmap(map_gpa, 0xffffffffu);
    int u5 = xen_grant_unmap(map_gpa, NMAPS + 1);
    test_check(st2 == GNTST_general_error && u1 == GNTST_general_error && u2 == GNTST_okay &&
               fl == GTF_permit_access && u3 == GNTST_bad_handle && u4 == GNTST_bad_handle &&
               u5 == GNTST_bad_handle, "grant-unmap", "%d %d %d flags %x %d %d %d", st2, u1, u2, fl,
               u3, u4, u5);
    revoke = xen_grant_end(10);
    st = xen_grant_map(self, 10, map_gpa, GNTMAP_host_map, &h);          /* stale ref */
    test_check(revoke == 0 && st == GNTST_general_error, "grant-revoked", "revoke %d map %d",
               revoke, st);

    /* Read-only: granted so, a writable map is refused; a read-only one works, and a
     * hypercall writing into it gets -EFAULT. */
    xen_grant_access(11, self, data, 1);
    int w = xen_grant_map(self, 11, map_gpa, GNTMAP_host_map, &h);
    st = xen_grant_map(self, 11, map_gpa, GNTMAP_host_map | GNTMAP_readonly, &h);
    uint8_t first = m[0];
    long wr = hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, map_gpa);
    fl = xen_gnttab[11].flags;
    int u = xen_grant_unmap(map_gpa, h);
    test_check(w == GNTST_general_error && st == GNTST_okay && first == data[0] &&
               wr == -XEN_EFAULT && (fl & (GTF_reading | GTF_writing)) == GTF_reading && u == 0,
               "grant-readonly", "rw %d ro %d wr %ld flags %x unmap %d", w, st, wr, fl, u);
    xen_grant_access(12, self, data, 0);
    st = xen_grant_map(self, 12, map_gpa, GNTMAP_host_map | GNTMAP_readonly, &h);
    wr = hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, map_gpa);
    u = xen_grant_unmap(map_gpa, h);
    test_check(st == 0 && wr == -XEN_EFAULT && u == 0, "grant-map-readonly", "%d %ld %d", st, wr, u);
}

static void check_map_errors(void)
{
    uint32_t h;
    int r[16];
    xen_grant_access(20, self, data, 0);
    xen_grant_access(21, 0x1234, data, 0);                  /* for someone else */
    xen_grant_access(22, self, shinfo, 0);                   /* Keel's frame, not ours */
    xen_gnttab[23].frame = 0x40000;                          /* not RAM */
    xen_gnttab[23].domid = self;
    xen_gnttab[23].flags = GTF_permit_access;
    xen_gnttab[24].domid = self;
    xen_gnttab[24].flags = GTF_transitive;
    r[0] = xen_grant_map(self, 20, map_gpa, 0, &h);
    r[1] = xen_grant_map(self, 20, map_gpa, GNTMAP_host_map | GNTMAP_device_map, &h);
    r[2] = xen_grant_map(self, 20, map_gpa, GNTMAP_host_map | GNTMAP_contains_pte, &h);
    r[3] = xen_grant_map(0x1234, 20, map_gpa, GNTMAP_host_map, &h);
    r[4] = xen_grant_map(DOMID_SELF, 20, map_gpa, GNTMAP_host_map, &h);
    r[5] = xen_grant_map(self, 1024, map_gpa, GNTMAP_host_map, &h);   /* 2 frames: 1024 refs */
    r[6] = xen_grant_map(self, 0xffffffffu, map_gpa, GNTMAP_host_map, &h);
    r[7] = xen_grant_map(self, 20, map_gpa + 8, GNTMAP_host_map, &h);
    r[8] = xen_grant_map(self, 20, (uint64_t)(uintptr_t)big_dst, GNTMAP_host_map, &h);  /* RAM */
    r[9] = xen_grant_map(self, 20, UNMAPPED, GNTMAP_host_map, &h);     /* outside the window */
    r[10] = xen_grant_map(self, 21, map_gpa, GNTMAP_host_map, &h);
    r[11] = xen_grant_map(self, 22, map_gpa, GNTMAP_host_map, &h);
    r[12] = xen_grant_map(self, 23, map_gpa, GNTMAP_host_map, &h);
    r[13] = xen_grant_map(self, 24, map_gpa, GNTMAP_host_map, &h);
    r[14] = xen_grant_map(self, 25, map_gpa, GNTMAP_host_map, &h);    /* never granted */
    uint16_t fl = xen_gnttab[20].flags | xen_gnttab[21].flags | xen_gnttab[22].flags;
    test_check(r[0] == GNTST_bad_gntref && r[1] == GNTST_general_error && r[2] == GNTST_general_error &&
               r[3] == GNTST_bad_domain && r[4] == GNTST_bad_domain && r[5] == GNTST_bad_gntref &&
               r[6] == GNTST_bad_gntref && r[7] == GNTST_general_error && r[8] == GNTST_general_error &&
               r[9] == GNTST_general_error && r[10] == GNTST_general_error && r[11] == GNTST_bad_page &&
               r[12] == GNTST_bad_page && r[13] == GNTST_general_error && r[14] == GNTST_general_error &&
               !(fl & (GTF_reading | GTF_writing)), "grant-map-errors",
               "%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d flags %x", r[0], r[1], r[2], r[3], r[4],
               r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], fl);

    /* The maptrack limit: 256 read-only maps of one ref in one batch, then one more. */
    xen_grant_access(30, self, data, 1);
    for (int i = 0; i <= NMAPS; i++)
        maps[i] = (struct gnttab_map_grant_ref){ .host_addr = map_gpa + 4096ull * i, .ref = 30,
                                                 .dom = self, .flags = GNTMAP_host_map | GNTMAP_readonly };
    long rc = xen_grant_table_op(GNTTABOP_map_grant_ref, maps, NMAPS + 1);
    int ok = 0;
    for (int i = 0; i < NMAPS; i++)
        ok += maps[i].status == GNTST_okay && ((volatile uint8_t *)maps[i].host_addr)[5] == data[5];
    test_check(rc == 0 && ok == NMAPS && maps[NMAPS].status == GNTST_no_space, "grant-maptrack-limit",
               "rc %ld, %d maps good, last %d", rc, ok, maps[NMAPS].status);
    for (int i = 0; i < NMAPS; i++)
        unmaps[i] = (struct gnttab_unmap_grant_ref){ .host_addr = maps[i].host_addr,
                                                     .handle = maps[i].handle, .status = 99 };
    rc = xen_grant_table_op(GNTTABOP_unmap_grant_ref, unmaps, NMAPS);
    ok = 0;
    for (int i = 0; i < NMAPS; i++)
        ok += unmaps[i].status == GNTST_okay;
    test_check(rc == 0 && ok == NMAPS && xen_gnttab[30].flags == (GTF_permit_access | GTF_readonly) &&
               xen_grant_end(30) == 0, "grant-unmap-batch", "rc %ld, %d unmapped, flags %x", rc, ok,
               xen_gnttab[30].flags);
}

static struct gnttab_copy copy_op(uint32_t sref, uint64_t dgfn, uint16_t len)
{
    return (struct gnttab_copy){ .source = { .u.ref = sref, .domid = self },
                                 .dest = { .u.gmfn = dgfn, .domid = DOMID_SELF },
                                 .len = len, .flags = GNTCOPY_source_gref };
}

static void check_copy(void)
{
    struct gnttab_copy c[8];
    int r[8];
    xen_grant_access(40, self, data, 0);
    xen_grant_access(41, self, data, 1);
    c[0] = copy_op(40, gfn(big_dst), 4096);
    c[0].source.offset = 1;
    c[1] = copy_op(40, gfn(big_dst), 16);
    c[1].dest.domid = self;                                 /* a frame, not DOMID_SELF */
    c[2] = copy_op(40, gfn(big_dst), 16);
    c[2].source.domid = 0x1234;
    c[3] = copy_op(5000, gfn(big_dst), 16);
    c[4] = copy_op(40, 0x40000, 16);                        /* not our RAM */
    c[5] = copy_op(40, gfn(big_dst), 16);                   /* dest: a read-only grant */
    c[5].dest.u.ref = 41, c[5].dest.domid = DOMID_SELF, c[5].flags |= GNTCOPY_dest_gref;
    c[6] = copy_op(21, gfn(big_dst), 16);                   /* granted to someone else */
    c[7] = copy_op(40, gfn(big_dst), 0);
    long rc = xen_grant_table_op(GNTTABOP_copy, c, 8);
    for (int i = 0; i < 8; i++)
        r[i] = c[i].status;
    test_check(rc == 0 && r[0] == GNTST_bad_copy_arg && r[1] == GNTST_permission_denied &&
               r[2] == GNTST_bad_domain && r[3] == GNTST_bad_gntref && r[4] == GNTST_bad_page &&
               r[5] == GNTST_general_error && r[6] == GNTST_general_error && r[7] == GNTST_okay &&
               !(xen_gnttab[40].flags & (GTF_reading | GTF_writing)), "grant-copy-errors",
               "rc %ld: %d %d %d %d %d %d %d %d", rc, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);

    /* 1 MiB through 256 grants, 32 operations per hypercall. */
    uint32_t x = 12345, sum_src = 0, sum_dst = 0;
    for (unsigned i = 0; i < sizeof(big_src); i++) {
        x = x * 1103515245u + 12345u;
        big_src[i] = (uint8_t)(x >> 16);
        sum_src = sum_src * 31 + big_src[i];
    }
    for (unsigned i = 0; i < 256; i++)
        xen_grant_access(100 + i, self, big_src + 4096 * i, 1);
    int bad = 0;
    for (unsigned i = 0; i < 256; i += 32) {
        static struct gnttab_copy cs[32];
        for (unsigned j = 0; j < 32; j++)
            cs[j] = copy_op(100 + i + j, gfn(big_dst) + i + j, 4096);
        if (xen_grant_table_op(GNTTABOP_copy, cs, 32))
            bad++;
        for (unsigned j = 0; j < 32; j++)
            bad += cs[j].status != GNTST_okay;
    }
    for (unsigned i = 0; i < sizeof(big_dst); i++)
        sum_dst = sum_dst * 31 + big_dst[i];
    test_check(!bad && sum_src == sum_dst, "grant-copy-1m", "%d failures, checksum %x vs %x",
               bad, sum_dst, sum_src);
    for (unsigned i = 0; i < 256; i++)
        xen_grant_end(100 + i);
}

/* From compatibility mode (guest/xen_hv.h: xen_hypercall32): the 32-bit layouts. */
struct compat_setup { domid_t dom; uint32_t nr_frames; int16_t status; uint32_t frame_list; };
struct compat_copy_ptr { uint32_t u; domid_t domid; uint16_t offset; };
struct compat_copy { struct compat_copy_ptr source, dest; uint16_t len, flags; int16_t status; };
_Static_assert(sizeof(struct compat_setup) == 16, "compat setup_table");
_Static_assert(sizeof(struct compat_copy) == 24, "compat copy");

static uint32_t p32(const void *p) { return (uint32_t)(uintptr_t)p; }

static void check_compat(void)
{
    uint32_t gfns[3] = { 1, 1, 1 };
    struct compat_setup s = { .dom = DOMID_SELF, .nr_frames = 2, .frame_list = p32(gfns), .status = 99 };
    long rc = xen_hypercall32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, p32(&s), 1, 0, 0);
    test_check(rc == 0 && s.status == 0 && gfns[0] == gfn(table[0]) && gfns[1] == gfn(table[1]) &&
               gfns[2] == 1, "grant-compat-setup", "rc %ld st %d gfns %x %x %x", rc, s.status,
               gfns[0], gfns[1], gfns[2]);

    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)(0xc0 + i);
    memset(big_dst, 0, 64);
    xen_grant_access(60, self, data, 1);
    struct compat_copy c[2] = {
        { .source = { 60, self, 4 }, .dest = { (uint32_t)gfn(big_dst), DOMID_SELF, 8 },
          .len = 16, .flags = GNTCOPY_source_gref, .status = 99 },
        { .source = { 60, self, 4090 }, .dest = { (uint32_t)gfn(big_dst), DOMID_SELF, 0 },
          .len = 16, .flags = GNTCOPY_source_gref, .status = 99 },
    };
    rc = xen_hypercall32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, p32(c), 2, 0, 0);
    int same = 1;
    for (int i = 0; i < 16; i++)
        same &= big_dst[8 + i] == data[4 + i];
    test_check(rc == 0 && c[0].status == 0 && c[1].status == GNTST_bad_copy_arg && same &&
               big_dst[7] == 0 && big_dst[24] == 0, "grant-compat-copy", "rc %ld st %d %d same %d",
               rc, c[0].status, c[1].status, same);

    struct gnttab_map_grant_ref m = { .host_addr = map_gpa, .flags = GNTMAP_host_map | GNTMAP_readonly,
                                      .ref = 60, .dom = self, .status = 99 };
    rc = xen_hypercall32(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, p32(&m), 1, 0, 0);
    uint8_t seen = ((volatile uint8_t *)map_gpa)[5];
    struct gnttab_unmap_grant_ref u = { .host_addr = map_gpa, .handle = m.handle, .status = 99 };
    long rc2 = xen_hypercall32(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, p32(&u), 1, 0, 0);
    test_check(rc == 0 && m.status == 0 && seen == data[5] && rc2 == 0 && u.status == 0 &&
               xen_grant_end(60) == 0, "grant-compat-map", "rc %ld st %d seen %x, rc %ld st %d",
               rc, m.status, seen, rc2, u.status);
}

static void benches(void)
{
    uint32_t h;
    uint64_t total = 0;
    xen_grant_access(50, self, data, 0);
    for (int i = 0; i < BENCH_ROUNDS + 10; i++) {
        uint64_t t0 = rdtsc();
        xen_grant_map(self, 50, map_gpa, GNTMAP_host_map, &h);
        xen_grant_unmap(map_gpa, h);
        uint64_t t1 = rdtsc();
        if (i >= 10)
            total += t1 - t0;
    }
    gprintf("BENCH %s/grant_map_unmap %lu insns\n", vendor(), total / BENCH_ROUNDS);
    total = 0;
    for (int i = 0; i < BENCH_ROUNDS + 10; i++) {
        struct gnttab_copy c = copy_op(50, gfn(big_dst), 4096);
        uint64_t t0 = rdtsc();
        xen_grant_table_op(GNTTABOP_copy, &c, 1);
        uint64_t t1 = rdtsc();
        if (i >= 10)
            total += t1 - t0;
    }
    gprintf("BENCH %s/grant_copy_4k %lu insns\n", vendor(), total / BENCH_ROUNDS);
    xen_grant_end(50);
}

void guest_main(void)
{
    self = (domid_t)xen_domid();
    map_gpa = (guest_ram_bytes() + (1ull << 21) + (1ull << 22)) & ~((1ull << 21) - 1);
    if (!test_check(xen_map_shared_info(shinfo) == 0, "grant-setup", "shared_info refused"))
        return;
    check_table();
    if (!xen_gnttab)
        return;
    check_map();
    check_map_errors();
    check_copy();
    check_compat();
    benches();
}
