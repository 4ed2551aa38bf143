/*
 * The virtual local APIC of a vCPU (kernel/vlapic.c), in x2APIC mode only: guests reach it
 * through MSRs 0x800-0x8ff (every one exits), never through MMIO. Its timer counts at the
 * guest's TSC rate (before the divider), so a guest needs no calibration: count × divisor
 * = TSC ticks.
 */
#ifndef KEEL_VLAPIC_H
#define KEEL_VLAPIC_H

#include <keel/types.h>
#include <keel/spinlock.h>
#include <keel/timer.h>

struct vcpu;

struct vlapic {
    spinlock_t lock;
    uint32_t tpr, svr, esr;
    uint32_t lvt[7];              /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t timer_initial, timer_divide;   /* divide configuration register */
    uint64_t timer_start;         /* host TSC when the count was loaded */
    uint64_t tsc_deadline;        /* guest TSC, TSC-deadline mode; 0 = disarmed */
    struct timer timer;
    volatile bool pending;        /* some IRR bit is set (a quick check on every entry) */
    uint64_t delivered;           /* interrupts injected (statistics, tests) */
};

void vlapic_init(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/* MSR accesses in the x2APIC range, IA32_APIC_BASE and IA32_TSC_DEADLINE: true if handled
 * (false means #GP). */
bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool vlapic_owns_msr(uint32_t msr);
/* Raises `vector` on v (from any CPU), waking it if it sleeps. */
void vlapic_raise(struct vcpu *v, uint8_t vector);
/* Before each entry: inject the highest deliverable interrupt, or ask for a window. */
void vlapic_deliver(struct vcpu *v);
/* An interrupt the guest would take now, if its IF allowed (for HLT). */
bool vlapic_has_deliverable(struct vcpu *v);
/* True while something could still wake the vCPU (an armed timer, a pending IRR). */
bool vlapic_may_wake(struct vcpu *v);

#endif
