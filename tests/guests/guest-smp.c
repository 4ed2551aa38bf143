/*
 * guest-smp: a domain of two vCPUs (module option vcpus=2).
 *
 *  - vCPU 0 brings vCPU 1 up with INIT + SIPI (+ a second SIPI if needed) through the
 *    runtime's real-mode trampoline at GPA 0x8000 (smp_start_aps);
 *  - the AP prints "ap 1 online" and checks its identity: x2APIC ID register, CPUID.0xB
 *    EDX and CPUID.1 EBX[31:24] all 1, IA32_APIC_BASE without the BSP bit;
 *  - TSC: the AP's TSC is the BSP's (one offset per domain): a value the AP reads between
 *    two BSP reads (a request/acknowledge handshake) must lie between them, five times;
 *  - IPI ping-pong: vCPU 0 sends a fixed IPI to vCPU 1, whose handler answers with a fixed
 *    IPI to vCPU 0; `rounds` round trips (default 1000), every one answered, none lost
 *    (smp-ipi-pingpong: each side counts), none duplicated (smp-ipi-no-duplicate: a pong
 *    when none is expected), none late (smp-ipi-latency: a periodic watchdog timer on
 *    vCPU 0, WATCHDOG_TICKS, turns a lost IPI or wake-up into a report instead of a hang:
 *    smp-ipi-lost if no pong came for a whole period, smp-ipi-latency if one round took
 *    more than half a period), and no interrupt taken at the HLT of `sti; hlt`, inside
 *    STI's shadow (smp-irq-sti-shadow: the handler would return into HLT);
 *  - then the AP is told to stop, prints "ap 1 done", returns from ap_main (it halts,
 *    interrupts off); vCPU 0 waits for that, and shuts the domain down (poweroff).
 * Prints BENCH <svm|vmx>/ipi_roundtrip <n> insns: average TSC ticks per round trip. Both
 * sides wait for the other's IPI with `ipiwait=`: spin (default; STI + PAUSE loop, the
 * interrupt arrives while the vCPU runs) or hlt (STI; HLT: each leg then also includes
 * blocking and waking a vCPU). Exact under -icount / Bochs.
 *
 * Also: the AP must come up on the FIRST start-up IPI (smp-first-sipi): the BSP waits
 * SMP_SIPI_RETRY_TICKS before a second one, far longer than a vCPU on an idle CPU needs.
 * With sipi_strict=0 (several domains sharing the CPUs) a second SIPI is only noted.
 *
 * Options (guest command line): rounds=N, ipiwait=spin|hlt, tag=X (printed in the last
 * line, to tell instances apart when several run at once), sipi_strict=0|1 (default 1),
 * apwait=cli (the BSP waits for the AP's check-in with interrupts off instead of on).
 */
#include <guest/guest.h>

#define VEC_PONG   0x50              /* to vCPU 0 */
#define VEC_PING   0x51              /* to vCPU 1 */
#define VEC_WAKE   0x52              /* to vCPU 1: look at ap_stop */
#define VEC_WATCHDOG 0x40            /* vCPU 0's own timer */
#define WATCHDOG_TICKS 2000000000ull /* no pong for a whole period: lost */
#define WARMUP     10
#define DEFAULT_ROUNDS 1000
#define TSC_PROBES 5
#define AP_WAIT_TICKS 4000000000ull

static volatile uint32_t pings, pongs;
static volatile uint32_t ap_ready, ap_stop, ap_bad_pings;
static volatile uint32_t tsc_req, tsc_ack;
static volatile uint32_t wd_last, wd_stuck;
static volatile uint64_t ping_rx_tsc, pong_tx_tsc, pong_rx_tsc;   /* this round's legs */
/* A pong when none is expected: which round, how long after the expected one. */
static volatile uint32_t pong_expected, pong_dups, pong_dup_round, cur_round;
static volatile uint64_t pong_dup_after, pong_dup_rip, pong_prev_rip;
static volatile uint32_t shadow_hits;      /* interrupts taken at the HLT of sti; hlt */
static volatile uint64_t shadow_hit_rip;
static volatile uint8_t shadow_hit_vec;

