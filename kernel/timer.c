/*
 * Software timers: a sorted list per CPU, and the LAPIC one-shot programmed for the
 * earliest deadline. The timer interrupt runs every expired callback and re-arms.
 */
#include <keel/timer.h>
#include <keel/spinlock.h>
#include <keel/printk.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/time.h>
#include <arch/trap.h>

struct timer_cpu {
    spinlock_t lock;
    struct timer *head;        /* sorted by deadline */
};
static struct timer_cpu timer_cpus[MAX_CPUS];

uint64_t now_tsc(void) { return rdtsc(); }
uint64_t us_to_tsc(uint64_t us) { return us * tsc_khz / 1000; }

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->next = NULL;
    t->cpu = 0;
    t->running_on = 0;
    t->deadline = 0;
}

/* t->cpu is the CPU + 1, so that a zero-filled timer is simply not armed. */
bool timer_active(const struct timer *t) { return READ_ONCE(t->cpu) > 0; }

/* Programs the LAPIC for the earliest deadline on this CPU (lock held). */
static void program(struct timer_cpu *tc)
{
    if (!tc->head) {
        lapic_timer_stop();
        return;
    }
    uint64_t now = rdtsc(), dl = tc->head->deadline;
    uint64_t delta = dl > now ? dl - now : 0;
    /* TSC ticks → LAPIC ticks; at least 1, at most what 32 bits hold. */
    uint64_t count = tsc_khz ? delta * lapic_timer_khz / tsc_khz : 1;
    if (count == 0)
        count = 1;
    if (count > 0xffffffffull)
        count = 0xffffffffull;
    lapic_timer_oneshot((uint32_t)count, VEC_LAPIC_TIMER);
}

static void unlink_locked(struct timer_cpu *tc, struct timer *t)
{
    for (struct timer **pp = &tc->head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->next = NULL;
    t->cpu = 0;
}

/* Waits until t's callback is not running on another CPU: after timer_stop returns, the
 * memory holding t (a vCPU's, say) may be freed. The timer itself says where its callback
 * runs, so this is one load on the scheduler's path (every switch stops and re-arms the
 * time slice), not a scan of every CPU. A callback that runs on this CPU is the caller. */
static void wait_not_running(struct timer *t)
{
    int on = READ_ONCE(t->running_on);
    if (!on || on == (int)smp_processor_id() + 1)
        return;
    while (READ_ONCE(t->running_on))
        __asm__ volatile("pause" ::: "memory");
}

void timer_stop(struct timer *t)
{
    wait_not_running(t);
    for (;;) {
        int cpu = READ_ONCE(t->cpu) - 1;
        if (cpu < 0)
            return;
        struct timer_cpu *tc = &timer_cpus[cpu];
        unsigned long f = spin_lock_irqsave(&tc->lock);
        if (t->cpu == cpu + 1) {       /* still there once locked */
            unlink_locked(tc, t);
            if (cpu == (int)smp_processor_id())
                program(tc);
            spin_unlock_irqrestore(&tc->lock, f);
            return;
        }
        spin_unlock_irqrestore(&tc->lock, f);
    }
}

void timer_set(struct timer *t, uint64_t deadline)
{
    timer_stop(t);
    unsigned cpu = smp_processor_id();
    struct timer_cpu *tc = &timer_cpus[cpu];
    unsigned long f = spin_lock_irqsave(&tc->lock);
    t->deadline = deadline;
    t->cpu = (int)cpu + 1;
    struct timer **pp = &tc->head;
    while (*pp && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    if (tc->head == t)
        program(tc);
    spin_unlock_irqrestore(&tc->lock, f);
}

static void timer_irq(struct trap_frame *tf)
{
    (void)tf;
    struct timer_cpu *tc = &timer_cpus[smp_processor_id()];
    spin_lock(&tc->lock);
    uint64_t now = rdtsc();
    while (tc->head && tc->head->deadline <= now) {
        struct timer *t = tc->head;
        unlink_locked(tc, t);
        /* The callback may re-arm its timer: call it without the lock, and say which one
         * runs, so that timer_stop can wait for it to finish. */
        int me = (int)smp_processor_id() + 1;
        WRITE_ONCE(t->running_on, me);
        spin_unlock(&tc->lock);
        t->fn(t, t->arg);
        /* Last touch of t: once timer_stop on another CPU sees 0, t may be freed. Unless
         * the callback's re-arm already moved it elsewhere and another CPU runs it now
         * (timer_set waited for this one first, so the newer value is not ours). */
        __atomic_compare_exchange_n(&t->running_on, &me, 0, false, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED);
        spin_lock(&tc->lock);
        now = rdtsc();
    }
    program(tc);
    spin_unlock(&tc->lock);
}

void timer_cpu_init(void)
{
    if (smp_processor_id() == 0)
        irq_register(VEC_LAPIC_TIMER, timer_irq);
}
