/*
 * The console backend: every DomU's console ring, read through Keel (DOMCTL
 * console_read), put on Dom0's console one line at a time as "[name] text". Dom0 binds
 * each ring's event channel (the unbound port Keel gave the DomU for it), as Xen's
 * console daemon does: from then on the DomU's notifications come to Dom0 — they wake
 * its event loop — and Keel no longer prints that ring itself. `console <id>` attaches:
 * only that domain's output, as it comes, until detached.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#include "dom0.h"

#define MAX_CONS 64

struct cons {
    unsigned id;
    int used;
    uint32_t port;                 /* our end of its console channel, 0: not bound */
    char name[32];
    char line[160];
    size_t len;
};

static struct cons cons[MAX_CONS];
static int attached = -1;          /* a domain id, or -1 */
static int expect_id = -1;         /* consback_expect: the domain and text looked for */
static char expect_text[64];
static int expect_seen;

static struct cons *lookup(unsigned id, int create)
{
    struct cons *free_slot = NULL;
    for (int i = 0; i < MAX_CONS; i++) {
        if (cons[i].used && cons[i].id == id)
            return &cons[i];
        if (!cons[i].used && !free_slot)
            free_slot = &cons[i];
    }
    if (!create || !free_slot)
        return NULL;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = 1;
    free_slot->id = id;
    return free_slot;
}

static void flush(struct cons *c)
{
    if (c->len && (int)c->id == expect_id && c->len < sizeof(c->line)) {
        c->line[c->len] = '\0';
        if (strstr(c->line, expect_text))
            expect_seen = 1;
    }
    if (c->len && attached < 0)
        gprintf("[%s] %.*s\n", c->name, (int)c->len, c->line);
    c->len = 0;
}

static void put(struct cons *c, const char *s, size_t n)
{
    if (attached == (int)c->id) {          /* attached: raw, as it comes */
        gprintf("%.*s", (int)n, s);
        guest_flush();
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\n') {
            flush(c);
            continue;
        }
        if (ch == '\r')
            continue;
        if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
            ch = '?';
        if (c->len == sizeof(c->line))
            flush(c);
        c->line[c->len++] = ch;
    }
}

static void read_one(struct cons *c)
{
    char buf[256];
    long n;
    while ((n = dc_console_read(c->id, buf, sizeof(buf))) > 0)
        put(c, buf, (size_t)n);
}

void consback_poll(void)
{
    struct dom_info di;
    for (unsigned from = 1; dc_getinfo(from, &di) == 0; from = di.id + 1) {
        if (di.flags & DI_PRIV)
            continue;
        struct cons *c = lookup(di.id, 1);
        if (!c)
            continue;
        memcpy(c->name, di.name, sizeof(c->name));
        if (!c->port && !(di.flags & (DI_SHUTDOWN | DI_DYING))) {
            uint32_t p;
            if (xen_evtchn_bind_interdomain((domid_t)di.id, di.console_port, &p) == 0)
                c->port = p;
        }
        if (c->port)
            xen_evtchn_clear(c->port);
        read_one(c);
    }
}

void consback_forget(unsigned id)
{
    struct cons *c = lookup(id, 0);
    if (!c)
        return;
    read_one(c);
    flush(c);
    if (c->port)
        xen_evtchn_close(c->port);
    if (attached == (int)id)
        attached = -1;
    c->used = 0;
}

int consback_attach(unsigned id)
{
    struct cons *c = lookup(id, 0);
    if (!c)
        return -1;
    flush(c);
    attached = (int)id;
    return 0;
}

void consback_detach(void)
{
    attached = -1;
}

unsigned consback_ports(uint32_t *ports, unsigned max)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_CONS && n < max; i++)
        if (cons[i].used && cons[i].port)
            ports[n++] = cons[i].port;
    return n;
}

void consback_input(unsigned id, const char *s, size_t n)
{
    struct cons *c = lookup(id, 0);
    if (c && dc_console_write(id, s, (uint32_t)n) > 0 && c->port)
        xen_evtchn_send(c->port);          /* its hvc driver looks at `in` */
}

void consback_expect(unsigned id, const char *text)
{
    expect_id = (int)id;
    gsnprintf(expect_text, sizeof(expect_text), "%s", text);
    expect_seen = 0;
}

int consback_expect_seen(void)
{
    return expect_seen;
}
