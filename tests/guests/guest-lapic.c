/*
 * guest-lapic: Keel's virtual local APIC (x2APIC mode), seen from one vCPU.
 *
 *  - identity: CPUID (APIC, x2APIC, leaf 0xB), IA32_APIC_BASE, ID, LDR, version, SVR;
 *  - one-shot timer: fires once, never before its deadline (TSC measured from just before
 *    the write of the initial count to the handler), not absurdly late (< LATE_FACTOR x);
 *    the current count is 0 afterwards;
 *  - current count: decreases at TSC / divisor — checked exactly against RDTSC brackets
 *    around each read (the virtual timer runs on the same clock as the guest's TSC);
 *    writing 0 stops the timer;
 *  - periodic timer: 20 periods of P ticks, interrupt k never before start + k P, mean
 *    interval within 10% of P, none < P/2. A periodic timer keeps its schedule, so one
 *    interrupt delivered late (the emulator's host was busy) makes the next interval
 *    short: P is 20x the lateness the one-shot showed (at least PERIOD_MIN), so that the
 *    test measures the timer rather than the host's noise;
 *  - TSC-deadline mode (NOTE and skip if CPUID.1:ECX[24] is clear): fires once, not
 *    before the deadline; IA32_TSC_DEADLINE reads back while armed, 0 after; writing 0
 *    disarms;
 *  - masked LVT: no interrupt, not even in IRR, yet the count still runs down to 0;
 *  - IF=0 holds interrupts back (IRR set) until STI;
 *  - TPR 0xf0 holds back a self IPI of vector 0x40 (IRR set, ISR clear, PPR 0xf0);
 *    lowering TPR delivers it; in the handler ISR is set and PPR = 0x40; EOI clears ISR;
 *  - priorities: three pending vectors are taken highest first; an in-service vector
 *    holds back its own class and lower ones but not a higher one (nesting); EOI
 *    retires the highest in-service vector and lets the next pending one in;
 *  - HLT with IF=1 sleeps until the timer fires, and not before its deadline;
 *  - STI; WRMSR(self IPI); CLI: the interrupt is taken right after the WRMSR (the STI
 *    shadow ends with it) — every time, over the 1000 benchmark rounds;
 *  - no interrupt is ever taken at the HLT of `sti; hlt` (inside STI's shadow).
 * Prints BENCH <svm|vmx>/virq_delivery <n> insns: the average TSC ticks from just before
 * the self-IPI WRMSR (0x83f) to the first instruction of the handler (an RDTSC in a raw
 * IDT stub), over 1000 rounds; it includes the WRMSR exit, the vLAPIC, the trip through
 * the scheduler that raising an interrupt on the running vCPU causes (need_resched), the
 * re-entry and the event injection. Exact under QEMU -icount / Bochs (ticks =
 * instructions); under plain TCG it only has to be printed.
 *
 * Timer lengths are in TSC ticks (QEMU TCG: host TSC, ~2 GHz here; QEMU -icount: one per
 * instruction; Bochs: 50 MHz at ips=50M), chosen to suit all three.
 */
#include <guest/guest.h>

#define VEC_TIMER     0x30
#define VEC_PERIODIC  0x31
#define VEC_DEADLINE  0x32
#define VEC_MASKED    0x33
#define VEC_TPR       0x40
#define VEC_LOW       0x41
#define VEC_LOW2      0x45
#define VEC_MID       0x52
#define VEC_NOEOI     0x50
#define VEC_SAMECLASS 0x55
#define VEC_HIGH      0x61
#define VEC_BENCH     0x70

#define ONESHOT_TICKS  ((uint64_t)4000000)   /* ~2 ms on QEMU TCG, 80 ms at Bochs' 50 MHz */
#define LATE_FACTOR    20            /* generous: plain TCG is noisy */
#define PERIOD_MIN     ((uint64_t)20000000)  /* ~10 ms on QEMU TCG, 0.4 s at 50 MHz */
#define PERIOD_MAX     ((uint64_t)400000000)
#define PERIODS        20
#define BENCH_WARMUP   10
#define BENCH_ROUNDS   1000

