/* The shell's disk commands (disk_cmd.c): disk-test, disk-sum, disk-dma-escape. */
#ifndef DOM0_DISK_CMD_H
#define DOM0_DISK_CMD_H

/* 1 if argv[0] was one of them (and it ran), 0 if not. */
int disk_cmd(int argc, char **argv);

#endif
