/*
 * The guest-visible ABI, in Keel's words: the subset of the Xen interface Keel implements.
 * Numbers and layouts are interface facts of Xen's public ABI (xen/include/public/);
 * guests built for Xen depend on them bit for bit.
 *
 * Layouts are given for 64-bit guests. Where a 32-bit guest sees a different layout
 * (Xen's "compat" ABI: `unsigned long` and pointers are 4 bytes, 64-bit fields 4-aligned),
 * the header says so next to the structure and gives the 32-bit offsets or a compat_ type.
 */
#ifndef KEEL_PUBLIC_XEN_H
#define KEEL_PUBLIC_XEN_H

#include <stdint.h>

/* Hypercall numbers. 64-bit: RAX = number; RDI, RSI, RDX, R10, R8 = arguments.
 * 32-bit: EAX = number; EBX, ECX, EDX, ESI, EDI. The result comes back in RAX/EAX. */
#define __HYPERVISOR_memory_op          12
#define __HYPERVISOR_xen_version        17
#define __HYPERVISOR_console_io         18
#define __HYPERVISOR_grant_table_op     20
#define __HYPERVISOR_iret               23     /* PV only: its hypercall-page slot traps */
#define __HYPERVISOR_vcpu_op            24
#define __HYPERVISOR_sched_op           29
#define __HYPERVISOR_event_channel_op   32
#define __HYPERVISOR_hvm_op             34
#define NR_HYPERCALLS                   64

/* Domain ids. Ordinary domains are below DOMID_FIRST_RESERVED. */
typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED 0x7ff0u
#define DOMID_SELF           0x7ff0u   /* "the calling domain", where an argument allows it */

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

/* SCHEDOP_poll: block until one of `nr_ports` ports (an array at guest-virtual `ports`)
 * is pending, or until system time `timeout` (ns, absolute; 0 = none). At most 128 ports.
 * 64-bit layout (24 bytes); a 32-bit guest passes compat_sched_poll (16 bytes). */
struct sched_poll {
    uint64_t ports;
    uint32_t nr_ports;
    uint32_t pad;
    uint64_t timeout;
};
struct compat_sched_poll {
    uint32_t ports;
    uint32_t nr_ports;
    uint32_t timeout_lo, timeout_hi;       /* a uint64_t at offset 8 */
};
#define SCHED_POLL_MAX_PORTS 128

/* Virtual interrupts a guest can bind an event channel to (EVTCHNOP_bind_virq). Per-vCPU
 * ones (timer, debug, oprofile, PMU) bind once per vCPU; the others are global: bound on
 * vCPU 0, movable with EVTCHNOP_bind_vcpu. */
#define VIRQ_TIMER      0
#define VIRQ_DEBUG      1
#define VIRQ_CONSOLE    2      /* Dom0 */
#define VIRQ_DOM_EXC    3      /* Dom0 */
#define VIRQ_TBUF       4
#define VIRQ_DEBUGGER   6
#define VIRQ_XENOPROF   7
#define VIRQ_CON_RING   8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT  10
#define VIRQ_ENOMEM     12
#define VIRQ_XENPMU     13
#define NR_VIRQS        24     /* 16-23 are architecture-specific (global on x86) */

/*
 * Per-vCPU time (pvclock). The guest computes nanoseconds of system time as
 *   system_time + scale(tsc - tsc_timestamp), where
 *   scale(d) = ((tsc_shift >= 0 ? d << tsc_shift : d >> -tsc_shift) * tsc_to_system_mul) >> 32
 * Writers make `version` odd before changing the fields and even afterwards: a reader
 * retries while it is odd or changed under it. Same layout for 32- and 64-bit guests.
 */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;        /* the guest's TSC at the last update */
    uint64_t system_time;          /* ns since the hypervisor booted, at that TSC */
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;                 /* XEN_PVCLOCK_* */
    uint8_t pad1[2];
};
#define XEN_PVCLOCK_TSC_STABLE_BIT (1u << 0)   /* all vCPUs' clocks agree: no global fixup */
#define XEN_PVCLOCK_GUEST_STOPPED  (1u << 1)

/* x86-64 only; on 32-bit: cr2 and five pad words of 4 bytes (24 bytes). */
struct arch_vcpu_info {
    uint64_t cr2;
    uint64_t pad;
};

/*
 * A vCPU's event and time state (64 bytes in both layouts). 64-bit: evtchn_pending_sel is
 * 8 bytes at offset 8, arch at 16, time at 32. 32-bit: evtchn_pending_sel is 4 bytes at
 * offset 4, arch (24 bytes) at 8, time at 32.
 */
struct vcpu_info {
    uint8_t evtchn_upcall_pending;  /* set by the hypervisor, cleared by the guest */
    uint8_t evtchn_upcall_mask;     /* PV only: HVM guests mask with RFLAGS.IF */
    uint8_t pad0[6];
    uint64_t evtchn_pending_sel;    /* bit i: some port in word i of evtchn_pending */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
#define VCPU_INFO_TIME_OFFSET 32
#define COMPAT_VCPU_INFO_SEL_OFFSET 4

struct arch_shared_info {
    uint64_t max_pfn;
    uint64_t pfn_to_mfn_frame_list_list;
    uint64_t nmi_reason;
    uint64_t p2m_cr3;
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};

/*
 * The shared-info page (64-bit layout). The 2-level event channel ABI: port p is pending
 * when bit p of evtchn_pending is set, masked when bit p of evtchn_mask is set; the bitmaps
 * are arrays of machine words (64 ports per word, 4096 ports). 32-bit layout: the words
 * are 4 bytes (32 ports per word, 1024 ports): evtchn_pending at 2048 (128 bytes),
 * evtchn_mask at 2176, wc_version/wc_sec/wc_nsec at 2304/2308/2312.
 */
#define XEN_LEGACY_MAX_VCPUS 32
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version;           /* odd while the wall clock is being changed */
    uint32_t wc_sec;               /* wall-clock time at system time 0 */
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    struct arch_shared_info arch;
};
#define SHINFO_EVTCHN_PENDING_OFFSET 2048
#define SHINFO_EVTCHN_MASK_OFFSET    2560
#define SHINFO_WC_OFFSET             3072
#define COMPAT_SHINFO_EVTCHN_MASK_OFFSET 2176
#define COMPAT_SHINFO_WC_OFFSET          2304
#define EVTCHN_2L_NR_CHANNELS        4096      /* 1024 for 32-bit guests */
#define COMPAT_EVTCHN_2L_NR_CHANNELS 1024

/* Error codes returned to guests (negated): Xen's errno values. */
#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_ESRCH   3
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
#define XEN_EDOM    33
#define XEN_ENOSYS  38

#endif
