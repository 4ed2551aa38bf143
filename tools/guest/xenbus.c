/*
 * The store client (guest/xenbus.h). The ring page is RAM of ours (identity-mapped);
 * indexes run freely and are masked to the 1 KiB rings. Requests are strictly one at a
 * time, so the reply we wait for is the next non-event message.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xenbus.h>

#define HVM_PARAM_STORE_PFN    1
#define HVM_PARAM_STORE_EVTCHN 2
#define RING 1024
#define XS_WATCH 4
#define XS_UNWATCH 5
#define XS_DIRECTORY 1
#define XS_READ 2
#define XS_WRITE 11
#define XS_MKDIR 12
#define XS_RM 13
#define XS_WATCH_EVENT 15
#define XS_ERROR 16
#define MS 1000000ull

struct ring {
    char req[RING], rsp[RING];
    volatile uint32_t req_cons, req_prod, rsp_cons, rsp_prod;
};
struct hdr { uint32_t type, req_id, tx_id, len; };

static struct ring *ring;
static uint32_t port, next_id = 1;
static struct { char data[256]; uint32_t len; } events[8];
static unsigned nr_events;

long xenbus_init(void)
{
    uint64_t pfn = 0, evt = 0;
    if (xen_hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) || !pfn ||
        xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &evt))
        return -XEN_ENOSYS;
    ring = (struct ring *)(uintptr_t)(pfn << 12);
    port = (uint32_t)evt;
    return 0;
}

static void wait_store(void)
{
    uint64_t until = xen_clock_ns(0) + 10 * MS;
    xen_sched_poll(&port, 1, until);
    xen_evtchn_clear(port);
}

static void put(const void *p, uint32_t n)
{
    const char *s = p;
    while (n) {
        uint32_t prod = ring->req_prod;
        while (prod - atomic_load(&ring->req_cons) >= RING)
            wait_store();
        ring->req[prod & (RING - 1)] = *s++;
        atomic_store_release(&ring->req_prod, prod + 1);
        n--;
    }
}

static void get(void *p, uint32_t n)
{
    char *d = p;
    while (n) {
        uint32_t cons = ring->rsp_cons;
        while (atomic_load_acquire(&ring->rsp_prod) == cons) {
            xen_evtchn_send(port);             /* tell it we took replies */
            wait_store();
        }
        *d++ = ring->rsp[cons & (RING - 1)];
        atomic_store_release(&ring->rsp_cons, cons + 1);
        n--;
    }
}

static const struct { const char *name; long err; } errs[] = {
    { "ENOENT", XEN_ENOENT }, { "EACCES", 13 }, { "EINVAL", XEN_EINVAL }, { "EEXIST", XEN_EEXIST },
    { "ENOSPC", XEN_ENOSPC }, { "ENOSYS", XEN_ENOSYS }, { "E2BIG", 7 }, { "EAGAIN", 11 },
};

long xenbus_request(uint32_t type, const char *a, const char *b, size_t blen, char *buf,
                    size_t size)
{
    static char body[4096];
    if (!ring)
        return -XEN_ENOSYS;
    size_t alen = strlen(a) + 1;
    struct hdr h = { .type = type, .req_id = next_id++, .len = (uint32_t)(alen + blen) };
    if (h.len > sizeof(body))
        return -XEN_EINVAL;
    put(&h, sizeof(h));
    put(a, (uint32_t)alen);
    if (blen)
        put(b, (uint32_t)blen);
    xen_evtchn_send(port);
    for (;;) {
        get(&h, sizeof(h));
        if (h.len > sizeof(body))
            return -XEN_EINVAL;                /* a store breaking the protocol */
        get(body, h.len);
        if (h.type == XS_WATCH_EVENT) {
            if (nr_events < 8 && h.len <= sizeof(events[0].data)) {
                memcpy(events[nr_events].data, body, h.len);
                events[nr_events++].len = h.len;
            }
            continue;
        }
        xen_evtchn_send(port);
        if (h.type == XS_ERROR) {
            for (unsigned i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
                if (!strcmp(body, errs[i].name))
                    return -errs[i].err;
            return -XEN_EINVAL;
        }
        size_t n = h.len < size ? h.len : size;
        if (buf && size) {
            memcpy(buf, body, n);
            buf[n == size ? size - 1 : n] = '\0';
        }
        return (long)h.len;
    }
}

long xenbus_read(const char *path, char *buf, size_t size)
{
    return xenbus_request(XS_READ, path, NULL, 0, buf, size);
}

long xenbus_write(const char *path, const char *value)
{
    long rc = xenbus_request(XS_WRITE, path, value, strlen(value), NULL, 0);
    return rc < 0 ? rc : 0;
}

long xenbus_mkdir(const char *path)
{
    long rc = xenbus_request(XS_MKDIR, path, NULL, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

long xenbus_rm(const char *path)
{
    long rc = xenbus_request(XS_RM, path, NULL, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

long xenbus_directory(const char *path, char *buf, size_t size)
{
    return xenbus_request(XS_DIRECTORY, path, NULL, 0, buf, size);
}

long xenbus_watch(const char *path, const char *token)
{
    long rc = xenbus_request(XS_WATCH, path, token, strlen(token) + 1, NULL, 0);
    return rc < 0 ? rc : 0;
}

long xenbus_unwatch(const char *path, const char *token)
{
    long rc = xenbus_request(XS_UNWATCH, path, token, strlen(token) + 1, NULL, 0);
    return rc < 0 ? rc : 0;
}

long xenbus_wait_watch(char *path, size_t psize, char *token, size_t tsize, uint64_t timeout_ns)
{
    uint64_t end = xen_clock_ns(0) + timeout_ns;
    struct hdr h;
    static char body[256];
    for (;;) {
        if (nr_events) {
            const char *p = events[0].data;
            size_t pl = strnlen(p, events[0].len);
            gsnprintf(path, psize, "%s", p);
            gsnprintf(token, tsize, "%.*s", (int)(events[0].len - pl - 1), p + pl + 1);
            memmove(&events[0], &events[1], sizeof(events[0]) * --nr_events);
            return 0;
        }
        if (xen_clock_ns(0) > end)
            return -11;
        if (atomic_load_acquire(&ring->rsp_prod) == ring->rsp_cons) {
            wait_store();
            continue;
        }
        get(&h, sizeof(h));
        if (h.len > sizeof(body))
            return -XEN_EINVAL;
        get(body, h.len);
        if (h.type == XS_WATCH_EVENT && nr_events < 8) {
            memcpy(events[nr_events].data, body, h.len);
            events[nr_events++].len = h.len;
        }
    }
}
