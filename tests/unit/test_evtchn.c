/*
 * Host unit tests of the event channel core: kernel/evtchn.c (port table, state machine,
 * Xen's error codes) and kernel/evtchn_2l.c (pending/mask bitmaps, selector, upcall flag)
 * on fake domains whose shared_info is a host page. The rest of the hypervisor is faked
 * here: domain_find (a small table), the upcall kick (counts per vCPU, and sets the
 * upcall_pending byte like the real one), pollers and the console (counters).
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include <keel/evtchn.h>
#include <keel/xen_shared.h>
#include <keel/heap.h>

/* ---- fakes */
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }

#define MAX_DOMS 4
static struct domain *doms[MAX_DOMS];
static unsigned kicks[MAX_DOMS][MAX_VCPUS_PER_DOMAIN];
static unsigned poll_notes, console_notes;

struct domain *domain_find(unsigned id)
{
    for (unsigned i = 0; i < MAX_DOMS; i++)
        if (doms[i] && doms[i]->id == id)
            return doms[i];
    return NULL;
}

void xen_mark_events_pending(struct vcpu *v)
{
    uint8_t *vi = v->xen.vcpu_info;
    if (vi && !__atomic_exchange_n(vi, (uint8_t)1, __ATOMIC_SEQ_CST))
        kicks[v->dom->id % MAX_DOMS][v->id]++;
}

void xen_poll_notify(struct domain *d, uint32_t port) { (void)d, (void)port; poll_notes++; }
void xen_console_notify(struct domain *d) { (void)d; console_notes++; }

/* ---- fake domains */
static struct domain *mkdom(unsigned id, unsigned nr_vcpus, bool compat)
{
    struct domain *d = calloc(1, sizeof(*d));
    d->id = id;
    d->nr_vcpus = nr_vcpus;
    d->xen.shared_info = aligned_alloc(4096, 4096);
    memset(d->xen.shared_info, 0, 4096);
    d->xen.compat = compat;
    for (unsigned i = 0; i < nr_vcpus; i++) {
        d->vcpus[i] = calloc(1, sizeof(struct vcpu));
        d->vcpus[i]->dom = d;
        d->vcpus[i]->id = i;
        d->vcpus[i]->xen.vcpu_info = d->xen.shared_info + 64 * i;
    }
    assert_int_equal(evtchn_domain_init(d), 0);
    doms[id % MAX_DOMS] = d;
    memset(kicks[id % MAX_DOMS], 0, sizeof(kicks[0]));
    return d;
}

static void rmdom(struct domain *d)
{
    doms[d->id % MAX_DOMS] = NULL;            /* unlisted first, as domain_destroy does */
    evtchn_domain_destroy(d);
    assert_null(d->xen.chn);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        free(d->vcpus[i]);
    free(d->xen.shared_info);
    free(d);
}

static int setup(void **state)
{
    (void)state;
    memset(doms, 0, sizeof(doms));
    poll_notes = console_notes = 0;
    return 0;
}

static bool pending(struct domain *d, uint32_t port) { return xbit_test(shinfo_pending(d), port); }
static void mask(struct domain *d, uint32_t port) { xbit_test_and_set(shinfo_mask(d), port); }
static uint8_t *vinfo(struct domain *d, unsigned v) { return d->vcpus[v]->xen.vcpu_info; }
static uint64_t sel(struct domain *d, unsigned v)
{
    uint64_t s = 0;
    memcpy(&s, vcpu_info_sel(d, vinfo(d, v)), d->xen.compat ? 4 : 8);
    return s;
}
/* The guest's side of an upcall: it clears the flag, the selector and the pending bits. */
static void guest_ack(struct domain *d, unsigned v)
{
    vinfo(d, v)[0] = 0;
    memset(vcpu_info_sel(d, vinfo(d, v)), 0, d->xen.compat ? 4 : 8);
    memset(shinfo_pending(d), 0, 128);
}

