/*
 * guest-xen-grantee: maps and copies what guest-xen-granter (peer=<its domid>) grants.
 *  1. Maps the shared page at a GPA above our RAM (retrying while the granter is not
 *     ready: GNTST_general_error); the granter's magic is there.
 *  2. Bad arguments against a real foreign domain: a ref it did not grant, a writable map
 *     or copy of a read-only grant, a frame number of another domain (permission
 *     denied), a domain that does not exist; its table is not ours to query or set up.
 *  3. After the granter's acknowledgement (it failed to revoke while we held the map):
 *     writes a pattern, copies the 1 MiB buffer through 256 grant copies, writes the
 *     checksum, unmaps (a second unmap is GNTST_bad_handle).
 *  4. Waits until the granter has revoked: the ref is stale (map and copy refused).
 */
#include "grant_pair.h"

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t buf[1 << 20] __attribute__((aligned(4096)));

static struct gnttab_copy from_peer(domid_t peer, uint32_t ref, void *dst, uint16_t len)
{
    return (struct gnttab_copy){ .source = { .u.ref = ref, .domid = peer },
                                 .dest = { .u.gmfn = (uintptr_t)dst >> 12, .domid = DOMID_SELF },
                                 .len = len, .flags = GNTCOPY_source_gref };
}

void guest_main(void)
{
    domid_t peer = (domid_t)guest_cmdline_num("peer", 1);
    uint64_t gpa = (guest_ram_bytes() + (1ull << 22)) & ~((1ull << 21) - 1);
    struct pair_page *p = (struct pair_page *)(uintptr_t)gpa;
    uint32_t h = 0, h2 = 0;

    if (!test_check(xen_map_shared_info(shinfo) == 0, "grantee-setup", "shared_info refused"))
        return;
    int st = -99;
    pair_wait((st = xen_grant_map(peer, PAIR_REF_PAGE, gpa, GNTMAP_host_map, &h)) != GNTST_general_error);
    if (!test_check(st == GNTST_okay && p->magic == PAIR_MAGIC, "grantee-mapped",
                    "status %d magic %x", st, st ? 0 : p->magic))
        return;

    int r[6];
    r[0] = xen_grant_map(peer, PAIR_REF_PAGE + 1, gpa + 4096, GNTMAP_host_map, &h2);
    r[1] = xen_grant_map(peer, PAIR_REF_BUF, gpa + 4096, GNTMAP_host_map, &h2);
    r[2] = xen_grant_map(0x1234, PAIR_REF_PAGE, gpa + 4096, GNTMAP_host_map, &h2);
    struct gnttab_copy c = from_peer(peer, PAIR_REF_PAGE, buf, 8);
    c.flags = 0, c.source.u.gmfn = 0x100;                    /* the peer's frame by number */
    r[3] = xen_grant_copy(&c);
    c = from_peer(peer, PAIR_REF_PAGE, buf, 8);
    c.dest.u.ref = PAIR_REF_BUF, c.dest.domid = peer, c.flags |= GNTCOPY_dest_gref;
    r[4] = xen_grant_copy(&c);                               /* into a read-only grant */
    r[5] = xen_grant_map(peer, PAIR_REF_BUF, gpa + 4096, GNTMAP_host_map | GNTMAP_readonly, &h2);
    int u = r[5] == GNTST_okay ? xen_grant_unmap(gpa + 4096, h2) : -99;
    struct gnttab_query_size q = { .dom = peer };
    uint64_t gfns[1];
    struct gnttab_setup_table s = { .dom = peer, .nr_frames = 1, .frame_list = (uintptr_t)gfns };
    long qr = xen_grant_table_op(GNTTABOP_query_size, &q, 1);
    long sr = xen_grant_table_op(GNTTABOP_setup_table, &s, 1);
    test_check(qr == 0 && q.status == GNTST_permission_denied && sr == 0 &&
               s.status == GNTST_permission_denied, "grantee-foreign-table",
               "query %ld/%d setup %ld/%d", qr, q.status, sr, s.status);
    test_check(r[0] == GNTST_general_error && r[1] == GNTST_general_error && r[2] == GNTST_bad_domain &&
               r[3] == GNTST_permission_denied && r[4] == GNTST_general_error && r[5] == GNTST_okay &&
               u == GNTST_okay, "grantee-foreign-errors", "%d %d %d %d %d %d unmap %d",
               r[0], r[1], r[2], r[3], r[4], r[5], u);

    if (!test_check(pair_wait(p->ack), "grantee-acked", "no acknowledgement in 20 s"))
        return;
    for (unsigned i = 0; i < 256; i++)
        p->pattern[i] = (uint8_t)(i ^ 0x5a);
    int bad = 0;
    for (unsigned i = 0; i < 256; i += 32) {
        static struct gnttab_copy cs[32];
        for (unsigned j = 0; j < 32; j++)
            cs[j] = from_peer(peer, PAIR_REF_BUF + i + j, buf + 4096 * (i + j), 4096);
        bad += xen_grant_table_op(GNTTABOP_copy, cs, 32) != 0;
        for (unsigned j = 0; j < 32; j++)
            bad += cs[j].status != GNTST_okay;
    }
    p->checksum = pair_checksum(buf, sizeof(buf));
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    p->done = 1;
    int u1 = xen_grant_unmap(gpa, h), u2 = xen_grant_unmap(gpa, h);
    test_check(!bad && u1 == GNTST_okay && u2 == GNTST_bad_handle, "grantee-copied-unmapped",
               "%d copy failures, unmap %d then %d", bad, u1, u2);

    /* The granter revokes once it has checked our work: the ref goes stale. */
    int cs = 0;
    pair_wait((c = from_peer(peer, PAIR_REF_PAGE, buf, 8), (cs = xen_grant_copy(&c))) != GNTST_okay);
    st = xen_grant_map(peer, PAIR_REF_PAGE, gpa, GNTMAP_host_map, &h);
    test_check(cs == GNTST_general_error && st == GNTST_general_error, "grantee-stale-ref",
               "copy %d map %d after the revoke", cs, st);
}
