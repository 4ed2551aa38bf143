/*
 * The store (xs_store.h): a flat table of nodes (full path, value) — a few hundred nodes
 * for a handful of domains, so a linear scan is fine — and a table of watches.
 */
#include "xs_store.h"
#include <public/xs_wire.h>
#include <string.h>

int snprintf(char *buf, size_t size, const char *fmt, ...);

struct node {
    int used;
    char path[XS_PATH_MAX];
    char value[XS_VALUE_MAX];
    uint32_t vlen;
};

struct watch {
    int used;
    unsigned domid;
    int relative;                      /* registered relative to its domain's home */
    char path[XS_PATH_MAX];            /* absolute */
    char token[64];
};

static struct node nodes[XS_MAX_NODES];
static struct watch watches[XS_MAX_WATCHES];
static xs_send_fn send_fn;
static void *send_ctx;
static uint32_t next_tx = 1;

void xs_init(xs_send_fn send, void *ctx)
{
    memset(nodes, 0, sizeof(nodes));
    memset(watches, 0, sizeof(watches));
    send_fn = send;
    send_ctx = ctx;
    xs_write("/local/domain", "");
}

unsigned xs_nr_nodes(void)
{
    unsigned n = 0;
    for (int i = 0; i < XS_MAX_NODES; i++)
        n += nodes[i].used;
    return n;
}

/* p is `prefix` or below it (at a path-component boundary). */
static int under(const char *p, const char *prefix)
{
    size_t n = strlen(prefix);
    return !strncmp(p, prefix, n) && (p[n] == '\0' || p[n] == '/' || (n && prefix[n - 1] == '/'));
}

static struct node *find(const char *path)
{
    for (int i = 0; i < XS_MAX_NODES; i++)
        if (nodes[i].used && !strcmp(nodes[i].path, path))
            return &nodes[i];
    return NULL;
}

/* Printable, absolute, no empty component, no trailing slash (except "/"). */
static int valid_path(const char *p)
{
    size_t n = strlen(p);
    if (!n || n >= XS_PATH_MAX || p[0] != '/' || (n > 1 && p[n - 1] == '/'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '-' || c == '_' || c == '@' || c == '.'))
            return 0;
        if (c == '/' && p[i + 1] == '/')
            return 0;
    }
    return 1;
}

static void fire(const char *path);

static int set(const char *path, const char *value, uint32_t vlen, int create_only)
{
    if (!valid_path(path) || vlen >= XS_VALUE_MAX)
        return -22;
    struct node *n = find(path);
    if (n && create_only)
        return 0;
    if (!n) {
        /* Parents first, as xenstored creates them. */
        char parent[XS_PATH_MAX];
        strcpy(parent, path);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            if (!find(parent)) {
                int rc = set(parent, "", 0, 1);
                if (rc)
                    return rc;
            }
        }
        for (int i = 0; i < XS_MAX_NODES && !n; i++)
            if (!nodes[i].used)
                n = &nodes[i];
        if (!n)
            return -28;                            /* ENOSPC */
        n->used = 1;
        strcpy(n->path, path);
    }
    memcpy(n->value, value, vlen);
    n->value[vlen] = '\0';
    n->vlen = vlen;
    fire(path);
    return 0;
}

int xs_write(const char *path, const char *value)
{
    return set(path, value, (uint32_t)strlen(value), 0);
}

const char *xs_read(const char *path)
{
    struct node *n = find(path);
    return n ? n->value : NULL;
}

int xs_rm(const char *path)
{
    int found = 0;
    for (int i = 0; i < XS_MAX_NODES; i++)
        if (nodes[i].used && under(nodes[i].path, path)) {
            nodes[i].used = 0;
            found = 1;
        }
    if (found)
        fire(path);
    return found ? 0 : -2;
}

/* ---- permissions */

/* "/local/domain/0/backend/<type>/<id>/...": the <id>, or -1. */
static long backend_for(const char *p)
{
    const char *b = "/local/domain/0/backend/";
    if (strncmp(p, b, strlen(b)))
        return -1;
    const char *t = strchr(p + strlen(b), '/');
    if (!t || t[1] < '0' || t[1] > '9')
        return -1;
    long id = 0;
    for (t++; *t >= '0' && *t <= '9'; t++)
        id = id * 10 + (*t - '0');
    return *t == '\0' || *t == '/' ? id : -1;
}


