/*
 * event_channel_op(cmd, arg): Xen's event channels, in Keel's words. Every structure
 * below has the same layout for 32- and 64-bit guests (only 16- and 32-bit fields).
 * Ports are numbered from 1; port 0 is never handed out.
 */
#ifndef KEEL_PUBLIC_EVENT_CHANNEL_H
#define KEEL_PUBLIC_EVENT_CHANNEL_H

#include <public/xen.h>

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11     /* FIFO ABI: Keel answers -ENOSYS (2-level only) */
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13

/* A new port in domain `dom` (DOMID_SELF: the caller; only itself is allowed) that
 * domain `remote_dom` may later bind to. OUT: port. */
struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;
};

/* Connects a new local port to <remote_dom, remote_port>, which must be unbound and
 * waiting for the caller. OUT: local_port (it starts pending). */
struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;
};

/* A new port that receives VIRQ `virq` on vCPU `vcpu`. OUT: port. */
struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port;
};

/* A new port whose sends notify the caller's own vCPU `vcpu`. OUT: port. */
struct evtchn_bind_ipi {
    uint32_t vcpu;
    evtchn_port_t port;
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5

struct evtchn_status {
    domid_t dom;                   /* IN: DOMID_SELF or the caller's own id */
    evtchn_port_t port;            /* IN */
    uint32_t status;               /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;                 /* OUT: the vCPU it notifies */
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

/* Which vCPU a port notifies (unbound, interdomain and global-VIRQ ports only). */
struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

/* Clears the mask bit; an event pending on the port is then delivered. */
struct evtchn_unmask {
    evtchn_port_t port;
};

#endif
