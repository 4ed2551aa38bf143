/* disk_probe() (disk.h): the disks of the machine, found once at Dom0's start. */
#include "disk.h"
#include "virtio_blk.h"

void disk_probe(void)
{
    virtio_blk_probe();
}
