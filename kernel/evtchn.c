/*
 * Event channel ports: a fixed table per domain (EVTCHN_NR_PORTS entries, of which the
 * first valid_ports are valid), the state machine of each port, and the operations of
 * event_channel_op with Xen's argument checks and error codes. Pending and mask bits live
 * in the guest's shared_info (kernel/evtchn_2l.c). See include/keel/evtchn.h for locking.
 */
#include <keel/evtchn.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/xen_abi.h>

static spinlock_t evtchn_pair_lock = SPINLOCK_INIT;

static bool port_valid(const struct domain *d, uint32_t port)
{
    return port < d->xen.valid_ports;
}

/* Per-vCPU VIRQs bind once per vCPU; the rest are global (vCPU 0 at bind time). */
static bool virq_is_global(uint32_t virq)
{
    return !(virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
             virq == VIRQ_XENPMU);
}

/* The lowest free port; the valid range grows by a bucket when none is free. Lock held. */
static int get_free_port(struct domain *d)
{
    if (d->xen.dying)
        return -XEN_EINVAL;
    for (uint32_t p = 0; p < d->xen.valid_ports; p++)
        if (d->xen.chn[p].state == ECS_FREE)
            return (int)p;
    if (d->xen.valid_ports + EVTCHN_BUCKET > EVTCHN_NR_PORTS)
        return -XEN_ENOSPC;
    uint32_t p = d->xen.valid_ports;
    d->xen.valid_ports += EVTCHN_BUCKET;
    return (int)p;
}

/* Back to closed: no stale pending bit for the next user, notifications to vCPU 0. */
static void free_port(struct domain *d, uint32_t port)
{
    evtchn_2l_clear_pending(d, port);
    memset(&d->xen.chn[port], 0, sizeof(d->xen.chn[port]));
}

/* Marks `port` of `d` pending for the vCPU it notifies. Called with the lock of d, or of
 * the peer of an interdomain channel (which keeps d alive). */
static void set_pending(struct domain *d, uint32_t port)
{
    unsigned id = READ_ONCE(d->xen.chn[port].vcpu);
    if (id >= d->nr_vcpus)
        id = 0;
    evtchn_2l_set_pending(d, d->vcpus[id], port);
}

int evtchn_domain_init(struct domain *d)
{
    d->xen.chn = kzalloc(EVTCHN_NR_PORTS * sizeof(struct evtchn));
    if (!d->xen.chn)
        return -XEN_ENOMEM;
    d->xen.valid_ports = EVTCHN_BUCKET;
    d->xen.chn[0].state = ECS_RESERVED;     /* port 0 means "none" to guests */
    return 0;
}

int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
    int rc = xen_self_only(d, a->dom);
    if (rc)
        return rc;
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    int port = get_free_port(d);
    if (port >= 0) {
        struct evtchn *c = &d->xen.chn[port];
        c->state = ECS_UNBOUND;
        c->remote_domid = a->remote_dom == DOMID_SELF ? (uint16_t)d->id : a->remote_dom;
        a->port = (uint32_t)port;
    }
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    return port < 0 ? port : 0;
}

int evtchn_alloc_console(struct domain *d)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
    int rc = evtchn_alloc_unbound(d, &a);
    if (rc)
        return rc;
    d->xen.chn[a.port].console = true;
    d->xen.console_port = a.port;
    return (int)a.port;
}

/* Both table locks, under the pair lock (so any order is deadlock-free). */
static void lock_two(struct domain *a, struct domain *b)
{
    spin_lock(&a->xen.evtchn_lock);
    if (b != a)
        spin_lock(&b->xen.evtchn_lock);
}

static void unlock_two(struct domain *a, struct domain *b)
{
    if (b != a)
        spin_unlock(&b->xen.evtchn_lock);
    spin_unlock(&a->xen.evtchn_lock);
}

