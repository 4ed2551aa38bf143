/*
 * Domain configuration files in the style of Xen's xl.cfg(5): lines of `key = value`,
 * values "strings", numbers, or [ "lists" ], # comments. The keys Keel's toolstack knows:
 *   name, type ("pvh"), memory (MiB), maxmem (MiB), vcpus, kernel, ramdisk, cmdline
 *   (also `extra`), on_crash / on_poweroff / on_reboot ("destroy" "restart" "preserve"),
 *   disk (a list of xl disk specs, kept for the block backend).
 * Anything else is an error naming the line, as are malformed values and missing keys.
 * Pure: built for the host unit tests too.
 */
#ifndef XLCFG_H
#define XLCFG_H

#include <stddef.h>

enum xl_action { XL_DESTROY, XL_RESTART, XL_PRESERVE };

#define XLCFG_MAX_DISKS 4

struct xlcfg {
    char name[32];
    unsigned memory_mb, maxmem_mb, vcpus;
    char kernel[64], ramdisk[64], cmdline[256];
    enum xl_action on_crash, on_poweroff, on_reboot;
    char disk[XLCFG_MAX_DISKS][96];
    unsigned nr_disks;
};

/* Parses a whole file (len bytes, need not be NUL-terminated). 0, or -1 with `err`
 * holding "line N: what is wrong". */
int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen);
/* One more `key=value` (a command-line override, as `xl create f.cfg key=value`). */
int xlcfg_set(struct xlcfg *c, const char *assignment, char *err, size_t errlen);
/* After parsing: defaults filled in and required keys checked. */
int xlcfg_finish(struct xlcfg *c, char *err, size_t errlen);
const char *xl_action_name(enum xl_action a);

#endif
