/*
 * VM exit → struct vm_exit. A flat switch, like svm_exit.c: the kernel gets the generic
 * reason, the guest RIP, the instruction length (the VM-exit instruction-length field,
 * valid for every instruction exit here) and the decoded details. Before that:
 *  - a host NMI that ended the run is handed to the host (INT 2, below);
 *  - the "IA-32e mode guest" entry control is brought in step with the EFER the exit
 *    saved (the guest may have entered or left long mode by itself);
 *  - an event whose delivery the exit cut short (IDT-vectoring information) is put back
 *    for the next entry.
 * Two kinds of exit never reach the kernel: CR accesses (register virtualization,
 * vmx_regs.c) and debug exceptions other than ICEBP (reflected to the guest).
 * Returns false for those: the caller enters the guest again.
 */
#include "vmx.h"
#include <keel/domain.h>
#include <keel/printk.h>

#define VEC_DB 1
#define DR6_ACTIVE_LOW 0xffff0ff0ull   /* DR6 bits that read 1 when "not set" (RTM: bit 16) */
#define DR7_GD (1ull << 13)

static const char *const exit_names[] = {
    [VMX_EXIT_EXCEPTION_NMI] = "exception or NMI",
    [VMX_EXIT_EXTINT] = "external interrupt",
    [VMX_EXIT_TRIPLE_FAULT] = "triple fault",
    [VMX_EXIT_INIT] = "INIT signal",
    [VMX_EXIT_SIPI] = "SIPI",
    [VMX_EXIT_IO_SMI] = "I/O SMI",
    [VMX_EXIT_OTHER_SMI] = "other SMI",
    [VMX_EXIT_INTR_WINDOW] = "interrupt window",
    [VMX_EXIT_NMI_WINDOW] = "NMI window",
    [VMX_EXIT_TASK_SWITCH] = "task switch",
    [VMX_EXIT_CPUID] = "CPUID",
    [VMX_EXIT_GETSEC] = "GETSEC",
    [VMX_EXIT_HLT] = "HLT",
    [VMX_EXIT_INVD] = "INVD",
    [VMX_EXIT_INVLPG] = "INVLPG",
    [VMX_EXIT_RDPMC] = "RDPMC",
    [VMX_EXIT_RDTSC] = "RDTSC",
    [VMX_EXIT_RSM] = "RSM",
    [VMX_EXIT_VMCALL] = "VMCALL",
    [VMX_EXIT_VMCLEAR] = "VMCLEAR",
    [VMX_EXIT_VMLAUNCH] = "VMLAUNCH",
    [VMX_EXIT_VMPTRLD] = "VMPTRLD",
    [VMX_EXIT_VMPTRST] = "VMPTRST",
    [VMX_EXIT_VMREAD] = "VMREAD",
    [VMX_EXIT_VMRESUME] = "VMRESUME",
    [VMX_EXIT_VMWRITE] = "VMWRITE",
    [VMX_EXIT_VMXOFF] = "VMXOFF",
    [VMX_EXIT_VMXON] = "VMXON",
    [VMX_EXIT_CR_ACCESS] = "control-register access",
    [VMX_EXIT_DR_ACCESS] = "MOV DR",
    [VMX_EXIT_IO] = "I/O instruction",
    [VMX_EXIT_RDMSR] = "RDMSR",
    [VMX_EXIT_WRMSR] = "WRMSR",
    [VMX_EXIT_INVALID_STATE] = "VM-entry failure: invalid guest state",
    [VMX_EXIT_MSR_LOADING] = "VM-entry failure: MSR loading",
    [VMX_EXIT_MWAIT] = "MWAIT",
    [VMX_EXIT_MTF] = "monitor trap flag",
    [VMX_EXIT_MONITOR] = "MONITOR",
    [VMX_EXIT_PAUSE] = "PAUSE",
    [VMX_EXIT_MACHINE_CHECK] = "VM-entry failure: machine-check event",
    [VMX_EXIT_TPR_BELOW] = "TPR below threshold",
    [VMX_EXIT_APIC_ACCESS] = "APIC access",
    [VMX_EXIT_VIRTUALIZED_EOI] = "virtualized EOI",
    [VMX_EXIT_GDTR_IDTR] = "GDTR/IDTR access",
    [VMX_EXIT_LDTR_TR] = "LDTR/TR access",
    [VMX_EXIT_EPT_VIOLATION] = "EPT violation",
    [VMX_EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
    [VMX_EXIT_INVEPT] = "INVEPT",
    [VMX_EXIT_RDTSCP] = "RDTSCP",
    [VMX_EXIT_PREEMPTION_TIMER] = "VMX-preemption timer expired",
    [VMX_EXIT_INVVPID] = "INVVPID",
    [VMX_EXIT_WBINVD] = "WBINVD",
    [VMX_EXIT_XSETBV] = "XSETBV",
    [VMX_EXIT_APIC_WRITE] = "APIC write",
    [VMX_EXIT_RDRAND] = "RDRAND",
    [VMX_EXIT_INVPCID] = "INVPCID",
    [VMX_EXIT_VMFUNC] = "VMFUNC",
    [VMX_EXIT_ENCLS] = "ENCLS",
    [VMX_EXIT_RDSEED] = "RDSEED",
    [VMX_EXIT_PML_FULL] = "page-modification log full",
    [VMX_EXIT_XSAVES] = "XSAVES",
    [VMX_EXIT_XRSTORS] = "XRSTORS",
};

const char *vmx_exit_name(uint32_t basic)
{
    if (basic < ARRAY_SIZE(exit_names) && exit_names[basic])
        return exit_names[basic];
    return "unknown";
}

/* The exit cut an event's delivery short: deliver it again on the next entry (the exit
 * cleared the VM-entry interruption information, so nothing else is pending). */
static void requeue_vectoring(void)
{
    uint32_t idt = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
    if (!(idt & INTR_INFO_VALID))
        return;
    vmcs_write(VMCS_ENTRY_INTR_INFO, idt & (0xffu | (7u << 8) | INTR_INFO_ERROR_VALID |
                                            INTR_INFO_VALID));
    if (idt & INTR_INFO_ERROR_VALID)
        vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
    unsigned t = INTR_INFO_TYPE(idt);
    if (t == INTR_TYPE_SOFTINT || t == INTR_TYPE_PRIV_SW_EXCEPTION || t == INTR_TYPE_SW_EXCEPTION)
        vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
}

/* A fault during the guest's IRET from an NMI handler had already unblocked NMIs; the
 * exit undid that, so the blocking must be restored by hand (SDM "NMI unblocking due to
 * IRET"), unless an event is being re-delivered. */
static void nmi_unblock_fixup(bool iret_unblocked)
{
    if (!iret_unblocked || (vmcs_read(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID))
        return;
    vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
               vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
}

/* A #DB the guest raised itself (single step, breakpoints): the exit happened instead of
 * the delivery, and before DR6 was written. Do both as the CPU would have. */
static void reflect_debug_exception(struct vcpu *v, uint64_t qual)
{
    if (vmcs_read(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID)
        return;      /* raised while delivering another event: that one goes first */
    uint64_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    dr6 = ((dr6 & ~DBG_QUAL_B0_3) | DR6_ACTIVE_LOW | qual) ^ (qual & DR6_ACTIVE_LOW);
    __asm__ volatile("mov %0, %%dr6" :: "r"(dr6));
    if (qual & DBG_QUAL_BD)     /* general detect: the handler may use the DRs */
        vmcs_write(VMCS_GUEST_DR7, vmcs_read(VMCS_GUEST_DR7) & ~DR7_GD);
    vmx_inject_event(v, EVENT_EXCEPTION, VEC_DB, false, 0);
}

static void insn_len(struct vm_exit *x)
{
    x->insn_len = (uint32_t)vmcs_read(VMCS_EXIT_INSN_LEN);
}

bool vmx_exit_translate(struct vcpu *v, uint32_t reason, struct vm_exit *x)
{
    struct vmx_vcpu *s = v->hw;
    uint32_t basic = EXIT_REASON_BASIC(reason);
    uint32_t intr = 0;

    if (basic == VMX_EXIT_EXCEPTION_NMI) {
        intr = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
        /* NMI exiting: the host's NMI ended the run, and NMIs have been blocked since the
         * exit. INT 2 runs the host's NMI handler (with its IST stack), whose IRET lifts
         * the blocking. Without NMI exiting the guest would take the host's NMIs — a
         * panicking CPU's stop request among them. */
        if (INTR_INFO_TYPE(intr) == INTR_TYPE_NMI)
            __asm__ volatile("int $2" ::: "memory");
    }
    vmx_sync_efer_lma(s);
    requeue_vectoring();

    x->hw_code = reason;
    x->hw_name = vmx_exit_name(basic);
    x->rip = vmcs_read(VMCS_GUEST_RIP);
    x->insn_len = 0;
    x->cpl = (uint8_t)AR_DPL(vmcs_read(VMCS_GUEST_SS_AR));         /* SS.DPL is the CPL */
    x->code64 = (s->entry_ctls & ENTRY_IA32E_GUEST) && (vmcs_read(VMCS_GUEST_CS_AR) & AR_L);

    switch (basic) {
    case VMX_EXIT_EXCEPTION_NMI: {
        unsigned type = INTR_INFO_TYPE(intr);
        nmi_unblock_fixup(intr & INTR_INFO_NMI_UNBLOCK);
        if (type == INTR_TYPE_NMI) {
            x->reason = EXIT_NMI;
            return true;
        }
        if (type == INTR_TYPE_PRIV_SW_EXCEPTION) {
            /* ICEBP (INT1): intercepted like SVM's ICEBP intercept; no handler in Keel. */
            x->reason = EXIT_UNHANDLED;
            x->hw_name = "ICEBP";
            insn_len(x);
            return true;
        }
        if (INTR_INFO_VECTOR(intr) == VEC_DB && type == INTR_TYPE_HW_EXCEPTION) {
            reflect_debug_exception(v, vmcs_read(VMCS_EXIT_QUALIFICATION));
            return false;
        }
        x->reason = EXIT_UNHANDLED;
        x->hw_name = "exception";
        return true;
    }
    case VMX_EXIT_EXTINT:
    case VMX_EXIT_PREEMPTION_TIMER:      /* a slice ran out without its interrupt exit */
        x->reason = EXIT_INTR;
        return true;
    case VMX_EXIT_INTR_WINDOW:
        vmx_intr_window_set(false);      /* the window is open: the kernel injects now */
        x->reason = EXIT_INTR_WINDOW;
        return true;
    case VMX_EXIT_TRIPLE_FAULT:
        x->reason = EXIT_TRIPLE_FAULT;
        return true;
    case VMX_EXIT_VMCALL:
        x->reason = EXIT_HYPERCALL;
        insn_len(x);
        return true;
    case VMX_EXIT_CPUID:
        x->reason = EXIT_CPUID;
        insn_len(x);
        return true;
    case VMX_EXIT_HLT:
        x->reason = EXIT_HLT;
        insn_len(x);
        return true;
    case VMX_EXIT_IO: {
        uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
        x->reason = EXIT_IO;
        x->io.size = (uint8_t)IO_QUAL_SIZE(q);
        x->io.in = q & IO_QUAL_IN;
        x->io.string = q & IO_QUAL_STRING;
        x->io.rep = q & IO_QUAL_REP;
        x->io.port = IO_QUAL_PORT(q);
        insn_len(x);
        return true;
    }
    case VMX_EXIT_RDMSR:
    case VMX_EXIT_WRMSR:
        x->reason = basic == VMX_EXIT_WRMSR ? EXIT_MSR_WRITE : EXIT_MSR_READ;
        x->msr.index = (uint32_t)v->regs.rcx;
        x->msr.value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
        insn_len(x);
        return true;
    case VMX_EXIT_EPT_VIOLATION: {
        uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
        nmi_unblock_fixup(q & EPT_QUAL_NMI_UNBLOCK);
        x->reason = EXIT_NPF;
        x->npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
        x->npf.read = q & EPT_QUAL_READ;
        x->npf.write = q & EPT_QUAL_WRITE;
        x->npf.exec = q & EPT_QUAL_FETCH;
        x->npf.present = q & EPT_QUAL_PERMS;   /* the translation allowed something */
        return true;
    }
    case VMX_EXIT_CR_ACCESS:
        if (vmx_handle_cr_access(v, vmcs_read(VMCS_EXIT_QUALIFICATION)))
            return false;
        x->reason = EXIT_UNHANDLED;
        return true;
    case VMX_EXIT_VMCLEAR: case VMX_EXIT_VMLAUNCH: case VMX_EXIT_VMPTRLD:
    case VMX_EXIT_VMPTRST: case VMX_EXIT_VMREAD: case VMX_EXIT_VMRESUME:
    case VMX_EXIT_VMWRITE: case VMX_EXIT_VMXOFF: case VMX_EXIT_VMXON:
    case VMX_EXIT_INVEPT: case VMX_EXIT_INVVPID: case VMX_EXIT_VMFUNC:
        x->reason = EXIT_VIRT_INSN;
        insn_len(x);
        return true;
    default:
        x->reason = EXIT_UNHANDLED;   /* the instruction length is not defined for all */
        return true;
    }
}