/* ---- a recording handler: vector and TSC of each interrupt, in order */
#define MAX_HITS 64
static volatile unsigned nhits;
static volatile uint8_t hit_vec[MAX_HITS];
static volatile uint64_t hit_tsc[MAX_HITS];
static volatile int eoi_in_handler = 1;
static uint64_t period_ticks = PERIOD_MIN;   /* chosen after the one-shot test */

static volatile unsigned shadow_hits;      /* taken at the HLT of `sti; hlt` */
static volatile uint64_t shadow_rip;

static void record(unsigned vector)
{
    uint64_t t = rdtsc();
    unsigned i = nhits;

    if (irq_interrupted_sti_hlt() && !shadow_hits++)
        shadow_rip = irq_interrupted_rip();
    if (i < MAX_HITS) {
        hit_vec[i] = (uint8_t)vector;
        hit_tsc[i] = t;
    }
    nhits = i + 1;
}

static void h_record_eoi(unsigned vector)
{
    record(vector);
    if (eoi_in_handler)
        lapic_eoi();
}

/* Periodic: stops the timer itself after PERIODS + 1 interrupts. */
static void h_periodic(unsigned vector)
{
    record(vector);
    if (nhits >= PERIODS + 1)
        lapic_timer_stop();
    lapic_eoi();
}

/* In-service state seen from inside a handler (TPR test). */
static volatile int tpr_isr_in, tpr_irr_in, tpr_ppr_in;
static void h_tpr(unsigned vector)
{
    record(vector);
    tpr_isr_in = lapic_vector_bit(APIC_ISR, (uint8_t)vector);
    tpr_irr_in = lapic_vector_bit(APIC_IRR, (uint8_t)vector);
    tpr_ppr_in = (int)lapic_read(APIC_PPR);
    lapic_eoi();
}

static void reset_hits(void)
{
    nhits = 0;
    for (unsigned i = 0; i < MAX_HITS; i++)
        hit_vec[i] = 0;
}

/* Spins with interrupts on until n interrupts were recorded or `ticks` passed; returns
 * with interrupts off. */
static int spin_for_hits(unsigned n, uint64_t ticks)
{
    uint64_t end = rdtsc() + ticks;

    sti();
    while (nhits < n && rdtsc() < end)
        cpu_relax();
    cli();
    return nhits >= n;
}

/* Waits in HLT (interrupts on only while halted) until n interrupts were recorded or, at
 * a wake-up, `ticks` have passed; returns with interrupts off. For long waits on a timer
 * that is armed (a broken timer that never fires would leave the vCPU halted for good). */
static int hlt_for_hits(unsigned n, uint64_t ticks)
{
    uint64_t end = rdtsc() + ticks;

    cli();
    while (nhits < n && rdtsc() < end)
        sti_hlt();
    return nhits >= n;
}

/* Spins with interrupts on for `ticks` (to see that nothing more arrives). */
static void spin_ticks(uint64_t ticks)
{
    uint64_t end = rdtsc() + ticks;

    sti();
    while (rdtsc() < end)
        cpu_relax();
    cli();
}

