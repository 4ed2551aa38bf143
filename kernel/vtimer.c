/*
 * The Xen per-vCPU timers (VCPUOP_set_singleshot_timer, VCPUOP_set_periodic_timer): host
 * timers (kernel/timer.c) armed on the CPU that set them, which raise VIRQ_TIMER on the
 * vCPU through the port it bound, and refresh its pvclock as they fire. Deadlines are in
 * system time (ns since boot, kernel/pvclock.c).
 */
#include <keel/xen_abi.h>
#include <keel/evtchn.h>
#include <keel/pvclock.h>
#include <arch/cpu.h>
#include <arch/time.h>

#define PERIOD_MIN_NS   1000000ull                 /* 1 ms, Xen's floor */
#define PERIOD_MAX_NS   (~0ull >> 2)               /* Xen's STIME_DELTA_MAX */

static void fire(struct vcpu *v)
{
    if (v->dom->state != DOM_RUNNING)
        return;
    pvclock_update(v);
    evtchn_send_virq(v, VIRQ_TIMER);
}

static void singleshot_fired(struct timer *t, void *arg)
{
    (void)t;
    fire(arg);
}

static void periodic_fired(struct timer *t, void *arg)
{
    struct vcpu *v = arg;
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    if (!v->xen.periodic_ns || v->dom->state != DOM_RUNNING) {
        spin_unlock_irqrestore(&v->xen.time_lock, f);
        return;                        /* stopped while this callback was on its way */
    }
    uint64_t period = pvclock_ns_to_ticks(v->xen.periodic_ns, tsc_khz), now = rdtsc();
    v->xen.periodic_next += period;
    if (v->xen.periodic_next <= now)   /* missed periods collapse into this one */
        v->xen.periodic_next = now + period;
    timer_set(t, v->xen.periodic_next);
    spin_unlock_irqrestore(&v->xen.time_lock, f);
    fire(v);
}

void vtimer_init(struct vcpu *v)
{
    timer_init(&v->xen.singleshot, singleshot_fired, v);
    timer_init(&v->xen.periodic, periodic_fired, v);
}

long vtimer_set_singleshot(struct vcpu *v, uint64_t deadline_ns)
{
    if (deadline_ns <= xen_system_time()) {
        /* Already due: the event now, as Xen does (VCPU_SSHOTTMR_future is ignored). */
        timer_stop(&v->xen.singleshot);
        fire(v);
        return 0;
    }
    timer_set(&v->xen.singleshot, xen_time_to_host_tsc(deadline_ns));
    return 0;
}

void vtimer_stop_singleshot(struct vcpu *v)
{
    timer_stop(&v->xen.singleshot);
}

long vtimer_set_periodic(struct vcpu *v, uint64_t period_ns)
{
    if (period_ns < PERIOD_MIN_NS || period_ns > PERIOD_MAX_NS)
        return -XEN_EINVAL;
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    v->xen.periodic_ns = period_ns;
    v->xen.periodic_next = rdtsc() + pvclock_ns_to_ticks(period_ns, tsc_khz);
    timer_set(&v->xen.periodic, v->xen.periodic_next);
    spin_unlock_irqrestore(&v->xen.time_lock, f);
    return 0;
}

void vtimer_stop_periodic(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    v->xen.periodic_ns = 0;
    timer_stop(&v->xen.periodic);
    spin_unlock_irqrestore(&v->xen.time_lock, f);
}

void vtimer_stop_all(struct vcpu *v)
{
    vtimer_stop_singleshot(v);
    vtimer_stop_periodic(v);
    timer_stop(&v->xen.poll_timer);
}
