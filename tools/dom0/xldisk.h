/*
 * One disk of a domain configuration: an xl disk specification (xl-disk-configuration(5))
 * as the block backend needs it. Accepted:
 *   positional   target, format, vdev, access   "ram0,raw,xvda,rw"  "ram0,,xvda"
 *   legacy       target, vdev, access           "ram0,xvda,w"  "phy:ram0,xvda,r"
 *                (a "kind:" prefix on the target, or a second field that is no format)
 *   named        target=, format=, vdev=, access=, devtype=disk   in any order
 * format is raw (the only one), access r/ro or w/rw (default rw), vdev xvd<a-z>.
 * Pure: built for the host unit tests too.
 */
#ifndef XLDISK_H
#define XLDISK_H

#include <stddef.h>

struct xl_disk {
    char target[32];           /* the Dom0 disk: "ram0" */
    char vdev[8];              /* as the guest will see it: "xvda" */
    unsigned devid;            /* Xen's virtual device number: xvda is 51712 (202 << 8) */
    int readonly;
};

/* 0, or -1 with err saying what is wrong. */
int xl_disk_parse(const char *spec, struct xl_disk *out, char *err, size_t errlen);

#endif
