/*
 * Event channels (kernel/evtchn.c: the port table and the operations; kernel/evtchn_2l.c:
 * the 2-level pending/mask bitmaps in shared_info; kernel/evtchn_op.c: the hypercall).
 *
 * Locking: each domain's table is guarded by d->xen.evtchn_lock. Operations that touch
 * two domains' tables (bind_interdomain, closing an interdomain port, tearing a domain
 * down) also hold the global evtchn_pair_lock, which makes taking the two table locks in
 * any order safe, and keeps a domain found by domain_find alive (domain_destroy takes it
 * after unlisting the domain). A send holds only the sender's lock: the remote end cannot
 * be torn down without that lock, so the remote domain stays alive meanwhile.
 */
#ifndef KEEL_EVTCHN_H
#define KEEL_EVTCHN_H

#include <keel/domain.h>
#include <public/event_channel.h>

enum evtchn_state {
    ECS_FREE = 0,
    ECS_RESERVED,                      /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_VIRQ,
    ECS_IPI,
};

struct evtchn {
    uint8_t state;                     /* enum evtchn_state */
    uint8_t vcpu;                      /* the vCPU it notifies */
    uint8_t virq;                      /* ECS_VIRQ */
    bool console;                      /* the console ring's port: Keel reads the ring on a
                                          send while the port is unbound (no Dom0 yet) */
    uint16_t remote_domid;             /* ECS_UNBOUND: who may bind */
    uint32_t remote_port;              /* ECS_INTERDOMAIN */
    struct domain *remote;             /* ECS_INTERDOMAIN */
};

int evtchn_domain_init(struct domain *d);
/* Closes every port, both ends of interdomain ones; the domain is unlisted already. */
void evtchn_domain_destroy(struct domain *d);

/* The operations, for the calling domain `d` (errors as Xen returns them). */
int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a);
int evtchn_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *b);
int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *b);
int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b);
int evtchn_close(struct domain *d, uint32_t port);
int evtchn_send(struct domain *d, uint32_t port);
int evtchn_status(struct domain *d, struct evtchn_status *s);
int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu);
int evtchn_unmask(struct domain *d, uint32_t port);

/* The console ring's port, allocated by the domain builder: unbound, for Dom0 (id 0). */
int evtchn_alloc_console(struct domain *d);
/* Raises per-vCPU VIRQ `virq` on v, if the guest bound it (any CPU, interrupts off). */
void evtchn_send_virq(struct vcpu *v, unsigned virq);
/* For SCHEDOP_poll: is port pending (false for ports outside the table)? */
bool evtchn_port_pending(struct domain *d, uint32_t port);

/* The 2-level ABI (kernel/evtchn_2l.c). */
void evtchn_2l_set_pending(struct domain *d, struct vcpu *v, uint32_t port);
void evtchn_2l_clear_pending(struct domain *d, uint32_t port);
bool evtchn_2l_is_pending(struct domain *d, uint32_t port);
void evtchn_2l_unmask(struct domain *d, struct vcpu *v, uint32_t port);

/* Provided elsewhere (faked in unit tests): */
void xen_mark_events_pending(struct vcpu *v);          /* kernel/shared_info.c */
void xen_poll_notify(struct domain *d, uint32_t port); /* kernel/sched_poll.c */
void xen_console_notify(struct domain *d);             /* kernel/xen_console.c */

#endif