static const char *vendor_tag(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

/* ---- identity */
static void test_identity(void)
{
    struct cpuid_regs c1 = cpuid(1, 0), cb = cpuid(0xb, 0);
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    uint64_t want = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
    uint32_t ver = (uint32_t)lapic_read(APIC_VERSION);

    test_check((c1.edx >> 9 & 1) && (c1.ecx >> 21 & 1), "lapic-cpuid",
               "CPUID.1 EDX[9] (APIC) = %u, ECX[21] (x2APIC) = %u", c1.edx >> 9 & 1,
               c1.ecx >> 21 & 1);
    test_check(cb.edx == 0 && (c1.ebx >> 24) == 0, "lapic-cpuid-id",
               "CPUID.0xB EDX = %u, CPUID.1 EBX[31:24] = %u on the BSP, expected 0", cb.edx,
               c1.ebx >> 24);
    test_check(base == want, "lapic-apic-base", "IA32_APIC_BASE = 0x%lx, expected 0x%lx", base,
               want);
    test_check(lapic_read(APIC_ID) == 0 && lapic_read(APIC_LDR) == 1, "lapic-id-ldr",
               "ID = 0x%lx, LDR = 0x%lx; expected 0 and 1 (cluster 0, bit 0)",
               lapic_read(APIC_ID), lapic_read(APIC_LDR));
    test_check((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15 && ((ver >> 16) & 0xff) >= 3,
               "lapic-version", "version register 0x%x", ver);
    uint64_t svr0 = lapic_read(APIC_SVR);
    lapic_enable();
    uint64_t svr1 = lapic_read(APIC_SVR);
    test_check(svr0 == 0xff && svr1 == 0x1ff, "lapic-svr",
               "SVR 0x%lx at start (expected 0xff: disabled), 0x%lx after enabling", svr0, svr1);
    test_check(lapic_read(APIC_TPR) == 0 && lapic_read(APIC_PPR) == 0, "lapic-tpr-ppr-zero",
               "TPR 0x%lx, PPR 0x%lx at start", lapic_read(APIC_TPR), lapic_read(APIC_PPR));
}

/* ---- one-shot */
static void test_oneshot(void)
{
    uint64_t t0, dt;

    irq_register(VEC_TIMER, h_record_eoi);
    reset_hits();
    t0 = rdtsc();
    lapic_timer_oneshot(VEC_TIMER, (uint32_t)ONESHOT_TICKS, APIC_DIV_1);
    if (!spin_for_hits(1, LATE_FACTOR * ONESHOT_TICKS)) {
        test_fail("lapic-oneshot-fires", "no interrupt within %u x %lu ticks (count now %lu)",
                  LATE_FACTOR, ONESHOT_TICKS, lapic_read(APIC_TIMER_CUR));
        lapic_timer_stop();
        return;
    }
    dt = hit_tsc[0] - t0;
    test_check(dt >= ONESHOT_TICKS, "lapic-oneshot-not-early",
               "fired %lu ticks after the count was written, programmed %lu", dt,
               ONESHOT_TICKS);
    test_check(dt <= LATE_FACTOR * ONESHOT_TICKS, "lapic-oneshot-on-time",
               "fired after %lu ticks, programmed %lu (limit %u x)", dt, ONESHOT_TICKS,
               LATE_FACTOR);
    if (dt > ONESHOT_TICKS && (dt - ONESHOT_TICKS) * 20 > period_ticks)
        period_ticks = (dt - ONESHOT_TICKS) * 20;
    if (period_ticks > PERIOD_MAX)
        period_ticks = PERIOD_MAX;
    gprintf("lapic: one-shot of %lu ticks fired after %lu ticks (%lu.%02lu x)\n",
            ONESHOT_TICKS, dt, dt / ONESHOT_TICKS, dt * 100 / ONESHOT_TICKS % 100);
    spin_ticks(3 * ONESHOT_TICKS);
    test_check(nhits == 1, "lapic-oneshot-once", "%u interrupts, expected 1", nhits);
    test_check(lapic_read(APIC_TIMER_CUR) == 0, "lapic-oneshot-count-zero",
               "current count %lu after expiry, expected 0", lapic_read(APIC_TIMER_CUR));
}

/* ---- current count */
static void check_count_rate(unsigned div, const char *name)
{
    uint64_t d = lapic_divisor(div), a0, a1, b0, b1, c1, c2, lo, hi;

    lapic_write(APIC_TIMER_DIV, div);
    lapic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT | VEC_MASKED);
    lapic_write(APIC_TIMER_INIT, 0xffffffffu);
    a0 = rdtsc();
    c1 = lapic_read(APIC_TIMER_CUR);
    a1 = rdtsc();
    tsc_wait_until(a1 + 200000);
    b0 = rdtsc();
    c2 = lapic_read(APIC_TIMER_CUR);
    b1 = rdtsc();
    /* count = initial - floor(elapsed / d): the drop lies in [floor((b0 - a1) / d),
     * ceil((b1 - a0) / d)]. */
    lo = (b0 - a1) / d;
    hi = (b1 - a0 + d - 1) / d;
    test_check(c1 <= 0xffffffffu && c2 < c1 && c1 - c2 >= lo && c1 - c2 <= hi, name,
               "divide by %lu: count %lu then %lu (drop %lu), TSC brackets allow [%lu, %lu]", d,
               c1, c2, c1 - c2, lo, hi);
}

static void test_current_count(void)
{
    check_count_rate(APIC_DIV_1, "lapic-count-rate-div1");
    check_count_rate(APIC_DIV_16, "lapic-count-rate-div16");
    lapic_write(APIC_TIMER_INIT, 0);
    test_check(lapic_read(APIC_TIMER_CUR) == 0 && lapic_read(APIC_TIMER_INIT) == 0,
               "lapic-count-stop", "after writing initial count 0: current %lu, initial %lu",
               lapic_read(APIC_TIMER_CUR), lapic_read(APIC_TIMER_INIT));
    lapic_write(APIC_TIMER_DIV, APIC_DIV_64);
    test_check(lapic_read(APIC_TIMER_DIV) == APIC_DIV_64, "lapic-divide-readback",
               "divide configuration reads 0x%lx after writing 0x%x",
               lapic_read(APIC_TIMER_DIV), APIC_DIV_64);
    lapic_timer_stop();
}

/* ---- periodic */
static void test_periodic(void)
{
    uint64_t t0, sum, min = ~0ull, max = 0, mean;

    irq_register(VEC_PERIODIC, h_periodic);
    reset_hits();
    t0 = rdtsc();
    lapic_timer_periodic(VEC_PERIODIC, (uint32_t)period_ticks, APIC_DIV_1);
    if (!hlt_for_hits(PERIODS + 1, (PERIODS + 1) * period_ticks * 4)) {
        test_fail("lapic-periodic", "%u interrupts in %lu ticks, expected %u", nhits,
                  (PERIODS + 1) * period_ticks * 4, PERIODS + 1);
        lapic_timer_stop();
        return;
    }
    /* Interrupt i belongs at slot t0 + (i + 1) P; its lateness is how far after. */
    unsigned early = 0, min_at = 0;
    uint64_t late_max = 0;
    for (unsigned i = 0; i <= PERIODS; i++) {
        uint64_t slot = t0 + (i + 1) * period_ticks;
        if (hit_tsc[i] < slot)
            early++;
        else if (hit_tsc[i] - slot > late_max)
            late_max = hit_tsc[i] - slot;
    }
    for (unsigned i = 1; i <= PERIODS; i++) {
        uint64_t iv = hit_tsc[i] - hit_tsc[i - 1];
        if (iv < min) {
            min = iv;
            min_at = i;
        }
        max = iv > max ? iv : max;
    }
    sum = hit_tsc[PERIODS] - hit_tsc[0];
    mean = sum / PERIODS;
    gprintf("lapic: periodic %lu ticks: first after %lu, %u intervals mean %lu min %lu max %lu, "
            "latest delivery %lu ticks after its slot\n", period_ticks, hit_tsc[0] - t0,
            PERIODS, mean, min, max, late_max);
    test_check(early == 0, "lapic-periodic-not-early",
               "%u of %u interrupts came before start + k x period (first after %lu ticks, "
               "period %lu)", early, PERIODS + 1, hit_tsc[0] - t0, period_ticks);
    test_check(mean * 10 >= period_ticks * 9 && mean * 10 <= period_ticks * 11,
               "lapic-periodic-mean", "mean interval %lu ticks, period %lu (+-10%%); first "
               "interrupt %ld ticks after its slot, last %ld", mean, period_ticks,
               (long)(hit_tsc[0] - t0 - period_ticks),
               (long)(hit_tsc[PERIODS] - t0 - (PERIODS + 1) * period_ticks));
    /* A short interval follows a late delivery (the timer keeps its schedule): say so. */
    test_check(min * 2 >= period_ticks, "lapic-periodic-min",
               "shortest interval %lu ticks (between interrupts %u and %u), period %lu (must be "
               ">= half); interrupt %u came %ld ticks after its slot", min, min_at - 1, min_at,
               period_ticks, min_at - 1,
               (long)(hit_tsc[min_at ? min_at - 1 : 0] - t0 - min_at * period_ticks));
    spin_ticks(2 * period_ticks);
    test_check(nhits == PERIODS + 1, "lapic-periodic-stops",
               "%u interrupts after stopping at %u", nhits, PERIODS + 1);
}

/* ---- TSC deadline */
static void test_deadline(void)
{
    uint64_t dl, rb, dt;

    if (!lapic_has_tsc_deadline()) {
        test_note("lapic-tsc-deadline", "CPUID.1:ECX[24] is clear (the host has no "
                  "TSC-deadline timer): not tested");
        return;
    }
    irq_register(VEC_DEADLINE, h_record_eoi);
    reset_hits();
    lapic_timer_deadline_mode(VEC_DEADLINE);
    dl = rdtsc() + ONESHOT_TICKS;
    lapic_timer_deadline(dl);
    rb = rdmsr(MSR_IA32_TSC_DEADLINE);
    test_check(rb == dl, "lapic-deadline-readback", "IA32_TSC_DEADLINE reads 0x%lx, wrote 0x%lx",
               rb, dl);
    if (!spin_for_hits(1, LATE_FACTOR * ONESHOT_TICKS)) {
        test_fail("lapic-deadline-fires", "no interrupt within %u x %lu ticks", LATE_FACTOR,
                  ONESHOT_TICKS);
    } else {
        test_check(hit_tsc[0] >= dl, "lapic-deadline-not-early",
                   "fired at TSC %lu, %lu ticks before the deadline %lu", hit_tsc[0],
                   dl - hit_tsc[0], dl);
        dt = hit_tsc[0] - (dl - ONESHOT_TICKS);
        test_check(dt <= LATE_FACTOR * ONESHOT_TICKS, "lapic-deadline-on-time",
                   "fired %lu ticks after arming for %lu", dt, ONESHOT_TICKS);
        spin_ticks(2 * ONESHOT_TICKS);
        test_check(nhits == 1, "lapic-deadline-once", "%u interrupts, expected 1", nhits);
        test_check(rdmsr(MSR_IA32_TSC_DEADLINE) == 0, "lapic-deadline-cleared",
                   "IA32_TSC_DEADLINE reads 0x%lx after firing, expected 0",
                   rdmsr(MSR_IA32_TSC_DEADLINE));
    }
    /* Armed, then disarmed by writing 0: nothing. */
    reset_hits();
    lapic_timer_deadline(rdtsc() + ONESHOT_TICKS);
    lapic_timer_deadline(0);
    spin_ticks(3 * ONESHOT_TICKS);
    test_check(nhits == 0, "lapic-deadline-disarm", "%u interrupts after writing 0", nhits);
    lapic_timer_stop();
}

/* ---- masked LVT */
static void test_masked(void)
{
    irq_register(VEC_MASKED, h_record_eoi);
    reset_hits();
    lapic_write(APIC_TIMER_DIV, APIC_DIV_1);
    lapic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT | VEC_MASKED);
    lapic_write(APIC_TIMER_INIT, (uint32_t)ONESHOT_TICKS);
    spin_ticks(3 * ONESHOT_TICKS);
    test_check(nhits == 0 && !lapic_vector_bit(APIC_IRR, VEC_MASKED), "lapic-masked",
               "%u interrupts, IRR bit %d with the timer LVT masked", nhits,
               lapic_vector_bit(APIC_IRR, VEC_MASKED));
    test_check(lapic_read(APIC_TIMER_CUR) == 0, "lapic-masked-counts",
               "current count %lu after 3 x the initial count (a masked timer still counts)",
               lapic_read(APIC_TIMER_CUR));
    lapic_timer_stop();
}

