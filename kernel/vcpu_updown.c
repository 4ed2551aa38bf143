/*
 * VCPUOP_initialise, up and down: the Xen way for a guest to start, stop and restart its
 * own secondary vCPUs (the other way is INIT-SIPI through the virtual local APIC).
 *
 * The states, as on Xen: a vCPU that never ran since it was created or sent INIT is
 * "uninitialised"; initialise gives it a start context; up starts it from that context,
 * or resumes it where it stopped if it was merely down. Down stops a running vCPU
 * (itself included) without touching its registers. Like INIT and SIPI, the caller only
 * records the request under the target's signal lock; the target's own CPU, which holds
 * its hardware state, applies it (kernel/vcpu_run.c, apply_signals).
 *
 * Keel takes the 32-bit context in the PVH start state only — protected mode, paging
 * off, flat segments — which is what a PVH guest hands over for its secondary vCPUs; the
 * 64-bit form and anything else get -EINVAL.
 */
#include <keel/vcpu.h>
#include <keel/sched.h>
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <public/vcpu.h>

BUILD_BUG_ON(sizeof(struct vcpu_hvm_x86_32) != 120);
BUILD_BUG_ON(sizeof(struct vcpu_hvm_context) != 128);

/* RFLAGS a start context may set: the arithmetic flags, IF, DF, OF. */
#define START_RFLAGS_MASK 0xed5u

static bool ctx_is_pvh_start(const struct vcpu_hvm_x86_32 *c)
{
    return (c->cr0 & ~CR0_ET) == CR0_PE && !c->cr4 && !c->efer &&
           !c->cs_base && !c->ds_base && !c->ss_base && !c->es_base &&
           c->cs_limit == ~0u && c->ds_limit == ~0u && c->ss_limit == ~0u && c->es_limit == ~0u;
}

static long initialise(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_hvm_context c;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -XEN_EFAULT;
    if (c.mode != VCPU_HVM_MODE_32B || !ctx_is_pvh_start(&c.cpu_regs.x86_32))
        return -XEN_EINVAL;
    unsigned long f = spin_lock_irqsave(&t->sig_lock);
    long rc = 0;
    if (!t->wait_sipi || t->initialised || t->start_pending) {
        rc = -XEN_EEXIST;                      /* running, or down with its state kept */
    } else {
        t->xen.ctx = c.cpu_regs.x86_32;
        t->xen.ctx_valid = true;
    }
    spin_unlock_irqrestore(&t->sig_lock, f);
    return rc;
}

static long up(struct vcpu *t)
{
    unsigned long f = spin_lock_irqsave(&t->sig_lock);
    long rc = 0;
    if (t->wait_sipi)
        t->xen.down = false;                   /* counted down through wait_sipi meanwhile */
    if (!t->wait_sipi) {
        /* up already (or starting) */
    } else if (t->initialised) {
        t->wait_sipi = false;                  /* down: resume where it stopped */
        t->init_pending = false;
    } else if (t->xen.ctx_valid) {
        t->start_from_ctx = true;
        t->start_pending = true;
        t->wait_sipi = false;
        t->init_pending = false;
    } else {
        rc = -XEN_EINVAL;                      /* nothing to start it from */
    }
    bool wake = !rc && !t->wait_sipi;
    spin_unlock_irqrestore(&t->sig_lock, f);
    if (wake)
        sched_wake(t);
    return rc;
}

static long down(struct vcpu *t)
{
    unsigned long f = spin_lock_irqsave(&t->sig_lock);
    if (!t->wait_sipi) {
        t->wait_sipi = true;                   /* only up (or a SIPI) wakes it now */
        t->init_pending = true;                /* leave the guest; registers are kept */
    }
    spin_unlock_irqrestore(&t->sig_lock, f);
    sched_kick_vcpu(t);
    return 0;
}

long vcpu_op_updown(struct vcpu *v, struct vcpu *t, int cmd, uint64_t arg)
{
    switch (cmd) {
    case VCPUOP_initialise:
        return initialise(v, t, arg);
    case VCPUOP_up:
        return up(t);
    case VCPUOP_down:
        return down(t);
    default:
        return !READ_ONCE(t->wait_sipi);       /* VCPUOP_is_up */
    }
}

void vcpu_start_from_ctx(struct vcpu *v)
{
    const struct vcpu_hvm_x86_32 *c = &v->xen.ctx;

    hvm->vcpu_set_start(v, START_PVH32, c->eip, v->dom->p2m.root);
    v->regs.rax = c->eax, v->regs.rcx = c->ecx, v->regs.rdx = c->edx, v->regs.rbx = c->ebx;
    v->regs.rbp = c->ebp, v->regs.rsi = c->esi, v->regs.rdi = c->edi;
    hvm->set_reg(v, GREG_RSP, c->esp);
    hvm->set_reg(v, GREG_RFLAGS, (c->eflags & START_RFLAGS_MASK) | 2);
    v->xen.ctx_valid = false;                  /* used up: a later INIT needs a new one */
}
