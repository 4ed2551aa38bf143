/*
 * hvm_op(op, arg) and the HVM parameters, in Keel's words.
 */
#ifndef KEEL_PUBLIC_HVM_OP_H
#define KEEL_PUBLIC_HVM_OP_H

#include <public/xen.h>

#define HVMOP_set_param 0
#define HVMOP_get_param 1
/* A vCPU's own upcall vector, instead of the domain's HVM_PARAM_CALLBACK_IRQ (what
 * CPUID 0x40000004's XEN_HVM_CPUID_UPCALL_VECTOR offers). */
#define HVMOP_set_evtchn_upcall_vector 23
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;                /* 0x10..0xff */
};

/* Same layout for 32- and 64-bit guests (16 bytes). */
struct xen_hvm_param {
    domid_t domid;                 /* DOMID_SELF or the caller's own id */
    uint32_t index;                /* HVM_PARAM_* */
    uint64_t value;
};

/*
 * How event-channel upcalls are delivered: value[63:56] is the type. Type 2: value[7:0]
 * is an interrupt vector, injected on a vCPU whenever its vcpu_info's
 * evtchn_upcall_pending is set and it can take interrupts (no local APIC EOI involved).
 * 0 means no upcalls. (Types 0 and 1, a GSI or a PCI INTx line, need emulated interrupt
 * controllers Keel does not offer.)
 */
#define HVM_PARAM_CALLBACK_IRQ          0
#define HVM_PARAM_CALLBACK_TYPE_SHIFT   56
#define HVM_PARAM_CALLBACK_TYPE_GSI     0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR  2

#define HVM_PARAM_STORE_PFN             1
#define HVM_PARAM_STORE_EVTCHN          2
#define HVM_PARAM_PAE_ENABLED           4
#define HVM_PARAM_VM86_TSS             15
#define HVM_PARAM_CONSOLE_PFN          17   /* the console ring (struct xencons_interface) */
#define HVM_PARAM_CONSOLE_EVTCHN       18   /* and the port that notifies its reader */
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34
#define HVM_PARAM_ALTP2M               35
#define HVM_PARAM_X87_FIP_WIDTH        36
#define HVM_PARAM_VM86_TSS_SIZED       37
#define HVM_NR_PARAMS                  39

#endif
