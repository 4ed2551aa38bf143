/*
 * guest-xen-granter: grants pages to guest-xen-grantee (peer=<its domid>) and checks what
 * the grantee did with them. Refs and layout: grant_pair.h.
 *  1. Grants a shared page (writable, PAIR_REF_PAGE) and a 1 MiB buffer of pseudo-random
 *     bytes (read-only, 256 refs from PAIR_REF_BUF).
 *  2. Waits until the entry shows GTF_writing (the grantee mapped it); revoking now must
 *     fail (the entry keeps its flags); acknowledges in the page.
 *  3. Waits until the grantee is done and has unmapped (GTF_reading/GTF_writing clear):
 *     the pattern it wrote is in our page, the checksum of its 1 MiB grant copy matches.
 *  4. Revokes every grant (the grantee then finds its ref stale).
 */
#include "grant_pair.h"

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t table[4096] __attribute__((aligned(4096)));
static union {
    struct pair_page p;
    uint8_t whole[4096];           /* nothing else of ours shares the granted page */
} shared __attribute__((aligned(4096)));
#define page shared.p
static uint8_t buf[1 << 20] __attribute__((aligned(4096)));

void guest_main(void)
{
    domid_t peer = (domid_t)guest_cmdline_num("peer", 2);

    if (!test_check(xen_map_shared_info(shinfo) == 0 && xen_gnttab_map(table) == 0,
                    "granter-setup", "shared_info or grant table refused"))
        return;
    uint32_t x = 777;
    for (unsigned i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    uint32_t sum = pair_checksum(buf, sizeof(buf));
    for (unsigned i = 0; i < 256; i++)
        xen_grant_access(PAIR_REF_BUF + i, peer, buf + 4096 * i, 1);
    page.magic = PAIR_MAGIC;
    xen_grant_access(PAIR_REF_PAGE, peer, &page, 0);

    volatile struct grant_entry_v1 *e = &xen_gnttab[PAIR_REF_PAGE];
    if (!test_check(pair_wait(e->flags & GTF_writing), "granter-peer-mapped",
                    "flags %x after 20 s", e->flags))
        return;
    int r = xen_grant_end(PAIR_REF_PAGE);
    uint16_t fl = e->flags;
    test_check(r == -1 && (fl & GTF_permit_access), "granter-revoke-refused",
               "revoke %d flags %x while mapped", r, fl);
    page.ack = 1;

    int ok = pair_wait(page.done && !(e->flags & (GTF_reading | GTF_writing)));
    if (!test_check(ok, "granter-peer-unmapped", "done %u flags %x", page.done, e->flags))
        return;
    int same = 1;
    for (unsigned i = 0; i < 256; i++)
        same &= page.pattern[i] == (uint8_t)(i ^ 0x5a);
    test_check(same, "granter-sees-data", "the grantee's pattern is not in our page");
    test_check(page.checksum == sum, "granter-copy-checksum", "grantee copied %x, ours %x",
               page.checksum, sum);
    /* A copy the grantee is making may pin the ref for a moment: retry briefly. */
    ok = pair_wait(xen_grant_end(PAIR_REF_PAGE) == 0);
    for (unsigned i = 0; i < 256; i++)
        ok &= xen_grant_end(PAIR_REF_BUF + i) == 0;
    test_check(ok && e->flags == 0, "granter-revoked", "flags %x", e->flags);
}
