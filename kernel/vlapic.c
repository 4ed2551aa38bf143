/*
 * Virtual local APIC, x2APIC mode (Intel SDM vol. 3 ch. 10, "x2APIC" MSR interface).
 * IRR/ISR as 256-bit sets; delivery picks the highest IRR vector above the processor
 * priority and injects it when the guest can take it (else an interrupt-window exit is
 * requested). IPIs between a guest's own vCPUs go through ICR (fixed, INIT, SIPI; physical
 * and logical cluster destinations, shorthands). The timer: one-shot, periodic and
 * TSC-deadline, on the host's per-CPU timers.
 */
#include <keel/vlapic.h>
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <arch/cpu.h>

#define MSR_APIC_BASE_       0x01b
#define MSR_TSC_DEADLINE     0x6e0
#define X2APIC_FIRST         0x800
#define X2APIC_LAST          0x8ff

#define APIC_BASE_ADDR       0xfee00000ull
#define APIC_BASE_BSP        (1ull << 8)
#define APIC_BASE_EXTD       (1ull << 10)
#define APIC_BASE_EN         (1ull << 11)

#define VLAPIC_VERSION       0x50014u      /* version 0x14, max LVT entry 5 */
#define SVR_ENABLE           (1u << 8)
#define LVT_MASK             (1u << 16)
#define TIMER_MODE(l)        (((l) >> 17) & 3)
#define TIMER_ONESHOT        0
#define TIMER_PERIODIC       1
#define TIMER_TSC_DEADLINE   2

enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* ---- 256-bit vector sets ---- */
static void set_bit(uint32_t *s, uint8_t v) { s[v / 32] |= 1u << (v % 32); }
static void clear_bit(uint32_t *s, uint8_t v) { s[v / 32] &= ~(1u << (v % 32)); }
static int highest(const uint32_t *s)
{
    for (int i = 7; i >= 0; i--)
        if (s[i])
            return i * 32 + 31 - __builtin_clz(s[i]);
    return -1;
}

static uint32_t x2apic_id(const struct vcpu *v) { return v->id; }
static uint32_t ldr_of(uint32_t id) { return ((id >> 4) << 16) | (1u << (id & 0xf)); }

/* Processor priority: the higher of TPR and the highest in-service class. */
static uint32_t ppr(const struct vlapic *l)
{
    int isr = highest(l->isr);
    uint32_t isrc = isr < 0 ? 0 : (uint32_t)isr & 0xf0;
    return (l->tpr & 0xf0) >= isrc ? l->tpr & 0xff : isrc;
}

static int deliverable_locked(const struct vlapic *l)
{
    int irr = highest(l->irr);
    if (irr < 0 || !(l->svr & SVR_ENABLE))
        return -1;
    return ((uint32_t)irr & 0xf0) > (ppr(l) & 0xf0) ? irr : -1;
}

/* ---- the timer ---- */
static uint64_t divisor(const struct vlapic *l)
{
    uint32_t d = ((l->timer_divide & 8) >> 1) | (l->timer_divide & 3);
    return d == 7 ? 1 : 2ull << d;
}

static void timer_fire(struct timer *t, void *arg)
{
    struct vcpu *v = arg;
    struct vlapic *l = &v->vlapic;
    unsigned long f = spin_lock_irqsave(&l->lock);
    uint32_t lvt = l->lvt[LVT_TIMER];
    uint8_t vector = lvt & 0xff;
    if (TIMER_MODE(lvt) == TIMER_PERIODIC && l->timer_initial) {
        uint64_t period = (uint64_t)l->timer_initial * divisor(l);
        l->timer_start += period;
        timer_set(t, l->timer_start + period);
    } else if (TIMER_MODE(lvt) == TIMER_TSC_DEADLINE) {
        l->tsc_deadline = 0;
    }
    spin_unlock_irqrestore(&l->lock, f);
    if (!(lvt & LVT_MASK))
        vlapic_raise(v, vector);
}

/* (Re)arms after a change of count, mode or deadline. Lock held; runs on v's CPU. */
static void timer_rearm(struct vcpu *v)
{
    struct vlapic *l = &v->vlapic;
    uint32_t lvt = l->lvt[LVT_TIMER];
    timer_stop(&l->timer);
    if (TIMER_MODE(lvt) == TIMER_TSC_DEADLINE) {
        if (l->tsc_deadline)
            timer_set(&l->timer, l->tsc_deadline - v->dom->tsc_offset);
    } else if (l->timer_initial) {
        timer_set(&l->timer, l->timer_start + (uint64_t)l->timer_initial * divisor(l));
    }
}