static struct evtchn_status status_of(struct domain *d, uint32_t port, int *rc)
{
    struct evtchn_status s = { .dom = DOMID_SELF, .port = port };
    *rc = evtchn_status(d, &s);
    return s;
}

static uint32_t alloc_for(struct domain *d, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    assert_int_equal(evtchn_alloc_unbound(d, &a), 0);
    return a.port;
}

/* ---- tests */

static void port0_reserved(void **state)
{
    (void)state;
    struct domain *d = mkdom(1, 1, false);
    int rc;
    struct evtchn_status s = status_of(d, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_closed);
    assert_int_equal(evtchn_close(d, 0), -XEN_EINVAL);
    assert_int_equal(evtchn_send(d, 0), -XEN_EINVAL);
    assert_int_equal(alloc_for(d, 2), 1);               /* the first port handed out */
    rmdom(d);
}

static void alloc_unbound_rules(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    struct evtchn_alloc_unbound x = { .dom = 2, .remote_dom = 1 };
    assert_int_equal(evtchn_alloc_unbound(a, &x), -XEN_EPERM);    /* not in another domain */
    x.dom = 7;
    assert_int_equal(evtchn_alloc_unbound(a, &x), -XEN_ESRCH);
    x.dom = 1;                                                    /* its own id works */
    assert_int_equal(evtchn_alloc_unbound(a, &x), 0);
    int rc;
    struct evtchn_status s = status_of(a, x.port, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    assert_int_equal(s.vcpu, 0);
    /* remote DOMID_SELF means the caller */
    uint32_t p = alloc_for(a, DOMID_SELF);
    s = status_of(a, p, &rc);
    assert_int_equal(s.u.unbound.dom, 1);
    rmdom(a);
    rmdom(b);
}

static void interdomain_pingpong(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    uint32_t pa = alloc_for(a, 2);
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    uint32_t pb = bi.local_port;
    /* The new local port starts pending (events to the unbound end were dropped). */
    assert_true(pending(b, pb));
    assert_int_equal(kicks[2][0], 1);
    assert_int_equal(sel(b, 0), 1ull << (pb / 64));
    guest_ack(b, 0);

    int rc;
    struct evtchn_status s = status_of(a, pa, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_interdomain);
    assert_int_equal(s.u.interdomain.dom, 2);
    assert_int_equal(s.u.interdomain.port, pb);

    for (int i = 0; i < 10; i++) {
        assert_int_equal(evtchn_send(a, pa), 0);
        assert_true(pending(b, pb));
        assert_int_equal(kicks[2][0], 2 + i);
        guest_ack(b, 0);
        assert_int_equal(evtchn_send(b, pb), 0);
        assert_true(pending(a, pa));
        assert_int_equal(kicks[1][0], 1 + i);
        guest_ack(a, 0);
    }
    /* A second send before the guest looked: no second upcall. */
    evtchn_send(a, pa);
    evtchn_send(a, pa);
    assert_int_equal(kicks[2][0], 12);
    rmdom(a);
    rmdom(b);
}

static void bind_interdomain_errors(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false), *c = mkdom(3, 1, false);
    uint32_t pa = alloc_for(a, 2);
    uint32_t pc = alloc_for(a, 3);                   /* waits for domain 3, not 2 */
    struct evtchn_bind_interdomain bi = { .remote_dom = 9, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_ESRCH);
    bi.remote_dom = 1;
    bi.remote_port = 5000;
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_EINVAL);
    bi.remote_port = 0xffffffffu;
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_EINVAL);
    bi.remote_port = pc;
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_EINVAL);
    bi.remote_port = 60;                              /* valid, closed */
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_EINVAL);
    bi.remote_port = pa;
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_EINVAL);   /* bound already */
    /* The failed attempts left no ports behind in b: one bound port only. */
    int rc;
    for (uint32_t p = 1; p < 64; p++) {
        struct evtchn_status s = status_of(b, p, &rc);
        assert_int_equal(s.status, p == bi.local_port ? EVTCHNSTAT_interdomain : EVTCHNSTAT_closed);
    }
    rmdom(a);
    rmdom(b);
    rmdom(c);
}