/* ---- IF, TPR, EOI */
static void test_if_tpr(void)
{
    int irr, isr, ppr;

    irq_register(VEC_TPR, h_tpr);

    /* IF=0: held in IRR. */
    reset_hits();
    lapic_self_ipi(VEC_TPR);
    tsc_wait_until(rdtsc() + 100000);
    irr = lapic_vector_bit(APIC_IRR, VEC_TPR);
    test_check(nhits == 0 && irr, "lapic-if-holds", "with IF=0: %u interrupts, IRR bit %d",
               nhits, irr);
    spin_for_hits(1, 10 * ONESHOT_TICKS);
    test_check(nhits == 1 && hit_vec[0] == VEC_TPR, "lapic-if-sti-delivers",
               "after STI: %u interrupts (first vector 0x%x)", nhits, hit_vec[0]);

    /* TPR 0xf0: vector 0x40 waits in IRR, not in service. */
    reset_hits();
    lapic_write(APIC_TPR, 0xf0);
    sti();
    lapic_self_ipi(VEC_TPR);
    tsc_wait_until(rdtsc() + 100000);
    cli();
    irr = lapic_vector_bit(APIC_IRR, VEC_TPR);
    isr = lapic_vector_bit(APIC_ISR, VEC_TPR);
    ppr = (int)lapic_read(APIC_PPR);
    test_check(nhits == 0 && irr && !isr && ppr == 0xf0, "lapic-tpr-blocks",
               "TPR 0xf0, IF=1: %u interrupts, IRR bit %d, ISR bit %d, PPR 0x%x (expected 0, "
               "1, 0, 0xf0)", nhits, irr, isr, ppr);

    /* Lowering TPR with IF=1 delivers it. */
    sti();
    lapic_write(APIC_TPR, 0);
    for (int i = 0; i < 1000 && !nhits; i++)
        cpu_relax();
    cli();
    test_check(nhits == 1 && hit_vec[0] == VEC_TPR, "lapic-tpr-lower-delivers",
               "after TPR 0: %u interrupts", nhits);
    test_check(tpr_isr_in && !tpr_irr_in && tpr_ppr_in == 0x40, "lapic-isr-in-handler",
               "in the handler: ISR bit %d, IRR bit %d, PPR 0x%x (expected 1, 0, 0x40)",
               tpr_isr_in, tpr_irr_in, tpr_ppr_in);
    isr = lapic_vector_bit(APIC_ISR, VEC_TPR);
    test_check(!isr && lapic_read(APIC_PPR) == 0, "lapic-eoi-clears-isr",
               "after EOI: ISR bit %d, PPR 0x%lx", isr, lapic_read(APIC_PPR));
}

