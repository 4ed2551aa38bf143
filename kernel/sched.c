/*
 * Round-robin scheduling per CPU. Each CPU owns a FIFO of runnable vCPUs; the one at the
 * head runs until it blocks, its domain stops, or its slice ends (a timer sets
 * need_resched; the timer interrupt itself ends the guest's run with an INTR exit). A
 * wake-up from another CPU queues the vCPU and kicks its CPU with an IPI. A vCPU moves to
 * another CPU only through the CPU it leaves (sched_migrate), which first drops the
 * hardware state tying it there (VMCLEAR on VT-x).
 */
#include <keel/sched.h>
#include <keel/spinlock.h>
#include <keel/timer.h>
#include <keel/vcpu.h>
#include <keel/printk.h>
#include <keel/hvm.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>

struct runqueue {
    spinlock_t lock;
    struct vcpu *head, *tail;
    struct vcpu *curr;
    volatile bool need_resched;
    struct timer slice;
    uint64_t switches;
};

static struct runqueue rqs[MAX_CPUS];
static volatile bool sched_opened;
void (*sched_idle_hook)(void);

static struct runqueue *this_rq(void) { return &rqs[smp_processor_id()]; }

static void enqueue_locked(struct runqueue *rq, struct vcpu *v)
{
    v->rq_next = NULL;
    if (rq->tail)
        rq->tail->rq_next = v;
    else
        rq->head = v;
    rq->tail = v;
    v->on_rq = true;
}

static struct vcpu *dequeue_locked(struct runqueue *rq)
{
    struct vcpu *v = rq->head;
    if (v) {
        rq->head = v->rq_next;
        if (!rq->head)
            rq->tail = NULL;
        v->rq_next = NULL;
        v->on_rq = false;
    }
    return v;
}

static void slice_expired(struct timer *t, void *arg)
{
    (void)t;
    ((struct runqueue *)arg)->need_resched = true;
}

static void resched_ipi(struct trap_frame *tf)
{
    (void)tf;
    this_rq()->need_resched = true;
}

static void kick_ipi(struct trap_frame *tf)
{
    (void)tf;                            /* the exit it caused is all it was for */
}

void sched_cpu_init(void)
{
    struct runqueue *rq = this_rq();
    timer_cpu_init();
    timer_init(&rq->slice, slice_expired, rq);
    if (smp_processor_id() == 0) {
        irq_register(VEC_RESCHED, resched_ipi);
        irq_register(VEC_KICK, kick_ipi);
    }
}

bool sched_need_resched(void) { return this_rq()->need_resched; }

static void kick_cpu(unsigned cpu)
{
    if (cpu == smp_processor_id())
        rqs[cpu].need_resched = true;
    else
        apic_send_ipi(percpu_area[cpu].apic_id, VEC_RESCHED);
}

void sched_add(struct vcpu *v, unsigned cpu)
{
    struct runqueue *rq = &rqs[cpu];
    v->cpu = cpu;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    enqueue_locked(rq, v);
    spin_unlock_irqrestore(&rq->lock, f);
    kick_cpu(cpu);
}

void sched_wake(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->cpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    if (v->state == VCPU_BLOCKED) {
        v->state = VCPU_RUNNABLE;
        if (!v->on_rq && rq->curr != v)
            enqueue_locked(rq, v);
    }
    spin_unlock_irqrestore(&rq->lock, f);
    kick_cpu(v->cpu);
}

void sched_resume(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->cpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    /* Under the lock: sched_run re-queues a vCPU it just ran only if its domain was
     * running when it looked, so exactly one of the two queues it. */
    bool queue = v->state == VCPU_RUNNABLE && !v->on_rq && rq->curr != v;
    if (queue)
        enqueue_locked(rq, v);
    spin_unlock_irqrestore(&rq->lock, f);
    if (queue)
        kick_cpu(v->cpu);
}

void sched_migrate(struct vcpu *v, unsigned cpu)
{
    if (cpu >= nr_cpus)
        return;
    v->migrate_to = (int)cpu;
    kick_cpu(v->cpu);
}

/* On v's current CPU, with v neither queued nor running: hand it to its new CPU. */
static void forward(struct vcpu *v)
{
    unsigned to = (unsigned)v->migrate_to;
    v->migrate_to = -1;
    hvm->vcpu_put(v);
    v->migrations++;
    struct runqueue *rq = &rqs[to];
    spin_lock(&rq->lock);
    v->cpu = to;
    enqueue_locked(rq, v);
    spin_unlock(&rq->lock);
    kick_cpu(to);
}

static bool must_move(const struct vcpu *v, unsigned cpu)
{
    return v->migrate_to >= 0 && (unsigned)v->migrate_to != cpu;
}

/* Makes the CPU that v belongs to leave the guest and look at v again, without taking
 * its slice away (an interrupt exit ends the guest's run; the loop re-checks). On this
 * CPU there is nothing to do: the loop checks before every entry. */
void sched_kick_vcpu(struct vcpu *v)
{
    unsigned cpu = v->cpu;
    if (cpu != smp_processor_id())
        apic_send_ipi(percpu_area[cpu].apic_id, VEC_KICK);
}

void sched_yield(void)
{
    this_rq()->need_resched = true;
}

bool sched_vcpu_idle(const struct vcpu *v)
{
    return !READ_ONCE(v->on_rq) && READ_ONCE(rqs[v->cpu].curr) != v;
}

void sched_run(void)
{
    struct runqueue *rq = this_rq();
    unsigned cpu = smp_processor_id();

    for (;;) {
        irq_disable();
        spin_lock(&rq->lock);
        struct vcpu *v = dequeue_locked(rq);
        if (v && must_move(v, cpu)) {
            spin_unlock(&rq->lock);
            forward(v);
            continue;
        }
        rq->curr = v;
        rq->need_resched = false;
        spin_unlock(&rq->lock);

        if (!v) {
            if (cpu == 0 && sched_idle_hook)
                sched_idle_hook();
            /* Sleep until something happens; sti;hlt cannot miss a wake-up IPI. */
            spin_lock(&rq->lock);
            bool empty = !rq->head;
            spin_unlock(&rq->lock);
            if (empty)
                irq_enable_and_halt();
            continue;
        }

        rq->switches++;
        timer_set(&rq->slice, now_tsc() + us_to_tsc(SCHED_SLICE_US));
        vcpu_run(v);
        timer_stop(&rq->slice);

        spin_lock(&rq->lock);
        rq->curr = NULL;
        bool still = v->state == VCPU_RUNNABLE && v->dom->state == DOM_RUNNING;
        bool move = still && must_move(v, cpu);
        if (still && !move)
            enqueue_locked(rq, v);             /* to the back: round robin */
        spin_unlock(&rq->lock);
        if (move)
            forward(v);
        if (!still && sched_idle_hook)
            kick_cpu(0);                       /* the boot CPU's hook watches for this */
        /* Interrupts that ended the run (the slice timer) are taken here. */
        irq_enable();
    }
}

void sched_open(void)
{
    __atomic_store_n(&sched_opened, true, __ATOMIC_RELEASE);
    for (unsigned c = 1; c < nr_cpus; c++)
        apic_send_ipi(percpu_area[c].apic_id, VEC_RESCHED);   /* out of their wait */
}

void sched_secondary_start(void)
{
    while (!__atomic_load_n(&sched_opened, __ATOMIC_ACQUIRE))
        irq_enable_and_halt();          /* woken by IPIs (hvm enable, then a kick) */
    irq_disable();
    sched_cpu_init();
    sched_run();
}