static void loopback(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false);
    uint32_t p1 = alloc_for(a, DOMID_SELF);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = p1 };
    assert_int_equal(evtchn_bind_interdomain(a, &bi), 0);
    guest_ack(a, 0);
    assert_int_equal(evtchn_send(a, p1), 0);
    assert_true(pending(a, bi.local_port));
    assert_false(pending(a, p1));
    assert_int_equal(evtchn_close(a, p1), 0);
    int rc;
    struct evtchn_status s = status_of(a, bi.local_port, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    rmdom(a);
}

static void close_rules(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    uint32_t pa = alloc_for(a, 2);
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    assert_int_equal(evtchn_close(b, bi.local_port), 0);
    assert_int_equal(evtchn_close(b, bi.local_port), -XEN_EINVAL);    /* twice */
    assert_false(pending(b, bi.local_port));       /* no stale bit for the next user */
    assert_int_equal(evtchn_send(b, bi.local_port), -XEN_EINVAL);
    /* a's end waits for b again, and b can bind it again */
    int rc;
    struct evtchn_status s = status_of(a, pa, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 2);
    assert_int_equal(evtchn_send(a, pa), 0);        /* unbound: dropped */
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    assert_int_equal(evtchn_close(a, 100000), -XEN_EINVAL);
    assert_int_equal(evtchn_close(a, 63), -XEN_EINVAL);                /* valid but closed */
    rmdom(a);
    rmdom(b);
}

static void masked_then_unmask(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    uint32_t pa = alloc_for(a, 2);
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    guest_ack(b, 0);
    unsigned k = kicks[2][0];
    mask(b, bi.local_port);
    assert_int_equal(evtchn_send(a, pa), 0);
    assert_true(pending(b, bi.local_port));
    assert_int_equal(kicks[2][0], k);               /* masked: no upcall */
    assert_int_equal(sel(b, 0), 0);
    assert_int_equal(evtchn_unmask(b, bi.local_port), 0);
    assert_int_equal(kicks[2][0], k + 1);           /* delivered on unmask */
    assert_int_equal(evtchn_unmask(b, bi.local_port), 0);
    assert_int_equal(kicks[2][0], k + 1);           /* not masked: nothing more */
    assert_int_equal(evtchn_unmask(b, 4096), -XEN_EINVAL);
    rmdom(a);
    rmdom(b);
}