/* Every handler: was this interrupt taken inside STI's shadow (the HLT of sti; hlt)? */
static void check_shadow(unsigned vector)
{
    if (irq_interrupted_sti_hlt() && !shadow_hits++) {
        shadow_hit_rip = irq_interrupted_rip();
        shadow_hit_vec = (uint8_t)vector;
    }
}
static volatile uint64_t tsc_ap;
static int use_hlt;

static void h_ping(unsigned vector)       /* on vCPU 1 */
{
    check_shadow(vector);
    ping_rx_tsc = rdtsc();
    atomic_inc(&pings);
    if (smp_cpu_id() != 1)
        atomic_inc(&ap_bad_pings);
    pong_tx_tsc = rdtsc();
    lapic_send_ipi(0, VEC_PONG);
    lapic_eoi();
}

static void h_pong(unsigned vector)       /* on vCPU 0 */
{
    uint64_t t = rdtsc();
    check_shadow(vector);
    if (!pong_expected) {
        if (!pong_dups++) {
            pong_dup_round = cur_round;
            pong_dup_after = t - pong_rx_tsc;
            pong_dup_rip = irq_interrupted_rip();
        }
    } else {
        pong_rx_tsc = t;
        pong_prev_rip = irq_interrupted_rip();
    }
    pong_expected = 0;
    atomic_inc(&pongs);
    lapic_eoi();
}

static void h_wake(unsigned vector)
{
    check_shadow(vector);
    lapic_eoi();
}

/* The ping-pong watchdog: a periodic timer on vCPU 0; no pong during a whole period means
 * an IPI (or the wake-up it should have caused) was lost. Turns a hang into a report. */
static void h_watchdog(unsigned vector)
{
    check_shadow(vector);
    if (atomic_load(&pongs) == wd_last)
        wd_stuck = 1;
    wd_last = atomic_load(&pongs);
    lapic_eoi();
}

/* Waits, interrupts on, until *p != old or the watchdog gives up; returns with
 * interrupts off; 0 if the watchdog gave up. */
static int wait_change(volatile uint32_t *p, uint32_t old)
{
    if (use_hlt) {
        cli();
        wait_until(atomic_load(p) != old || wd_stuck);
    } else {
        sti();
        while (atomic_load(p) == old && !wd_stuck)
            cpu_relax();
        cli();
    }
    return atomic_load(p) != old;
}

