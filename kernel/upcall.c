/*
 * Event upcalls and the vcpu_run hooks of the Xen ABI.
 *
 * Delivery (HVM_PARAM_CALLBACK_IRQ of type "vector") works as on Xen: the vector is
 * injected directly — not through the virtual local APIC's IRR/ISR — before any entry
 * where the vCPU's vcpu_info has evtchn_upcall_pending set and the vCPU can take an
 * interrupt, ahead of APIC interrupts. It is level-like: the guest clears
 * evtchn_upcall_pending in its handler and sends no EOI (Linux does none for this
 * vector), so an APIC delivery would leave the vector in service forever.
 */
#include <keel/xen_abi.h>
#include <keel/evtchn.h>
#include <keel/pvclock.h>
#include <public/vcpu.h>
#include <keel/sched.h>
#include <keel/vcpu.h>
#include <arch/percpu.h>

void xen_vcpu_kick(struct vcpu *v)
{
    /* In its own exit handling on this CPU: the check before the next entry sees it. */
    if (READ_ONCE(v->xen.in_run) && v->cpu == smp_processor_id())
        return;
    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED) {
        if (!v->wait_sipi)
            sched_wake(v);
    } else {
        sched_kick_vcpu(v);            /* maybe in the guest on another CPU: make it exit */
    }
}

void xen_mark_events_pending(struct vcpu *v)
{
    uint8_t *vi = READ_ONCE(v->xen.vcpu_info);
    /* Only a 0→1 edge needs a kick: otherwise an upcall is on its way already. */
    if (vi && !__atomic_exchange_n(vi, (uint8_t)1, __ATOMIC_SEQ_CST))
        xen_vcpu_kick(v);
}

void xen_upcall_inject(struct vcpu *v)
{
    if (hvm->intr_ready(v)) {
        if (v->after_window) {         /* at a `sti; hlt` whose shadow was lost: see vcpu_run.c */
            v->after_window = false;
            vcpu_complete_hlt(v);
        }
        uint8_t vec = v->xen.upcall_vector ? v->xen.upcall_vector : v->dom->xen.callback_vector;
        hvm->inject_event(v, EVENT_EXTINT, vec, false, 0);
        v->halted = false;
        v->xen.upcalls++;
    } else {
        hvm->intr_window(v, true);     /* exit as soon as it can take it */
    }
}

bool xen_events_need_delivery(struct vcpu *v)
{
    if (!(hvm->get_reg(v, GREG_RFLAGS) & RFLAGS_IF))
        return false;
    return xen_upcall_wanted(v) || vlapic_has_deliverable(v);
}

bool xen_vcpu_enter(struct vcpu *v)
{
    /* Paired with domain_pause_others: it sets pause_req, then reads in_run. */
    __atomic_store_n(&v->xen.in_run, true, __ATOMIC_SEQ_CST);
    return !__atomic_load_n(&v->dom->xen.pause_req, __ATOMIC_SEQ_CST);
}

void xen_vcpu_leave(struct vcpu *v)
{
    __atomic_add_fetch(&v->xen.run_seq, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->xen.in_run, false, __ATOMIC_SEQ_CST);
}

void xen_vcpu_sched_in(struct vcpu *v)
{
    if (v->xen.polling)
        sched_poll_cancel(v);          /* woken by something else than its ports */
    runstate_set(v, RUNSTATE_running);
    pvclock_update(v);
}

void xen_vcpu_sched_out(struct vcpu *v)
{
    int st = RUNSTATE_offline;
    if (v->dom->state == DOM_RUNNING) {
        if (v->state == VCPU_RUNNABLE)
            st = RUNSTATE_runnable;
        else if (v->state == VCPU_BLOCKED && !v->wait_sipi)
            st = RUNSTATE_blocked;
    }
    runstate_set(v, st);
}

bool xen_vcpu_may_wake(const struct vcpu *v)
{
    return timer_active(&v->xen.singleshot) || timer_active(&v->xen.periodic) ||
           timer_active(&v->xen.poll_timer);
}