static void virq_rules(void **state)
{
    (void)state;
    struct domain *d = mkdom(1, 2, false);
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    assert_int_equal(evtchn_bind_virq(d, &bv), 0);
    uint32_t t0 = bv.port;
    assert_int_equal(evtchn_bind_virq(d, &bv), -XEN_EEXIST);
    bv.vcpu = 1;
    assert_int_equal(evtchn_bind_virq(d, &bv), 0);   /* per vCPU: once on each */
    uint32_t t1 = bv.port;
    bv.vcpu = 2;
    assert_int_equal(evtchn_bind_virq(d, &bv), -XEN_ENOENT);
    bv.vcpu = 0xffffffffu;
    assert_int_equal(evtchn_bind_virq(d, &bv), -XEN_ENOENT);
    bv.virq = NR_VIRQS;
    assert_int_equal(evtchn_bind_virq(d, &bv), -XEN_EINVAL);
    bv.virq = VIRQ_DOM_EXC;                            /* global: vCPU 0 only */
    bv.vcpu = 1;
    assert_int_equal(evtchn_bind_virq(d, &bv), -XEN_EINVAL);
    bv.vcpu = 0;
    assert_int_equal(evtchn_bind_virq(d, &bv), 0);
    uint32_t g = bv.port;

    int rc;
    struct evtchn_status s = status_of(d, t1, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_virq);
    assert_int_equal(s.u.virq, VIRQ_TIMER);
    assert_int_equal(s.vcpu, 1);

    evtchn_send_virq(d->vcpus[1], VIRQ_TIMER);
    assert_true(pending(d, t1));
    assert_false(pending(d, t0));
    assert_int_equal(kicks[1][1], 1);
    assert_int_equal(kicks[1][0], 0);
    assert_int_equal(evtchn_send(d, t1), -XEN_EINVAL);    /* VIRQ ports are not sent on */

    assert_int_equal(evtchn_bind_vcpu(d, t0, 1), -XEN_EINVAL);   /* per-vCPU: stays */
    assert_int_equal(evtchn_bind_vcpu(d, g, 1), 0);              /* global: movable */
    assert_int_equal(evtchn_bind_vcpu(d, g, 2), -XEN_ENOENT);

    assert_int_equal(evtchn_close(d, t1), 0);
    evtchn_send_virq(d->vcpus[1], VIRQ_TIMER);         /* nobody bound: nothing */
    assert_false(pending(d, t1));
    bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 1 };
    assert_int_equal(evtchn_bind_virq(d, &bv), 0);     /* can bind again after close */
    rmdom(d);
}

static void ipi_and_bind_vcpu(void **state)
{
    (void)state;
    struct domain *d = mkdom(1, 2, false);
    struct evtchn_bind_ipi bi = { .vcpu = 2 };
    assert_int_equal(evtchn_bind_ipi(d, &bi), -XEN_ENOENT);
    bi.vcpu = 1;
    assert_int_equal(evtchn_bind_ipi(d, &bi), 0);
    assert_int_equal(evtchn_send(d, bi.port), 0);
    assert_true(pending(d, bi.port));
    assert_int_equal(kicks[1][1], 1);
    assert_int_equal(sel(d, 1), 1);
    assert_int_equal(sel(d, 0), 0);
    assert_int_equal(evtchn_bind_vcpu(d, bi.port, 0), -XEN_EINVAL);   /* IPIs stay */
    int rc;
    struct evtchn_status s = status_of(d, bi.port, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_ipi);
    assert_int_equal(s.vcpu, 1);

    /* An unbound port moved to vCPU 1 notifies vCPU 1 once bound. */
    struct domain *e = mkdom(2, 1, false);
    uint32_t p = alloc_for(d, 2);
    assert_int_equal(evtchn_bind_vcpu(d, p, 1), 0);
    assert_int_equal(evtchn_bind_vcpu(d, 5000, 1), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_vcpu(d, 62, 1), -XEN_EINVAL);       /* closed */
    struct evtchn_bind_interdomain b2 = { .remote_dom = 1, .remote_port = p };
    assert_int_equal(evtchn_bind_interdomain(e, &b2), 0);
    guest_ack(d, 1);
    unsigned k = kicks[1][1];
    assert_int_equal(evtchn_send(e, b2.local_port), 0);
    assert_int_equal(kicks[1][1], k + 1);
    rmdom(d);
    rmdom(e);
}

static void status_rules(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    struct evtchn_status s = { .dom = 2, .port = 1 };
    assert_int_equal(evtchn_status(a, &s), -XEN_EPERM);
    s.port = 5000;                                /* Xen checks the port first */
    assert_int_equal(evtchn_status(a, &s), -XEN_EINVAL);
    s.dom = 9;
    assert_int_equal(evtchn_status(a, &s), -XEN_ESRCH);
    s.dom = 1;
    s.port = 64;                                  /* beyond the first bucket */
    assert_int_equal(evtchn_status(a, &s), -XEN_EINVAL);
    rmdom(a);
    rmdom(b);
}

