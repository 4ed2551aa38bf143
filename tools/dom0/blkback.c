/*
 * The block backend: serves Dom0's disks (disk.h) to DomUs over the blkif protocol
 * (include/public/blkif.h), the one Linux's xen-blkfront speaks.
 *
 * At build time the toolstack half (blkback_attach) writes the device's two store
 * directories as Xen's toolstack does, and the backend half publishes the disk's size and
 * features and goes to InitWait. From then on blkback_poll, run on every turn of Dom0's
 * loop, follows the frontend's state node:
 *   Initialised/Connected  read ring-ref, event-channel, protocol; map the ring page above
 *                          our RAM (like xs_ring.c), bind the channel; Connected
 *   Closing / Closed       unmap, close the channel; Closing / Closed
 *   Initialising again     after Closed: InitWait, ready for a new connection
 * Requests are served by GNTTABOP_copy between the frontend's granted segments and a
 * bounce buffer of ours, which the disk reads into or writes from: no data page is ever
 * mapped. Each request is copied out of the shared ring once and checked before use;
 * a bad request gets BLKIF_RSP_ERROR (or EOPNOTSUPP), and ring indexes that make no sense
 * disconnect the frontend, never harm Dom0.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>
#include <public/blkif.h>

#include "dom0.h"
#include "disk.h"
#include "xldisk.h"
#include "xs_store.h"

#define MAX_VBDS 16
#define PAGE 4096
#define SECTORS_PER_PAGE (PAGE / BLKIF_SECTOR_SIZE)

struct vbd {
    int used;
    unsigned fe, devid;                  /* frontend domain, virtual device number */
    struct disk *disk;
    int readonly;
    char fe_path[64], be_path[64];
    enum xenbus_state state;             /* ours, as written to the store */
    /* while connected */
    int connected;
    uint32_t port, handle;               /* our end of the channel; the ring's grant mapping */
    uint64_t gpa;                        /* where the ring page appears in our memory */
    volatile struct blkif_sring *ring;
    uint32_t req_cons, rsp_prod;         /* our private indexes */
};

static struct vbd vbds[MAX_VBDS];
static uint64_t map_base;
static uint8_t bounce[BLKIF_MAX_SEGMENTS_PER_REQUEST * PAGE] __attribute__((aligned(PAGE)));

