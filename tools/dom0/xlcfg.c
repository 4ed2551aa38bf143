/*
 * xl.cfg-style configuration files (xlcfg.h). A small hand-written scanner: every line is
 * `key = value` with optional spaces, a value is "text" (no escapes), a decimal number,
 * or [ "text", ... ]; '#' starts a comment outside quotes; a trailing ';' is allowed.
 */
#include "xlcfg.h"
#include <stdint.h>
#include <string.h>

int snprintf(char *buf, size_t size, const char *fmt, ...);

struct scan {
    const char *p, *end;
    unsigned line;
    char *err;
    size_t errlen;
};

static int fail(struct scan *s, const char *what, const char *key)
{
    snprintf(s->err, s->errlen, "line %u: %s%s%s", s->line, what, key ? ": " : "", key ? key : "");
    return -1;
}

static void skip_blanks(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

/* A "string" into buf; -1 if unterminated or too long. */
static int quoted(struct scan *s, char *buf, size_t size, const char *key)
{
    size_t n = 0;
    if (s->p >= s->end || *s->p != '"')
        return fail(s, "expected a \"quoted string\" for", key);
    for (s->p++; s->p < s->end && *s->p != '"'; s->p++) {
        if (*s->p == '\n')
            return fail(s, "unterminated string for", key);
        if (n + 1 >= size)
            return fail(s, "value too long for", key);
        buf[n++] = *s->p;
    }
    if (s->p >= s->end)
        return fail(s, "unterminated string for", key);
    s->p++;
    buf[n] = '\0';
    return 0;
}

static int number(struct scan *s, unsigned *out, const char *key)
{
    uint64_t v = 0;
    const char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        v = v * 10 + (uint64_t)(*s->p++ - '0');
        if (v > 0xffffffffu)
            return fail(s, "number too large for", key);
    }
    if (s->p == start)
        return fail(s, "expected a number for", key);
    *out = (unsigned)v;
    return 0;
}

static int action(struct scan *s, enum xl_action *a, const char *key)
{
    char v[16];
    if (quoted(s, v, sizeof(v), key))
        return -1;
    if (!strcmp(v, "destroy"))
        *a = XL_DESTROY;
    else if (!strcmp(v, "restart"))
        *a = XL_RESTART;
    else if (!strcmp(v, "preserve"))
        *a = XL_PRESERVE;
    else
        return fail(s, "expected \"destroy\", \"restart\" or \"preserve\" for", key);
    return 0;
}

static int disks(struct scan *s, struct xlcfg *c, const char *key)
{
    if (s->p >= s->end || *s->p != '[')
        return fail(s, "expected a [ list ] for", key);
    s->p++;
    c->nr_disks = 0;
    for (;;) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == ','))
            s->p++;
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        if (c->nr_disks == XLCFG_MAX_DISKS)
            return fail(s, "too many entries in", key);
        if (quoted(s, c->disk[c->nr_disks], sizeof(c->disk[0]), key))
            return -1;
        c->nr_disks++;
    }
}

/* The value of `key` at s->p. */
static int value(struct scan *s, struct xlcfg *c, const char *key)
{
    if (!strcmp(key, "name"))
        return quoted(s, c->name, sizeof(c->name), key);
    if (!strcmp(key, "kernel"))
        return quoted(s, c->kernel, sizeof(c->kernel), key);
    if (!strcmp(key, "ramdisk"))
        return quoted(s, c->ramdisk, sizeof(c->ramdisk), key);
    if (!strcmp(key, "cmdline") || !strcmp(key, "extra"))
        return quoted(s, c->cmdline, sizeof(c->cmdline), key);
    if (!strcmp(key, "type")) {
        char t[8];
        if (quoted(s, t, sizeof(t), key))
            return -1;
        return strcmp(t, "pvh") ? fail(s, "only type = \"pvh\" is supported:", t) : 0;
    }
    if (!strcmp(key, "memory"))
        return number(s, &c->memory_mb, key);
    if (!strcmp(key, "maxmem"))
        return number(s, &c->maxmem_mb, key);
    if (!strcmp(key, "vcpus"))
        return number(s, &c->vcpus, key);
    if (!strcmp(key, "on_crash"))
        return action(s, &c->on_crash, key);
    if (!strcmp(key, "on_poweroff"))
        return action(s, &c->on_poweroff, key);
    if (!strcmp(key, "on_reboot"))
        return action(s, &c->on_reboot, key);
    if (!strcmp(key, "disk"))
        return disks(s, c, key);
    return fail(s, "unknown key", key);
}

