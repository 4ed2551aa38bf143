/* Dom0's virtio-blk driver (virtio_blk.c): registers each usable virtio-blk PCI function
 * it owns as disk "virtio0", "virtio1"... (disk.h). Called by disk_probe(). */
#ifndef DOM0_VIRTIO_BLK_H
#define DOM0_VIRTIO_BLK_H

#include <stdint.h>

struct disk;

void virtio_blk_probe(void);
/* Tests only: one sector read into guest-physical `gpa`, unchecked (the IOMMU must stop a
 * gpa outside Dom0's RAM). 0 or a negative errno; -ENODEV if d is not a virtio disk. */
int virtio_blk_read_to(struct disk *d, uint64_t sector, uint64_t gpa);

#endif