void blkback_init(uint64_t first_free_gpa)
{
    map_base = (first_free_gpa + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static void be_write(struct vbd *v, const char *node, const char *value)
{
    char path[96];
    gsnprintf(path, sizeof(path), "%s/%s", v->be_path, node);
    xs_write(path, value);
}

static void be_number(struct vbd *v, const char *node, unsigned long n)
{
    char value[24];
    gsnprintf(value, sizeof(value), "%lu", n);
    be_write(v, node, value);
}

static void fe_write(struct vbd *v, const char *node, const char *value)
{
    char path[96];
    gsnprintf(path, sizeof(path), "%s/%s", v->fe_path, node);
    xs_write(path, value);
}

/* A decimal node below the frontend's directory; -1 if missing or not a number. */
static long fe_number(struct vbd *v, const char *node)
{
    char path[96];
    gsnprintf(path, sizeof(path), "%s/%s", v->fe_path, node);
    const char *s = xs_read(path);
    long n = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > 0xffffffffl)
            return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

static void switch_state(struct vbd *v, enum xenbus_state s)
{
    v->state = s;
    be_number(v, "state", s);
}

/* What the backend publishes before InitWait (xen-blkback does it on connect; the values
 * are known now, and a frontend may read them early). */
static void publish(struct vbd *v)
{
    be_number(v, "sectors", v->disk->sectors);
    be_number(v, "sector-size", BLKIF_SECTOR_SIZE);
    be_number(v, "info", v->readonly ? VDISK_READONLY : 0);
    be_number(v, "feature-flush-cache", 1);
    switch_state(v, XENBUS_INIT_WAIT);
}

/* The spec parsed and its disk found; NULL (said why) if not. */
static struct disk *resolve(const char *spec, struct xl_disk *xd)
{
    char err[96];
    if (xl_disk_parse(spec, xd, err, sizeof(err))) {
        gprintf("dom0: disk \"%s\": %s\n", spec, err);
        return NULL;
    }
    struct disk *d = disk_find(xd->target);
    if (!d)
        gprintf("dom0: disk \"%s\": no disk %s (see disk-ram)\n", spec, xd->target);
    return d;
}

long blkback_check(const char *spec)
{
    struct xl_disk xd;
    return resolve(spec, &xd) ? 0 : -XEN_EINVAL;
}

long blkback_attach(unsigned fe, const char *spec)
{
    struct xl_disk xd;
    struct vbd *v = NULL;
    struct disk *d = resolve(spec, &xd);

    if (!d)
        return -XEN_EINVAL;
    for (int i = 0; i < MAX_VBDS; i++) {
        if (vbds[i].used && vbds[i].fe == fe && vbds[i].devid == xd.devid) {
            gprintf("dom0: disk \"%s\": %s given twice\n", spec, xd.vdev);
            return -XEN_EEXIST;
        }
        if (!vbds[i].used && !v) {
            v = &vbds[i];
            v->gpa = map_base + (uint64_t)i * PAGE;
        }
    }
    if (!v)
        return -XEN_ENOSPC;
    uint64_t gpa = v->gpa;
    *v = (struct vbd){ .used = 1, .fe = fe, .devid = xd.devid, .disk = d, .gpa = gpa,
                       .readonly = xd.readonly || d->readonly };
    gsnprintf(v->fe_path, sizeof(v->fe_path), "/local/domain/%u/device/vbd/%u", fe, xd.devid);
    gsnprintf(v->be_path, sizeof(v->be_path), "/local/domain/0/backend/vbd/%u/%u", fe, xd.devid);

    /* The toolstack's part (libxl): both directories, both sides Initialising. */
    char num[16];
    gsnprintf(num, sizeof(num), "%u", xd.devid);
    be_write(v, "frontend", v->fe_path);
    be_number(v, "frontend-id", fe);
    be_number(v, "online", 1);
    be_number(v, "removable", 0);
    be_number(v, "bootable", 1);
    be_write(v, "type", "phy");
    be_write(v, "params", d->name);
    be_write(v, "mode", (v->readonly ? "r" : "w"));
    be_write(v, "dev", xd.vdev);
    be_write(v, "device-type", "disk");
    switch_state(v, XENBUS_INITIALISING);
    fe_write(v, "backend", v->be_path);
    fe_write(v, "backend-id", "0");
    fe_write(v, "virtual-device", num);
    fe_write(v, "device-type", "disk");
    fe_write(v, "state", "1");

    /* The backend's part (xen-blkback's probe). */
    publish(v);
    return 0;
}

static void disconnect(struct vbd *v)
{
    if (!v->connected)
        return;
    xen_evtchn_close(v->port);
    int st = xen_grant_unmap(v->gpa, v->handle);
    if (st)
        gprintf("dom0: blkback: domain %u vbd %u: unmapping its ring: status %d\n", v->fe,
                v->devid, st);
    v->connected = 0;
    v->ring = NULL;
}

static void connect(struct vbd *v)
{
    long ref = fe_number(v, "ring-ref"), evt = fe_number(v, "event-channel");
    char path[96];
    gsnprintf(path, sizeof(path), "%s/protocol", v->fe_path);
    const char *proto = xs_read(path);
    const char *why = NULL;
    int st = 0;

    if (ref < 0 || evt < 0)
        why = "no ring-ref or event-channel";
    else if (proto && strcmp(proto, BLKIF_PROTOCOL_X86_64))
        why = "unsupported protocol";     /* only the 64-bit layout */
    else if ((st = xen_grant_map((domid_t)v->fe, (uint32_t)ref, v->gpa, GNTMAP_host_map,
                                 &v->handle)))
        why = "cannot map its ring-ref";
    else if (xen_evtchn_bind_interdomain((domid_t)v->fe, (uint32_t)evt, &v->port)) {
        xen_grant_unmap(v->gpa, v->handle);
        why = "cannot bind its event-channel";
    }
    if (why) {
        gprintf("dom0: blkback: domain %u vbd %u: %s (grant status %d); closing\n", v->fe,
                v->devid, why, st);
        switch_state(v, XENBUS_CLOSING);
        return;
    }
    v->ring = (volatile struct blkif_sring *)(uintptr_t)v->gpa;
    v->req_cons = v->rsp_prod = 0;          /* BACK_RING_INIT */
    v->connected = 1;
    switch_state(v, XENBUS_CONNECTED);
}

/* Copies between the request's segments and the bounce buffer: the segments' sectors
 * follow each other in the buffer; a segment that straddles a bounce page is two copies. */
static int copy_segments(struct vbd *v, const struct blkif_request *rq, int to_guest)
{
    struct gnttab_copy ops[2 * BLKIF_MAX_SEGMENTS_PER_REQUEST];
    unsigned n = 0, at = 0;

    for (unsigned i = 0; i < rq->nr_segments; i++) {
        const struct blkif_request_segment *s = &rq->seg[i];
        unsigned off = s->first_sect * BLKIF_SECTOR_SIZE;
        unsigned len = (unsigned)(s->last_sect - s->first_sect + 1) * BLKIF_SECTOR_SIZE;
        while (len) {
            unsigned chunk = PAGE - at % PAGE < len ? PAGE - at % PAGE : len;
            struct gnttab_copy_ptr g = { .u.ref = s->gref, .domid = (domid_t)v->fe,
                                         .offset = (uint16_t)off };
            struct gnttab_copy_ptr b = { .u.gmfn = ((uintptr_t)bounce + at) >> 12,
                                         .domid = DOMID_SELF, .offset = (uint16_t)(at % PAGE) };
            ops[n++] = (struct gnttab_copy){
                .source = to_guest ? b : g, .dest = to_guest ? g : b, .len = (uint16_t)chunk,
                .flags = to_guest ? GNTCOPY_dest_gref : GNTCOPY_source_gref };
            off += chunk, at += chunk, len -= chunk;
        }
    }
    if (xen_grant_table_op(GNTTABOP_copy, ops, n))
        return -1;
    for (unsigned i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            return -1;
    return 0;
}

static int16_t do_rw(struct vbd *v, const struct blkif_request *rq)
{
    int write = rq->operation == BLKIF_OP_WRITE;
    uint64_t count = 0;

    if (rq->nr_segments == 0 || rq->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
        (write && v->readonly))
        return BLKIF_RSP_ERROR;
    for (unsigned i = 0; i < rq->nr_segments; i++) {
        const struct blkif_request_segment *s = &rq->seg[i];
        if (s->first_sect > s->last_sect || s->last_sect >= SECTORS_PER_PAGE)
            return BLKIF_RSP_ERROR;
        count += s->last_sect - s->first_sect + 1u;
    }
    if (rq->sector_number > v->disk->sectors || count > v->disk->sectors - rq->sector_number)
        return BLKIF_RSP_ERROR;
    if (write) {
        if (copy_segments(v, rq, 0) || v->disk->write(v->disk, rq->sector_number, bounce,
                                                      (uint32_t)count))
            return BLKIF_RSP_ERROR;
    } else if (v->disk->read(v->disk, rq->sector_number, bounce, (uint32_t)count) ||
               copy_segments(v, rq, 1)) {
        return BLKIF_RSP_ERROR;
    }
    return BLKIF_RSP_OKAY;
}

static int16_t do_request(struct vbd *v, const struct blkif_request *rq)
{
    switch (rq->operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        return do_rw(v, rq);
    case BLKIF_OP_FLUSH_DISKCACHE:
        return v->disk->flush(v->disk) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
    default:
        return BLKIF_RSP_EOPNOTSUPP;
    }
}

/* The requests in the ring, then the responses pushed and the frontend told if it asked
 * to be; then req_event set and one more look (RING_FINAL_CHECK_FOR_REQUESTS). A frontend
 * that keeps the ring full (on one CPU it runs as soon as we notify it) would keep us
 * here: after SERVE_BUDGET requests we return, and 1 says that more may be waiting (the loop
 * then yields instead of sleeping, and comes back). */
#define SERVE_BUDGET (2 * BLKIF_RING_SIZE)

static int serve(struct vbd *v)
{
    volatile struct blkif_sring *r = v->ring;
    for (unsigned served = 0;;) {
        uint32_t prod = atomic_load_acquire(&r->req_prod);
        if (prod - v->req_cons > BLKIF_RING_SIZE) {
            gprintf("dom0: blkback: domain %u vbd %u: ring indexes corrupt (%u requests "
                    "pending); disconnected\n", v->fe, v->devid, prod - v->req_cons);
            disconnect(v);
            switch_state(v, XENBUS_CLOSING);
            return 0;
        }
        uint32_t old = v->rsp_prod;
        for (; v->req_cons != prod && served < SERVE_BUDGET; v->req_cons++, served++) {
            struct blkif_request rq;           /* read once: the frontend may change it */
            memcpy(&rq, (const void *)&r->ring[v->req_cons % BLKIF_RING_SIZE].req, sizeof(rq));
            barrier();
            int16_t status = do_request(v, &rq);
            volatile struct blkif_response *rsp = &r->ring[v->rsp_prod++ % BLKIF_RING_SIZE].rsp;
            rsp->id = rq.id;
            rsp->operation = rq.operation;
            rsp->status = status;
        }
        if (old != v->rsp_prod) {
            atomic_store_release(&r->rsp_prod, v->rsp_prod);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (blkif_need_notify(r->rsp_event, old, v->rsp_prod))
                xen_evtchn_send(v->port);
        }
        if (served == SERVE_BUDGET)
            return 1;
        r->req_event = v->req_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (atomic_load_acquire(&r->req_prod) == v->req_cons)
            return 0;
    }
}

/* 1 if requests may be left waiting */
static int step(struct vbd *v)
{
    long fs = fe_number(v, "state");
    switch (fs) {
    case XENBUS_INITIALISED:
    case XENBUS_CONNECTED:
        if (v->state == XENBUS_INIT_WAIT)
            connect(v);
        break;
    case XENBUS_CLOSING:
    case XENBUS_CLOSED:
        disconnect(v);
        if (v->state != (enum xenbus_state)fs && v->state != XENBUS_CLOSED)
            switch_state(v, (enum xenbus_state)fs);
        break;
    case XENBUS_INITIALISING:
        if (v->state == XENBUS_CLOSED)       /* a frontend coming back */
            publish(v);
        break;
    default:
        break;
    }
    if (!v->connected)
        return 0;
    xen_evtchn_clear(v->port);
    return serve(v);
}

int blkback_poll(void)
{
    int more = 0;
    for (int i = 0; i < MAX_VBDS; i++)
        if (vbds[i].used)
            more |= step(&vbds[i]);
    return more;
}

void blkback_forget(unsigned fe)
{
    for (int i = 0; i < MAX_VBDS; i++) {
        struct vbd *v = &vbds[i];
        if (!v->used || v->fe != fe)
            continue;
        disconnect(v);
        xs_rm(v->be_path);
        xs_rm(v->fe_path);
        v->used = 0;
    }
}

unsigned blkback_ports(uint32_t *ports, unsigned max)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_VBDS && n < max; i++)
        if (vbds[i].used && vbds[i].connected)
            ports[n++] = vbds[i].port;
    return n;
}