static void exhaustion_and_buckets(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false);
    int rc;
    uint32_t last = 0;
    for (uint32_t i = 1; i < EVTCHN_NR_PORTS; i++) {
        last = alloc_for(a, 2);
        assert_int_equal(last, i);
        /* The valid range follows in buckets of 64. */
        status_of(a, ((i / EVTCHN_BUCKET) + 1) * EVTCHN_BUCKET, &rc);
        if (((i / EVTCHN_BUCKET) + 1) * EVTCHN_BUCKET < EVTCHN_NR_PORTS)
            assert_int_equal(rc, -XEN_EINVAL);
    }
    struct evtchn_alloc_unbound x = { .dom = DOMID_SELF, .remote_dom = 2 };
    assert_int_equal(evtchn_alloc_unbound(a, &x), -XEN_ENOSPC);
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    assert_int_equal(evtchn_bind_ipi(a, &bi), -XEN_ENOSPC);
    assert_int_equal(evtchn_close(a, 500), 0);
    assert_int_equal(evtchn_bind_ipi(a, &bi), 0);
    assert_int_equal(bi.port, 500);                 /* the lowest free one */
    assert_int_equal(last, EVTCHN_NR_PORTS - 1);
    rmdom(a);
}

static void destroy_unbinds_peer(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false), *b = mkdom(2, 1, false);
    uint32_t pa = alloc_for(a, 2);
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    rmdom(a);
    int rc;
    struct evtchn_status s = status_of(b, bi.local_port, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    assert_int_equal(evtchn_send(b, bi.local_port), 0);    /* goes nowhere, harmlessly */
    /* A new domain 1 could bind it, but no dead one can be found. */
    bi = (struct evtchn_bind_interdomain){ .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), -XEN_ESRCH);
    rmdom(b);
}

static void console_port(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, false);
    int port = evtchn_alloc_console(a);
    assert_int_equal(port, 1);
    assert_int_equal(evtchn_send(a, (uint32_t)port), 0);
    assert_int_equal(console_notes, 1);
    uint32_t other = alloc_for(a, 0);
    assert_int_equal(evtchn_send(a, other), 0);             /* unbound, not the console */
    assert_int_equal(console_notes, 1);
    assert_int_equal(evtchn_close(a, (uint32_t)port), 0);  /* a guest may close it */
    uint32_t again = alloc_for(a, 0);
    assert_int_equal(again, (uint32_t)port);
    assert_int_equal(evtchn_send(a, again), 0);             /* a new port, not the console */
    assert_int_equal(console_notes, 1);
    rmdom(a);
}

static void compat_layout(void **state)
{
    (void)state;
    struct domain *a = mkdom(1, 1, true), *b = mkdom(2, 1, true);
    uint32_t pa = 0;
    for (int i = 0; i < 40; i++)                   /* a port in the second 32-bit word */
        pa = alloc_for(a, 2);
    assert_int_equal(pa, 40);
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = pa };
    assert_int_equal(evtchn_bind_interdomain(b, &bi), 0);
    assert_int_equal(bi.local_port, 1);
    guest_ack(b, 0);
    /* mask port 1 in the 32-bit mask array (at 2176), then unmask delivers */
    uint8_t *m = b->xen.shared_info + COMPAT_SHINFO_EVTCHN_MASK_OFFSET;
    m[0] |= 2;
    evtchn_send(a, pa);
    assert_true(pending(b, 1));
    assert_int_equal(sel(b, 0), 0);
    evtchn_unmask(b, 1);
    assert_int_equal(sel(b, 0), 1);
    assert_int_equal(m[0] & 2, 0);
    /* The 32-bit selector is 4 bytes at offset 4; bytes 8..15 stay untouched. */
    uint8_t zero[8] = { 0 };
    assert_memory_equal(vinfo(b, 0) + 8, zero, 8);
    /* A send from b on its port 1 reaches a's port 40: word 1 of a 32-bit selector. */
    guest_ack(a, 0);
    evtchn_send(b, 1);
    assert_int_equal(sel(a, 0), 2);
    rmdom(a);
    rmdom(b);
}

