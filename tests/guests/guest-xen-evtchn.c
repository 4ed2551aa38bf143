/*
 * guest-xen-evtchn: event channels, upcalls, timers and time inside one domain.
 *  - upcalls on HVM_PARAM_CALLBACK_IRQ's vector: an IPI port to ourselves, masked ports
 *    (no upcall until unmask), IF=0 (held until STI; HLT wakes), one upcall for two sends;
 *  - VIRQ_TIMER with a single-shot timer (never early, at once if already due, stopped
 *    means silent) and a periodic one; pvclock time monotonic and in step with the TSC;
 *  - SCHEDOP_poll: returns at once for a pending port, sleeps until the timeout, wakes
 *    for a masked port; bad arguments;
 *  - vcpu_info moved with VCPUOP_register_vcpu_info; runstate areas; vcpu_op errors;
 *  - event channel errors: bad ports, closing twice, binding a VIRQ twice, domains that do
 *    not exist, bad pointers, unknown commands;
 *  - the console ring: a line written there and notified comes out as "[name] ..."; a
 *    ring with impossible indexes is reported and skipped, then works again.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define VEC_UPCALL 0xf3
#define UNMAPPED   0x40000000ul
#define MS         1000000ull

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t vinfo_page[4096] __attribute__((aligned(4096)));
static struct vcpu_runstate_info runstate __attribute__((aligned(64)));

static volatile uint32_t fired;
static volatile uint64_t fired_at;

static void count(uint32_t port, void *arg)
{
    (void)port, (void)arg;
    fired_at = xen_clock_ns(0);
    fired++;
}

static long evop(int cmd, void *arg)
{
    return xen_evtchn_op(cmd, arg);
}

static void upcalls(void)
{
    uint32_t p;
    long rc = xen_evtchn_bind_ipi(0, &p);
    xen_evtchn_handle(p, count, 0);
    test_check(rc == 0 && p > 1, "evtchn-bind-ipi", "%ld port %u", rc, p);

    uint32_t before = xen_upcalls[0];
    sti();
    rc = xen_evtchn_send(p);
    cli();
    test_check(rc == 0 && fired == 1 && xen_upcalls[0] == before + 1 &&
               !xen_vcpu_info(0)->evtchn_upcall_pending && !xen_evtchn_pending(p),
               "evtchn-ipi-upcall", "rc %ld fired %u upcalls %u", rc, fired,
               xen_upcalls[0] - before);

    /* IF=0: held back; two sends, one upcall, one handler call. */
    xen_evtchn_send(p);
    xen_evtchn_send(p);
    int held = fired == 1 && xen_vcpu_info(0)->evtchn_upcall_pending;
    wait_until(fired == 2);
    test_check(held && xen_upcalls[0] == before + 2, "evtchn-if-held", "held %d fired %u", held, fired);

    /* Masked: pending but no upcall, until unmask delivers it. */
    xen_evtchn_mask(p);
    sti();
    xen_evtchn_send(p);
    for (volatile int i = 0; i < 1000; i++)
        ;
    cli();
    int quiet = fired == 2 && xen_evtchn_pending(p);
    sti();
    rc = xen_evtchn_unmask(p);
    cli();
    test_check(quiet && rc == 0 && fired == 3, "evtchn-mask-unmask", "quiet %d rc %ld fired %u",
               quiet, rc, fired);

    struct evtchn_status st;
    rc = xen_evtchn_status(DOMID_SELF, p, &st);
    test_check(rc == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == 0, "evtchn-status-ipi",
               "%ld %u", rc, st.status);
    rc = xen_evtchn_close(p);
    long rc2 = xen_evtchn_close(p);
    long rc3 = xen_evtchn_send(p);
    test_check(rc == 0 && rc2 == -XEN_EINVAL && rc3 == -XEN_EINVAL, "evtchn-close-twice",
               "%ld %ld %ld", rc, rc2, rc3);
}

/* Reads the pvclock and the TSC at (nearly) one instant: the TSC read just before it, the
 * window is the TSC ticks from before to after. Retries while the window is long (an
 * exit or the host in between); returns the shortest window seen. */
