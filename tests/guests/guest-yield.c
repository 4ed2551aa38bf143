/*
 * guest-yield: SCHEDOP_yield in a loop, for the context-switch benchmark (bench/sched-*)
 * and the scenario sched-yield. Two of these domains are pinned to one CPU (cpu=1), each
 * passing peer=1.
 *
 *  - baseline: the cheapest of 100 round trips of a hypercall that returns at once
 *    (sched_op with an unknown command: -ENOSYS), B ticks;
 *  - 100 yields to warm up (the peer starts up meanwhile), then `iters` (default 1000)
 *    measured yields, then 100 more (so the peer's measured yields still have a partner);
 *  - with peer=1, yield must give the CPU away (Xen: "yield the CPU to other runnable
 *    vCPUs"): the peer's whole iteration then runs inside each of ours, so each measured
 *    yield takes at least two hypercall round trips. A yield that came back in less than
 *    1.5 B returned without running the peer; more than 10% of those is a failure
 *    (yield-runs-peer).
 * Prints BENCH <svm|vmx>/yield_switch <n> insns (unless bench=0: one of the pair is
 * enough) = average TSC ticks per measured loop iteration / 2. Honestly labelled: one
 * iteration is two switches (to the peer and back), and each includes a hypercall exit,
 * the scheduler, and the peer's return to its guest (plus its loop: a few instructions):
 * "yield hypercall + switch", not a bare context switch. If yield does not switch, the
 * figure is meaningless (yield-runs-peer fails). Exact under -icount / Bochs.
 */
#include <guest/guest.h>

#define BASELINE_CALLS 100
#define WARMUP         100
#define COOLDOWN       100
#define DEFAULT_ITERS  1000
#define SCHEDOP_BOGUS  99

static long sched_yield(void)
{
    return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static const char *vendor_tag(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

void guest_main(void)
{
    char buf[32], tag[16] = "-";
    unsigned iters = DEFAULT_ITERS, quick = 0;
    int peer = 0, bench = 1;
    uint64_t base = ~0ull, t_first, t_last, dmax = 0;
    long rc;

    if (guest_cmdline_get("iters", buf, sizeof(buf))) {
        iters = 0;
        for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
            iters = iters * 10 + (unsigned)(*p - '0');
    }
    if (guest_cmdline_get("peer", buf, sizeof(buf)))
        peer = !strcmp(buf, "1");
    if (guest_cmdline_get("bench", buf, sizeof(buf)))
        bench = strcmp(buf, "0") != 0;
    guest_cmdline_get("tag", tag, sizeof(tag));
    if (!test_check(iters > 0, "yield-iters", "iters=%s", buf))
        return;

    rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_BOGUS, 0);
    test_check(rc == -XEN_ENOSYS, "yield-bogus-enosys", "sched_op(%d) returned %ld",
               SCHEDOP_BOGUS, rc);
    for (unsigned i = 0; i < BASELINE_CALLS; i++) {
        uint64_t t = rdtsc();
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_BOGUS, 0);
        t = rdtsc() - t;
        base = t < base ? t : base;
    }

    for (unsigned i = 0; i < WARMUP; i++)
        sched_yield();
    rc = 0;
    t_first = rdtsc();
    t_last = t_first;
    for (unsigned i = 0; i < iters; i++) {
        long r = sched_yield();
        uint64_t t = rdtsc(), d = t - t_last;
        if (r)
            rc = r;
        if (d * 2 < base * 3)
            quick++;
        dmax = d > dmax ? d : dmax;
        t_last = t;
    }
    for (unsigned i = 0; i < COOLDOWN; i++)
        sched_yield();

    test_check(rc == 0, "yield-returns-0", "SCHEDOP_yield returned %ld", rc);
    gprintf("yield: baseline hypercall %lu ticks; %u yields in %lu ticks, %u came back in "
            "< 1.5 x baseline, longest %lu (tag %s)\n", base, iters, t_last - t_first, quick,
            dmax, tag);
    if (peer)
        test_check(quick * 10 <= iters, "yield-runs-peer",
                   "%u of %u yields came back in less than 1.5 x a bare hypercall (%lu ticks): "
                   "the other domain on this CPU did not run in between", quick, iters, base);
    if (bench)
        gprintf("BENCH %s/yield_switch %lu insns\n", vendor_tag(),
                ((t_last - t_first) / iters + 1) / 2);
}
