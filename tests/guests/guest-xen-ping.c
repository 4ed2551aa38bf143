/*
 * guest-xen-ping: one end of an interdomain event channel; guest-xen-pong is the other.
 *
 * Command line: peer=<domid of guest-xen-pong> rounds=<N>.
 *  1. alloc_unbound for the peer; wait until it has bound (status interdomain) and said
 *     hello (an event: it answers the one its new port starts with).
 *  2. N round trips: send, the peer's handler sends back, our handler counts;
 *     BENCH <vendor>/evtchn_pingpong = average ticks per round trip.
 *  3. Close: the peer's end becomes unbound (it sees that and finishes).
 *  4. Same-domain figures, with the peer gone: BENCH <vendor>/evtchn_send — a send on a
 *     masked IPI port of our own (the hypercall and the pending bit, no delivery) — and
 *     BENCH <vendor>/evtchn_upcall — a send on an unmasked one until its port handler
 *     runs (hypercall, upcall injection, the runtime's interrupt entry and 2-level scan).
 * Ticks are instructions under QEMU -icount and Bochs (the bench runner); elsewhere they
 * are only printed.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define VEC_UPCALL 0xf3
#define MS         1000000ull
#define BENCH_ROUNDS 200

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static volatile uint32_t replies;
static volatile uint64_t handled_at;

static void on_reply(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    replies++;
}

static void on_self(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    handled_at = rdtsc();
}

static const char *vendor(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

static void same_domain_benches(void)
{
    uint32_t p;
    xen_evtchn_bind_ipi(0, &p);
    xen_evtchn_handle(p, on_self, 0);

    xen_evtchn_mask(p);
    uint64_t total = 0;
    for (int i = 0; i < BENCH_ROUNDS + 10; i++) {
        xen_evtchn_clear(p);
        uint64_t t0 = rdtsc();
        xen_evtchn_send(p);
        uint64_t t1 = rdtsc();
        if (i >= 10)
            total += t1 - t0;
    }
    gprintf("BENCH %s/evtchn_send %lu insns\n", vendor(), total / BENCH_ROUNDS);
    xen_evtchn_clear(p);
    xen_evtchn_unmask(p);

    total = 0;
    for (int i = 0; i < BENCH_ROUNDS + 10; i++) {
        handled_at = 0;
        sti();
        uint64_t t0 = rdtsc();
        xen_evtchn_send(p);
        cli();
        if (i >= 10)
            total += handled_at - t0;
    }
    gprintf("BENCH %s/evtchn_upcall %lu insns\n", vendor(), total / BENCH_ROUNDS);
    xen_evtchn_close(p);
}

void guest_main(void)
{
    unsigned long peer = guest_cmdline_num("peer", 2), rounds = guest_cmdline_num("rounds", 1000);
    uint32_t port;
    struct evtchn_status st;

    if (!test_check(xen_map_shared_info(shinfo) == 0 && xen_upcall_setup(VEC_UPCALL) == 0,
                    "ping-setup", "shared_info or callback refused"))
        return;
    long rc = xen_evtchn_alloc_unbound((domid_t)peer, &port);
    xen_evtchn_handle(port, on_reply, 0);
    test_check(rc == 0, "ping-alloc-unbound", "%ld port %u for domain %lu", rc, port, peer);
    /* Wait (sleeping 1 ms at a time) until the peer has bound it. */
    uint64_t give_up = xen_clock_ns(0) + 20000 * MS;
    for (;;) {
        rc = xen_evtchn_status(DOMID_SELF, port, &st);
        if (rc || st.status != EVTCHNSTAT_unbound || xen_clock_ns(0) > give_up)
            break;
        uint32_t none = 1000;
        xen_sched_poll(&none, 1, xen_clock_ns(0) + MS);
    }
    if (!test_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == peer,
                    "ping-connected", "rc %ld status %u dom %u", rc, st.status, st.u.interdomain.dom))
        return;
    gprintf("connected: our port %u, domain %lu's port %u\n", port, peer, st.u.interdomain.port);
    wait_until(replies == 1);                   /* the peer's hello */

    uint64_t total = 0;
    for (unsigned long i = 0; i < rounds; i++) {
        uint64_t t0 = rdtsc();
        xen_evtchn_send(port);
        wait_until(replies == i + 2);           /* sleeps in HLT until our handler ran */
        total += rdtsc() - t0;
    }
    test_check(replies == rounds + 1, "ping-pong", "%u replies (hello included) to %lu pings",
               replies, rounds);
    gprintf("BENCH %s/evtchn_pingpong %lu insns\n", vendor(), total / (rounds ? rounds : 1));

    rc = xen_evtchn_close(port);
    long rc2 = xen_evtchn_send(port);
    test_check(rc == 0 && rc2 == -XEN_EINVAL, "ping-close", "%ld %ld", rc, rc2);

    /* The same-domain figures last, once the peer has seen the close and finished (it
     * looks every millisecond): on one CPU it would otherwise run in between. */
    uint32_t none = 1000;
    xen_sched_poll(&none, 1, xen_clock_ns(0) + 20 * MS);
    same_domain_benches();
    test_check(xen_unhandled_events == 0, "ping-no-stray-events", "%u", xen_unhandled_events);
}