static uint64_t clock_pair(uint64_t *ns, uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 100 && best > 20000; i++) {
        uint64_t a = rdtsc(), n = xen_clock_ns(0), b = rdtsc();
        if (b - a < best) {
            best = b - a;
            *ns = n;
            *tsc = a;
        }
    }
    return best;
}

static void timers_and_time(uint32_t *timer_port)
{
    uint32_t t;
    long rc = xen_evtchn_bind_virq(VIRQ_TIMER, 0, &t);
    xen_evtchn_handle(t, count, 0);
    uint32_t dup;
    long rc2 = xen_evtchn_bind_virq(VIRQ_TIMER, 0, &dup);
    test_check(rc == 0 && rc2 == -XEN_EEXIST, "evtchn-bind-virq", "%ld %ld", rc, rc2);
    *timer_port = t;

    /* single shot, 3 ms ahead: fires once, not before its deadline */
    fired = 0;
    uint64_t deadline = xen_clock_ns(0) + 3 * MS;
    rc = xen_set_singleshot(0, deadline);
    wait_until(fired);
    test_check(rc == 0 && fired == 1 && fired_at >= deadline, "timer-singleshot",
               "rc %ld fired %u, %ld ns after the deadline", rc, fired, (long)(fired_at - deadline));
    /* already due: at once */
    fired = 0;
    sti();
    rc = xen_set_singleshot(0, 1);
    cli();
    test_check(rc == 0 && fired == 1, "timer-singleshot-past", "%ld %u", rc, fired);
    /* stopped: silent (poll for longer than it had to go) */
    fired = 0;
    rc = xen_set_singleshot(0, xen_clock_ns(0) + 2 * MS);
    long rs = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0);
    uint32_t none = 900;                         /* a closed port: never pending */
    long rp = xen_sched_poll(&none, 1, xen_clock_ns(0) + 6 * MS);
    sti();
    for (volatile int i = 0; i < 1000; i++)
        ;
    cli();
    test_check(rc == 0 && rs == 0 && rp == 0 && fired == 0, "timer-singleshot-stop",
               "%ld %ld %ld fired %u", rc, rs, rp, fired);

    /* periodic, 2 ms: five events, no faster than the period */
    fired = 0;
    uint64_t period = 2 * MS, start = xen_clock_ns(0);
    struct { uint64_t ns; } per = { period };
    rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per);
    wait_until(fired >= 5);
    uint64_t took = fired_at - start;
    long rstop = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
    per.ns = MS - 1;
    long rshort = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per);
    test_check(rc == 0 && rstop == 0 && rshort == -XEN_EINVAL && took >= 5 * period,
               "timer-periodic", "rc %ld %ld %ld, 5 periods in %lu ns", rc, rstop, rshort, took);

    /* pvclock: monotonic, and in step with the TSC at CPUID's rate. Each end of the
     * interval is a (pvclock, TSC) pair read between two TSC reads; the emulator's thread
     * may be descheduled, or Keel may take an exit, between the reads, so a pair is kept
     * only when its window is short, and the window widens the tolerance. */
    uint64_t khz = cpuid(XEN_CPUID_BASE + 3, 0).ecx, prev = 0;
    int backwards = 0;
    uint64_t ns0, tsc0, win0 = clock_pair(&ns0, &tsc0);
    for (int i = 0; i < 20000; i++) {
        uint64_t now = xen_clock_ns(0);
        backwards += now < prev;
        prev = now;
    }
    uint64_t ns1, tsc1, win1 = clock_pair(&ns1, &tsc1);
    uint64_t expect = (tsc1 - tsc0) * 1000000 / khz, got = ns1 - ns0;
    uint64_t diff = got > expect ? got - expect : expect - got;
    uint64_t slack = (win0 + win1) * 1000000 / khz + 2;
    test_check(!backwards && prev <= ns1 && diff <= expect / 1000 + slack, "pvclock-monotonic",
               "%d backwards; %lu ns measured, %lu expected from the TSC (+-%lu)", backwards, got,
               expect, expect / 1000 + slack);
    struct vcpu_time_info ti;
    xen_time_snapshot(xen_vcpu_info(0), &ti);
    int stable = !!(ti.flags & 1), reliable = !!(cpuid(XEN_CPUID_BASE + 3, 0).eax & 2);
    test_check(stable == reliable, "pvclock-stable-flag", "flags %x, CPUID reliable %d", ti.flags, reliable);
}

