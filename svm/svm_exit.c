/*
 * #VMEXIT → struct vm_exit. The translation is a flat switch: the kernel gets the generic
 * reason, the faulting RIP, the instruction length when the hardware knows it (NRIP with
 * NRIPS; EXITINFO2 for I/O) and the decoded details. An event that was being delivered
 * when the exit happened (EXITINTINFO) is put back for the next entry.
 */
#include "svm.h"
#include <keel/domain.h>
#include <keel/printk.h>
#include <arch/cpu.h>

const char *svm_exit_name(uint32_t code)
{
    switch (code) {
    case SVM_EXIT_INTR: return "INTR";
    case SVM_EXIT_NMI: return "NMI";
    case SVM_EXIT_SMI: return "SMI";
    case SVM_EXIT_INIT: return "INIT";
    case SVM_EXIT_VINTR: return "VINTR";
    case SVM_EXIT_CPUID: return "CPUID";
    case SVM_EXIT_RSM: return "RSM";
    case SVM_EXIT_IRET: return "IRET";
    case SVM_EXIT_INVD: return "INVD";
    case SVM_EXIT_HLT: return "HLT";
    case SVM_EXIT_INVLPGA: return "INVLPGA";
    case SVM_EXIT_IOIO: return "IOIO";
    case SVM_EXIT_MSR: return "MSR";
    case SVM_EXIT_TASK_SWITCH: return "TASK_SWITCH";
    case SVM_EXIT_SHUTDOWN: return "SHUTDOWN";
    case SVM_EXIT_VMRUN: return "VMRUN";
    case SVM_EXIT_VMMCALL: return "VMMCALL";
    case SVM_EXIT_VMLOAD: return "VMLOAD";
    case SVM_EXIT_VMSAVE: return "VMSAVE";
    case SVM_EXIT_STGI: return "STGI";
    case SVM_EXIT_CLGI: return "CLGI";
    case SVM_EXIT_SKINIT: return "SKINIT";
    case SVM_EXIT_ICEBP: return "ICEBP";
    case SVM_EXIT_MONITOR: return "MONITOR";
    case SVM_EXIT_MWAIT: return "MWAIT";
    case SVM_EXIT_XSETBV: return "XSETBV";
    case SVM_EXIT_NPF: return "NPF";
    case SVM_EXIT_INVALID: return "INVALID";
    default:
        if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
            return "exception";
        return "unknown";
    }
}

/* Instruction intercepts for which NRIP (with NRIPS) holds the next RIP. */
static void set_len_from_nrip(struct svm_vcpu *s, struct vm_exit *x)
{
    if (svm_feat.nrips && s->vmcb->ctl.nrip > x->rip)
        x->insn_len = (uint32_t)(s->vmcb->ctl.nrip - x->rip);
}

void svm_exit_translate(struct vcpu *v, struct vm_exit *x)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb_control *c = &s->vmcb->ctl;
    uint32_t code = (uint32_t)c->exitcode;

    x->hw_code = code;
    x->hw_name = NULL;
    x->rip = s->vmcb->save.rip;
    x->insn_len = 0;
    x->cpl = s->vmcb->save.cpl;
    x->code64 = (s->vmcb->save.efer & EFER_LMA) && (s->vmcb->save.cs.attrib & (1 << 9));

    /* An event cut short by this exit is delivered again on the next entry. Keel injects
     * no INTR-type event itself (svm_inject_event posts those in V_IRQ), so an INTR one
     * here is the posted interrupt: it goes back in through EVENTINJ, and only there. */
    if (c->exitintinfo & EVENT_VALID) {
        c->eventinj = c->exitintinfo;
        c->exitintinfo = 0;
        if (((c->eventinj >> 8) & 7) == 0)
            c->vintr &= ~VINTR_REQUEST;
    } else {
        c->eventinj = 0;
    }
    /* The CPU clears V_IRQ when the guest takes the posted interrupt. */
    if (unlikely(s->virq_posted) && !(c->vintr & VINTR_V_IRQ))
        s->virq_posted = false;

    switch (code) {
    case SVM_EXIT_INTR:
        x->reason = EXIT_INTR;
        return;
    case SVM_EXIT_NMI:
        x->reason = EXIT_NMI;
        return;
    case SVM_EXIT_VINTR:
        /* The window is open: take the fake request away; the kernel injects. */
        c->vintr &= ~VINTR_REQUEST;
        c->intercept_misc1 &= ~INTERCEPT_VINTR;
        x->reason = EXIT_INTR_WINDOW;
        return;
    case SVM_EXIT_IRET:
        /* A handler returns while another interrupt waits (svm_intr_window): look again,
         * before the IRET runs; it asks for the usual window. */
        c->intercept_misc1 &= ~INTERCEPT_IRET;
        x->reason = EXIT_NONE;
        return;
    case SVM_EXIT_VMMCALL:
        x->reason = EXIT_HYPERCALL;
        set_len_from_nrip(s, x);
        return;
    case SVM_EXIT_CPUID:
        x->reason = EXIT_CPUID;
        set_len_from_nrip(s, x);
        return;
    case SVM_EXIT_HLT:
        x->reason = EXIT_HLT;
        set_len_from_nrip(s, x);
        return;
    case SVM_EXIT_IOIO: {
        uint64_t i = c->exitinfo1;
        x->reason = EXIT_IO;
        x->io.in = i & 1;
        x->io.string = i & (1 << 2);
        x->io.rep = i & (1 << 3);
        x->io.size = (i & (1 << 4)) ? 1 : (i & (1 << 5)) ? 2 : 4;
        x->io.port = (uint16_t)(i >> 16);
        x->insn_len = (uint32_t)(c->exitinfo2 - x->rip);   /* EXITINFO2 = next RIP */
        return;
    }
    case SVM_EXIT_MSR:
        x->reason = c->exitinfo1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
        x->msr.index = (uint32_t)v->regs.rcx;
        x->msr.value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
        set_len_from_nrip(s, x);
        return;
    case SVM_EXIT_NPF: {
        uint64_t e = c->exitinfo1;
        x->reason = EXIT_NPF;
        x->npf.gpa = c->exitinfo2;
        x->npf.present = e & 1;
        x->npf.write = e & 2;
        x->npf.exec = e & 16;
        x->npf.read = !x->npf.write && !x->npf.exec;
        return;
    }
    case SVM_EXIT_SHUTDOWN:
        x->reason = EXIT_TRIPLE_FAULT;
        return;
    case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA:
        x->reason = EXIT_VIRT_INSN;
        x->hw_name = svm_exit_name(code);
        return;
    case SVM_EXIT_INVALID:
        svm_report_invalid(v);
        x->reason = EXIT_INVALID_STATE;
        return;
    default:
        x->reason = EXIT_UNHANDLED;
        x->hw_name = svm_exit_name(code);
        return;
    }
}