/* ---- priorities */
static void test_priorities(void)
{
    static const uint8_t vecs[] = { VEC_LOW, VEC_HIGH, VEC_MID, VEC_NOEOI, VEC_LOW2,
                                    VEC_SAMECLASS };
    int irr_all = 1;

    for (unsigned i = 0; i < ARRAY_SIZE(vecs); i++)
        irq_register(vecs[i], h_record_eoi);

    /* Three pending with IF=0, then STI: highest first. */
    reset_hits();
    lapic_self_ipi(VEC_LOW);
    lapic_self_ipi(VEC_HIGH);
    lapic_self_ipi(VEC_MID);
    irr_all = lapic_vector_bit(APIC_IRR, VEC_LOW) && lapic_vector_bit(APIC_IRR, VEC_HIGH) &&
              lapic_vector_bit(APIC_IRR, VEC_MID);
    spin_for_hits(3, 10 * ONESHOT_TICKS);
    test_check(irr_all && nhits == 3 && hit_vec[0] == VEC_HIGH && hit_vec[1] == VEC_MID &&
               hit_vec[2] == VEC_LOW, "lapic-priority-order",
               "IRR had all three: %d; %u interrupts in order 0x%x 0x%x 0x%x, expected 0x%x "
               "0x%x 0x%x", irr_all, nhits, hit_vec[0], hit_vec[1], hit_vec[2], VEC_HIGH,
               VEC_MID, VEC_LOW);

    /* 0x50 taken and left in service (no EOI): 0x45 (lower class) and 0x55 (same class)
     * wait; 0x61 (higher class) nests; one EOI then retires 0x50 and lets 0x55, then
     * 0x45 in. */
    reset_hits();
    eoi_in_handler = 0;
    lapic_self_ipi(VEC_NOEOI);
    spin_for_hits(1, 10 * ONESHOT_TICKS);
    eoi_in_handler = 1;
    int isr50 = lapic_vector_bit(APIC_ISR, VEC_NOEOI);
    int ppr = (int)lapic_read(APIC_PPR);
    lapic_self_ipi(VEC_LOW2);
    lapic_self_ipi(VEC_SAMECLASS);
    spin_ticks(100000);
    int held = nhits == 1 && lapic_vector_bit(APIC_IRR, VEC_LOW2) &&
               lapic_vector_bit(APIC_IRR, VEC_SAMECLASS);
    test_check(isr50 && ppr == 0x50 && held, "lapic-isr-blocks-lower",
               "0x50 in service without EOI: ISR bit %d, PPR 0x%x, %u interrupts, IRR 0x45 %d "
               "0x55 %d (expected 1, 0x50, 1, 1, 1)", isr50, ppr, nhits,
               lapic_vector_bit(APIC_IRR, VEC_LOW2), lapic_vector_bit(APIC_IRR, VEC_SAMECLASS));
    lapic_self_ipi(VEC_HIGH);
    spin_for_hits(2, 10 * ONESHOT_TICKS);
    test_check(nhits == 2 && hit_vec[1] == VEC_HIGH && lapic_vector_bit(APIC_ISR, VEC_NOEOI),
               "lapic-higher-nests", "with 0x50 in service: %u interrupts, second 0x%x, ISR "
               "0x50 %d", nhits, hit_vec[1], lapic_vector_bit(APIC_ISR, VEC_NOEOI));
    lapic_eoi();                      /* retires 0x50 */
    spin_for_hits(4, 10 * ONESHOT_TICKS);
    test_check(nhits == 4 && hit_vec[2] == VEC_SAMECLASS && hit_vec[3] == VEC_LOW2 &&
               !lapic_vector_bit(APIC_ISR, VEC_NOEOI), "lapic-eoi-releases",
               "after EOI of 0x50: %u interrupts, then 0x%x 0x%x (expected 0x55 0x45), ISR "
               "0x50 %d", nhits, hit_vec[2], hit_vec[3], lapic_vector_bit(APIC_ISR, VEC_NOEOI));
    uint32_t isr_any = 0;
    for (unsigned i = 0; i < 8; i++)
        isr_any |= (uint32_t)lapic_read(APIC_ISR + i);
    test_check(isr_any == 0 && lapic_read(APIC_PPR) == 0, "lapic-isr-empty",
               "ISR not empty (0x%x) or PPR 0x%lx after all EOIs", isr_any,
               lapic_read(APIC_PPR));
}