static void polling(uint32_t timer_port)
{
    uint32_t p;
    xen_evtchn_bind_ipi(0, &p);
    xen_evtchn_mask(p);
    xen_evtchn_send(p);                          /* pending (masked: no upcall) */
    uint64_t t0 = xen_clock_ns(0);
    long rc = xen_sched_poll(&p, 1, t0 + 50 * MS);
    uint64_t t1 = xen_clock_ns(0);
    test_check(rc == 0 && t1 - t0 < 50 * MS, "poll-pending", "%ld after %lu ns", rc, t1 - t0);
    xen_evtchn_clear(p);

    t0 = xen_clock_ns(0);
    rc = xen_sched_poll(&p, 1, t0 + 4 * MS);
    t1 = xen_clock_ns(0);
    test_check(rc == 0 && t1 >= t0 + 4 * MS, "poll-timeout", "%ld after %lu ns", rc, t1 - t0);

    /* A masked timer port wakes a poller: the timer sets it pending, no upcall. */
    xen_evtchn_mask(timer_port);
    fired = 0;
    uint32_t ports[2] = { p, timer_port };
    t0 = xen_clock_ns(0);
    xen_set_singleshot(0, t0 + 3 * MS);
    rc = xen_sched_poll(ports, 2, 0);
    t1 = xen_clock_ns(0);
    test_check(rc == 0 && xen_evtchn_pending(timer_port) && fired == 0 && t1 >= t0 + 3 * MS,
               "poll-masked-wakes", "%ld pending %d fired %u after %lu ns", rc,
               xen_evtchn_pending(timer_port), fired, t1 - t0);
    xen_evtchn_clear(timer_port);
    xen_evtchn_unmask(timer_port);

    uint32_t many[130] = { 0 };
    long e1 = xen_sched_poll(many, 129, 0);
    long e2 = xen_sched_poll((uint32_t *)UNMAPPED, 1, 0);
    uint32_t big = 5000;
    long e3 = xen_sched_poll(&big, 1, 0);
    long e4 = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, UNMAPPED);
    test_check(e1 == -XEN_EINVAL && e2 == -XEN_EFAULT && e3 == -XEN_EINVAL && e4 == -XEN_EFAULT,
               "poll-errors", "%ld %ld %ld %ld", e1, e2, e3, e4);
    /* Mask bits are the guest's: they outlive the port (as on Xen), so unmask before
     * the number is reused. */
    xen_evtchn_unmask(p);
    xen_evtchn_close(p);
}

