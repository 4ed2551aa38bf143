/*
 * The guest-visible ABI, in Keel's words: the subset of the Xen interface Keel implements.
 * Numbers and layouts are interface facts of Xen's public ABI (xen/include/public/);
 * guests built for Xen depend on them bit for bit.
 */
#ifndef KEEL_PUBLIC_XEN_H
#define KEEL_PUBLIC_XEN_H

#include <stdint.h>

/* Hypercall numbers (64-bit: RAX = number; RDI, RSI, RDX, R10, R8 = arguments). */
#define __HYPERVISOR_memory_op          12
#define __HYPERVISOR_console_io         18
#define __HYPERVISOR_xen_version        17
#define __HYPERVISOR_grant_table_op     20
#define __HYPERVISOR_vcpu_op            24
#define __HYPERVISOR_sched_op           29
#define __HYPERVISOR_event_channel_op   32
#define __HYPERVISOR_hvm_op             34
#define NR_HYPERCALLS                   64

/* console_io commands */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* sched_op commands and shutdown reasons */
#define SCHEDOP_yield    0
#define SCHEDOP_block    1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll     3

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3
#define SHUTDOWN_watchdog 4

struct sched_shutdown {
    uint32_t reason;
};

/* Error codes returned to guests (negated): Xen's errno values. */
#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_EIO     5
#define XEN_E2BIG   7
#define XEN_EBADF   9
#define XEN_EAGAIN  11
#define XEN_ENOMEM  12
#define XEN_EACCES  13
#define XEN_EFAULT  14
#define XEN_EBUSY   16
#define XEN_EEXIST  17
#define XEN_EINVAL  22
#define XEN_ENOSPC  28
#define XEN_ENOSYS  38

#endif
