/*
 * event_channel_op(cmd, arg): copies the argument in, runs the operation
 * (kernel/evtchn.c), copies the result out. Every argument structure has one layout for
 * 32- and 64-bit guests. As on Xen, a result that cannot be copied back after the
 * operation succeeded is -EFAULT, and the operation stays done.
 */
#include <keel/xen_abi.h>
#include <keel/evtchn.h>

#define IN(type, var)                                       \
    struct type var;                                        \
    if (copy_from_guest(v, &var, arg, sizeof(var)))         \
        return -XEN_EFAULT

#define OUT(var, rc) \
    ((rc) == 0 && copy_to_guest(v, arg, &var, sizeof(var)) ? -XEN_EFAULT : (rc))

long do_event_channel_op(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->dom;
    int cmd = (int)a[0];
    uint64_t arg = a[1];
    int rc;

    switch (cmd) {
    case EVTCHNOP_alloc_unbound: {
        IN(evtchn_alloc_unbound, x);
        rc = evtchn_alloc_unbound(d, &x);
        return OUT(x, rc);
    }
    case EVTCHNOP_bind_interdomain: {
        IN(evtchn_bind_interdomain, x);
        rc = evtchn_bind_interdomain(d, &x);
        return OUT(x, rc);
    }
    case EVTCHNOP_bind_virq: {
        IN(evtchn_bind_virq, x);
        rc = evtchn_bind_virq(d, &x);
        return OUT(x, rc);
    }
    case EVTCHNOP_bind_ipi: {
        IN(evtchn_bind_ipi, x);
        rc = evtchn_bind_ipi(d, &x);
        return OUT(x, rc);
    }
    case EVTCHNOP_close: {
        IN(evtchn_close, x);
        return evtchn_close(d, x.port);
    }
    case EVTCHNOP_send: {
        IN(evtchn_send, x);
        return evtchn_send(d, x.port);
    }
    case EVTCHNOP_status: {
        IN(evtchn_status, x);
        rc = evtchn_status(d, &x);
        return OUT(x, rc);
    }
    case EVTCHNOP_bind_vcpu: {
        IN(evtchn_bind_vcpu, x);
        return evtchn_bind_vcpu(d, x.port, x.vcpu);
    }
    case EVTCHNOP_unmask: {
        IN(evtchn_unmask, x);
        return evtchn_unmask(d, x.port);
    }
    default:
        /* bind_pirq (no physical interrupts for guests yet), reset, and the FIFO ABI
         * (init_control, expand_array, set_priority): guests fall back to 2-level. */
        return -XEN_ENOSYS;
    }
}