int evtchn_bind_interdomain(struct domain *ld, struct evtchn_bind_interdomain *b)
{
    uint32_t rdom = b->remote_dom == DOMID_SELF ? ld->id : b->remote_dom;
    uint32_t rport = b->remote_port;
    int rc = 0;

    unsigned long f = spin_lock_irqsave(&evtchn_pair_lock);
    struct domain *rd = rdom == ld->id ? ld : domain_find(rdom);
    if (!rd) {
        spin_unlock_irqrestore(&evtchn_pair_lock, f);
        return -XEN_ESRCH;
    }
    lock_two(ld, rd);
    int lport = get_free_port(ld);
    if (lport < 0) {
        rc = lport;
        goto out;
    }
    struct evtchn *rc_ = port_valid(rd, rport) ? &rd->xen.chn[rport] : NULL;
    if (!rc_ || rc_->state != ECS_UNBOUND || rc_->remote_domid != ld->id) {
        rc = -XEN_EINVAL;
        goto out;
    }
    struct evtchn *lc = &ld->xen.chn[lport];
    lc->state = ECS_INTERDOMAIN;
    lc->remote = rd;
    lc->remote_port = rport;
    rc_->state = ECS_INTERDOMAIN;
    rc_->remote = ld;
    rc_->remote_port = (uint32_t)lport;
    /* Events sent to the unbound remote end were dropped: start pending, as Xen does. */
    set_pending(ld, (uint32_t)lport);
    b->local_port = (uint32_t)lport;
out:
    unlock_two(ld, rd);
    spin_unlock_irqrestore(&evtchn_pair_lock, f);
    return rc;
}

int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
    uint32_t virq = b->virq, id = b->vcpu;
    int rc = 0;

    if (virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (virq_is_global(virq) && id != 0)
        return -XEN_EINVAL;
    if (id >= d->nr_vcpus)
        return -XEN_ENOENT;
    struct vcpu *v = d->vcpus[id];
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    if (v->xen.virq_port[virq]) {
        rc = -XEN_EEXIST;
    } else if ((rc = get_free_port(d)) >= 0) {
        struct evtchn *c = &d->xen.chn[rc];
        c->state = ECS_VIRQ;
        c->vcpu = (uint8_t)id;
        c->virq = (uint8_t)virq;
        v->xen.virq_port[virq] = (uint16_t)rc;
        b->port = (uint32_t)rc;
        rc = 0;
    }
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    return rc;
}

int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
    if (b->vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    int port = get_free_port(d);
    if (port >= 0) {
        d->xen.chn[port].state = ECS_IPI;
        d->xen.chn[port].vcpu = (uint8_t)b->vcpu;
        b->port = (uint32_t)port;
    }
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    return port < 0 ? port : 0;
}

/* Closes one port of d1; an interdomain peer goes back to unbound, waiting for d1 again.
 * The pair lock is held. */
