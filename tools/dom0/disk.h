/*
 * Disks Dom0 owns, for its block backend (blkback.c) to serve to DomUs. One interface,
 * several kinds: a RAM disk (disk_ram.c) and a passed-through virtio-blk PCI device
 * (virtio_blk.c). Sectors are 512 bytes; buffers are in Dom0's memory (guest-physical =
 * virtual in the runtime's identity map, which is what a DMA engine needs behind the
 * IOMMU). 0 or a negative Xen errno.
 */
#ifndef DOM0_DISK_H
#define DOM0_DISK_H

#include <stdint.h>

struct disk {
    char name[32];                    /* as the configs name it: "ram0", "virtio0" */
    uint64_t sectors;
    int readonly;
    int (*read)(struct disk *d, uint64_t sector, void *buf, uint32_t count);
    int (*write)(struct disk *d, uint64_t sector, const void *buf, uint32_t count);
    int (*flush)(struct disk *d);
    void *priv;
};

/* The disk named `name`, or NULL. Disks come into being at Dom0's start (disk_probe) or
 * with the shell's `disk-ram <name> <MiB>`. */
struct disk *disk_find(const char *name);
int disk_register(struct disk *d);    /* 0, or -1 if the table is full or the name taken */
/* Finds the disks of the machine Dom0 was given (virtio-blk functions). */
void disk_probe(void);
/* A RAM disk of `mib` MiB (zeroed), registered under `name`. */
struct disk *disk_ram_create(const char *name, unsigned mib);

#endif
