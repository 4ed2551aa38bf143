/* Keel's own command line. Built for the host too (tests/unit/test_cmdline.c). */
#include <keel/cmdline.h>
#include <keel/printk.h>
#include <keel/string.h>

struct keel_options keel_opts;

/* Next whitespace-separated word of *p, or false at the end. */
static bool next_word(const char **p, const char **w, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    *w = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    *len = (size_t)(s - *w);
    *p = s;
    return true;
}

bool cmdline_get(const char *cmdline, const char *name, char *val, size_t len)
{
    const char *w;
    size_t wl, nl = strlen(name);
    bool found = false;

    while (next_word(&cmdline, &w, &wl)) {
        if (wl >= nl && !strncmp(w, name, nl) && (wl == nl || w[nl] == '=')) {
            size_t vl = wl > nl ? wl - nl - 1 : 0;
            if (len) {
                if (vl >= len)
                    vl = len - 1;
                memcpy(val, w + nl + (wl > nl), vl);
                val[vl] = '\0';
            }
            found = true;     /* keep going: the last one wins, as on Linux and Xen */
        }
    }
    return found;
}

static bool parse_uint(const char *s, unsigned int *out)
{
    unsigned long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 0xffffffffu)
            return false;
    }
    *out = (unsigned int)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!*s || !strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
        *out = true;
    else if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_loglvl(const char *s, int *out)
{
    static const char *names[] = { "err", "warn", "info", "debug" };
    unsigned int n;
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return true;
        }
    if (parse_uint(s, &n) && n <= LOG_DEBUG) {
        *out = (int)n;
        return true;
    }
    return false;
}

uint64_t cmdline_size(const char *s)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (1ull << 40))
            return 0;
    }
    switch (*s) {
    case 'G': case 'g': v <<= 30; s++; break;
    case 'M': case 'm': v <<= 20; s++; break;
    case 'K': case 'k': v <<= 10; s++; break;
    case '\0': break;
    default: return 0;
    }
    return *s ? 0 : v;
}

int cmdline_parse(const char *cmdline, struct keel_options *o)
{
    const char *p = cmdline, *w;
    size_t wl;
    int bad = 0;

    memset(o, 0, sizeof(*o));
    strlcpy(o->console, "com1", sizeof(o->console));
    o->loglvl = LOG_INFO;

    while (next_word(&p, &w, &wl)) {
        char word[128], *val;
        if (wl >= sizeof(word)) {
            pr_warn("warning: cmdline: option '%.*s...' is too long; ignored\n", 20, w);
            bad++;
            continue;
        }
        memcpy(word, w, wl);
        word[wl] = '\0';
        val = strchr(word, '=');
        if (val)
            *val++ = '\0';
        else
            val = word + wl;     /* empty value */

        bool ok = true;
        if (!strcmp(word, "console")) {
            ok = *val && strlen(val) < sizeof(o->console);
            if (ok)
                strlcpy(o->console, val, sizeof(o->console));
        } else if (!strcmp(word, "loglvl")) {
            ok = parse_loglvl(val, &o->loglvl);
        } else if (!strcmp(word, "smp")) {
            unsigned int n;
            ok = parse_uint(val, &n) && n > 0;     /* smp=0 is meaningless: refused */
            if (ok)
                o->smp = n;
        } else if (!strcmp(word, "selftest")) {
            ok = *val && strlen(val) < sizeof(o->selftest);
            if (ok)
                strlcpy(o->selftest, val, sizeof(o->selftest));
        } else if (!strcmp(word, "test_exit")) {
            ok = parse_bool(val, &o->test_exit);
        } else if (!strcmp(word, "bench")) {
            ok = parse_bool(val, &o->bench);
        } else if (!strcmp(word, "dom0")) {
            ok = !strcmp(val, "off") || !strcmp(val, "on");
            o->dom0_off = ok && !strcmp(val, "off");
        } else if (!strcmp(word, "dom0_mem")) {
            uint64_t b = cmdline_size(val);
            ok = b >= (4u << 20) && !(b & 0xfff);
            if (ok)
                o->dom0_mem = b;
        } else if (!strcmp(word, "dom0_vcpus")) {
            unsigned int n;
            ok = parse_uint(val, &n) && n >= 1 && n <= 8;
            if (ok)
                o->dom0_vcpus = n;
        } else if (!strcmp(word, "pci-hide")) {
            ok = *val && strlen(val) < sizeof(o->pci_hide);
            if (ok)
                strlcpy(o->pci_hide, val, sizeof(o->pci_hide));
        } else if (!strcmp(word, "iommu")) {
            ok = !strcmp(val, "off-unsafe") || !strcmp(val, "no-intremap-unsafe") ||
                 !strcmp(val, "on");
            o->iommu_off_unsafe = ok && !strcmp(val, "off-unsafe");
            o->iommu_no_intremap = ok && !strcmp(val, "no-intremap-unsafe");
        } else {
            pr_warn("warning: cmdline: unknown option '%s'; ignored\n", word);
            bad++;
            continue;
        }
        if (!ok) {
            pr_warn("warning: cmdline: bad value '%s' for %s; ignored\n", val, word);
            bad++;
        }
    }
    return bad;
}
