/*
 * guest-xen-smp: event channels between the two vCPUs of one domain (vcpus=2).
 *  - before the AP starts: VCPUOP_is_up says 0; its vcpu_info is moved (allowed while it
 *    is offline); after: is_up 1, and moving it again is refused;
 *  - IPI ports bound to each vCPU: 1000 round trips vCPU 0 -> vCPU 1 -> vCPU 0, the AP
 *    answering from its upcall handler; every one answered, none lost or doubled;
 *    BENCH <vendor>/evtchn_ipi_roundtrip (exact under the bench runner);
 *  - a loopback interdomain port moved to vCPU 1 with EVTCHNOP_bind_vcpu notifies vCPU 1;
 *  - VIRQ_TIMER bound on vCPU 1: the AP's own single-shot timer fires there; vCPU 0 may
 *    not set vCPU 1's single-shot timer (-EINVAL);
 *  - the AP's pvclock agrees with vCPU 0's (one system time, one TSC offset per domain).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define VEC_UPCALL 0xf3
#define MS         1000000ull
#define ROUNDS     1000

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t ap_vinfo_page[4096] __attribute__((aligned(4096)));

static uint32_t port_to_ap, port_to_bsp, loop_a, loop_b, ap_timer;
static volatile uint32_t pings, pongs, loop_hits, timer_hits, bad_cpu;
static volatile uint32_t ap_stop, ap_ready, ap_timer_ok;
static volatile uint64_t ap_clock, bsp_clock_before, bsp_clock_after;

static void ap_on_ping(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    if (smp_cpu_id() != 1)
        bad_cpu++;
    pings++;
    xen_evtchn_send(port_to_bsp);
}

static void bsp_on_pong(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    if (smp_cpu_id() != 0)
        bad_cpu++;
    pongs++;
}

static void ap_on_loop(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    if (smp_cpu_id() != 1)
        bad_cpu++;
    loop_hits++;
}

static void ap_on_timer(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    if (smp_cpu_id() != 1)
        bad_cpu++;
    timer_hits++;
}

void ap_main(unsigned cpu)
{
    (void)cpu;
    /* Our clock, between two readings of the BSP's (it waits for ap_clock). */
    ap_clock = xen_clock_ns(1);
    atomic_store(&ap_ready, 1);
    /* Our own single-shot timer, 2 ms ahead. */
    uint64_t deadline = xen_clock_ns(1) + 2 * MS;
    long rc = xen_set_singleshot(1, deadline);
    wait_until(timer_hits == 1 || rc != 0);
    ap_timer_ok = rc == 0 && xen_clock_ns(1) >= deadline;
    /* Upcalls from here on until told to stop. */
    wait_until(atomic_load(&ap_stop));
}

void guest_main(void)
{
    long rc;
    if (!test_check(xen_map_shared_info(shinfo) == 0 && xen_upcall_setup(VEC_UPCALL) == 0,
                    "xsmp-setup", "shared_info or callback refused"))
        return;

    long up_before = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0);
    rc = xen_register_vcpu_info(1, (volatile struct vcpu_info *)(ap_vinfo_page + 64));
    test_check(up_before == 0 && rc == 0, "xsmp-offline-vcpu-info", "is_up %ld, register %ld",
               up_before, rc);

    /* Ports before the AP runs: IPIs both ways, a loopback pair, the AP's timer VIRQ. */
    long r1 = xen_evtchn_bind_ipi(1, &port_to_ap);
    long r2 = xen_evtchn_bind_ipi(0, &port_to_bsp);
    long r3 = xen_evtchn_alloc_unbound(DOMID_SELF, &loop_a);
    long r4 = xen_evtchn_bind_interdomain(DOMID_SELF, loop_a, &loop_b);
    xen_evtchn_clear(loop_b);                    /* the new port's first event: not ours */
    struct evtchn_bind_vcpu bv = { .port = loop_a, .vcpu = 1 };
    long r5 = xen_evtchn_op(EVTCHNOP_bind_vcpu, &bv);
    long r6 = xen_evtchn_bind_virq(VIRQ_TIMER, 1, &ap_timer);
    xen_evtchn_handle(port_to_ap, ap_on_ping, 0);
    xen_evtchn_handle(port_to_bsp, bsp_on_pong, 0);
    xen_evtchn_handle(loop_a, ap_on_loop, 0);
    xen_evtchn_handle(ap_timer, ap_on_timer, 0);
    test_check(!r1 && !r2 && !r3 && !r4 && !r5 && !r6, "xsmp-bind",
               "%ld %ld %ld %ld %ld %ld", r1, r2, r3, r4, r5, r6);

    bsp_clock_before = xen_clock_ns(0);
    unsigned online = smp_start_aps(2);
    if (!test_check(online == 2, "xsmp-ap-started", "%u vCPUs online", online))
        return;
    while (!atomic_load(&ap_ready))
        cpu_relax();
    bsp_clock_after = xen_clock_ns(0);
    test_check(ap_clock >= bsp_clock_before && ap_clock <= bsp_clock_after, "xsmp-pvclock-agree",
               "AP %lu not in [%lu, %lu]", ap_clock, bsp_clock_before, bsp_clock_after);

    long up_after = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0);
    rc = xen_register_vcpu_info(1, (volatile struct vcpu_info *)(ap_vinfo_page + 256));
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = xen_clock_ns(0) + MS };
    long rt = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 1, (unsigned long)&t);
    test_check(up_after == 1 && rc == -XEN_EINVAL && rt == -XEN_EINVAL, "xsmp-online-rules",
               "is_up %ld, register %ld, other's timer %ld", up_after, rc, rt);

    /* The AP's timer fired on the AP. */
    uint64_t give_up = rdtsc() + 4000000000ull;
    sti();
    while (!ap_timer_ok && rdtsc() < give_up)
        cpu_relax();
    cli();
    test_check(ap_timer_ok && timer_hits == 1, "xsmp-ap-timer", "ok %u hits %u", ap_timer_ok, timer_hits);

    /* The loopback port moved to vCPU 1 notifies vCPU 1. */
    xen_evtchn_send(loop_b);
    while (loop_hits == 0 && rdtsc() < give_up)
        cpu_relax();
    test_check(loop_hits == 1, "xsmp-bind-vcpu", "%u", loop_hits);

    uint64_t total = 0;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        xen_evtchn_send(port_to_ap);
        wait_until(pongs == i + 1);
        total += rdtsc() - t0;
    }
    test_check(pings == ROUNDS && pongs == ROUNDS && bad_cpu == 0, "xsmp-ipi-pingpong",
               "%u pings, %u pongs, %u on the wrong vCPU", pings, pongs, bad_cpu);
    gprintf("BENCH %s/evtchn_ipi_roundtrip %lu insns\n",
            guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm", total / ROUNDS);

    atomic_store(&ap_stop, 1);
    xen_evtchn_send(port_to_ap);                 /* wake it to look */
    give_up = rdtsc() + 4000000000ull;
    sti();                                       /* its answer comes as an upcall */
    while (!smp_ap_done(1) && rdtsc() < give_up)
        cpu_relax();
    cli();
    test_check(smp_ap_done(1), "xsmp-ap-finished", "the AP did not return");
    test_check(xen_unhandled_events == 0, "xsmp-no-stray-events", "%u", xen_unhandled_events);
}
