/*
 * vcpu_op(cmd, vcpuid, arg): per-vCPU operations of the Xen ABI, in Keel's words.
 */
#ifndef KEEL_PUBLIC_VCPU_H
#define KEEL_PUBLIC_VCPU_H

#include <public/xen.h>

#define VCPUOP_initialise                     0
#define VCPUOP_up                             1
#define VCPUOP_down                           2
#define VCPUOP_is_up                          3
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9
#define VCPUOP_register_vcpu_info            10
#define VCPUOP_send_nmi                      11
#define VCPUOP_get_physid                    12
#define VCPUOP_register_vcpu_time_memory_area 13

/* Where a vCPU's time went, in ns of system time. 64-bit layout (48 bytes): state at 0,
 * state_entry_time at 8, time[] at 16. 32-bit layout (44 bytes): state_entry_time at 4,
 * time[] at 12. */
#define RUNSTATE_running  0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3
struct vcpu_runstate_info {
    int32_t state;
    uint32_t pad;
    uint64_t state_entry_time;
    uint64_t time[4];
};
#define COMPAT_RUNSTATE_SIZE 44

/* The guest-virtual address of a vcpu_runstate_info the hypervisor keeps current
 * (0: none). Same layout for both. */
struct vcpu_register_runstate_memory_area {
    uint64_t addr;
};

/* Raise VIRQ_TIMER every period_ns (at least 1 ms). */
struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};

/* Raise VIRQ_TIMER once, at system time timeout_abs_ns (at once if it has passed). The
 * first 12 bytes are the same for both layouts (the 64-bit one pads to 16). */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
    uint32_t pad;
};
#define VCPU_SSHOTTMR_future (1u << 0)   /* accepted and ignored, as Xen does today */
#define VCPU_SSHOTTMR_SIZE   12

/* Move the vCPU's vcpu_info to frame `mfn` (a guest frame number for HVM guests) at byte
 * `offset`. Once per vCPU. Same layout for both. */
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

#endif
