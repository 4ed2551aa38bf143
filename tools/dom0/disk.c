/*
 * The table of Dom0's disks (disk.h): drivers register, the block backend and the shell
 * look them up by name. (Minimal version from the virtio branch; the block backend's
 * branch has its own, which supersedes this one.)
 */
#include <guest/guest.h>

#include "disk.h"

#define MAX_DISKS 8

static struct disk *disks[MAX_DISKS];

struct disk *disk_find(const char *name)
{
    for (unsigned i = 0; i < MAX_DISKS; i++)
        if (disks[i] && !strcmp(disks[i]->name, name))
            return disks[i];
    return NULL;
}

int disk_register(struct disk *d)
{
    if (!d->name[0] || disk_find(d->name))
        return -1;
    for (unsigned i = 0; i < MAX_DISKS; i++)
        if (!disks[i]) {
            disks[i] = d;
            return 0;
        }
    return -1;
}