/* Random operations between three domains; afterwards, the table must be consistent:
 * every interdomain port's peer points back at it. No crash, no leak (ASan). */
static void random_ops(void **state)
{
    (void)state;
    struct domain *d[3] = { mkdom(1, 2, false), mkdom(2, 1, true), mkdom(3, 3, false) };
    uint64_t seed = 0x5eedf00dull;
    for (int it = 0; it < 200000; it++) {
        struct domain *x = d[unit_rand(&seed) % 3];
        uint32_t port = (uint32_t)(unit_rand(&seed) % 80);
        if (unit_rand(&seed) % 50 == 0)
            port = (uint32_t)unit_rand(&seed);
        uint32_t other = (uint32_t)(unit_rand(&seed) % 5);
        switch (unit_rand(&seed) % 10) {
        case 0: {
            struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = (domid_t)other };
            evtchn_alloc_unbound(x, &a);
            break;
        }
        case 1: {
            struct evtchn_bind_interdomain b = { .remote_dom = (domid_t)other, .remote_port = port };
            evtchn_bind_interdomain(x, &b);
            break;
        }
        case 2: {
            struct evtchn_bind_virq b = { .virq = port % 30, .vcpu = other };
            evtchn_bind_virq(x, &b);
            break;
        }
        case 3: {
            struct evtchn_bind_ipi b = { .vcpu = other };
            evtchn_bind_ipi(x, &b);
            break;
        }
        case 4:
        case 5:
            evtchn_close(x, port);
            break;
        case 6:
            evtchn_send(x, port);
            break;
        case 7:
            evtchn_unmask(x, port);
            if (unit_rand(&seed) & 1)
                mask(x, port % 1024);
            break;
        case 8:
            evtchn_bind_vcpu(x, port, other);
            break;
        default:
            guest_ack(x, (unsigned)(other % x->nr_vcpus));
            evtchn_send_virq(x->vcpus[other % x->nr_vcpus], VIRQ_TIMER);
            break;
        }
    }
    for (int i = 0; i < 3; i++)
        for (uint32_t p = 0; p < d[i]->xen.valid_ports; p++) {
            struct evtchn *c = &d[i]->xen.chn[p];
            if (c->state == ECS_INTERDOMAIN) {
                struct evtchn *peer = &c->remote->xen.chn[c->remote_port];
                assert_int_equal(peer->state, ECS_INTERDOMAIN);
                assert_ptr_equal(peer->remote, d[i]);
                assert_int_equal(peer->remote_port, p);
            }
            if (c->state == ECS_VIRQ) {
                assert_int_equal(d[i]->vcpus[c->vcpu]->xen.virq_port[c->virq], p);
            }
        }
    rmdom(d[1]);
    rmdom(d[0]);
    rmdom(d[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(port0_reserved, setup),
        cmocka_unit_test_setup(alloc_unbound_rules, setup),
        cmocka_unit_test_setup(interdomain_pingpong, setup),
        cmocka_unit_test_setup(bind_interdomain_errors, setup),
        cmocka_unit_test_setup(loopback, setup),
        cmocka_unit_test_setup(close_rules, setup),
        cmocka_unit_test_setup(masked_then_unmask, setup),
        cmocka_unit_test_setup(virq_rules, setup),
        cmocka_unit_test_setup(ipi_and_bind_vcpu, setup),
        cmocka_unit_test_setup(status_rules, setup),
        cmocka_unit_test_setup(exhaustion_and_buckets, setup),
        cmocka_unit_test_setup(destroy_unbinds_peer, setup),
        cmocka_unit_test_setup(console_port, setup),
        cmocka_unit_test_setup(compat_layout, setup),
        cmocka_unit_test_setup(random_ops, setup),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
