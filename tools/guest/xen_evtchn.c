/*
 * Guest-side event channels: hypercall wrappers, the 2-level bitmaps in shared_info, and
 * the upcall handler (include/guest/xen_hv.h).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

volatile uint32_t xen_upcalls[8];
volatile uint32_t xen_port_events[1024];
volatile uint32_t xen_unhandled_events;

static struct {
    xen_port_handler fn;
    void *arg;
} handlers[1024];

/* The vCPU each port notifies, as the hypervisor has it: an upcall handles only its own
 * vCPU's ports (another vCPU's pending port in the same word is that vCPU's to handle,
 * as Linux keeps per-CPU masks). Ports < 1024. */
static uint8_t port_cpu[1024];

long xen_evtchn_op(int cmd, void *arg)
{
    long rc = hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
    uint32_t port = 1024, cpu = 0;

    if (rc)
        return rc;
    switch (cmd) {
    case EVTCHNOP_bind_virq:
        port = ((struct evtchn_bind_virq *)arg)->port, cpu = ((struct evtchn_bind_virq *)arg)->vcpu;
        break;
    case EVTCHNOP_bind_ipi:
        port = ((struct evtchn_bind_ipi *)arg)->port, cpu = ((struct evtchn_bind_ipi *)arg)->vcpu;
        break;
    case EVTCHNOP_bind_vcpu:
        port = ((struct evtchn_bind_vcpu *)arg)->port, cpu = ((struct evtchn_bind_vcpu *)arg)->vcpu;
        break;
    case EVTCHNOP_alloc_unbound:
        port = ((struct evtchn_alloc_unbound *)arg)->port;
        break;
    case EVTCHNOP_bind_interdomain:
        port = ((struct evtchn_bind_interdomain *)arg)->local_port;
        break;
    default:
        break;
    }
    if (port < 1024)
        port_cpu[port] = (uint8_t)cpu;
    return rc;
}

long xen_evtchn_alloc_unbound(domid_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = xen_evtchn_op(EVTCHNOP_alloc_unbound, &a);
    if (rc == 0)
        *port = a.port;
    return rc;
}

long xen_evtchn_bind_interdomain(domid_t remote, uint32_t remote_port, uint32_t *port)
{
    struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = remote_port };
    long rc = xen_evtchn_op(EVTCHNOP_bind_interdomain, &b);
    if (rc == 0)
        *port = b.local_port;
    return rc;
}

long xen_evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = xen_evtchn_op(EVTCHNOP_bind_virq, &b);
    if (rc == 0)
        *port = b.port;
    return rc;
}

long xen_evtchn_bind_ipi(uint32_t vcpu, uint32_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = xen_evtchn_op(EVTCHNOP_bind_ipi, &b);
    if (rc == 0)
        *port = b.port;
    return rc;
}

long xen_evtchn_send(uint32_t port)
{
    struct evtchn_port_arg a = { .port = port };
    return xen_evtchn_op(EVTCHNOP_send, &a);
}

long xen_evtchn_close(uint32_t port)
{
    struct evtchn_port_arg a = { .port = port };
    return xen_evtchn_op(EVTCHNOP_close, &a);
}

long xen_evtchn_unmask(uint32_t port)
{
    struct evtchn_port_arg a = { .port = port };
    return xen_evtchn_op(EVTCHNOP_unmask, &a);
}

long xen_evtchn_status(domid_t dom, uint32_t port, struct evtchn_status *out)
{
    struct evtchn_status s = { .dom = dom, .port = port };
    long rc = xen_evtchn_op(EVTCHNOP_status, &s);
    *out = s;
    return rc;
}

void xen_evtchn_mask(uint32_t port)
{
    __atomic_fetch_or(&xen_shinfo->evtchn_mask[port / 64], 1ull << (port % 64), __ATOMIC_SEQ_CST);
}

int xen_evtchn_pending(uint32_t port)
{
    return (int)((xen_shinfo->evtchn_pending[port / 64] >> (port % 64)) & 1);
}

void xen_evtchn_clear(uint32_t port)
{
    __atomic_fetch_and(&xen_shinfo->evtchn_pending[port / 64], ~(1ull << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

void xen_evtchn_handle(uint32_t port, xen_port_handler fn, void *arg)
{
    if (port < 1024) {
        handlers[port].arg = arg;
        handlers[port].fn = fn;
    }
}

/* The upcall: the guest's half of the 2-level protocol, in Xen's order — upcall flag,
 * then the selector, then each pending & ~mask word — clearing before acting so that a
 * new event is never lost. */
volatile unsigned xen_last_upcall_vector;

static void upcall(unsigned vector)
{
    unsigned cpu = smp_cpu_id();
    xen_last_upcall_vector = vector;
    volatile struct vcpu_info *vi = xen_vcpu_info(cpu);

    atomic_inc(&xen_upcalls[cpu < 8 ? cpu : 0]);
    vi->evtchn_upcall_pending = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzll(sel);
        sel &= sel - 1;
        uint64_t bits = xen_shinfo->evtchn_pending[w] & ~xen_shinfo->evtchn_mask[w];
        while (bits) {
            unsigned b = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint32_t port = w * 64 + b;
            if (port < 1024 && port_cpu[port] != cpu)
                continue;                  /* another vCPU's: its own upcall takes it */
            xen_evtchn_clear(port);
            if (port < 1024) {
                atomic_inc(&xen_port_events[port]);
                if (handlers[port].fn) {
                    handlers[port].fn(port, handlers[port].arg);
                    continue;
                }
            }
            atomic_inc(&xen_unhandled_events);
        }
    }
}

long xen_upcall_vector_set(uint32_t vcpu, uint8_t vector)
{
    struct { uint32_t vcpu; uint8_t vector; } u = { vcpu, vector };
    if (vector >= 32)
        irq_register(vector, upcall);
    return hypercall2(__HYPERVISOR_hvm_op, 23, (unsigned long)&u);
}

long xen_upcall_setup(uint8_t vector)
{
    irq_register(vector, upcall);
    return xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(vector));
}
