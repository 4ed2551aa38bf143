/*
 * Guest MSR accesses that exit. Deny by default: an MSR Keel does not know raises #GP in
 * the guest, as on a CPU without it. The MSRs whose state sits in the VMCS/VMCB and needs
 * no checking are passed through by the backends and never come here.
 */
#include <keel/vcpu.h>
#include <keel/xen_abi.h>
#include <public/xen_cpuid.h>

#define MSR_TSC 0x10
#define MSR_AMD_NB_CFG 0xc001001f          /* AMD northbridge configuration */
#define MSR_MISC_ENABLE 0x1a0              /* Intel: IA32_MISC_ENABLE */
#define MSR_UCODE_REV 0x8b                 /* Intel: IA32_BIOS_SIGN_ID, microcode revision */
/* What a guest sees there: fast strings on, no branch trace store, no PEBS; XD not
 * disabled, no MONITOR, no CPUID limit. Fixed: writes must leave it as it is. */
#define MISC_ENABLE_GUEST ((1ull << 0) | (1ull << 11) | (1ull << 12))
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (pat >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

bool guest_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    if (vlapic_owns_msr(msr))
        return vlapic_msr_read(v, msr, val);
    switch (msr) {
    case MSR_EFER:
        *val = hvm->get_reg(v, GREG_EFER);
        return true;
    case MSR_TSC:
        *val = rdtsc() + v->dom->tsc_offset;
        return true;
    case MSR_PAT:
        *val = hvm->get_reg(v, GREG_PAT);
        return true;
    case MSR_MISC_ENABLE:
        /* Intel only (#GP on AMD, as there). Linux's early 64-bit entry reads it on
         * Intel family 6 to clear XD_DISABLE, before it has an IDT. */
        if (!cpu_features.vmx)
            return false;
        *val = MISC_ENABLE_GUEST;
        return true;
    case MSR_UCODE_REV:
        /* Intel only. Linux writes 0, runs CPUID, reads the revision: none (0). */
        if (!cpu_features.vmx)
            return false;
        *val = 0;
        return true;
    case MSR_AMD_NB_CFG:
        /* No northbridge to configure: zero, as Xen answers (Linux reads it on AMD to
         * look for extended PCI configuration access). */
        *val = 0;
        return true;
    default:
        return false;
    }
}

bool guest_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (vlapic_owns_msr(msr))
        return vlapic_msr_write(v, msr, val);
    switch (msr) {
    case MSR_EFER: {
        uint64_t old = hvm->get_reg(v, GREG_EFER);
        if (val & ~(uint64_t)(EFER_GUEST_WRITABLE | EFER_LMA))
            return false;             /* reserved bits, or SVME: not offered */
        /* LME may not change while paging is on (SDM/APM: #GP). */
        if (((val ^ old) & EFER_LME) && (hvm->get_reg(v, GREG_CR0) & CR0_PG))
            return false;
        if ((val & EFER_NXE) && !cpu_features.nx)
            return false;
        /* LMA is the CPU's to set: keep the current value. */
        hvm->set_reg(v, GREG_EFER, (val & EFER_GUEST_WRITABLE) | (old & EFER_LMA));
        return true;
    }
    case MSR_PAT:
        if (!pat_valid(val))
            return false;
        hvm->set_reg(v, GREG_PAT, val);
        return true;
    case MSR_MISC_ENABLE:
        return cpu_features.vmx && val == MISC_ENABLE_GUEST;
    case MSR_UCODE_REV:                /* the write that precedes the CPUID: ignored */
        return cpu_features.vmx;
    case MSR_AMD_NB_CFG:               /* Linux sets its extended-config bit: ignored */
        return true;
    case XEN_MSR_HYPERCALL_PAGE:       /* write-only, as on Xen: reads #GP */
        return xen_hypercall_page_msr(v, val);
    default:
        return false;
    }
}