static int may_read(unsigned d, const char *p)
{
    char home[40];
    if (d == 0)
        return 1;
    snprintf(home, sizeof(home), "/local/domain/%u", d);
    if (under(p, home))
        return 1;
    return backend_for(p) == (long)d;              /* the backends serving it */
}

static int may_write(unsigned d, const char *p)
{
    char home[40];
    if (d == 0)
        return 1;
    snprintf(home, sizeof(home), "/local/domain/%u/", d);
    return !strncmp(p, home, strlen(home));
}

/* ---- watches */

static void fire_one(const struct watch *w, const char *path)
{
    char ev[XS_PATH_MAX + 64 + 2], home[40];
    const char *shown = path;
    snprintf(home, sizeof(home), "/local/domain/%u/", w->domid);
    if (w->relative && !strncmp(path, home, strlen(home)))
        shown = path + strlen(home);
    size_t pl = strlen(shown) + 1, tl = strlen(w->token) + 1;
    memcpy(ev, shown, pl);
    memcpy(ev + pl, w->token, tl);
    send_fn(send_ctx, w->domid, XS_WATCH_EVENT, 0, 0, ev, (uint32_t)(pl + tl));
}

/* Every watch on path, on a node above it, or below it (a removed subtree). */
static void fire(const char *path)
{
    for (int i = 0; i < XS_MAX_WATCHES; i++) {
        const struct watch *w = &watches[i];
        if (w->used && (under(path, w->path) || under(w->path, path)) &&
            may_read(w->domid, path))
            fire_one(w, path);
    }
}

void xs_forget_domain(unsigned domid)
{
    char p[XS_PATH_MAX];
    for (int i = 0; i < XS_MAX_WATCHES; i++)
        if (watches[i].domid == domid)
            watches[i].used = 0;
    snprintf(p, sizeof(p), "/local/domain/%u", domid);
    xs_rm(p);
    for (int i = 0; i < XS_MAX_NODES; i++) {
        if (!nodes[i].used || backend_for(nodes[i].path) != (long)domid)
            continue;
        /* Cut after the <id> component and remove that directory. */
        const char *t = strchr(nodes[i].path + strlen("/local/domain/0/backend/"), '/') + 1;
        while (*t >= '0' && *t <= '9')
            t++;
        snprintf(p, sizeof(p), "%.*s", (int)(t - nodes[i].path), nodes[i].path);
        xs_rm(p);
    }
}

/* ---- requests */

static void reply(unsigned d, uint32_t type, uint32_t req, uint32_t tx, const char *s, uint32_t len)
{
    send_fn(send_ctx, d, type, req, tx, s, len);
}

static void error(unsigned d, uint32_t req, uint32_t tx, const char *name)
{
    reply(d, XS_ERROR, req, tx, name, (uint32_t)strlen(name) + 1);
}

static void ok(unsigned d, uint32_t type, uint32_t req, uint32_t tx)
{
    reply(d, type, req, tx, "OK", 3);
}

/* The first string of the payload as an absolute path (relative: from the domain's home). */
static int arg_path(unsigned d, const char *payload, uint32_t len, char *out, size_t *used)
{
    size_t n = strnlen(payload, len);
    if (n == len)
        return -1;                                 /* not NUL-terminated */
    *used = n + 1;
    if (payload[0] == '/')
        return snprintf(out, XS_PATH_MAX, "%s", payload) >= XS_PATH_MAX ? -1 : 0;
    return snprintf(out, XS_PATH_MAX, "/local/domain/%u/%s", d, payload) >= XS_PATH_MAX ? -1 : 0;
}

static void directory(unsigned d, uint32_t req, uint32_t tx, const char *path)
{
    static char out[XENSTORE_PAYLOAD_MAX];
    uint32_t len = 0;
    size_t pl = strlen(path);
    for (int i = 0; i < XS_MAX_NODES; i++) {
        const char *p = nodes[i].path;
        if (!nodes[i].used || strncmp(p, path, pl) || p[pl] != '/' || strchr(p + pl + 1, '/'))
            continue;
        size_t k = strlen(p + pl + 1) + 1;
        if (len + k > sizeof(out)) {
            error(d, req, tx, "E2BIG");
            return;
        }
        memcpy(out + len, p + pl + 1, k);
        len += (uint32_t)k;
    }
    reply(d, XS_DIRECTORY, req, tx, out, len);
}

