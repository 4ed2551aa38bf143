/*
 * hvm_op: HVMOP_set_param / HVMOP_get_param on the calling domain's parameters. As on
 * Xen, a guest may set only a few of them (the callback, and the store and console
 * ports) and read a few more (the store and console pages among them); the others are
 * the toolstack's (-EPERM). Keel implements the callback of type "vector"; the other
 * guest-settable ones it does not use are refused with -EINVAL. HVMOP_set_evtchn_upcall_vector
 * gives one vCPU a vector of its own (Linux uses it when CPUID offers it).
 */
#include <keel/xen_abi.h>
#include <public/hvm_op.h>

BUILD_BUG_ON(sizeof(struct xen_hvm_param) != 16);

static bool guest_may_read(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

static long set_param(struct vcpu *v, uint32_t index, uint64_t value)
{
    struct domain *d = v->dom;

    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ: {
        unsigned type = (unsigned)(value >> HVM_PARAM_CALLBACK_TYPE_SHIFT);
        if (value && type != HVM_PARAM_CALLBACK_TYPE_VECTOR)
            return -XEN_EINVAL;        /* GSI / PCI INTx: no emulated interrupt controllers */
        xen_latch_compat(v);
        d->xen.params[index] = value;
        WRITE_ONCE(d->xen.callback_vector, value ? (uint8_t)value : 0);
        /* Events that arrived before the callback existed are delivered now. */
        for (unsigned i = 0; value && i < d->nr_vcpus; i++)
            if (xen_upcall_wanted(d->vcpus[i]))
                xen_vcpu_kick(d->vcpus[i]);
        return 0;
    }
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        /* Guests may tell the toolstack which port they use; Keel's console reader
         * follows the port it allocated, whatever the guest writes here. */
        d->xen.params[index] = value;
        return 0;
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_X87_FIP_WIDTH:
        return -XEN_EINVAL;            /* settable on Xen, meaningless on Keel */
    default:
        return -XEN_EPERM;             /* the toolstack's */
    }
}

static long set_upcall_vector(struct vcpu *v, uint64_t arg)
{
    struct xen_hvm_evtchn_upcall_vector u;
    struct domain *d = v->dom;

    if (copy_from_guest(v, &u, arg, sizeof(u)))
        return -XEN_EFAULT;
    if (u.vector < 0x10)
        return -XEN_EINVAL;            /* exception vectors, as Xen refuses them */
    if (u.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    struct vcpu *t = d->vcpus[u.vcpu];
    xen_latch_compat(v);
    WRITE_ONCE(t->xen.upcall_vector, u.vector);
    if (xen_upcall_wanted(t))
        xen_vcpu_kick(t);              /* what was pending goes out on the new vector */
    return 0;
}

long do_hvm_op(struct vcpu *v, const uint64_t a[5])
{
    uint64_t op = a[0] & 0xff, arg = a[1];     /* the bits above: a continuation */
    struct xen_hvm_param p;

    if (op == HVMOP_set_evtchn_upcall_vector)
        return set_upcall_vector(v, arg);
    if (op != HVMOP_set_param && op != HVMOP_get_param)
        return -XEN_ENOSYS;
    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -XEN_EFAULT;
    int rc = xen_self_only(v->dom, p.domid);
    if (rc)
        return rc;
    if (p.index >= HVM_NR_PARAMS)
        return -XEN_EINVAL;
    if (op == HVMOP_set_param)
        return set_param(v, p.index, p.value);
    if (!guest_may_read(p.index))
        return -XEN_EPERM;
    p.value = v->dom->xen.params[p.index];
    return copy_to_guest(v, arg, &p, sizeof(p)) ? -XEN_EFAULT : 0;
}
