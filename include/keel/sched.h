/*
 * The scheduler (kernel/sched.c): a run queue per CPU, round robin with a time slice
 * enforced by the LAPIC timer, vCPUs assigned to a CPU when they are created. A CPU with
 * nothing to run halts until an interrupt (a wake-up IPI, a timer) arrives.
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/domain.h>

#define SCHED_SLICE_US 10000          /* 10 ms */

/* Every CPU, once, before sched_run. */
void sched_cpu_init(void);
/* Puts a new vCPU on CPU `cpu`'s queue (it must be VCPU_RUNNABLE). */
void sched_add(struct vcpu *v, unsigned cpu);
/* A blocked vCPU becomes runnable (from any CPU; kicks its CPU). */
void sched_wake(struct vcpu *v);
/* A runnable vCPU that fell off its queue while its domain was paused goes back on. */
void sched_resume(struct vcpu *v);
/* Makes the CPU v belongs to leave the guest and look at v again (an IPI if it is another
 * CPU), without preempting it. */
void sched_kick_vcpu(struct vcpu *v);
/* The current vCPU gives up the rest of its slice (SCHEDOP_yield). */
void sched_yield(void);
/* Moves v to another CPU. The CPU it leaves does the move (after VMCLEAR, on VT-x), the
 * next time v is off the CPU: it never has to be pulled remotely. */
void sched_migrate(struct vcpu *v, unsigned cpu);
/* True when the current vCPU on this CPU should give the CPU up. */
bool sched_need_resched(void);
/* True once v is neither queued nor running anywhere (safe to destroy). */
bool sched_vcpu_idle(const struct vcpu *v);

/* Runs vCPUs forever on this CPU. `idle_hook`, if set, is called on the boot CPU each time
 * it has nothing to run (the boot-module runner uses it to start and reap guests). */
__noreturn void sched_run(void);
extern void (*sched_idle_hook)(void);

/* Secondary CPUs wait here until the boot CPU opens the scheduler. */
__noreturn void sched_secondary_start(void);
void sched_open(void);

#endif