void xs_request(unsigned d, uint32_t type, uint32_t req, uint32_t tx, const char *payload,
                uint32_t len)
{
    char path[XS_PATH_MAX], buf[64];
    size_t used = 0;
    struct node *n;

    switch (type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_GET_PERMS:
    case XS_SET_PERMS:
    case XS_WATCH:
    case XS_UNWATCH:
        if (arg_path(d, payload, len, path, &used) || !valid_path(path)) {
            error(d, req, tx, "EINVAL");
            return;
        }
        break;
    default:
        break;
    }
    switch (type) {
    case XS_READ:
        if (!may_read(d, path))
            return error(d, req, tx, "EACCES");
        if (!(n = find(path)))
            return error(d, req, tx, "ENOENT");
        return reply(d, XS_READ, req, tx, n->value, n->vlen);
    case XS_DIRECTORY:
        if (!may_read(d, path))
            return error(d, req, tx, "EACCES");
        if (!find(path))
            return error(d, req, tx, "ENOENT");
        return directory(d, req, tx, path);
    case XS_WRITE:
    case XS_MKDIR: {
        if (!may_write(d, path))
            return error(d, req, tx, "EACCES");
        int rc = type == XS_WRITE ? set(path, payload + used, len - (uint32_t)used, 0)
                                  : set(path, "", 0, 1);
        if (rc)
            return error(d, req, tx, rc == -28 ? "ENOSPC" : "EINVAL");
        return ok(d, type, req, tx);
    }
    case XS_RM:
        if (!may_write(d, path))
            return error(d, req, tx, "EACCES");
        if (xs_rm(path))
            return error(d, req, tx, "ENOENT");
        return ok(d, type, req, tx);
    case XS_GET_PERMS:
        if (!may_read(d, path))
            return error(d, req, tx, "EACCES");
        if (!find(path))
            return error(d, req, tx, "ENOENT");
        snprintf(buf, sizeof(buf), "n%u", d);
        return reply(d, XS_GET_PERMS, req, tx, buf, (uint32_t)strlen(buf) + 1);
    case XS_SET_PERMS:
        if (!may_write(d, path))
            return error(d, req, tx, "EACCES");
        return ok(d, type, req, tx);               /* the fixed rules above apply */
    case XS_WATCH: {
        size_t tl = strnlen(payload + used, len - used);
        if (used + tl >= len || tl >= sizeof(watches[0].token))
            return error(d, req, tx, "EINVAL");
        struct watch *w = NULL;
        for (int i = 0; i < XS_MAX_WATCHES && !w; i++)
            if (!watches[i].used)
                w = &watches[i];
        if (!w)
            return error(d, req, tx, "ENOSPC");
        *w = (struct watch){ .used = 1, .domid = d, .relative = payload[0] != '/' };
        strcpy(w->path, path);
        memcpy(w->token, payload + used, tl + 1);
        ok(d, type, req, tx);
        fire_one(w, path);              /* as xenstored: one event at once, to look now */
        return;
    }
    case XS_UNWATCH: {
        const char *tok = payload + used;
        size_t tl = strnlen(tok, len - used);
        if (used + tl >= len)
            return error(d, req, tx, "EINVAL");
        for (int i = 0; i < XS_MAX_WATCHES; i++)
            if (watches[i].used && watches[i].domid == d && !strcmp(watches[i].path, path) &&
                !strcmp(watches[i].token, tok)) {
                watches[i].used = 0;
                return ok(d, type, req, tx);
            }
        return error(d, req, tx, "ENOENT");
    }
    case XS_RESET_WATCHES:
        for (int i = 0; i < XS_MAX_WATCHES; i++)
            if (watches[i].domid == d)
                watches[i].used = 0;
        return ok(d, type, req, tx);
    case XS_TRANSACTION_START:
        snprintf(buf, sizeof(buf), "%u", next_tx++);
        return reply(d, type, req, tx, buf, (uint32_t)strlen(buf) + 1);
    case XS_TRANSACTION_END:
        return ok(d, type, req, tx);
    case XS_GET_DOMAIN_PATH: {
        size_t k = strnlen(payload, len);
        if (k == len || !k || k > 5 || strspn(payload, "0123456789") != k)
            return error(d, req, tx, "EINVAL");
        snprintf(buf, sizeof(buf), "/local/domain/%s", payload);
        return reply(d, type, req, tx, buf, (uint32_t)strlen(buf) + 1);
    }
    case XS_IS_DOMAIN_INTRODUCED:
        return reply(d, type, req, tx, "T", 2);
    default:
        return error(d, req, tx, "ENOSYS");
    }
}
