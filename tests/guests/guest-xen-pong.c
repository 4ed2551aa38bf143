/*
 * guest-xen-pong: the other end of guest-xen-ping's channel.
 *
 * Command line: peer=<domid of guest-xen-ping> rounds=<N>.
 *  1. Find the peer's port: bind_interdomain to each of its ports in turn until one is
 *     unbound for us (the others answer -EINVAL), retrying until the peer has allocated
 *     it; check the error codes met on the way.
 *  2. Answer each event with a send from the port handler: the first one (a new port
 *     starts pending) says hello, then N pings.
 *  3. Wait until the peer closes (our end becomes unbound, waiting for it again); a send
 *     then goes nowhere; close.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define VEC_UPCALL 0xf3
#define MS         1000000ull

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static volatile uint32_t pings;
static uint32_t port;

static void on_ping(uint32_t p, void *arg)
{
    (void)p, (void)arg;
    pings++;
    xen_evtchn_send(port);
}

void guest_main(void)
{
    unsigned long peer = guest_cmdline_num("peer", 1), rounds = guest_cmdline_num("rounds", 1000);
    struct evtchn_status st;
    long rc = -1;

    if (!test_check(xen_map_shared_info(shinfo) == 0 && xen_upcall_setup(VEC_UPCALL) == 0,
                    "pong-setup", "shared_info or callback refused"))
        return;

    /* The peer's console port (1) is unbound for Dom0, not us: -EINVAL. A domain that
     * does not exist: -ESRCH. */
    uint32_t dummy;
    long e1 = xen_evtchn_bind_interdomain((domid_t)peer, 1, &dummy);
    long e2 = xen_evtchn_bind_interdomain(0x7001, 2, &dummy);
    long e3 = xen_evtchn_bind_interdomain((domid_t)peer, 0xffffffffu, &dummy);
    test_check(e1 == -XEN_EINVAL && e2 == -XEN_ESRCH && e3 == -XEN_EINVAL, "pong-bind-errors",
               "%ld %ld %ld", e1, e2, e3);

    uint64_t give_up = xen_clock_ns(0) + 20000 * MS;
    uint32_t remote = 0;
    while (rc != 0 && xen_clock_ns(0) < give_up) {
        for (remote = 2; remote < 64 && rc != 0; remote++)
            rc = xen_evtchn_bind_interdomain((domid_t)peer, remote, &port);
        if (rc != 0) {
            uint32_t none = 1000;
            xen_sched_poll(&none, 1, xen_clock_ns(0) + MS);
        }
    }
    if (!test_check(rc == 0, "pong-bound", "%ld (domain %lu)", rc, peer))
        return;
    /* A new port starts pending: our answer to that first event is the "hello" the peer
     * waits for before its first ping (so that no ping merges with it). */
    xen_evtchn_handle(port, on_ping, 0);
    gprintf("bound: our port %u to domain %lu's port %u\n", port, peer, remote - 1);

    wait_until(pings == rounds + 1);
    test_check(pings == rounds + 1, "pong-answered", "%u events (the first one from binding)", pings);

    /* The peer closes: our end waits for it again. */
    give_up = xen_clock_ns(0) + 20000 * MS;
    do {
        uint32_t none = 1000;
        xen_sched_poll(&none, 1, xen_clock_ns(0) + MS);
        rc = xen_evtchn_status(DOMID_SELF, port, &st);
    } while (rc == 0 && st.status == EVTCHNSTAT_interdomain && xen_clock_ns(0) < give_up);
    test_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == peer,
               "pong-peer-closed", "%ld status %u dom %u", rc, st.status, st.u.unbound.dom);
    long s = xen_evtchn_send(port);
    long c = xen_evtchn_close(port);
    test_check(s == 0 && c == 0, "pong-close", "%ld %ld", s, c);
    test_check(xen_unhandled_events == 0, "pong-no-stray-events", "%u", xen_unhandled_events);
}
