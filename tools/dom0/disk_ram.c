/*
 * RAM disks (disk.h): Dom0 memory from dom0_pages, zeroed, served by copying. What the
 * tests and a diskless machine use; gone when Dom0 is.
 */
#include <guest/guest.h>

#include "dom0.h"
#include "disk.h"

#define SECTOR 512
#define MAX_RAM_DISKS 4

static struct disk ram_disks[MAX_RAM_DISKS];

/* Whole sectors, 8 bytes per step (the runtime's memcpy goes byte by byte). */
static void copy_sectors(void *d, const void *s, uint32_t count)
{
    size_t q = (size_t)count * SECTOR / 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) :: "memory");
}

static int ram_read(struct disk *d, uint64_t sector, void *buf, uint32_t count)
{
    if (sector > d->sectors || count > d->sectors - sector)
        return -XEN_EINVAL;
    copy_sectors(buf, (uint8_t *)d->priv + sector * SECTOR, count);
    return 0;
}

static int ram_write(struct disk *d, uint64_t sector, const void *buf, uint32_t count)
{
    if (sector > d->sectors || count > d->sectors - sector)
        return -XEN_EINVAL;
    copy_sectors((uint8_t *)d->priv + sector * SECTOR, buf, count);
    return 0;
}

static int ram_flush(struct disk *d)
{
    (void)d;
    return 0;
}

struct disk *disk_ram_create(const char *name, unsigned mib)
{
    struct disk *d = NULL;
    for (int i = 0; i < MAX_RAM_DISKS && !d; i++)
        if (!ram_disks[i].name[0])
            d = &ram_disks[i];
    if (!d || !mib || strlen(name) >= sizeof(d->name) || disk_find(name))
        return NULL;
    void *mem = dom0_pages((size_t)mib << 8);
    if (!mem)
        return NULL;
    memset(mem, 0, (size_t)mib << 20);
    *d = (struct disk){ .sectors = (uint64_t)mib << 11, .read = ram_read, .write = ram_write,
                        .flush = ram_flush, .priv = mem };
    strcpy(d->name, name);
    if (disk_register(d)) {
        d->name[0] = '\0';                 /* its memory stays taken: pages never return */
        return NULL;
    }
    return d;
}
