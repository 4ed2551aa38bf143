/*
 * vcpu_op(cmd, vcpuid, arg): the per-vCPU operations an HVM guest may use on Xen — vcpu_info
 * placement, runstate, the single-shot and periodic timers — and bringing vCPUs up and
 * down (kernel/vcpu_updown.c; guests may also use INIT-SIPI, as Linux PVH does).
 */
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <public/vcpu.h>

static long get_runstate(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct xen_runstate rs;
    struct vcpu_runstate_info r;

    runstate_get(t, &rs);
    memset(&r, 0, sizeof(r));
    r.state = rs.state;
    r.state_entry_time = rs.entry_time;
    memcpy(r.time, rs.time, sizeof(r.time));
    if (!v->xen.hc_compat)
        return copy_to_guest(v, arg, &r, sizeof(r)) ? -XEN_EFAULT : 0;
    uint8_t c[COMPAT_RUNSTATE_SIZE];            /* 32-bit: 64-bit fields 4-aligned */
    memcpy(c, &r.state, 4);
    memcpy(c + 4, &r.state_entry_time, 8);
    memcpy(c + 12, r.time, 32);
    return copy_to_guest(v, arg, c, sizeof(c)) ? -XEN_EFAULT : 0;
}

long do_vcpu_op(struct vcpu *v, const uint64_t a[5])
{
    struct domain *d = v->dom;
    int cmd = (int)a[0];
    uint32_t id = (uint32_t)a[1];
    uint64_t arg = a[2];

    /* Xen checks the command against what HVM guests may use before the vCPU id. */
    switch (cmd) {
    case VCPUOP_initialise:
    case VCPUOP_up:
    case VCPUOP_down:
    case VCPUOP_is_up:
    case VCPUOP_get_runstate_info:
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
    case VCPUOP_register_vcpu_info:
        break;
    default:
        return -XEN_ENOSYS;
    }
    if (id >= d->nr_vcpus)
        return -XEN_ENOENT;
    struct vcpu *t = d->vcpus[id];

    switch (cmd) {
    case VCPUOP_initialise:
    case VCPUOP_up:
    case VCPUOP_down:
    case VCPUOP_is_up:
        return vcpu_op_updown(v, t, cmd, arg);
    case VCPUOP_get_runstate_info:
        return get_runstate(v, t, arg);
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area x;
        if (copy_from_guest(v, &x, arg, sizeof(x)))
            return -XEN_EFAULT;
        return runstate_register(v, t, x.addr);
    }
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer x;
        if (copy_from_guest(v, &x, arg, sizeof(x)))
            return -XEN_EFAULT;
        return vtimer_set_periodic(t, x.period_ns);
    }
    case VCPUOP_stop_periodic_timer:
        vtimer_stop_periodic(t);
        return 0;
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer x;
        if (t != v)
            return -XEN_EINVAL;        /* only a vCPU's own */
        if (copy_from_guest(v, &x, arg, VCPU_SSHOTTMR_SIZE))
            return -XEN_EFAULT;
        return vtimer_set_singleshot(t, x.timeout_abs_ns);
    }
    case VCPUOP_stop_singleshot_timer:
        if (t != v)
            return -XEN_EINVAL;
        vtimer_stop_singleshot(t);
        return 0;
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info x;
        if (copy_from_guest(v, &x, arg, sizeof(x)))
            return -XEN_EFAULT;
        return xen_register_vcpu_info(v, t, x.mfn, x.offset);
    }
    default:
        return -XEN_ENOSYS;
    }
}
