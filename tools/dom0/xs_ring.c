/*
 * The store's transport in Dom0: one connection per DomU, over the ring page the builder
 * set aside in its memory (DOMCTL set_store). Keel grants that page to Dom0 as the DomU's
 * grant reference 1 (Xen's reserved xenstore entry); Dom0 maps it above its own RAM, binds
 * the DomU's store port, and from then on moves requests to the store (xs_store.c) and
 * replies and watch events back. A DomU that writes garbage into its ring only gets its
 * connection closed.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>
#include <public/xs_wire.h>

#include "dom0.h"
#include "xs_store.h"

#define MAX_CONN 64
#define GNTTAB_RESERVED_XENSTORE 1

struct conn {
    unsigned domid;
    uint32_t port;                        /* our end of its store channel */
    uint32_t handle;                      /* the grant mapping */
    uint64_t gpa;                         /* where its ring appears in our memory */
    volatile struct xenstore_domain_interface *ring;
    int used, broken;
};

static struct conn conns[MAX_CONN];
static uint64_t map_base;                 /* first GPA above our RAM for the mappings */

static struct conn *conn_of(unsigned domid)
{
    for (int i = 0; i < MAX_CONN; i++)
        if (conns[i].used && conns[i].domid == domid)
            return &conns[i];
    return NULL;
}

/* Replies and events into the DomU's response ring; dropped (and the connection closed)
 * if it does not read them. */
static void send(void *ctx, unsigned domid, uint32_t type, uint32_t req_id, uint32_t tx_id,
                 const char *payload, uint32_t len)
{
    (void)ctx;
    struct conn *c = conn_of(domid);
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = len };
    if (!c || c->broken)
        return;
    volatile struct xenstore_domain_interface *r = c->ring;
    uint32_t prod = r->rsp_prod;
    if (XENSTORE_RING_SIZE - (prod - atomic_load(&r->rsp_cons)) < sizeof(h) + len) {
        gprintf("dom0: store: domain %u does not read its replies; connection closed\n", domid);
        c->broken = 1;
        return;
    }
    for (uint32_t i = 0; i < sizeof(h) + len; i++)
        r->rsp[XS_RING_MASK(prod + i)] = i < sizeof(h) ? ((const char *)&h)[i] : payload[i - sizeof(h)];
    atomic_store_release(&r->rsp_prod, prod + (uint32_t)sizeof(h) + len);
    xen_evtchn_send(c->port);
}

void xs_ring_init(uint64_t first_free_gpa)
{
    map_base = (first_free_gpa + 0xfff) & ~0xfffull;
    xs_init(send, NULL);
    xs_write("/local/domain/0/name", "dom0");
    xs_write("/local/domain/0/domid", "0");
}

long xs_ring_connect(unsigned domid, const char *name, uint32_t remote_port)
{
    struct conn *c = NULL;
    int slot = -1;
    char path[64];
    for (int i = 0; i < MAX_CONN && !c; i++)
        if (!conns[i].used) {
            c = &conns[i];
            slot = i;
        }
    if (!c)
        return -XEN_ENOSPC;
    memset(c, 0, sizeof(*c));
    c->domid = domid;
    c->gpa = map_base + (uint64_t)slot * 4096;
    int st = xen_grant_map((domid_t)domid, GNTTAB_RESERVED_XENSTORE, c->gpa, GNTMAP_host_map,
                           &c->handle);
    if (st) {
        gprintf("dom0: store: mapping domain %u's ring: grant status %d\n", domid, st);
        return -XEN_EINVAL;
    }
    long rc = xen_evtchn_bind_interdomain((domid_t)domid, remote_port, &c->port);
    if (rc) {
        xen_grant_unmap(c->gpa, c->handle);
        return rc;
    }
    c->ring = (volatile void *)(uintptr_t)c->gpa;
    c->used = 1;
    gsnprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    xs_write(path, name);
    gsnprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
    char id[12];
    gsnprintf(id, sizeof(id), "%u", domid);
    xs_write(path, id);
    return 0;
}

void xs_ring_disconnect(unsigned domid)
{
    struct conn *c = conn_of(domid);
    xs_forget_domain(domid);
    if (!c)
        return;
    xen_evtchn_close(c->port);
    xen_grant_unmap(c->gpa, c->handle);
    c->used = 0;
}

/* Whole requests waiting in c's ring. */
static void serve(struct conn *c)
{
    static char payload[XENSTORE_PAYLOAD_MAX];
    volatile struct xenstore_domain_interface *r = c->ring;
    for (;;) {
        uint32_t cons = r->req_cons, prod = atomic_load_acquire(&r->req_prod);
        struct xsd_sockmsg h;
        if (prod - cons > XENSTORE_RING_SIZE) {
            gprintf("dom0: store: domain %u's ring indexes are corrupt; connection closed\n",
                    c->domid);
            c->broken = 1;
            return;
        }
        if (prod - cons < sizeof(h))
            return;
        for (uint32_t i = 0; i < sizeof(h); i++)
            ((char *)&h)[i] = r->req[XS_RING_MASK(cons + i)];
        if (h.len > XENSTORE_PAYLOAD_MAX || h.len > XENSTORE_RING_SIZE - sizeof(h)) {
            gprintf("dom0: store: domain %u sent a %u-byte request; connection closed\n",
                    c->domid, h.len);
            c->broken = 1;
            return;
        }
        if (prod - cons < sizeof(h) + h.len)
            return;                       /* not all there yet */
        for (uint32_t i = 0; i < h.len; i++)
            payload[i] = r->req[XS_RING_MASK(cons + (uint32_t)sizeof(h) + i)];
        atomic_store_release(&r->req_cons, cons + (uint32_t)sizeof(h) + h.len);
        xs_request(c->domid, h.type, h.req_id, h.tx_id, payload, h.len);
        if (c->broken)
            return;
    }
}

void xs_ring_poll(void)
{
    for (int i = 0; i < MAX_CONN; i++)
        if (conns[i].used && !conns[i].broken) {
            xen_evtchn_clear(conns[i].port);
            serve(&conns[i]);
        }
}

unsigned xs_ring_ports(uint32_t *ports, unsigned max)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_CONN && n < max; i++)
        if (conns[i].used && !conns[i].broken)
            ports[n++] = conns[i].port;
    return n;
}