static const char *vendor_tag(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

void ap_main(unsigned cpu)
{
    struct cpuid_regs cb = cpuid(0xb, 0), c1 = cpuid(1, 0);
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    uint32_t id = lapic_id();

    gprintf("ap %u online\n", cpu);
    test_check(id == 1 && cb.edx == 1 && (c1.ebx >> 24) == 1 && cpu == 1, "smp-ap-x2apic-id",
               "AP (runtime CPU %u): x2APIC ID %u, CPUID.0xB EDX %u, CPUID.1 EBX[31:24] %u; "
               "expected 1", cpu, id, cb.edx, c1.ebx >> 24);
    test_check(base == (0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD), "smp-ap-apic-base",
               "IA32_APIC_BASE on the AP 0x%lx (expected EN | EXTD, no BSP bit)", base);
    lapic_enable();
    atomic_store(&ap_ready, 1);

    /* TSC probes: read ours when asked. */
    for (unsigned i = 1; i <= TSC_PROBES; i++) {
        while (atomic_load(&tsc_req) != i)
            cpu_relax();
        tsc_ap = rdtsc();
        atomic_store(&tsc_ack, i);
    }

    /* Serve pings until told to stop (the handler answers). */
    cli();
    while (!atomic_load(&ap_stop)) {
        if (use_hlt) {
            sti_hlt();
        } else {
            sti();
            cpu_relax();
            cli();
        }
    }
    gprintf("ap %u done: %u pings answered\n", cpu, pings);
}

static int wait_flag(volatile uint32_t *p, uint32_t val, uint64_t ticks)
{
    uint64_t end = rdtsc() + ticks;

    while (atomic_load(p) != val)
        if (rdtsc() > end)
            return 0;
        else
            cpu_relax();
    return 1;
}

void guest_main(void)
{
    char buf[32], tag[16] = "-";
    unsigned rounds = DEFAULT_ROUNDS, online, bad_tsc = 0;
    int sipi_strict = 1;
    uint64_t sum = 0, worst = 0, rt_max = 0, leg_ping = 0, leg_ap = 0, leg_pong = 0;
    unsigned rt_max_at = 0;

    if (guest_cmdline_get("rounds", buf, sizeof(buf))) {
        rounds = 0;
        for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
            rounds = rounds * 10 + (unsigned)(*p - '0');
    }
    if (guest_cmdline_get("ipiwait", buf, sizeof(buf)))
        use_hlt = !strcmp(buf, "hlt");
    guest_cmdline_get("tag", tag, sizeof(tag));
    if (guest_cmdline_get("sipi_strict", buf, sizeof(buf)))
        sipi_strict = strcmp(buf, "0") != 0;
    if (guest_cmdline_get("apwait", buf, sizeof(buf)) && !strcmp(buf, "cli"))
        smp_wait_irqs_on = 0;

    cli();
    lapic_enable();
    irq_register(VEC_PONG, h_pong);
    irq_register(VEC_PING, h_ping);
    irq_register(VEC_WAKE, h_wake);

    online = smp_start_aps(2);
    if (!test_check(online == 2, "smp-ap-started", "%u CPUs online after INIT-SIPI-SIPI to "
                    "x2APIC id 1, expected 2", online))
        return;
    gprintf("smp: AP 1 checked in after %u SIPI(s) (BSP waited with interrupts %s)\n",
            smp_sipis_sent(1), smp_wait_irqs_on ? "on" : "off");
    if (sipi_strict)
        test_check(smp_sipis_sent(1) == 1, "smp-first-sipi", "the AP needed %u start-up IPIs: "
                   "it did not start on the first one (INIT, then SIPI, then %llu ticks)",
                   smp_sipis_sent(1), SMP_SIPI_RETRY_TICKS);
    else if (smp_sipis_sent(1) != 1)
        test_note("smp-first-sipi", "the AP needed %u start-up IPIs", smp_sipis_sent(1));
    if (!test_check(wait_flag(&ap_ready, 1, AP_WAIT_TICKS), "smp-ap-ready",
                    "the AP did not get through its checks"))
        return;

    for (unsigned i = 1; i <= TSC_PROBES; i++) {
        uint64_t t0 = rdtsc();
        atomic_store(&tsc_req, i);
        if (!wait_flag(&tsc_ack, i, AP_WAIT_TICKS)) {
            test_fail("smp-tsc-sync", "the AP did not answer TSC probe %u", i);
            return;
        }
        uint64_t t1 = rdtsc(), ta = tsc_ap;
        if (ta < t0 || ta > t1) {
            bad_tsc++;
            gprintf("smp: TSC probe %u: BSP %lu .. %lu, AP %lu\n", i, t0, t1, ta);
        }
        if (t1 - t0 > worst)
            worst = t1 - t0;
    }
    test_check(bad_tsc == 0, "smp-tsc-sync", "%u of %u AP TSC reads fell outside the BSP's "
               "bracket around them (different TSC offsets?)", bad_tsc, TSC_PROBES);
    gprintf("smp: AP TSC inside the BSP's brackets (widest %lu ticks)\n", worst);

    /* Ping-pong, under the watchdog. */
    irq_register(VEC_WATCHDOG, h_watchdog);
    wd_last = pongs;
    lapic_timer_periodic(VEC_WATCHDOG, (uint32_t)(WATCHDOG_TICKS / 16), APIC_DIV_16);
    for (unsigned i = 0; i < WARMUP + rounds; i++) {
        uint32_t old = atomic_load(&pongs);
        uint64_t t0 = rdtsc();
        cur_round = i;
        pong_expected = 1;
        lapic_send_ipi(1, VEC_PING);
        if (!wait_change(&pongs, old)) {
            test_fail("smp-ipi-lost", "round %u: no pong for over %llu ticks; the AP has "
                      "received %u pings (sent %u), %u pongs came back; vCPU 0: IRR[0x50] %d "
                      "ISR[0x50] %d", i, WATCHDOG_TICKS, atomic_load(&pings), i + 1,
                      atomic_load(&pongs), lapic_vector_bit(APIC_IRR, VEC_PONG),
                      lapic_vector_bit(APIC_ISR, VEC_PONG));
            break;
        }
        uint64_t rt = rdtsc() - t0;
        if (rt > rt_max) {
            rt_max = rt;
            rt_max_at = i;
            leg_ping = ping_rx_tsc - t0;             /* send -> AP handler */
            leg_ap = pong_tx_tsc - ping_rx_tsc;
            leg_pong = pong_rx_tsc - pong_tx_tsc;    /* AP's send -> our handler */
        }
        if (i >= WARMUP)
            sum += rt;
    }
    lapic_timer_stop();
    /* A wake-up lost and then rescued by the watchdog's own interrupt shows as one very
     * slow round. */
    if (!wd_stuck)
        test_check(rt_max < WATCHDOG_TICKS / 2, "smp-ipi-latency", "round %u took %lu ticks: "
                   "ping to the AP's handler %lu, in the AP %lu, pong to our handler %lu (a lost "
                   "wake-up ended by the watchdog timer?)", rt_max_at, rt_max, leg_ping, leg_ap,
                   leg_pong);
    test_check(pongs == WARMUP + rounds && pings == WARMUP + rounds && !ap_bad_pings,
               "smp-ipi-pingpong", "%u pings sent, %u received by the AP (%u on another CPU), "
               "%u pongs back", WARMUP + rounds, pings, ap_bad_pings, pongs);
    test_check(!pong_dups, "smp-ipi-no-duplicate", "%u unexpected pongs; first in round %u, "
               "%lu ticks after its pong (at RIP 0x%lx; the pong at 0x%lx)", pong_dups,
               pong_dup_round, pong_dup_after, pong_dup_rip, pong_prev_rip);
    test_check(!shadow_hits, "smp-irq-sti-shadow", "%u interrupts were taken at the HLT of "
               "`sti; hlt`, inside STI's interrupt shadow (first: vector 0x%x at RIP 0x%lx): "
               "the handler returns into HLT and the wake-up is lost", shadow_hits,
               shadow_hit_vec, shadow_hit_rip);
    if (rounds && !wd_stuck) {
        gprintf("bench: ipi_roundtrip: %lu ticks over %u rounds (wait: %s)\n", sum, rounds,
                use_hlt ? "hlt" : "spin");
        gprintf("BENCH %s/ipi_roundtrip %lu insns\n", vendor_tag(), (sum + rounds / 2) / rounds);
    }

    /* Stop the AP and wait for it to finish. */
    atomic_store(&ap_stop, 1);
    lapic_send_ipi(1, VEC_WAKE);
    uint64_t end = rdtsc() + AP_WAIT_TICKS;
    while (!smp_ap_done(1) && rdtsc() < end)
        cpu_relax();
    test_check(smp_ap_done(1), "smp-ap-finished", "the AP did not return from ap_main");
    gprintf("smp: finished, tag %s\n", tag);
}
