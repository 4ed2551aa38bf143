/*
 * The block frontend (guest/blkfront.h). Xenbus states, in the frontend's order:
 * Initialising (ours, written again on a reconnect) -> wait for the backend's InitWait ->
 * ring page granted, channel allocated, ring-ref / event-channel / protocol written,
 * Initialised -> wait for Connected -> Connected. Closing mirrors it.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>
#include <guest/xenbus.h>
#include <guest/blkfront.h>

/* The protocol is between domains, not with the hypervisor: one definition for both ends. */
#include "../../include/public/blkif.h"

#define MS 1000000ull
#define PAGE 4096
#define STATE_TIMEOUT (10000 * MS)
#define IO_TIMEOUT (10000 * MS)

static uint8_t gnttab_page[PAGE] __attribute__((aligned(PAGE)));
static uint8_t shinfo_page[PAGE] __attribute__((aligned(PAGE)));

static long path_number(const char *path, uint64_t *out)
{
    char buf[32];
    long rc = xenbus_read(path, buf, sizeof(buf));
    uint64_t v = 0;
    if (rc < 0)
        return rc;
    if (!buf[0])
        return -XEN_EINVAL;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9')
            return -XEN_EINVAL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static long node_number(const char *dir, const char *node, uint64_t *out)
{
    char path[128];
    gsnprintf(path, sizeof(path), "%s/%s", dir, node);
    return path_number(path, out);
}

static long set_state(struct blkfront *bf, enum xenbus_state s)
{
    char path[64], v[4];
    gsnprintf(path, sizeof(path), "%s/state", bf->fe);
    gsnprintf(v, sizeof(v), "%d", s);
    return xenbus_write(path, v);
}

/* Until the backend's state is in [lo, hi]: that state, or a negative errno (also when it
 * closes while we wait for Connected; waiting for InitWait, Closed is only the state it
 * leaves when it sees our Initialising). */
static long wait_backend(struct blkfront *bf, enum xenbus_state lo, enum xenbus_state hi)
{
    char path[128], ev[128], tok[8];
    uint64_t st = 0, end = xen_clock_ns(0) + STATE_TIMEOUT;
    gsnprintf(path, sizeof(path), "%s/state", bf->be);
    long rc = xenbus_watch(path, "blkf");
    if (rc)
        return rc;
    for (;;) {
        rc = path_number(path, &st);
        if (rc == 0 && st >= lo && st <= hi) {
            rc = (long)st;
            break;
        }
        if (rc == 0 && st >= XENBUS_CLOSING && lo == XENBUS_CONNECTED) {
            rc = -XEN_EIO;
            break;
        }
        uint64_t now = xen_clock_ns(0);
        if (now > end) {
            rc = -XEN_ETIMEDOUT;
            break;
        }
        xenbus_wait_watch(ev, sizeof(ev), tok, sizeof(tok), end - now);
    }
    xenbus_unwatch(path, "blkf");
    return rc;
}

long blkfront_open(struct blkfront *bf, unsigned devid, void *ring_page, uint32_t first_ref)
{
    char path[64], be[96];
    uint64_t beid, v;
    long rc;

    if (!xen_shinfo && (rc = xen_map_shared_info(shinfo_page)))
        return rc;
    if (!xen_gnttab && (rc = xen_gnttab_map(gnttab_page)))
        return rc;
    if ((rc = xenbus_init()))
        return rc;
    memset(bf, 0, sizeof(*bf));
    bf->devid = devid;
    bf->first_ref = first_ref;
    bf->ring = ring_page;
    gsnprintf(bf->fe, sizeof(bf->fe), "device/vbd/%u", devid);
    gsnprintf(path, sizeof(path), "%s/backend", bf->fe);
    if ((rc = xenbus_read(path, be, sizeof(be))) < 0 || (rc = node_number(bf->fe, "backend-id", &beid)))
        return rc;
    memcpy(bf->be, be, sizeof(be));
    bf->backend_id = (uint16_t)beid;

    if ((rc = set_state(bf, XENBUS_INITIALISING)) ||
        (rc = wait_backend(bf, XENBUS_INIT_WAIT, XENBUS_INIT_WAIT)) < 0)
        return rc;
    if ((rc = node_number(bf->be, "sectors", &bf->sectors)) ||
        (rc = node_number(bf->be, "sector-size", &v)))
        return rc;
    bf->sector_size = (unsigned)v;
    bf->info = node_number(bf->be, "info", &v) ? 0 : (unsigned)v;

    /* SHARED_RING_INIT: indexes 0, and tell us about the first response. */
    memset(ring_page, 0, PAGE);
    bf->ring->req_event = bf->ring->rsp_event = 1;
    xen_grant_access(first_ref, bf->backend_id, ring_page, 0);
    if ((rc = xen_evtchn_alloc_unbound(bf->backend_id, &bf->port)))
        return rc;
    char num[16];
    gsnprintf(path, sizeof(path), "%s/ring-ref", bf->fe);
    gsnprintf(num, sizeof(num), "%u", first_ref);
    if ((rc = xenbus_write(path, num)))
        return rc;
    gsnprintf(path, sizeof(path), "%s/event-channel", bf->fe);
    gsnprintf(num, sizeof(num), "%u", bf->port);
    if ((rc = xenbus_write(path, num)))
        return rc;
    gsnprintf(path, sizeof(path), "%s/protocol", bf->fe);
    if ((rc = xenbus_write(path, BLKIF_PROTOCOL_X86_64)) || (rc = set_state(bf, XENBUS_INITIALISED)))
        return rc;
    if ((rc = wait_backend(bf, XENBUS_CONNECTED, XENBUS_CONNECTED)) < 0)
        return rc;
    return set_state(bf, XENBUS_CONNECTED);
}

long blkfront_submit(struct blkfront *bf, struct blkif_request *rq, int16_t *status)
{
    struct blkif_sring *r = bf->ring;
    uint64_t end = xen_clock_ns(0) + IO_TIMEOUT;

    rq->id = ++bf->next_id;
    memcpy((void *)&r->ring[bf->req_prod % BLKIF_RING_SIZE].req, rq, sizeof(*rq));
    uint32_t old = r->req_prod;
    atomic_store_release(&r->req_prod, ++bf->req_prod);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (blkif_need_notify(atomic_load(&r->req_event), old, bf->req_prod))
        xen_evtchn_send(bf->port);
    for (;;) {
        xen_evtchn_clear(bf->port);
        while (bf->rsp_cons != atomic_load_acquire(&r->rsp_prod)) {
            struct blkif_response rsp;
            memcpy(&rsp, (const void *)&r->ring[bf->rsp_cons++ % BLKIF_RING_SIZE].rsp, sizeof(rsp));
            if (rsp.id == rq->id) {
                r->rsp_event = bf->rsp_cons + 1;
                *status = rsp.status;
                return 0;
            }
        }
        r->rsp_event = bf->rsp_cons + 1;          /* RING_FINAL_CHECK_FOR_RESPONSES */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (bf->rsp_cons != atomic_load_acquire(&r->rsp_prod))
            continue;
        if (xen_clock_ns(0) > end)
            return -XEN_ETIMEDOUT;
        xen_sched_poll(&bf->port, 1, end);
    }
}

long blkfront_io(struct blkfront *bf, int write, uint64_t sector, void *buf, uint32_t count)
{
    uintptr_t at = (uintptr_t)buf;
    if (at % BLKIF_SECTOR_SIZE)
        return -XEN_EINVAL;
    while (count) {
        struct blkif_request rq = { .operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                                    .handle = (uint16_t)bf->devid, .sector_number = sector };
        uint32_t done = 0;
        while (count > done && rq.nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            unsigned first = (unsigned)(at % PAGE) / BLKIF_SECTOR_SIZE;
            unsigned n = PAGE / BLKIF_SECTOR_SIZE - first;
            if (n > count - done)
                n = count - done;
            uint32_t ref = bf->first_ref + 1 + rq.nr_segments;
            /* The backend reads what we write to the disk: read-only for it. */
            xen_grant_access(ref, bf->backend_id, (void *)(at & ~(uintptr_t)(PAGE - 1)), write);
            rq.seg[rq.nr_segments++] = (struct blkif_request_segment){
                .gref = ref, .first_sect = (uint8_t)first, .last_sect = (uint8_t)(first + n - 1) };
            done += n;
            at += (uintptr_t)n * BLKIF_SECTOR_SIZE;
        }
        int16_t st;
        long rc = blkfront_submit(bf, &rq, &st);
        for (unsigned i = 0; i < rq.nr_segments; i++)
            xen_grant_end(rq.seg[i].gref);
        if (rc)
            return rc;
        if (st != BLKIF_RSP_OKAY) {
            bf->last_status = st;
            return -XEN_EIO;
        }
        sector += done;
        count -= done;
    }
    return 0;
}

long blkfront_close(struct blkfront *bf)
{
    long rc = set_state(bf, XENBUS_CLOSING);
    if (!rc && (rc = wait_backend(bf, XENBUS_CLOSING, XENBUS_CLOSED)) >= 0)
        rc = set_state(bf, XENBUS_CLOSED);
    if (!rc && (rc = wait_backend(bf, XENBUS_CLOSED, XENBUS_CLOSED)) >= 0)
        rc = 0;
    xen_evtchn_close(bf->port);
    if (xen_grant_end(bf->first_ref) && !rc)
        rc = -XEN_EBUSY;                          /* the backend still maps our ring */
    return rc;
}