/* ---- HLT */
static void test_hlt(void)
{
    uint64_t t0, t1;

    irq_register(VEC_TIMER, h_record_eoi);
    reset_hits();
    t0 = rdtsc();
    lapic_timer_oneshot(VEC_TIMER, (uint32_t)ONESHOT_TICKS, APIC_DIV_1);
    sti_hlt();                        /* one HLT: only the timer can end it */
    t1 = rdtsc();
    test_check(nhits == 1 && t1 - t0 >= ONESHOT_TICKS && hit_tsc[0] - t0 >= ONESHOT_TICKS,
               "lapic-hlt-wakes", "HLT returned after %lu ticks with %u interrupts (timer %lu "
               "ticks)", t1 - t0, nhits, ONESHOT_TICKS);
    lapic_timer_stop();
}

/* ---- self-IPI delivery benchmark: the handler's first instruction is RDTSC. The loop
 * is assembly so that RAX/RCX/RDX are free when the interrupt arrives right after the
 * WRMSR. uint64_t virq_loop(uint64_t rounds, uint64_t *late): sum of the ticks; *late
 * counts rounds where the handler had not run by the CLI after the WRMSR. */
__asm__("    .text\n"
        "    .globl virq_stub\n"
        "virq_stub:\n"
        "    rdtsc\n"                          /* the measurement: first instruction */
        "    shl $32, %rdx\n"
        "    or %rdx, %rax\n"
        "    mov %rax, virq_t1(%rip)\n"
        "    mov $0x80b, %ecx\n"               /* EOI */
        "    xor %eax, %eax\n"
        "    xor %edx, %edx\n"
        "    wrmsr\n"
        "    iretq\n"
        "    .globl virq_loop\n"
        "virq_loop:\n"
        "    push %rbx\n"
        "    push %r12\n"
        "    push %r13\n"
        "    push %r14\n"
        "    mov %rdi, %r12\n"                 /* rounds */
        "    xor %r13d, %r13d\n"               /* sum */
        "    mov %rsi, %r14\n"                 /* late counter */
        "1:  movq $0, virq_t1(%rip)\n"
        "    mov $0x83f, %ecx\n"
        "    mov $0x70, %eax\n"                /* VEC_BENCH */
        "    xor %edx, %edx\n"
        "    mov %rax, %r8\n"
        "    rdtsc\n"
        "    shl $32, %rdx\n"
        "    or %rax, %rdx\n"
        "    mov %rdx, %rbx\n"                 /* t0 */
        "    mov %r8, %rax\n"
        "    xor %edx, %edx\n"
        "    sti\n"
        "    wrmsr\n"                          /* self IPI; taken right after */
        "    cli\n"
        "    mov virq_t1(%rip), %rax\n"
        "    test %rax, %rax\n"
        "    jnz 2f\n"
        "    incq (%r14)\n"                    /* not yet: late */
        "    sti\n"
        "3:  cmpq $0, virq_t1(%rip)\n"
        "    je 3b\n"
        "    cli\n"
        "    mov virq_t1(%rip), %rax\n"
        "2:  sub %rbx, %rax\n"
        "    add %rax, %r13\n"
        "    dec %r12\n"
        "    jnz 1b\n"
        "    mov %r13, %rax\n"
        "    pop %r14\n"
        "    pop %r13\n"
        "    pop %r12\n"
        "    pop %rbx\n"
        "    ret\n"
        "    .data\n"
        "    .balign 8\n"
        "virq_t1: .quad 0\n"
        "    .text\n");

