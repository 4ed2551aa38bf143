/* Dom0's virtio-blk driver (virtio_blk.c): registers each usable virtio-blk PCI function
 * it owns as disk "virtio0", "virtio1"... (disk.h). Called by disk_probe(). */
#ifndef DOM0_VIRTIO_BLK_H
#define DOM0_VIRTIO_BLK_H

void virtio_blk_probe(void);

#endif
