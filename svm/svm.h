/* Private to svm/: the per-vCPU and per-CPU state of the AMD-V backend. */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include <keel/hvm.h>
#include "vmcb.h"

struct guest_gprs;

struct svm_vcpu {
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    uint32_t asid;
    uint64_t asid_gen;          /* the CPU generation the ASID belongs to */
    int asid_cpu;               /* the CPU it belongs to */
    bool flush_pending;         /* the p2m changed: drop this guest's translations */
    bool state_dirty;           /* Keel changed control state: check it before VMRUN */
    bool virq_posted;           /* an interrupt waits in V_IRQ for the guest to take it */
};

struct svm_cpu {
    paddr_t hsave_pa;           /* VM_HSAVE_PA: where VMRUN keeps host state */
    paddr_t host_vmcb_pa;       /* host FS/GS/TR/... for VMLOAD after each exit */
    uint64_t asid_gen;
    uint32_t next_asid;
    bool flush_all;             /* first VMRUN of a new generation flushes every ASID */
};

struct svm_features {
    uint32_t nr_asids;
    bool nrips, flush_by_asid, decode_assists;
};
extern struct svm_features svm_feat;
extern struct p2m_format npt_format;

void svm_vmrun(struct guest_gprs *regs, paddr_t vmcb_pa, paddr_t host_vmcb_pa);
void svm_exit_translate(struct vcpu *v, struct vm_exit *x);
void svm_report_invalid(struct vcpu *v);
bool svm_state_ok(struct vcpu *v);
void svm_dump(struct vcpu *v);
const char *svm_exit_name(uint32_t code);

#endif