static void vcpu_ops(void)
{
    volatile struct vcpu_info *vi = (void *)(vinfo_page + 128);
    uint32_t before = xen_vcpu_info(0)->time.version;
    long rc = xen_register_vcpu_info(0, vi);
    /* Everything is flagged pending after the move (the guest rescans): let it in. */
    sti();
    for (volatile int i = 0; i < 100; i++)
        ;
    cli();
    test_check(rc == 0 && xen_vcpu_info(0) == vi && vi->time.version >= before &&
               vi->time.tsc_to_system_mul != 0, "vcpu-info-register", "%ld version %u", rc,
               vi->time.version);
    struct vcpu_register_vcpu_info r = { .mfn = (uintptr_t)vinfo_page >> 12, .offset = 256 };
    long e1 = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r);
    r.offset = 4096 - 32;
    long e2 = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, (unsigned long)&r);
    long e3 = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, UNMAPPED);
    test_check(e1 == -XEN_EINVAL && e2 == -XEN_ENOENT && e3 == -XEN_EFAULT, "vcpu-info-errors",
               "%ld %ld %ld", e1, e2, e3);

    /* Upcalls now come through the new place. */
    uint32_t p, up0 = xen_upcalls[0];
    long rb = xen_evtchn_bind_ipi(0, &p);
    xen_evtchn_handle(p, count, 0);
    fired = 0;
    sti();
    long rsd = xen_evtchn_send(p);
    cli();
    test_check(fired == 1 && !vi->evtchn_upcall_pending, "vcpu-info-upcall",
               "fired %u (bind %ld port %u send %ld, upcalls %u, pending %d, sel %lx, flag %u)",
               fired, rb, p, rsd, xen_upcalls[0] - up0, xen_evtchn_pending(p),
               vi->evtchn_pending_sel, vi->evtchn_upcall_pending);
    xen_evtchn_close(p);

    /* runstate */
    struct { uint64_t addr; } area = { (uintptr_t)&runstate };
    rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (unsigned long)&area);
    uint32_t none = 900;
    xen_sched_poll(&none, 1, xen_clock_ns(0) + 3 * MS);      /* some time blocked */
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);      /* rescheduled: area updated */
    struct vcpu_runstate_info got;
    long rg = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, (unsigned long)&got);
    uint64_t now = xen_clock_ns(0);
    test_check(rc == 0 && rg == 0 && got.state == RUNSTATE_running && got.time[RUNSTATE_running] > 0 &&
               got.time[RUNSTATE_blocked] >= 3 * MS && got.state_entry_time <= now &&
               runstate.state == RUNSTATE_running && runstate.time[RUNSTATE_blocked] >= 3 * MS,
               "runstate", "rc %ld %ld state %d running %lu blocked %lu; area blocked %lu",
               rc, rg, got.state, got.time[0], got.time[2], runstate.time[2]);
    area.addr = UNMAPPED;                        /* accepted, as on Xen: never written */
    long ru = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (unsigned long)&area);
    long ri = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0);
    long rx = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_up, 0, 0);   /* up already: 0 */
    long ry = hypercall3(__HYPERVISOR_vcpu_op, 99, 0, 0);
    long rz = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 7, 0);
    long rw = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, UNMAPPED);
    test_check(ru == 0 && ri == 1 && rx == 0 && ry == -XEN_ENOSYS && rz == -XEN_ENOENT &&
               rw == -XEN_EFAULT, "vcpu-op-errors", "%ld %ld %ld %ld %ld %ld", ru, ri, rx, ry, rz, rw);
}

static void evtchn_errors(void)
{
    uint32_t port;
    struct evtchn_bind_virq bv = { .virq = NR_VIRQS, .vcpu = 0 };
    long e1 = evop(EVTCHNOP_bind_virq, &bv);
    bv = (struct evtchn_bind_virq){ .virq = VIRQ_DOM_EXC, .vcpu = 1 };
    long e2 = evop(EVTCHNOP_bind_virq, &bv);
    bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 1 };
    long e3 = evop(EVTCHNOP_bind_virq, &bv);
    long e4 = xen_evtchn_bind_ipi(1, &port);
    long e5 = xen_evtchn_bind_interdomain(0x7000, 1, &port);
    struct evtchn_alloc_unbound au = { .dom = 0x7000, .remote_dom = 0 };
    long e6 = evop(EVTCHNOP_alloc_unbound, &au);
    struct evtchn_status st;
    long e7 = xen_evtchn_status(0x7000, 1, &st);
    long e8 = xen_evtchn_send(0);
    long e9 = xen_evtchn_send(5000);
    long e10 = xen_evtchn_close(0xffffffffu);
    long e11 = xen_evtchn_unmask(5000);
    struct evtchn_bind_vcpu bvc = { .port = 1, .vcpu = 3 };
    long e12 = evop(EVTCHNOP_bind_vcpu, &bvc);
    long e13 = evop(EVTCHNOP_send, (void *)UNMAPPED);
    long e14 = evop(EVTCHNOP_alloc_unbound, (void *)0x8000000000000000ul);
    long e15 = evop(99, &au);
    long e16 = evop(EVTCHNOP_init_control, &au);
    long e17 = evop(EVTCHNOP_bind_pirq, &au);
    long e18 = xen_evtchn_status(DOMID_SELF, 64, &st);        /* beyond the valid ports */
    test_check(e1 == -XEN_EINVAL && e2 == -XEN_EINVAL && e3 == -XEN_ENOENT && e4 == -XEN_ENOENT &&
               e5 == -XEN_ESRCH && e6 == -XEN_ESRCH && e7 == -XEN_ESRCH && e8 == -XEN_EINVAL &&
               e9 == -XEN_EINVAL && e10 == -XEN_EINVAL && e11 == -XEN_EINVAL && e12 == -XEN_ENOENT &&
               e13 == -XEN_EFAULT && e14 == -XEN_EFAULT && e15 == -XEN_ENOSYS &&
               e16 == -XEN_ENOSYS && e17 == -XEN_ENOSYS && e18 == -XEN_EINVAL, "evtchn-errors",
               "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", e1, e2,
               e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18);
    /* An unbound port for a domain that does not exist is fine (it may appear later);
     * sends on it go nowhere. */
    long r1 = xen_evtchn_alloc_unbound(0x6000, &port);
    long r2 = xen_evtchn_send(port);
    long r3 = xen_evtchn_close(port);
    test_check(r1 == 0 && r2 == 0 && r3 == 0, "evtchn-unbound-nobody", "%ld %ld %ld", r1, r2, r3);
}

