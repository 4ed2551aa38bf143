/*
 * What this CPU's VT-x can do, from the capability MSRs, and the control values every
 * VMCS starts with. Each capability MSR is read only once the MSR that announces it says
 * it exists: reading a VMX MSR the CPU lacks raises #GP (Bochs' models do exactly that).
 *
 * A control MSR gives, in its low half, the controls that must be 1 (allowed 0-settings
 * are the zeros) and, in its high half, the controls that may be 1. The TRUE_* variants
 * exist when IA32_VMX_BASIC bit 55 says so; they allow clearing "default1" controls
 * (e.g. CR3-load exiting) that the legacy MSRs report as fixed to 1.
 */
#include "vmx.h"
#include <keel/printk.h>
#include <arch/cpu.h>

struct vmx_caps vmx_caps;

#define CPUID1_ECX_VMX          (1u << 5)
#define CPUIDX1_EDX_RDTSCP      (1u << 27)

/* Computes a control word: `want` (with `need` a subset of it) adjusted to what the CPU
 * allows. False, after saying why, if a needed control cannot be 1 or a forbidden one
 * cannot be 0. */
static bool adjust(const char *what, uint32_t msr, uint32_t want, uint32_t need,
                   uint32_t forbid, uint32_t *out)
{
    uint64_t cap = rdmsr(msr);
    uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);
    uint32_t val = (want | must1) & may1;

    if ((val & need) != need) {
        pr_warn("warning: vmx: %s controls: the CPU cannot set %#x (needed)\n", what,
                need & ~val);
        return false;
    }
    if (val & forbid) {
        pr_warn("warning: vmx: %s controls: the CPU forces %#x on (Keel needs it off)\n",
                what, val & forbid);
        return false;
    }
    *out = val;
    return true;
}

