/*
 * The disks Dom0 owns (disk.h), by name. A fixed table: disks come and never go.
 */
#include <guest/guest.h>

#include "disk.h"

#define MAX_DISKS 8

static struct disk *disks[MAX_DISKS];

struct disk *disk_find(const char *name)
{
    for (int i = 0; i < MAX_DISKS; i++)
        if (disks[i] && !strcmp(disks[i]->name, name))
            return disks[i];
    return NULL;
}

int disk_register(struct disk *d)
{
    if (!d->name[0] || disk_find(d->name))
        return -1;
    for (int i = 0; i < MAX_DISKS; i++)
        if (!disks[i]) {
            disks[i] = d;
            gprintf("dom0: disk %s: %lu sectors (%lu MiB)%s\n", d->name,
                    (unsigned long)d->sectors, (unsigned long)(d->sectors >> 11),
                    d->readonly ? ", read-only" : "");
            return 0;
        }
    return -1;
}
