/*
 * Time: the TSC is calibrated against the PIT (8254, 1.193182 MHz, a clock every PC has and
 * every emulator provides), and the LAPIC timer against the TSC. Polling only: no
 * interrupts are needed to calibrate.
 */
#include <arch/time.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/trap.h>
#include <keel/panic.h>
#include <keel/printk.h>

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61              /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */

uint64_t tsc_khz;
uint64_t lapic_timer_khz;

/* TSC ticks during `ms` milliseconds of PIT channel 2 counting down in mode 0.
 * Returns 0 if the PIT never finishes (no PIT, or a broken one). */
static uint64_t tsc_ticks_over_pit_ms(unsigned ms)
{
    uint32_t latch = PIT_HZ * ms / 1000;

    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);   /* gate on, speaker off */
    outb(PIT_CMD, 0xb0);                           /* ch2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, latch & 0xff);
    outb(PIT_CH2, latch >> 8);
    uint64_t t0 = rdtsc();
    /* OUT2 goes high at terminal count. Bound the wait by iterations, not time: the
     * TSC is what we are measuring. */
    for (uint64_t i = 0; !(inb(PORT_B) & 0x20); i++)
        if (i > 100000000ull)
            return 0;
    return rdtsc() - t0;
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_khz / 1000;
    while ((int64_t)(rdtsc() - end) < 0)
        __asm__ volatile("pause");
}

uint64_t tsc_to_us(uint64_t ticks) { return tsc_khz ? ticks * 1000 / tsc_khz : 0; }

static volatile bool timer_fired;
static void timer_test_irq(struct trap_frame *tf)
{
    (void)tf;
    timer_fired = true;
}

void time_calibrate(void)
{
    /* Best of three 10 ms windows: an interruption can only make one longer. */
    uint64_t best = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t t = tsc_ticks_over_pit_ms(10);
        if (t && (!best || t < best))
            best = t;
    }
    if (!best)
        panic("time: the PIT never counted down; cannot calibrate the TSC");
    tsc_khz = best / 10;
    pr_info("tsc: %llu kHz%s\n", (unsigned long long)tsc_khz,
            cpu_features.invariant_tsc ? " (invariant)" : "");

    /* LAPIC timer: count down from the top for 10 ms of TSC time. */
    lapic_timer_oneshot(0xffffffffu, VEC_LAPIC_TIMER | LVT_MASKED);   /* we only read it */
    uint32_t c0 = lapic_timer_current();
    udelay(10000);
    uint32_t c1 = lapic_timer_current();
    lapic_timer_stop();
    lapic_timer_khz = (uint64_t)(c0 - c1) / 10;
    if (!lapic_timer_khz)
        panic("time: the LAPIC timer does not count");
    pr_info("lapic: timer %llu kHz (divide by 16), %s mode\n",
            (unsigned long long)lapic_timer_khz, apic_x2apic_mode ? "x2APIC" : "xAPIC");

    /* Prove the interrupt path: a 1 ms one-shot must arrive. */
    irq_register(VEC_LAPIC_TIMER, timer_test_irq);
    uint64_t t0 = rdtsc();
    lapic_timer_oneshot((uint32_t)lapic_timer_khz, VEC_LAPIC_TIMER);
    irq_enable();       /* spin, not hlt: if it never comes, nothing else would wake us */
    while (!timer_fired && tsc_to_us(rdtsc() - t0) < 1000000)
        __asm__ volatile("pause");
    irq_disable();
    if (!timer_fired)
        panic("time: the LAPIC timer interrupt never arrived (1 ms one-shot, waited 1 s)");
    pr_info("lapic: timer interrupt after %llu us (programmed 1000 us)\n",
            (unsigned long long)tsc_to_us(rdtsc() - t0));
    irq_register(VEC_LAPIC_TIMER, NULL);
}