static void console_ring(void)
{
    static const char line[] = "hello from the console ring\n";
    long n = xen_console_ring_write(line, sizeof(line) - 1);
    test_check(n == (long)sizeof(line) - 1, "console-ring-write", "%ld", n);
    uint64_t pfn;
    xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn);
    volatile struct xencons_interface *r = (void *)(uintptr_t)(pfn << 12);
    test_check(r->out_cons == r->out_prod, "console-ring-consumed", "cons %u prod %u",
               r->out_cons, r->out_prod);
    r->out_prod = r->out_cons + 100000;          /* nonsense: reported, skipped */
    uint64_t port;
    xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port);
    xen_evtchn_send((uint32_t)port);
    test_check(r->out_cons == r->out_prod, "console-ring-corrupt-skipped", "cons %u prod %u",
               r->out_cons, r->out_prod);
    static const char again[] = "the console ring works again\n";
    xen_console_ring_write(again, sizeof(again) - 1);
}

/* HVMOP_set_evtchn_upcall_vector: our vCPU's own vector replaces the domain's. */
static void per_vcpu_vector(void)
{
    uint32_t p;
    long e1 = xen_upcall_vector_set(0, 0x0f);
    long e2 = xen_upcall_vector_set(5, 0xf5);
    long e3 = hypercall2(__HYPERVISOR_hvm_op, 23, 0x40000000ul);
    long rc = xen_upcall_vector_set(0, 0xf5);
    xen_evtchn_bind_ipi(0, &p);
    xen_last_upcall_vector = 0;
    sti();
    xen_evtchn_send(p);
    for (int i = 0; i < 1000 && !xen_last_upcall_vector; i++)
        cpu_relax();
    cli();
    unsigned got = xen_last_upcall_vector;
    xen_evtchn_close(p);
    test_check(e1 == -XEN_EINVAL && e2 == -XEN_ENOENT && e3 == -XEN_EFAULT && rc == 0 &&
               got == 0xf5, "upcall-vector-per-vcpu", "vector 0x0f %ld, vCPU 5 %ld, bad pointer "
               "%ld, set %ld, delivered on %#x", e1, e2, e3, rc, got);
}

void guest_main(void)
{
    uint32_t timer_port = 0;
    long rc = xen_map_shared_info(shinfo);
    long rc2 = xen_upcall_setup(VEC_UPCALL);
    if (!test_check(rc == 0 && rc2 == 0, "evtchn-setup", "%ld %ld", rc, rc2))
        return;
    upcalls();
    timers_and_time(&timer_port);
    polling(timer_port);
    vcpu_ops();
    evtchn_errors();
    console_ring();
    per_vcpu_vector();
    test_check(xen_unhandled_events == 0, "evtchn-no-stray-events", "%u", xen_unhandled_events);
}
