/*
 * Hypercall dispatch, Xen numbering. Arguments come in registers (64-bit guests: RDI,
 * RSI, RDX, R10, R8; 32-bit guests: EBX, ECX, EDX, ESI, EDI); pointers are guest-virtual
 * and only ever reached through copy_from_guest/copy_to_guest. Unknown numbers get
 * -ENOSYS, as on Xen.
 */
#include <keel/vcpu.h>
#include <keel/sched.h>
#include <keel/printk.h>
#include <keel/xen_abi.h>
#include <keel/grant_table.h>
#include <public/xen.h>
#include <public/domctl.h>

typedef long (*hypercall_fn)(struct vcpu *v, const uint64_t a[5]);

static long do_console_io(struct vcpu *v, const uint64_t a[5])
{
    char buf[128];
    uint64_t cmd = a[0], count = a[1], ptr = a[2];

    if (cmd == CONSOLEIO_read) {      /* the console's input belongs to Dom0 */
        if (!v->dom->privileged)
            return -XEN_EPERM;
        size_t n = console_read(buf, MIN((size_t)count, sizeof(buf)));
        if (n && copy_to_guest(v, ptr, buf, n))
            return -XEN_EFAULT;
        return (long)n;
    }
    if (cmd != CONSOLEIO_write)
        return -XEN_EINVAL;
    while (count) {
        size_t n = count > sizeof(buf) ? sizeof(buf) : (size_t)count;
        if (copy_from_guest(v, buf, ptr, n))
            return -XEN_EFAULT;
        /* One line buffer per domain, shared with the console ring's reader. */
        unsigned long f = spin_lock_irqsave(&v->dom->xen.console_lock);
        guest_console_write(v->dom, buf, n);
        spin_unlock_irqrestore(&v->dom->xen.console_lock, f);
        ptr += n;
        count -= n;
    }
    return 0;
}

static long do_sched_op(struct vcpu *v, const uint64_t a[5])
{
    struct sched_shutdown s;

    switch ((int)a[0]) {              /* an int on Xen: the upper half is ignored */
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        /* Block, then look: an event that arrived before is not slept through (one that
         * arrives after wakes the vCPU). */
        __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
        if (xen_events_need_delivery(v)) {
            enum vcpu_state blocked = VCPU_BLOCKED;
            __atomic_compare_exchange_n(&v->state, &blocked, VCPU_RUNNABLE, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
        return 0;
    case SCHEDOP_poll:
        return xen_sched_poll(v, a[1]);
    case SCHEDOP_shutdown:
        if (copy_from_guest(v, &s, a[1], sizeof(s)))
            return -XEN_EFAULT;
        if (s.reason > SHUTDOWN_watchdog)
            return -XEN_EINVAL;
        domain_shutdown(v->dom, (int)s.reason, "the guest asked for it");
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

static const hypercall_fn hypercalls[NR_HYPERCALLS] = {
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
    [__HYPERVISOR_hvm_op] = do_hvm_op,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
    [__HYPERVISOR_domctl] = do_domctl,
};

long hypercall_dispatch(struct vcpu *v, const struct vm_exit *x)
{
    struct guest_gprs *g = &v->regs;
    uint64_t a[5];

    /* Only the guest kernel may call the hypervisor (Xen: -EPERM from user mode). */
    if (x->cpl != 0)
        return -XEN_EPERM;
    if (x->code64) {
        a[0] = g->rdi, a[1] = g->rsi, a[2] = g->rdx, a[3] = g->r10, a[4] = g->r8;
    } else {
        a[0] = (uint32_t)g->rbx, a[1] = (uint32_t)g->rcx, a[2] = (uint32_t)g->rdx;
        a[3] = (uint32_t)g->rsi, a[4] = (uint32_t)g->rdi;
    }
    /* 32-bit code leaves the upper half of RAX undefined. Handlers see the caller's
     * mode for the structures whose layout differs (Xen's compat ABI). */
    uint64_t nr = x->code64 ? g->rax : (uint32_t)g->rax;
    v->xen.hc_compat = !x->code64;
    if (nr >= NR_HYPERCALLS || !hypercalls[nr])
        return -XEN_ENOSYS;
    return hypercalls[nr](v, a);
}
