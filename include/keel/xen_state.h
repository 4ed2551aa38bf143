/*
 * The Xen-ABI state Keel keeps per domain and per vCPU, embedded in struct domain and
 * struct vcpu (include/keel/domain.h). The files that own each part:
 *   kernel/shared_info.c   shared_info page, vcpu_info placement, upcalls, wall clock
 *   kernel/evtchn.c        the port table (evtchn_2l.c: the shared bitmaps)
 *   kernel/hvm_op.c        params;  kernel/xen_console.c  the console ring
 *   kernel/vtimer.c        VCPUOP timers;  kernel/sched_poll.c  SCHEDOP_poll
 *   kernel/runstate.c      runstate areas;  kernel/pvclock.c  vcpu_time_info
 *   kernel/domain_pause.c  stopping a domain's other vCPUs for p2m changes
 *   kernel/grant_table.c   the grant table (grant_map.c: map, unmap, copy)
 */
#ifndef KEEL_XEN_STATE_H
#define KEEL_XEN_STATE_H

#include <keel/types.h>
#include <keel/spinlock.h>
#include <keel/timer.h>
#include <public/xen.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/hvm_vcpu.h>

struct domain;
struct evtchn;
struct gnttab;

/* Ports per domain. The 2-level ABI allows 4096 (64-bit guests) or 1024 (32-bit); 1024
 * for now keeps the table at 24 KiB and works for both. Valid port numbers grow in
 * buckets as ports are allocated (as on Xen): a port above every bucket is invalid
 * (-EINVAL), one inside is closed. */
#define EVTCHN_NR_PORTS 1024
#define EVTCHN_BUCKET   64

#define SHINFO_GFN_NONE (~0ull)
#define XEN_MAX_E820    4

struct xen_domain {
    /* shared_info: one zeroed frame per domain, owned by Keel for the domain's lifetime
     * (freed by domain_destroy, never by the p2m), mapped where the guest asks. */
    uint8_t *shared_info;
    paddr_t shared_info_pa;
    uint64_t shared_info_gfn;          /* SHINFO_GFN_NONE until add_to_physmap */
    bool compat;                       /* 32-bit layouts: latched like Xen's has_32bit_shinfo */
    uint8_t callback_vector;           /* HVM_PARAM_CALLBACK_IRQ type 2; 0: no upcalls */
    uint64_t params[HVM_NR_PARAMS];

    /* Event channels (kernel/evtchn.c). */
    spinlock_t evtchn_lock;
    struct evtchn *chn;                /* EVTCHN_NR_PORTS entries */
    unsigned valid_ports;
    bool dying;
    volatile uint32_t poll_mask;       /* vCPUs in SCHEDOP_poll */

    /* The console ring page (in guest RAM, reserved in its memory map) and its port. */
    uint8_t *console_ring;
    paddr_t console_ring_pa;
    uint32_t console_port;
    spinlock_t console_lock;
    bool console_corrupt_reported;

    struct xen_e820_entry e820[XEN_MAX_E820];
    unsigned nr_e820;

    struct gnttab *gnt;                /* grant table (kernel/grant_table.c) */

    /* Domain pause for p2m changes (kernel/domain_pause.c). */
    volatile uint32_t pause_req;
    spinlock_t physmap_lock;
};

/* Runstate accounting (kernel/runstate.c), in ns of system time. */
struct xen_runstate {
    int state;
    uint64_t entry_time;
    uint64_t time[4];
};

struct xen_vcpu {
    /* Where this vCPU's vcpu_info is, as a hypervisor pointer (direct map): its slot in
     * shared_info, or a guest frame after VCPUOP_register_vcpu_info. NULL: none. */
    uint8_t *volatile vcpu_info;
    paddr_t vcpu_info_frame;           /* the registered guest frame, 0 if none */
    spinlock_t time_lock;              /* one writer of vcpu_info->time at a time */
    uint32_t time_version;

    uint16_t virq_port[NR_VIRQS];      /* bound per-vCPU VIRQs (0: none) */

    struct timer singleshot, periodic, poll_timer;
    uint64_t periodic_ns;              /* 0: off */
    uint64_t periodic_next;            /* host TSC of the next periodic event */

    volatile bool polling;             /* in SCHEDOP_poll */
    int32_t poll_port;                 /* the one port polled for, -1: any */

    struct xen_runstate rs;
    bool rs_registered;
    uint64_t rs_gpa[2];                /* the area, split at a page boundary */
    uint32_t rs_len0;                  /* bytes in the first page */

    volatile bool down;                /* halted with interrupts off (xen_vcpu_down) */
    volatile bool in_run;              /* inside vcpu_run (domain_pause waits on it) */
    volatile uint64_t run_seq;         /* vcpu_run calls finished */
    bool hc_compat;                    /* the current hypercall came from 32-bit code */
    bool ctx_valid;                    /* VCPUOP_initialise gave a start context */
    struct vcpu_hvm_x86_32 ctx;        /* ... this one (kernel/vcpu_updown.c) */
    uint64_t upcalls;                  /* upcall vectors injected (statistics) */
};

#endif