static int close_locked(struct domain *d1, uint32_t port)
{
    int rc = 0;

    spin_lock(&d1->xen.evtchn_lock);
    if (!port_valid(d1, port)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    struct evtchn *c = &d1->xen.chn[port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        rc = -XEN_EINVAL;
        goto out;
    case ECS_VIRQ:
        for (unsigned i = 0; i < d1->nr_vcpus; i++)
            if (d1->vcpus[i]->xen.virq_port[c->virq] == port)
                d1->vcpus[i]->xen.virq_port[c->virq] = 0;
        break;
    case ECS_INTERDOMAIN: {
        struct domain *d2 = c->remote;
        if (d2 != d1)
            spin_lock(&d2->xen.evtchn_lock);
        struct evtchn *peer = &d2->xen.chn[c->remote_port];
        peer->state = ECS_UNBOUND;
        peer->remote = NULL;
        peer->remote_port = 0;
        peer->remote_domid = (uint16_t)d1->id;
        if (d2 != d1)
            spin_unlock(&d2->xen.evtchn_lock);
        break;
    }
    default:                           /* unbound, IPI: nothing else refers to them */
        break;
    }
    free_port(d1, port);
out:
    spin_unlock(&d1->xen.evtchn_lock);
    return rc;
}

int evtchn_close(struct domain *d, uint32_t port)
{
    unsigned long f = spin_lock_irqsave(&evtchn_pair_lock);
    int rc = close_locked(d, port);
    spin_unlock_irqrestore(&evtchn_pair_lock, f);
    return rc;
}

void evtchn_domain_destroy(struct domain *d)
{
    if (!d->xen.chn)
        return;
    unsigned long f = spin_lock_irqsave(&evtchn_pair_lock);
    spin_lock(&d->xen.evtchn_lock);
    d->xen.dying = true;               /* no new ports from here on */
    spin_unlock(&d->xen.evtchn_lock);
    for (uint32_t p = 1; p < d->xen.valid_ports; p++)
        if (d->xen.chn[p].state != ECS_FREE)
            close_locked(d, p);
    spin_unlock_irqrestore(&evtchn_pair_lock, f);
    kfree(d->xen.chn);
    d->xen.chn = NULL;
}

int evtchn_send(struct domain *d, uint32_t port)
{
    bool console = false;
    int rc = 0;

    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    if (!port_valid(d, port)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    struct evtchn *c = &d->xen.chn[port];
    switch (c->state) {
    case ECS_INTERDOMAIN:
        set_pending(c->remote, c->remote_port);
        break;
    case ECS_IPI:
        set_pending(d, port);
        break;
    case ECS_UNBOUND:
        console = c->console;          /* otherwise nobody listens yet: dropped, as on Xen */
        break;
    default:
        rc = -XEN_EINVAL;
        break;
    }
out:
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    if (console)
        xen_console_notify(d);
    return rc;
}

int evtchn_status(struct domain *d, struct evtchn_status *s)
{
    uint32_t dom = s->dom == DOMID_SELF ? d->id : s->dom;
    int rc = 0;

    /* Xen's order: no such domain (-ESRCH), bad port (-EINVAL), then the permission
     * check (-EPERM: only a domain's own ports). */
    unsigned long f = spin_lock_irqsave(&evtchn_pair_lock);
    struct domain *t = dom == d->id ? d : domain_find(dom);
    if (!t) {
        rc = -XEN_ESRCH;
        goto out_pair;
    }
    spin_lock(&t->xen.evtchn_lock);
    if (!port_valid(t, s->port)) {
        rc = -XEN_EINVAL;
    } else if (t != d) {
        rc = -XEN_EPERM;
    } else {
        struct evtchn *c = &t->xen.chn[s->port];
        memset(&s->u, 0, sizeof(s->u));
        switch (c->state) {
        case ECS_UNBOUND:
            s->status = EVTCHNSTAT_unbound;
            s->u.unbound.dom = c->remote_domid;
            break;
        case ECS_INTERDOMAIN:
            s->status = EVTCHNSTAT_interdomain;
            s->u.interdomain.dom = (domid_t)c->remote->id;
            s->u.interdomain.port = c->remote_port;
            break;
        case ECS_VIRQ:
            s->status = EVTCHNSTAT_virq;
            s->u.virq = c->virq;
            break;
        case ECS_IPI:
            s->status = EVTCHNSTAT_ipi;
            break;
        default:
            s->status = EVTCHNSTAT_closed;
            break;
        }
        s->vcpu = c->vcpu;
    }
    spin_unlock(&t->xen.evtchn_lock);
out_pair:
    spin_unlock_irqrestore(&evtchn_pair_lock, f);
    return rc;
}

int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu)
{
    int rc = 0;

    if (vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    if (!port_valid(d, port)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    struct evtchn *c = &d->xen.chn[port];
    switch (c->state) {
    case ECS_VIRQ:
        if (!virq_is_global(c->virq)) {
            rc = -XEN_EINVAL;          /* per-vCPU VIRQs stay where they were bound */
            break;
        }
        /* The global VIRQ table entry lives on vCPU 0 whatever vCPU it notifies. */
        c->vcpu = (uint8_t)vcpu;
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        c->vcpu = (uint8_t)vcpu;
        break;
    default:                           /* IPIs keep their vCPU; closed ports have none */
        rc = -XEN_EINVAL;
        break;
    }
out:
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    return rc;
}

int evtchn_unmask(struct domain *d, uint32_t port)
{
    int rc = 0;
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    if (!port_valid(d, port)) {
        rc = -XEN_EINVAL;
    } else {
        unsigned id = d->xen.chn[port].vcpu;
        evtchn_2l_unmask(d, d->vcpus[id < d->nr_vcpus ? id : 0], port);
    }
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
    return rc;
}

void evtchn_send_virq(struct vcpu *v, unsigned virq)
{
    struct domain *d = v->dom;
    if (virq >= NR_VIRQS)
        return;
    unsigned long f = spin_lock_irqsave(&d->xen.evtchn_lock);
    uint32_t port = v->xen.virq_port[virq];
    if (port && d->xen.chn)
        set_pending(d, port);
    spin_unlock_irqrestore(&d->xen.evtchn_lock, f);
}

bool evtchn_port_pending(struct domain *d, uint32_t port)
{
    return port_valid(d, port) && evtchn_2l_is_pending(d, port);
}
