/* Private to vmx/: the per-vCPU and per-CPU state of the VT-x backend, and what its files
 * share. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <keel/hvm.h>
#include "vmcs.h"

struct vcpu;
struct guest_gprs;

/* What the CPU offers, read once from the capability MSRs (vmx_caps.c), and the control
 * values every VMCS uses, computed from them. */
struct vmx_caps {
    bool valid;
    uint64_t basic;
    uint32_t revision;
    uint64_t ept_vpid;             /* IA32_VMX_EPT_VPID_CAP, 0 if not readable */
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint32_t pin, proc, proc2, exit, entry;   /* controls every VMCS starts with */
    bool vpid;                     /* VPIDs in use */
    bool invvpid_single, invept_single;
    bool io_bitmaps;               /* "use I/O bitmaps" may be set */
    /* CR0/CR4 bits the guest cannot choose: forced to 1 / forced to 0 in the real
     * register, shown to the guest through the read shadows. */
    uint64_t cr0_must1, cr0_must0, cr4_must1, cr4_must0;
    unsigned preempt_shift;        /* the preemption timer ticks every 2^shift TSC ticks */
};
extern struct vmx_caps vmx_caps;

/* Guest MSRs that are passed through but that VM entry/exit do not switch: swapped in
 * software around each entry (vmx_msr.c). */
enum { SWAP_KERNEL_GS_BASE, SWAP_STAR, SWAP_LSTAR, SWAP_CSTAR, SWAP_SFMASK, NR_SWAP_MSRS };

struct vmx_vcpu {
    void *vmcs;
    paddr_t vmcs_pa;
    int cpu;                       /* CPU the VMCS is active on (VMPTRLDed, not VMCLEARed), -1 none */
    bool launched;                 /* VMRESUME, not VMLAUNCH, next time */
    bool flush_pending;            /* INVEPT before the next entry (p2m changed, new CPU) */
    bool vpid_flush;               /* INVVPID before the next entry (new CPU, paging changed) */
    uint16_t vpid;                 /* 0 if VPIDs are not in use */
    uint64_t eptp;
    uint64_t host_rsp;             /* HOST_RSP as last written (vmx_entry.S skips equal writes) */
    uint32_t entry_ctls;           /* VM-entry controls as last written */
    uint8_t vtpr;                  /* the guest's CR8 (MOV CR8 exits) */
    uint64_t cr2;                  /* the guest's CR2: not in the VMCS, live in the CPU */
    uint64_t msrs[NR_SWAP_MSRS];   /* guest values of the swapped MSRs */
    paddr_t io_bitmap;             /* the I/O bitmaps the VMCS uses, 0: unconditional exits */
};

struct vmx_cpu {
    paddr_t vmxon_pa;
    paddr_t current_vmcs;          /* the VMCS this CPU has current (VMPTRLD), 0 if none */
    uint64_t host_msrs[NR_SWAP_MSRS];
};
extern struct vmx_cpu vmx_cpus[];

extern struct p2m_format ept_format;

/* vmx_caps.c */
bool vmx_caps_read(void);
/* vmx_vmcs.c */
void vmx_vmcs_init(struct vmx_vcpu *s);
void vmx_vmcs_host_state(unsigned cpu);
void vmx_vmcs_start_real(struct vmx_vcpu *s, uint64_t entry);
void vmx_vmcs_start_pvh32(struct vmx_vcpu *s, uint64_t entry);
void vmx_vmcs_start_real(struct vmx_vcpu *s, uint64_t entry);
void vmx_intr_window_set(bool on);  /* on the current VMCS */
/* vmx.c */
void vmx_vmcs_load(struct vcpu *v);
void vmx_set_entry_ctls(struct vmx_vcpu *s, uint32_t ctls);
void vmx_inject_event(struct vcpu *v, enum event_type type, uint8_t vector, bool has_error,
                      uint32_t error);
/* vmx_msr.c */
bool vmx_msr_bitmap_init(void);
paddr_t vmx_msr_bitmap(void);
void vmx_msr_save_host(unsigned cpu);
void vmx_msr_load_guest(struct vmx_vcpu *s, unsigned cpu);
void vmx_msr_save_guest(struct vmx_vcpu *s, unsigned cpu);
/* vmx_io.c */
void vmx_io_bitmap_apply(struct vcpu *v);   /* on the current VMCS */
int vmx_io_allow(struct domain *d, uint16_t port, unsigned count);
void vmx_io_release(struct domain *d);
/* vpid.c */
uint16_t vpid_alloc(void);
void vpid_free(uint16_t vpid);
/* vmx_regs.c */
uint64_t vmx_get_reg(struct vcpu *v, enum guest_reg r);
void vmx_set_reg(struct vcpu *v, enum guest_reg r, uint64_t val);
void vmx_sync_efer_lma(struct vmx_vcpu *s);
bool vmx_handle_cr_access(struct vcpu *v, uint64_t qual);
/* vmx_exit.c */
bool vmx_exit_translate(struct vcpu *v, uint32_t reason, struct vm_exit *x);
const char *vmx_exit_name(uint32_t basic_reason);
/* vmx_diag.c */
const char *vmx_insn_error_name(uint32_t err);
void vmx_report_vmfail(struct vcpu *v, int status, bool launch);
void vmx_report_entry_failure(struct vcpu *v, uint32_t reason);
void vmx_dump(struct vcpu *v);
/* vmx_entry.S: 0 after a VM exit, 1 VMfailInvalid, 2 VMfailValid */
int vmx_enter(struct guest_gprs *regs, bool launched, uint64_t *host_rsp);
void vmx_exit_entry(void);

#endif
