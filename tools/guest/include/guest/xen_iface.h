/*
 * The rest of the Xen guest ABI the test guests use (beyond guest/xen.h): discovery,
 * xen_version, memory_op, hvm_op, vcpu_op, event channels, shared_info/vcpu_info, the
 * console ring. Written for the guest side and self-contained on purpose, like
 * guest/xen.h: it must agree with the hypervisor's include/public/ bit for bit, and the
 * guests are what checks that. 64-bit layouts (the runtime is 64-bit).
 */
#ifndef GUEST_XEN_IFACE_H
#define GUEST_XEN_IFACE_H

#include <stdint.h>
#include <guest/xen.h>

/* ---- hypercall numbers */
#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_xen_version      17
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op           34
#define __HYPERVISOR_iret             23

#define SCHEDOP_poll                  3

/* ---- more errno values */
#define XEN_ENOENT  2
#define XEN_ESRCH   3
#define XEN_EBUSY   16
#define XEN_EEXIST  17
#define XEN_ENOMEM  12
#define XEN_ENOSPC  28
#define XEN_EDOM    33

typedef uint16_t domid_t;
#define DOMID_SELF 0x7ff0u

/* ---- CPUID */
#define XEN_CPUID_BASE            0x40000000u
#define XEN_SIG_EBX               0x566e6558u
#define XEN_SIG_ECX               0x65584d4du
#define XEN_SIG_EDX               0x4d4d566eu
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT   (1u << 4)

/* ---- xen_version */
#define XENVER_version             0
#define XENVER_extraversion        1
#define XENVER_compile_info        2
#define XENVER_capabilities        3
#define XENVER_changeset           4
#define XENVER_platform_parameters 5
#define XENVER_get_features        6
#define XENVER_pagesize            7
#define XENVER_guest_handle        8
#define XENVER_commandline         9
#define XENVER_build_id           10

struct xen_feature_info {
    uint32_t submap_idx;
    uint32_t submap;
};

#define XENFEAT_writable_page_tables     0
#define XENFEAT_auto_translated_physmap  2
#define XENFEAT_hvm_callback_vector      8
#define XENFEAT_hvm_safe_pvclock         9
#define XENFEAT_not_direct_mapped       16

/* ---- memory_op */
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_add_to_physmap      7
#define XENMEM_memory_map          9
#define XENMEM_maximum_gpfn       14

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1

struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};

struct xen_memory_map {
    uint32_t nr_entries;
    uint64_t buffer;
};

struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

/* ---- hvm_op */
#define HVMOP_set_param 0
#define HVMOP_get_param 1

struct xen_hvm_param {
    domid_t domid;
    uint32_t index;
    uint64_t value;
};

#define HVM_PARAM_CALLBACK_IRQ     0
#define HVM_PARAM_STORE_PFN        1
#define HVM_PARAM_STORE_EVTCHN     2
#define HVM_PARAM_IDENT_PT        12
#define HVM_PARAM_CONSOLE_PFN     17
#define HVM_PARAM_CONSOLE_EVTCHN  18
#define HVM_NR_PARAMS             39
#define HVM_CALLBACK_VECTOR(v)    ((2ull << 56) | (v))

/* ---- vcpu_op */
#define VCPUOP_up                             1
#define VCPUOP_is_up                          3
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9
#define VCPUOP_register_vcpu_info            10

#define RUNSTATE_running  0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3

struct vcpu_runstate_info {
    int32_t state;
    uint64_t state_entry_time;
    uint64_t time[4];
};

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
};

struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

/* ---- sched_op poll */
struct sched_poll {
    uint64_t ports;           /* guest-virtual address of a uint32_t array */
    uint32_t nr_ports;
    uint64_t timeout;         /* system time (ns), 0: none */
};

/* ---- event channels */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_init_control     11

#define VIRQ_TIMER   0
#define VIRQ_CONSOLE 2
#define VIRQ_DOM_EXC 3
#define NR_VIRQS     24

struct evtchn_alloc_unbound { domid_t dom, remote_dom; uint32_t port; };
struct evtchn_bind_interdomain { domid_t remote_dom; uint32_t remote_port, local_port; };
struct evtchn_bind_virq { uint32_t virq, vcpu, port; };
struct evtchn_bind_ipi { uint32_t vcpu, port; };
struct evtchn_port_arg { uint32_t port; };          /* close, send, unmask */
struct evtchn_bind_vcpu { uint32_t port, vcpu; };

#define EVTCHNSTAT_closed      0
#define EVTCHNSTAT_unbound     1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5
struct evtchn_status {
    domid_t dom;
    uint32_t port;
    uint32_t status;
    uint32_t vcpu;
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; uint32_t port; } interdomain;
        uint32_t virq;
    } u;
};

/* ---- shared_info / vcpu_info (64-bit layout) */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint64_t evtchn_pending_sel;
    uint64_t cr2, pad;
    struct vcpu_time_info time;
};

struct shared_info {
    struct vcpu_info vcpu_info[32];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
    uint64_t arch[6];
};

/* ---- console ring */
struct xencons_interface {
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};

#endif
