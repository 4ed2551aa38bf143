/*
 * The disks of the machine Dom0 was given (disk.h): filled in by the virtio-blk driver
 * (virtio_blk.c). Until then, there are none; RAM disks come from the shell.
 */
#include "disk.h"

void disk_probe(void)
{
}