/* One `key = value` line (s->p at its start); leaves s->p at the end of the line. */
static int assignment(struct scan *s, struct xlcfg *c)
{
    char key[24];
    size_t n = 0;

    skip_blanks(s);
    if (s->p >= s->end || *s->p == '\n' || *s->p == '#')
        goto end;                                   /* blank or comment */
    while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || *s->p == '_' ||
                             (*s->p >= '0' && *s->p <= '9'))) {
        if (n + 1 >= sizeof(key))
            return fail(s, "key too long", NULL);
        key[n++] = *s->p++;
    }
    key[n] = '\0';
    if (!n)
        return fail(s, "expected key = value", NULL);
    skip_blanks(s);
    if (s->p >= s->end || *s->p != '=')
        return fail(s, "expected '=' after", key);
    s->p++;
    skip_blanks(s);
    if (value(s, c, key))
        return -1;
    skip_blanks(s);
    if (s->p < s->end && *s->p == ';')
        s->p++;
    skip_blanks(s);
end:
    if (s->p < s->end && *s->p == '#')
        while (s->p < s->end && *s->p != '\n')
            s->p++;
    if (s->p < s->end && *s->p != '\n')
        return fail(s, "unexpected text after the value", NULL);
    return 0;
}

int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen)
{
    struct scan s = { .p = text, .end = text + len, .line = 1, .err = err, .errlen = errlen };

    memset(out, 0, sizeof(*out));
    out->on_reboot = XL_RESTART;                    /* xl's defaults; the others destroy */
    while (s.p < s.end) {
        if (assignment(&s, out))
            return -1;
        if (s.p < s.end) {                          /* the newline */
            s.p++;
            s.line++;
        }
    }
    return 0;
}

int xlcfg_set(struct xlcfg *c, const char *a, char *err, size_t errlen)
{
    /* `key=value` from a command line: the value may lack its quotes. */
    char line[300];
    const char *eq = strchr(a, '=');
    size_t klen = eq ? (size_t)(eq - a) : 0;
    int quote = eq && eq[1] != '"' && eq[1] != '[' && !(eq[1] >= '0' && eq[1] <= '9');

    if (!eq || strlen(a) + 3 > sizeof(line)) {
        snprintf(err, errlen, "expected key=value: %s", a);
        return -1;
    }
    snprintf(line, sizeof(line), "%.*s=%s%s%s", (int)klen, a, quote ? "\"" : "", eq + 1,
             quote ? "\"" : "");
    struct scan s = { .p = line, .end = line + strlen(line), .line = 1, .err = err,
                      .errlen = errlen };
    return assignment(&s, c);
}

int xlcfg_finish(struct xlcfg *c, char *err, size_t errlen)
{
    if (!c->name[0]) {
        snprintf(err, errlen, "no name = \"...\"");
        return -1;
    }
    if (!c->kernel[0]) {
        snprintf(err, errlen, "no kernel = \"...\"");
        return -1;
    }
    for (const char *p = c->name; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || *p == '[' || *p == ']') {
            snprintf(err, errlen, "name \"%s\": only printable characters, no spaces or []",
                     c->name);
            return -1;
        }
    if (!c->memory_mb)
        c->memory_mb = 16;
    if (!c->vcpus)
        c->vcpus = 1;
    if (c->vcpus > 8) {
        snprintf(err, errlen, "vcpus = %u: at most 8", c->vcpus);
        return -1;
    }
    if (c->maxmem_mb && c->maxmem_mb < c->memory_mb) {
        snprintf(err, errlen, "maxmem = %u is below memory = %u", c->maxmem_mb, c->memory_mb);
        return -1;
    }
    return 0;
}

const char *xl_action_name(enum xl_action a)
{
    return a == XL_RESTART ? "restart" : a == XL_PRESERVE ? "preserve" : "destroy";
}
