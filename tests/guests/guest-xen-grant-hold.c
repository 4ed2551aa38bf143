/*
 * guest-xen-grant-hold: for the teardown test. Grants a page of ours to the peer
 * (peer=<domid>, writable, ref PAIR_REF_PAGE), maps the peer's page the same way, and
 * waits until the peer has mapped ours: then both hold a mapping of the other's page.
 * Then it stops while still holding it: shuts down, or (built as guest-xen-grant-block,
 * HOLD_BLOCK) halts for good with interrupts off (Keel shuts it down then but keeps it,
 * mapping and all, until every guest is done), so that the other one is destroyed first while this
 * one still maps a page of it (Keel must drop that mapping before freeing the frame).
 */
#include "grant_pair.h"

#ifndef HOLD_BLOCK
#define HOLD_BLOCK 0
#endif

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t table[4096] __attribute__((aligned(4096)));
static volatile uint32_t mine[1024] __attribute__((aligned(4096)));

void guest_main(void)
{
    domid_t peer = (domid_t)guest_cmdline_num("peer", 2), self = (domid_t)xen_domid();
    uint64_t gpa = (guest_ram_bytes() + (1ull << 22)) & ~((1ull << 21) - 1);
    volatile uint32_t *theirs = (volatile uint32_t *)(uintptr_t)gpa;
    uint32_t h;

    if (!test_check(xen_map_shared_info(shinfo) == 0 && xen_gnttab_map(table) == 0,
                    "hold-setup", "shared_info or grant table refused"))
        return;
    mine[0] = PAIR_MAGIC + self;
    xen_grant_access(PAIR_REF_PAGE, peer, (void *)mine, 0);
    int st = -99;
    pair_wait((st = xen_grant_map(peer, PAIR_REF_PAGE, gpa, GNTMAP_host_map, &h)) != GNTST_general_error);
    if (!test_check(st == GNTST_okay && theirs[0] == PAIR_MAGIC + peer, "hold-mapped",
                    "status %d", st))
        return;
    theirs[1] = self;                              /* we were here */
    int ok = pair_wait(xen_gnttab[PAIR_REF_PAGE].flags & GTF_writing);
    test_check(ok && pair_wait(mine[1] == peer), "hold-peer-mapped", "flags %x word %u",
               xen_gnttab[PAIR_REF_PAGE].flags, mine[1]);
    if (HOLD_BLOCK) {
        gprintf("holding the mapping; blocking for good\n");
        guest_halt_forever();
    }
}