void virq_stub(void);
uint64_t virq_loop(uint64_t rounds, uint64_t *late);

static void bench_virq(void)
{
    uint64_t late = 0, sum;

    irq_set_raw_gate(VEC_BENCH, virq_stub);
    virq_loop(BENCH_WARMUP, &late);
    late = 0;
    sum = virq_loop(BENCH_ROUNDS, &late);
    test_check(late == 0, "lapic-self-ipi-immediate",
               "%lu of %u self IPIs sent with IF=1 were not taken right after the WRMSR",
               late, BENCH_ROUNDS);
    gprintf("bench: virq_delivery: %lu ticks over %u rounds\n", sum, BENCH_ROUNDS);
    gprintf("BENCH %s/virq_delivery %lu insns\n", vendor_tag(),
            (sum + BENCH_ROUNDS / 2) / BENCH_ROUNDS);
}

void guest_main(void)
{
    cli();
    irq_init();
    test_identity();
    test_oneshot();
    test_current_count();
    test_periodic();
    test_deadline();
    test_masked();
    test_if_tpr();
    test_priorities();
    test_hlt();
    bench_virq();
    test_check(irq_unexpected == 0, "lapic-no-unexpected", "%u unexpected interrupts",
               irq_unexpected);
    test_check(shadow_hits == 0, "lapic-irq-sti-shadow", "%u interrupts were taken at the HLT "
               "of `sti; hlt` (first at RIP 0x%lx), inside STI's interrupt shadow: the handler "
               "returns into HLT and the wake-up is lost", shadow_hits, shadow_rip);
}