static uint32_t timer_current(const struct vlapic *l)
{
    if (!l->timer_initial || TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE)
        return 0;
    uint64_t elapsed = (rdtsc() - l->timer_start) / divisor(l);
    if (TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_PERIODIC)
        return l->timer_initial - (uint32_t)(elapsed % l->timer_initial);
    return elapsed >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)elapsed;
}

/* ---- life cycle ---- */
void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = &v->vlapic;
    memset(l, 0, sizeof(*l));
    for (int i = 0; i < 7; i++)
        l->lvt[i] = LVT_MASK;
    l->svr = 0xff;                       /* software-disabled until the guest enables it */
    timer_init(&l->timer, timer_fire, v);
}

void vlapic_destroy(struct vcpu *v)
{
    timer_stop(&v->vlapic.timer);
}

/* ---- delivery ---- */
void vlapic_raise(struct vcpu *v, uint8_t vector)
{
    struct vlapic *l = &v->vlapic;
    if (vector < 16)
        return;                          /* illegal vectors: a real APIC sets an ESR bit */
    unsigned long f = spin_lock_irqsave(&l->lock);
    set_bit(l->irr, vector);
    l->pending = true;
    spin_unlock_irqrestore(&l->lock, f);
    /* The store above must be visible before we read the state: the HLT path stores the
     * state, then reads `pending` (a store-load pair needs a full fence on x86). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (v->state == VCPU_BLOCKED && !v->wait_sipi)
        sched_wake(v);
    else
        sched_kick_vcpu(v);              /* it may be in the guest: make it look */
}

bool vlapic_has_deliverable(struct vcpu *v)
{
    struct vlapic *l = &v->vlapic;
    if (!l->pending)
        return false;
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool r = deliverable_locked(l) >= 0;
    spin_unlock_irqrestore(&l->lock, f);
    return r;
}

bool vlapic_may_wake(struct vcpu *v)
{
    return v->vlapic.pending || timer_active(&v->vlapic.timer);
}

void vlapic_deliver(struct vcpu *v)
{
    struct vlapic *l = &v->vlapic;
    unsigned long f = spin_lock_irqsave(&l->lock);
    int vec = deliverable_locked(l);
    if (vec >= 0) {
        if (hvm->intr_ready(v)) {
            if (v->after_window) {
                v->after_window = false;
                vcpu_complete_hlt(v);
            }
            clear_bit(l->irr, (uint8_t)vec);
            set_bit(l->isr, (uint8_t)vec);
            l->pending = highest(l->irr) >= 0;
            l->delivered++;
            hvm->inject_event(v, EVENT_EXTINT, (uint8_t)vec, false, 0);
            v->halted = false;
        } else {
            hvm->intr_window(v, true);
        }
    }
    spin_unlock_irqrestore(&l->lock, f);
}

/* ---- IPIs between the domain's own vCPUs ---- */
static bool dest_match(struct vcpu *t, uint32_t dest, bool logical)
{
    uint32_t id = x2apic_id(t);
    if (dest == 0xffffffffu)
        return true;                       /* broadcast */
    if (!logical)
        return id == dest;
    uint32_t ldr = ldr_of(id);
    return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
}

static void send_ipi(struct vcpu *v, uint64_t icr)
{
    struct domain *d = v->dom;
    uint8_t vector = icr & 0xff;
    unsigned mode = (icr >> 8) & 7, shorthand = (icr >> 18) & 3;
    bool logical = icr & (1u << 11);
    uint32_t dest = (uint32_t)(icr >> 32);

    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        bool hit = shorthand == 1 ? t == v : shorthand == 2 ? true
                 : shorthand == 3 ? t != v : dest_match(t, dest, logical);
        if (!hit)
            continue;
        switch (mode) {
        case 0:                              /* fixed */
        case 1:                              /* lowest priority: treated as fixed */
            vlapic_raise(t, vector);
            break;
        case 5:                              /* INIT (level de-assert has bit 14 clear) */
            if ((icr & (1u << 14)) && t != v)
                vcpu_init_signal(t);
            break;
        case 6:                              /* start-up */
            if (t != v)
                vcpu_sipi(t, vector);
            break;
        default:                             /* SMI, NMI, ExtINT: not offered */
            break;
        }
    }
}

/* ---- the MSR interface ---- */
bool vlapic_owns_msr(uint32_t msr)
{
    return msr == MSR_APIC_BASE_ || msr == MSR_TSC_DEADLINE ||
           (msr >= X2APIC_FIRST && msr <= X2APIC_LAST);
}

bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = &v->vlapic;
    bool ok = true;

    if (msr == MSR_APIC_BASE_) {
        *val = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | (v->id == 0 ? APIC_BASE_BSP : 0);
        return true;
    }
    unsigned long f = spin_lock_irqsave(&l->lock);
    if (msr == MSR_TSC_DEADLINE) {
        *val = TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
        goto out;
    }
    unsigned reg = msr - X2APIC_FIRST;
    switch (reg) {
    case 0x02: *val = x2apic_id(v); break;
    case 0x03: *val = VLAPIC_VERSION; break;
    case 0x08: *val = l->tpr; break;
    case 0x0a: *val = ppr(l); break;
    case 0x0d: *val = ldr_of(x2apic_id(v)); break;
    case 0x0f: *val = l->svr; break;
    case 0x10 ... 0x17: *val = l->isr[reg - 0x10]; break;
    case 0x18 ... 0x1f: *val = l->tmr[reg - 0x18]; break;
    case 0x20 ... 0x27: *val = l->irr[reg - 0x20]; break;
    case 0x28: *val = l->esr; break;
    case 0x2f: *val = l->lvt[LVT_CMCI]; break;
    case 0x30: *val = 0; break;               /* ICR: delivery is instant, never busy */
    case 0x32 ... 0x37: *val = l->lvt[LVT_TIMER + reg - 0x32]; break;
    case 0x38: *val = l->timer_initial; break;
    case 0x39: *val = timer_current(l); break;
    case 0x3e: *val = l->timer_divide; break;
    default: ok = false; break;               /* write-only (EOI, self IPI) or reserved */
    }
out:
    spin_unlock_irqrestore(&l->lock, f);
    return ok;
}

bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = &v->vlapic;
    uint64_t icr = 0;
    bool ok = true;

    if (msr == MSR_APIC_BASE_) {
        uint64_t cur;
        vlapic_msr_read(v, msr, &cur);
        return val == cur;                    /* only x2APIC mode, at the usual address */
    }
    unsigned long f = spin_lock_irqsave(&l->lock);
    if (msr == MSR_TSC_DEADLINE) {
        if (TIMER_MODE(l->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE) {
            l->tsc_deadline = val;
            timer_rearm(v);
        }
        goto out;
    }
    unsigned reg = msr - X2APIC_FIRST;
    /* x2APIC: the upper half of every register but ICR is reserved (#GP if set). */
    if (reg != 0x30 && (val >> 32)) {
        ok = false;
        goto out;
    }
    switch (reg) {
    case 0x08: l->tpr = val & 0xff; break;
    case 0x0b: {                               /* EOI: retire the highest in service */
        int isr = highest(l->isr);
        if (val) {
            ok = false;
            break;
        }
        if (isr >= 0)
            clear_bit(l->isr, (uint8_t)isr);
        break;
    }
    case 0x0f: l->svr = val & 0x1ff; break;
    case 0x28: l->esr = 0; break;
    case 0x2f: l->lvt[LVT_CMCI] = val & 0x107ff; break;
    case 0x30: icr = val; break;               /* sent below, without the lock */
    case 0x32: {
        uint32_t old = l->lvt[LVT_TIMER];
        uint32_t mode = TIMER_MODE((uint32_t)val);
        if (mode == TIMER_TSC_DEADLINE && !cpu_features.tsc_deadline)
            mode = TIMER_ONESHOT;
        l->lvt[LVT_TIMER] = ((uint32_t)val & 0x100ff) | (mode << 17);
        if (TIMER_MODE(old) != mode) {         /* a mode change disarms the timer */
            l->timer_initial = 0;
            l->tsc_deadline = 0;
            timer_stop(&l->timer);
        }
        break;
    }
    case 0x33 ... 0x37: l->lvt[LVT_TIMER + reg - 0x32] = val & 0x1a7ff; break;
    case 0x38:
        l->timer_initial = (uint32_t)val;
        l->timer_start = rdtsc();
        if (TIMER_MODE(l->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE)
            timer_rearm(v);
        break;
    case 0x3e: l->timer_divide = val & 0xb; break;
    case 0x3f:                                 /* self IPI */
        icr = (val & 0xff) | (1u << 18);
        break;
    default: ok = false; break;                /* read-only or reserved */
    }
out:
    spin_unlock_irqrestore(&l->lock, f);
    if (ok && icr)
        send_ipi(v, icr);
    return ok;
}
