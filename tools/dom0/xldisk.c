/*
 * xl disk specifications (xldisk.h): comma-separated fields, each `key=value` or a
 * positional value, blanks around them ignored.
 */
#include "xldisk.h"
#include <string.h>

int snprintf(char *buf, size_t size, const char *fmt, ...);

enum { TARGET, FORMAT, VDEV, ACCESS, NFIELDS };
static const char *const field_names[NFIELDS] = { "target", "format", "vdev", "access" };

static int fail(char *err, size_t errlen, const char *what, const char *v)
{
    snprintf(err, errlen, "disk spec: %s%s%s", what, v ? ": " : "", v ? v : "");
    return -1;
}

/* The formats xl knows (only raw is served). */
static int is_format(const char *s)
{
    static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd", "qed", "empty" };
    for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcmp(s, formats[i]))
            return 1;
    return 0;
}

/* xvd<letter>: 202 << 8 | disk << 4 for the first 16, Xen's extended form after that. */
static int vdev_number(const char *v, unsigned *devid)
{
    if (strncmp(v, "xvd", 3) || v[3] < 'a' || v[3] > 'z' || v[4])
        return -1;
    unsigned disk = (unsigned)(v[3] - 'a');
    *devid = disk < 16 ? (202u << 8) | (disk << 4) : (1u << 28) | (disk << 8);
    return 0;
}

int xl_disk_parse(const char *spec, struct xl_disk *out, char *err, size_t errlen)
{
    char f[NFIELDS][32] = { "", "", "", "" };
    int set[NFIELDS] = { 0 }, legacy = 0;
    unsigned next = TARGET;

    memset(out, 0, sizeof(*out));
    for (const char *p = spec; *p;) {
        char tok[40];
        size_t n = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        while (*p && *p != ',' && n + 1 < sizeof(tok))
            tok[n++] = *p++;
        while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            n--;
        tok[n] = '\0';
        if (*p && *p != ',')
            return fail(err, errlen, "field too long", NULL);
        if (*p == ',')
            p++;
        char *eq = strchr(tok, '=');
        unsigned i;
        if (eq) {
            *eq = '\0';
            if (!strcmp(tok, "devtype")) {
                if (strcmp(eq + 1, "disk"))
                    return fail(err, errlen, "only devtype=disk is supported", eq + 1);
                continue;
            }
            for (i = 0; i < NFIELDS && strcmp(tok, field_names[i]); i++)
                ;
            if (i == NFIELDS)
                return fail(err, errlen, "unknown key", tok);
            memmove(tok, eq + 1, strlen(eq + 1) + 1);
        } else {
            /* The legacy form: no format field between target and vdev. */
            if (next == FORMAT && tok[0] && !is_format(tok) && !set[FORMAT])
                legacy = 1;
            if (legacy && next == FORMAT)
                next = VDEV;
            while (next < NFIELDS && set[next])
                next++;
            if (next == NFIELDS)
                return fail(err, errlen, "too many fields", tok);
            i = next++;
            if (!tok[0])
                continue;                  /* ",," leaves a field at its default */
        }
        if (set[i])
            return fail(err, errlen, "given twice", field_names[i]);
        if (strlen(tok) >= sizeof(f[0]))
            return fail(err, errlen, "value too long", field_names[i]);
        set[i] = 1;
        strcpy(f[i], tok);
        if (i == TARGET && strchr(f[TARGET], ':')) {   /* "phy:ram0": the kind goes */
            char *colon = strchr(f[TARGET], ':');
            memmove(f[TARGET], colon + 1, strlen(colon + 1) + 1);
            legacy = 1;
        }
    }
    if (!f[TARGET][0])
        return fail(err, errlen, "no target", NULL);
    if (f[FORMAT][0] && strcmp(f[FORMAT], "raw"))
        return fail(err, errlen, "only format raw is supported", f[FORMAT]);
    if (!f[VDEV][0])
        return fail(err, errlen, "no vdev", NULL);
    if (vdev_number(f[VDEV], &out->devid))
        return fail(err, errlen, "vdev must be xvd<a-z>", f[VDEV]);
    if (!strcmp(f[ACCESS], "r") || !strcmp(f[ACCESS], "ro"))
        out->readonly = 1;
    else if (f[ACCESS][0] && strcmp(f[ACCESS], "w") && strcmp(f[ACCESS], "rw"))
        return fail(err, errlen, "access must be r, ro, w or rw", f[ACCESS]);
    strcpy(out->target, f[TARGET]);
    strcpy(out->vdev, f[VDEV]);
    return 0;
}
