/*
 * SCHEDOP_poll: the vCPU blocks until one of a list of ports is pending (masked or not —
 * that is how guests sleep on a port), until an optional timeout in system time, or until
 * an upcall wakes it. Wake-ups come from evtchn_2l_set_pending (xen_poll_notify), which
 * looks at the pollers only when the domain's poll_mask says there are some.
 */
#include <keel/xen_abi.h>
#include <keel/evtchn.h>
#include <keel/pvclock.h>
#include <keel/sched.h>
#include <keel/vcpu.h>

/* Stops polling; true if this call did (so the caller wakes it). */
static bool stop_polling(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->xen.polling, false, __ATOMIC_SEQ_CST))
        return false;
    __atomic_fetch_and(&v->dom->xen.poll_mask, ~(1u << v->id), __ATOMIC_SEQ_CST);
    return true;
}

static void poll_timed_out(struct timer *t, void *arg)
{
    (void)t;
    struct vcpu *v = arg;
    if (stop_polling(v))
        sched_wake(v);
}

void sched_poll_init(struct vcpu *v)
{
    timer_init(&v->xen.poll_timer, poll_timed_out, v);
    v->xen.poll_port = -1;
}

void sched_poll_cancel(struct vcpu *v)
{
    stop_polling(v);
    timer_stop(&v->xen.poll_timer);
}

void xen_poll_notify(struct domain *d, uint32_t port)
{
    uint32_t mask = __atomic_load_n(&d->xen.poll_mask, __ATOMIC_SEQ_CST);
    while (mask) {
        unsigned i = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        struct vcpu *v = i < d->nr_vcpus ? d->vcpus[i] : NULL;
        if (!v)
            continue;
        int32_t want = READ_ONCE(v->xen.poll_port);
        if ((want < 0 || (uint32_t)want == port) && stop_polling(v)) {
            timer_stop(&v->xen.poll_timer);
            sched_wake(v);
        }
    }
}

long xen_sched_poll(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->dom;
    uint64_t ports, timeout;
    uint32_t nr, port = 0;
    long rc = 0;

    if (v->xen.hc_compat) {
        struct compat_sched_poll c;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -XEN_EFAULT;
        ports = c.ports;
        nr = c.nr_ports;
        timeout = ((uint64_t)c.timeout_hi << 32) | c.timeout_lo;
    } else {
        struct sched_poll p;
        if (copy_from_guest(v, &p, arg, sizeof(p)))
            return -XEN_EFAULT;
        ports = p.ports;
        nr = p.nr_ports;
        timeout = p.timeout;
    }
    if (nr > SCHED_POLL_MAX_PORTS)
        return -XEN_EINVAL;

    /* Blocked and registered as a poller first, then look: a port set pending meanwhile
     * finds us in poll_mask and wakes us (we are still the running vCPU, so that only
     * makes us runnable again). */
    v->xen.poll_port = -1;
    __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->xen.polling, true, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&d->xen.poll_mask, 1u << v->id, __ATOMIC_SEQ_CST);

    if (xen_events_need_delivery(v))
        goto wake;
    for (uint32_t i = 0; i < nr; i++) {
        if (copy_from_guest(v, &port, ports + 4ull * i, sizeof(port))) {
            rc = -XEN_EFAULT;
            goto wake;
        }
        if (port >= EVTCHN_2L_NR_CHANNELS) {
            rc = -XEN_EINVAL;
            goto wake;
        }
        if (evtchn_port_pending(d, port))
            goto wake;
    }
    if (nr == 1)
        WRITE_ONCE(v->xen.poll_port, (int32_t)port);
    if (timeout)
        timer_set(&v->xen.poll_timer, xen_time_to_host_tsc(timeout));
    return 0;
wake: {
    stop_polling(v);
    enum vcpu_state blocked = VCPU_BLOCKED;      /* unless the domain stopped meanwhile */
    __atomic_compare_exchange_n(&v->state, &blocked, VCPU_RUNNABLE, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return rc;
}
}