static bool ept_caps_ok(uint64_t cap)
{
    static const struct { uint64_t bit; const char *what; } needed[] = {
        { EPT_CAP_WALK4, "4-level EPT walks" },
        { EPT_CAP_WB, "write-back EPT structures" },
        { EPT_CAP_2M, "2 MiB EPT pages" },   /* the p2m maps guest RAM in 2 MiB pages */
        { EPT_CAP_INVEPT, "INVEPT" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(needed); i++) {
        if (!(cap & needed[i].bit)) {
            pr_warn("warning: vmx: EPT without %s; not supported\n", needed[i].what);
            return false;
        }
    }
    if (!(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
        pr_warn("warning: vmx: INVEPT offers neither single-context nor global; not supported\n");
        return false;
    }
    return true;
}

bool vmx_caps_read(void)
{
    struct vmx_caps *c = &vmx_caps;
    if (c->valid)
        return true;

    c->basic = rdmsr(MSR_VMX_BASIC);
    c->revision = VMX_BASIC_REVISION(c->basic);
    if (VMX_BASIC_SIZE(c->basic) > PAGE_SIZE) {
        pr_warn("warning: vmx: VMCS region of %u bytes (more than a page)\n",
                VMX_BASIC_SIZE(c->basic));
        return false;
    }
    if (c->basic & VMX_BASIC_32BIT_ADDR) {
        pr_warn("warning: vmx: VMX structures limited to 32-bit addresses; not supported\n");
        return false;
    }
    if (VMX_BASIC_MEMTYPE(c->basic) != MEMTYPE_WB) {
        pr_warn("warning: vmx: VMCS memory type %u is not write-back; not supported\n",
                VMX_BASIC_MEMTYPE(c->basic));
        return false;
    }
    bool tru = c->basic & VMX_BASIC_TRUE_CTLS;

    /* Primary controls first: they say whether secondary controls exist at all. */
    uint32_t proc_need = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_MSR_BITMAPS |
                         PROC_SECONDARY | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
                         PROC_TSC_OFFSETTING;
    /* CR3 accesses and INVLPG belong to the guest under EPT; I/O goes through
     * unconditional exiting (bitmaps only for device owners, vmx_io.c); the guest's TPR is virtualized through CR8
     * exits, not the TPR shadow. */
    uint32_t proc_forbid = PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
                           PROC_INVLPG_EXITING | PROC_IO_BITMAPS | PROC_TPR_SHADOW |
                           PROC_RDTSC_EXITING | PROC_MOV_DR_EXITING;
    /* Interrupt-window exiting is switched on only while an interrupt waits for the
     * guest to be able to take it: check now that the CPU allows it. */
    if (!((rdmsr(tru ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS) >> 32) &
          PROC_INTR_WINDOW)) {
        pr_warn("warning: vmx: the CPU has no interrupt-window exiting; not supported\n");
        return false;
    }
    if (!adjust("primary processor-based",
                tru ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS,
                proc_need | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING, proc_need, proc_forbid,
                &c->proc))
        return false;

    /* Domains given I/O BARs switch their vCPUs to I/O bitmaps (vmx_io.c) if possible. */
    c->io_bitmaps = (rdmsr(tru ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS) >> 32) &
                    PROC_IO_BITMAPS;

    /* Secondary controls: IA32_VMX_PROCBASED_CTLS2 exists (we just checked the primary
     * controls can enable them). */
    uint64_t cap2 = rdmsr(MSR_VMX_PROCBASED_CTLS2);
    uint32_t may2 = (uint32_t)(cap2 >> 32);
    if ((may2 & (PROC2_EPT | PROC2_UNRESTRICTED)) != (PROC2_EPT | PROC2_UNRESTRICTED)) {
        pr_warn("warning: vmx: the CPU has no %s; not supported\n",
                !(may2 & PROC2_EPT) ? "EPT" : "unrestricted guest");
        return false;
    }
    /* EPT or VPID can be enabled: IA32_VMX_EPT_VPID_CAP exists. */
    c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
    if (!ept_caps_ok(c->ept_vpid))
        return false;
    c->invept_single = c->ept_vpid & EPT_CAP_INVEPT_SINGLE;
    c->vpid = (may2 & PROC2_VPID) && (c->ept_vpid & VPID_CAP_INVVPID) &&
              (c->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
    c->invvpid_single = c->ept_vpid & VPID_CAP_INVVPID_SINGLE;

    uint32_t proc2 = PROC2_EPT | PROC2_UNRESTRICTED;
    if (c->vpid)
        proc2 |= PROC2_VPID;
    /* Without "enable RDTSCP", RDTSCP raises #UD in the guest even though CPUID (which
     * Keel passes through) announces it. */
    if (cpu_features.max_ext_leaf >= 0x80000001 &&
        (cpuid(0x80000001, 0).edx & CPUIDX1_EDX_RDTSCP))
        proc2 |= PROC2_RDTSCP;
    if (!adjust("secondary processor-based", MSR_VMX_PROCBASED_CTLS2, proc2,
                PROC2_EPT | PROC2_UNRESTRICTED, 0, &c->proc2))
        return false;

    /* NMI exiting: a host NMI (another CPU's panic) must reach the host, not the guest. */
    uint32_t pin = PIN_EXTINT_EXITING | PIN_NMI_EXITING;
    /* The VMX-preemption timer, when offered, bounds every guest run by a slice even if
     * the exit for a host interrupt never comes (measured: Bochs does not exit for an
     * interrupt already pending at VM entry while the guest has IF clear). */
    uint32_t pin_may1 = (uint32_t)(rdmsr(tru ? MSR_VMX_TRUE_PINBASED_CTLS
                                             : MSR_VMX_PINBASED_CTLS) >> 32);
    if (pin_may1 & PIN_PREEMPT_TIMER) {
        pin |= PIN_PREEMPT_TIMER;
        c->preempt_shift = rdmsr(MSR_VMX_MISC) & 0x1f;
    }
    if (!adjust("pin-based", tru ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS, pin,
                pin, 0, &c->pin))
        return false;

    /* Interrupts stay pending in the LAPIC (no acknowledge on exit): the kernel takes
     * them with sti after the exit, as on AMD-V. */
    uint32_t exit_need = EXIT_HOST_64BIT | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
                         EXIT_LOAD_PAT;
    if (!adjust("VM-exit", tru ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS,
                exit_need | EXIT_SAVE_DEBUG, exit_need, EXIT_ACK_INTR, &c->exit))
        return false;

    /* The IA-32e-mode-guest control is set per vCPU when the guest enters long mode: it
     * must be available, and is left out of the starting value. */
    uint32_t entry_msr = tru ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS;
    if (!((rdmsr(entry_msr) >> 32) & ENTRY_IA32E_GUEST)) {
        pr_warn("warning: vmx: VM entry cannot enter IA-32e mode; not supported\n");
        return false;
    }
    uint32_t entry_need = ENTRY_LOAD_EFER | ENTRY_LOAD_PAT;
    if (!adjust("VM-entry", entry_msr, entry_need | ENTRY_LOAD_DEBUG, entry_need,
                ENTRY_IA32E_GUEST, &c->entry))
        return false;

    c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
    /* With unrestricted guest, PE and PG are the guest's even if FIXED0 lists them. CR0's
     * upper half is reserved (MOV to CR0 itself faults on it), so only 31:0 is masked. */
    c->cr0_must1 = c->cr0_fixed0 & ~(uint64_t)(CR0_PE | CR0_PG) & 0xffffffffull;
    c->cr0_must0 = ~c->cr0_fixed1 & 0xffffffffull;
    c->cr4_must1 = c->cr4_fixed0;
    c->cr4_must0 = ~c->cr4_fixed1;
    c->valid = true;
    return true;
}

bool vmx_supported(void)
{
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX))
        return false;
    return vmx_caps_read();
}
