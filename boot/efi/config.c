/*
 * keel.cfg → struct kcfg (the format is described in keel_efi.h). Pure: the file's bytes
 * in, settings or one error sentence out. The first error stops the parse.
 */
#include "keel_efi.h"

struct line_err {
    char *buf;
    size_t len;
};

static void err_start(struct line_err *e, unsigned line)
{
    e->buf[0] = '\0';
    if (line) {
        kefi_cat(e->buf, e->len, "line ");
        kefi_cat_dec(e->buf, e->len, line);
        kefi_cat(e->buf, e->len, ": ");
    }
}

/* Appends up to 60 characters of s (n bytes), quoted. */
static void err_quote(struct line_err *e, const char *s, size_t n)
{
    char q[64];
    size_t m = n > 60 ? 57 : n;
    for (size_t i = 0; i < m; i++)
        q[i] = s[i];
    q[m] = '\0';
    kefi_cat(e->buf, e->len, "'");
    kefi_cat(e->buf, e->len, q);
    kefi_cat(e->buf, e->len, n > m ? "...'" : "'");
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool copy_value(struct line_err *e, unsigned line, const char *what, char *dst,
                       size_t dstlen, const char *s, size_t n)
{
    if (n >= dstlen) {
        err_start(e, line);
        kefi_cat(e->buf, e->len, what);
        kefi_cat(e->buf, e->len, " is ");
        kefi_cat_dec(e->buf, e->len, n);
        kefi_cat(e->buf, e->len, " bytes long; at most ");
        kefi_cat_dec(e->buf, e->len, dstlen - 1);
        kefi_cat(e->buf, e->len, " fit");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i] == '\t' ? ' ' : s[i];
    dst[n] = '\0';
    return true;
}

/* A file name: no characters FAT or UEFI refuse, '/' turned into '\'. */
static bool copy_path(struct line_err *e, unsigned line, const char *key, char *dst,
                      const char *s, size_t n)
{
    if (n == 0) {
        err_start(e, line);
        kefi_cat(e->buf, e->len, key);
        kefi_cat(e->buf, e->len, "= needs a file name");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '*' || c == ':' || c == '<' || c == '>' || c == '?' ||
            c == '|') {
            char bad[2] = { c, '\0' };
            err_start(e, line);
            kefi_cat(e->buf, e->len, "file name ");
            err_quote(e, s, n);
            kefi_cat(e->buf, e->len, " contains '");
            kefi_cat(e->buf, e->len, bad);
            kefi_cat(e->buf, e->len, "', which a FAT file name cannot");
            return false;
        }
    }
    if (!copy_value(e, line, "the file name", dst, KCFG_PATH_MAX, s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '/')
            dst[i] = '\\';
    return true;
}

static int parse_line(struct kcfg *cfg, struct line_err *e, unsigned line, const char *s,
                      size_t n, unsigned *kernel_line, unsigned *cmdline_line)
{
    /* Trim spaces; skip blank lines and comments. */
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 0 || s[0] == '#')
        return 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c > 0x7e) {
            err_start(e, line);
            kefi_cat(e->buf, e->len, c ? "character " : "NUL byte ");
            if (c)
                kefi_cat_hex(e->buf, e->len, c);
            kefi_cat(e->buf, e->len, c ? " is not printable ASCII" : "in the text");
            return -1;
        }
    }

    size_t eq = 0;
    while (eq < n && s[eq] != '=')
        eq++;
    size_t klen = eq;
    while (klen && is_space(s[klen - 1]))
        klen--;
    bool key_ok = eq < n && klen > 0;
    for (size_t i = 0; key_ok && i < klen; i++)
        if (is_space(s[i]))
            key_ok = false;
    if (!key_ok) {
        err_start(e, line);
        kefi_cat(e->buf, e->len, "expected key=value (kernel=, cmdline= or module=), found ");
        err_quote(e, s, n);
        return -1;
    }
    const char *v = s + eq + 1;
    size_t vlen = n - eq - 1;
    while (vlen && is_space(*v))
        v++, vlen--;

    if (klen == 6 && !kefi_memcmp(s, "kernel", 6)) {
        if (*kernel_line) {
            err_start(e, line);
            kefi_cat(e->buf, e->len, "kernel= given twice (first on line ");
            kefi_cat_dec(e->buf, e->len, *kernel_line);
            kefi_cat(e->buf, e->len, ")");
            return -1;
        }
        for (size_t i = 0; i < vlen; i++) {
            if (is_space(v[i])) {
                err_start(e, line);
                kefi_cat(e->buf, e->len, "kernel= takes one file name; Keel's command line "
                         "goes in cmdline=");
                return -1;
            }
        }
        if (!copy_path(e, line, "kernel", cfg->kernel, v, vlen))
            return -1;
        *kernel_line = line;
    } else if (klen == 7 && !kefi_memcmp(s, "cmdline", 7)) {
        if (*cmdline_line) {
            err_start(e, line);
            kefi_cat(e->buf, e->len, "cmdline= given twice (first on line ");
            kefi_cat_dec(e->buf, e->len, *cmdline_line);
            kefi_cat(e->buf, e->len, ")");
            return -1;
        }
        if (!copy_value(e, line, "cmdline=", cfg->cmdline, sizeof(cfg->cmdline), v, vlen))
            return -1;
        *cmdline_line = line;
    } else if (klen == 6 && !kefi_memcmp(s, "module", 6)) {
        if (cfg->nr_modules == BOOT_MAX_MODULES) {
            err_start(e, line);
            kefi_cat(e->buf, e->len, "more than ");
            kefi_cat_dec(e->buf, e->len, BOOT_MAX_MODULES);
            kefi_cat(e->buf, e->len, " modules; Keel keeps no more");
            return -1;
        }
        struct kcfg_module *m = &cfg->modules[cfg->nr_modules];
        size_t plen = 0;
        while (plen < vlen && !is_space(v[plen]))
            plen++;
        if (!copy_path(e, line, "module", m->path, v, plen))
            return -1;
        const char *c = v + plen;
        size_t clen = vlen - plen;
        while (clen && is_space(*c))
            c++, clen--;
        if (!copy_value(e, line, "the module's command line", m->cmdline, sizeof(m->cmdline),
                        c, clen))
            return -1;
        cfg->nr_modules++;
    } else {
        err_start(e, line);
        kefi_cat(e->buf, e->len, "unknown key ");
        err_quote(e, s, klen);
        kefi_cat(e->buf, e->len, " (known: kernel, cmdline, module)");
        return -1;
    }
    return 0;
}

int kcfg_parse(const char *text, size_t len, struct kcfg *cfg, char *err, size_t errlen)
{
    struct line_err e = { err, errlen };
    unsigned line = 0, kernel_line = 0, cmdline_line = 0;
    size_t pos = 0;

    for (size_t i = 0; i < sizeof(*cfg); i++)
        ((char *)cfg)[i] = 0;
    if (errlen)
        err[0] = '\0';
    if (len > KCFG_MAX_SIZE) {
        err_start(&e, 0);
        kefi_cat(err, errlen, "the file is ");
        kefi_cat_dec(err, errlen, len);
        kefi_cat(err, errlen, " bytes long; a config file has at most ");
        kefi_cat_dec(err, errlen, KCFG_MAX_SIZE);
        return -1;
    }
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        if (n && text[pos + n - 1] == '\r')
            n--;
        line++;
        if (parse_line(cfg, &e, line, text + pos, n, &kernel_line, &cmdline_line) < 0)
            return -1;
        pos = end + 1;
    }
    if (!kernel_line) {
        err_start(&e, 0);
        kefi_cat(err, errlen, "no kernel= line: which file is Keel?");
        return -1;
    }
    return 0;
}
