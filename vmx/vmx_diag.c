/*
 * Diagnostics: when VMLAUNCH/VMRESUME refuses to enter the guest, say why in words.
 *  - VMfailInvalid / VMfailValid: the instruction failed (no current VMCS, wrong launch
 *    state, invalid controls or host state): the VM-instruction error number (SDM table
 *    "VM-Instruction Error Numbers") with its meaning.
 *  - An exit with bit 31 of the exit reason set: the checks on the guest state (33), the
 *    MSR loading (34) or a machine check (41) failed after the controls were accepted.
 * The CPU does not say which guest-state rule broke: we check the common ones of the SDM
 * ("Checks on the Guest State Area") ourselves and name each one that fails, then dump the
 * state. The vCPU is stopped by the kernel (EXIT_INVALID_STATE); the hypervisor goes on.
 */
#include "vmx.h"
#include <keel/domain.h>
#include <keel/printk.h>
#include <arch/cpu.h>

static const char *const insn_errors[] = {
    [1] = "VMCALL executed in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t err)
{
    if (err < ARRAY_SIZE(insn_errors) && insn_errors[err])
        return insn_errors[err];
    return "unknown VM-instruction error";
}

/* Reads for diagnostics must not panic on a field the CPU lacks. */
static uint64_t rd(enum vmcs_field f)
{
    uint64_t v;
    return vmx_vmread(f, &v) ? v : ~0ull;
}

#define BAD(cond, what) do { if (cond) { pr_err("  invalid: %s\n", what); n++; } } while (0)

static bool limit_g_ok(uint32_t limit, uint32_t ar)
{
    /* G = 0 needs limit[31:20] = 0; G = 1 needs limit[11:0] all ones. */
    return (ar & AR_G) ? (limit & 0xfff) == 0xfff : !(limit >> 20);
}

static int check_segments(bool ia32e)
{
    static const struct { const char *name; enum vmcs_field lim, ar; } seg[] = {
        { "CS", VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
        { "SS", VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
        { "DS", VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
        { "ES", VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
        { "FS", VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
        { "GS", VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
        { "TR", VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR },
    };
    int n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(seg); i++) {
        uint32_t ar = (uint32_t)rd(seg[i].ar), lim = (uint32_t)rd(seg[i].lim);
        if (ar & AR_UNUSABLE)
            continue;
        if (!limit_g_ok(lim, ar)) {
            pr_err("  invalid: %s limit %#x does not match its G bit\n", seg[i].name, lim);
            n++;
        }
        if (ar & 0xfffe0f00u) {
            pr_err("  invalid: %s access rights %#x have reserved bits set\n", seg[i].name, ar);
            n++;
        }
    }
    uint32_t cs = (uint32_t)rd(VMCS_GUEST_CS_AR), ss = (uint32_t)rd(VMCS_GUEST_SS_AR);
    uint32_t tr = (uint32_t)rd(VMCS_GUEST_TR_AR), ldtr = (uint32_t)rd(VMCS_GUEST_LDTR_AR);
    unsigned t = AR_TYPE(cs);
    BAD(cs & AR_UNUSABLE, "CS is unusable");
    BAD(t != 3 && t != 9 && t != 11 && t != 13 && t != 15,
        "CS type is not accessed code (or 3 with unrestricted guest)");
    BAD(!(cs & AR_S) || !(cs & AR_P), "CS is not a present code/data segment");
    BAD(ia32e && (cs & AR_L) && (cs & AR_DB), "64-bit CS with both L and D/B set");
    BAD(!(ss & AR_UNUSABLE) && AR_TYPE(ss) != 3 && AR_TYPE(ss) != 7,
        "SS is usable but not a read/write data segment");
    BAD(t == 3 && AR_DPL(ss) != 0, "CS type 3 with SS.DPL not 0");
    BAD(tr & AR_UNUSABLE, "TR is unusable");
    BAD(ia32e ? AR_TYPE(tr) != 11 : (AR_TYPE(tr) != 3 && AR_TYPE(tr) != 11),
        "TR is not a busy TSS (64-bit busy TSS in IA-32e mode)");
    BAD((tr & AR_S) || !(tr & AR_P), "TR is not a present system segment");
    BAD(!(ldtr & AR_UNUSABLE) && (AR_TYPE(ldtr) != 2 || (ldtr & AR_S) || !(ldtr & AR_P)),
        "LDTR is usable but not a present LDT descriptor");
    return n;
}

static void check_guest_state(struct vcpu *v)
{
    const struct vmx_caps *c = &vmx_caps;
    struct vmx_vcpu *s = v->hw;
    int n = 0;
    uint64_t cr0 = rd(VMCS_GUEST_CR0), cr4 = rd(VMCS_GUEST_CR4), efer = rd(VMCS_GUEST_EFER);
    uint64_t rflags = rd(VMCS_GUEST_RFLAGS), rip = rd(VMCS_GUEST_RIP);
    uint64_t entry = rd(VMCS_ENTRY_CONTROLS), intr = rd(VMCS_GUEST_INTERRUPTIBILITY);
    uint64_t ev = rd(VMCS_ENTRY_INTR_INFO), pat = rd(VMCS_GUEST_PAT);
    bool ia32e = entry & ENTRY_IA32E_GUEST;

    BAD(cr0 >> 32, "CR0[63:32] not zero");
    BAD((cr0 & c->cr0_must1) != c->cr0_must1, "CR0 lacks a bit IA32_VMX_CR0_FIXED0 requires");
    BAD(cr0 & c->cr0_must0, "CR0 has a bit IA32_VMX_CR0_FIXED1 forbids");
    BAD((cr4 & c->cr4_must1) != c->cr4_must1, "CR4 lacks a bit IA32_VMX_CR4_FIXED0 requires");
    BAD(cr4 & c->cr4_must0, "CR4 has a bit IA32_VMX_CR4_FIXED1 forbids");
    BAD((cr0 & CR0_PG) && !(cr0 & CR0_PE), "CR0.PG set without CR0.PE");
    BAD(ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)),
        "IA-32e mode guest without CR0.PG and CR4.PAE");
    BAD(!ia32e && (cr4 & (1ull << 17)), "CR4.PCIDE set outside IA-32e mode");
    BAD(!!(efer & EFER_LMA) != ia32e, "EFER.LMA differs from the IA-32e-mode-guest entry control");
    BAD((cr0 & CR0_PG) && !!(efer & EFER_LMA) != !!(efer & EFER_LME),
        "CR0.PG set with EFER.LMA different from EFER.LME");
    BAD(efer & ~0xd01ull, "EFER reserved bits set");
    BAD(entry != s->entry_ctls, "VM-entry controls differ from what vmx/ last wrote");
    n += check_segments(ia32e);
    BAD(!(rflags & 2) || (rflags & ~0x3f7fd7ull), "RFLAGS reserved bits wrong");
    BAD(ia32e && (rflags & (1ull << 17)), "RFLAGS.VM set in IA-32e mode");
    BAD((!ia32e || !(rd(VMCS_GUEST_CS_AR) & AR_L)) && (rip >> 32),
        "RIP[63:32] not zero outside 64-bit code");
    BAD((intr & INTERRUPTIBILITY_STI) && (intr & INTERRUPTIBILITY_MOVSS),
        "blocking by STI and by MOV SS both set");
    BAD((intr & INTERRUPTIBILITY_STI) && !(rflags & RFLAGS_IF), "blocking by STI with IF clear");
    BAD(rd(VMCS_GUEST_ACTIVITY) != ACTIVITY_ACTIVE, "activity state not active");
    BAD(rd(VMCS_LINK_POINTER) != ~0ull, "VMCS link pointer is not ~0");
    BAD(rd(VMCS_GUEST_DR7) >> 32, "DR7[63:32] not zero");
    for (int i = 0; i < 8; i++) {
        uint8_t t = (pat >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7) {
            BAD(true, "guest PAT holds a reserved memory type");
            break;
        }
    }
    if (ev & INTR_INFO_VALID) {
        unsigned t = INTR_INFO_TYPE(ev);
        BAD(t == 1, "injected event has reserved type 1");
        BAD(t == INTR_TYPE_NMI && INTR_INFO_VECTOR(ev) != 2, "injected NMI with vector != 2");
        BAD(t == INTR_TYPE_EXTINT && !(rflags & RFLAGS_IF), "injected interrupt with IF clear");
        BAD((ev & INTR_INFO_ERROR_VALID) && !(cr0 & CR0_PE),
            "error code delivered in real mode");
    }
    if (!n)
        pr_err("  (no rule Keel checks is broken; the CPU checks more)\n");
}

/* VMfailValid 8: the host-state area (written by vmx_vmcs.c from the running CPU). */
static void check_host_state(void)
{
    const struct vmx_caps *c = &vmx_caps;
    static const struct { const char *name; enum vmcs_field f; bool null_ok; } sel[] = {
        { "CS", VMCS_HOST_CS_SEL, false }, { "SS", VMCS_HOST_SS_SEL, true },
        { "DS", VMCS_HOST_DS_SEL, true }, { "ES", VMCS_HOST_ES_SEL, true },
        { "FS", VMCS_HOST_FS_SEL, true }, { "GS", VMCS_HOST_GS_SEL, true },
        { "TR", VMCS_HOST_TR_SEL, false },
    };
    int n = 0;
    uint64_t cr0 = rd(VMCS_HOST_CR0), cr4 = rd(VMCS_HOST_CR4);
    for (unsigned i = 0; i < ARRAY_SIZE(sel); i++) {
        uint64_t v = rd(sel[i].f);
        if ((v & 7) || (!sel[i].null_ok && !v)) {
            pr_err("  invalid: host %s selector %#llx (RPL/TI set, or null)\n", sel[i].name,
                   (unsigned long long)v);
            n++;
        }
    }
    BAD((cr0 & c->cr0_fixed0) != c->cr0_fixed0 || (cr0 & ~c->cr0_fixed1),
        "host CR0 breaks IA32_VMX_CR0_FIXED0/1");
    BAD((cr4 & c->cr4_fixed0) != c->cr4_fixed0 || (cr4 & ~c->cr4_fixed1),
        "host CR4 breaks IA32_VMX_CR4_FIXED0/1");
    BAD(!(cr4 & CR4_PAE), "host CR4.PAE clear with a 64-bit host");
    BAD(!(rd(VMCS_HOST_EFER) & EFER_LMA) || !(rd(VMCS_HOST_EFER) & EFER_LME),
        "host EFER without LMA/LME with a 64-bit host");
    pr_err("  host CR0 %llx CR3 %llx CR4 %llx EFER %llx PAT %llx RIP %llx RSP %llx\n",
           (unsigned long long)cr0, (unsigned long long)rd(VMCS_HOST_CR3),
           (unsigned long long)cr4, (unsigned long long)rd(VMCS_HOST_EFER),
           (unsigned long long)rd(VMCS_HOST_PAT), (unsigned long long)rd(VMCS_HOST_RIP),
           (unsigned long long)rd(VMCS_HOST_RSP));
    pr_err("  host CS %llx SS %llx DS %llx ES %llx FS %llx GS %llx TR %llx\n",
           (unsigned long long)rd(VMCS_HOST_CS_SEL), (unsigned long long)rd(VMCS_HOST_SS_SEL),
           (unsigned long long)rd(VMCS_HOST_DS_SEL), (unsigned long long)rd(VMCS_HOST_ES_SEL),
           (unsigned long long)rd(VMCS_HOST_FS_SEL), (unsigned long long)rd(VMCS_HOST_GS_SEL),
           (unsigned long long)rd(VMCS_HOST_TR_SEL));
    pr_err("  host FS base %llx GS base %llx TR base %llx GDTR base %llx IDTR base %llx\n",
           (unsigned long long)rd(VMCS_HOST_FS_BASE), (unsigned long long)rd(VMCS_HOST_GS_BASE),
           (unsigned long long)rd(VMCS_HOST_TR_BASE), (unsigned long long)rd(VMCS_HOST_GDTR_BASE),
           (unsigned long long)rd(VMCS_HOST_IDTR_BASE));
    if (!n)
        pr_err("  (no host-state rule Keel checks is broken; the CPU checks more)\n");
}

void vmx_report_vmfail(struct vcpu *v, int status, bool launch)
{
    const char *insn = launch ? "VMLAUNCH" : "VMRESUME";
    if (status == 1) {
        pr_err("vmx: d%u v%u: %s failed: VMfailInvalid (no valid current VMCS)\n", v->dom->id,
               v->id, insn);
    } else {
        uint32_t err = (uint32_t)rd(VMCS_INSN_ERROR);
        pr_err("vmx: d%u v%u: %s failed: VM-instruction error %u: %s\n", v->dom->id, v->id,
               insn, err, vmx_insn_error_name(err));
        if (err == 8)
            check_host_state();
    }
    /* The guest state was not looked at yet: the dump shows the controls. */
    vmx_dump(v);
}

void vmx_report_entry_failure(struct vcpu *v, uint32_t reason)
{
    uint32_t basic = EXIT_REASON_BASIC(reason);
    uint64_t qual = rd(VMCS_EXIT_QUALIFICATION);
    const char *why = basic == VMX_EXIT_INVALID_STATE ? "invalid guest state"
                    : basic == VMX_EXIT_MSR_LOADING ? "MSR loading"
                    : basic == VMX_EXIT_MACHINE_CHECK ? "machine-check event"
                    : "unknown cause";
    pr_err("vmx: d%u v%u: VM entry failed: %s (exit reason %u, %#x), qualification %#llx\n",
           v->dom->id, v->id, why, basic, reason, (unsigned long long)qual);
    if (basic == VMX_EXIT_INVALID_STATE && qual == 2)
        pr_err("  the PDPTEs could not be loaded\n");
    else if (basic == VMX_EXIT_INVALID_STATE && qual == 3)
        pr_err("  NMI injected into a guest blocking by STI\n");
    else if (basic == VMX_EXIT_INVALID_STATE && qual == 4)
        pr_err("  invalid VMCS link pointer\n");
    else if (basic == VMX_EXIT_MSR_LOADING)
        pr_err("  entry %llu of the VM-entry MSR-load area\n", (unsigned long long)qual);
    check_guest_state(v);
    vmx_dump(v);
}

static void dump_seg(const char *name, enum vmcs_field sel, enum vmcs_field ar,
                     enum vmcs_field limit, enum vmcs_field base)
{
    pr_err("  %-4s sel %04llx ar %05llx limit %08llx base %016llx\n", name,
           (unsigned long long)rd(sel), (unsigned long long)rd(ar),
           (unsigned long long)rd(limit), (unsigned long long)rd(base));
}

void vmx_dump(struct vcpu *v)
{
    struct vmx_vcpu *s = v->hw;
    const struct guest_gprs *g = &v->regs;
#define U(x) ((unsigned long long)(x))

    vmx_vmcs_load(v);
    pr_err("  RIP %016llx RSP %016llx RFLAGS %016llx CPL %llu\n", U(rd(VMCS_GUEST_RIP)),
           U(rd(VMCS_GUEST_RSP)), U(rd(VMCS_GUEST_RFLAGS)), U(AR_DPL(rd(VMCS_GUEST_SS_AR))));
    pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n", U(g->rax), U(g->rbx),
           U(g->rcx), U(g->rdx));
    pr_err("  RSI %016llx RDI %016llx RBP %016llx\n", U(g->rsi), U(g->rdi), U(g->rbp));
    pr_err("  R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n", U(g->r8), U(g->r9),
           U(g->r10), U(g->r11));
    pr_err("  R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n", U(g->r12), U(g->r13),
           U(g->r14), U(g->r15));
    pr_err("  CR0 %016llx (reads %llx) CR2 %016llx CR3 %016llx\n", U(rd(VMCS_GUEST_CR0)),
           U(rd(VMCS_CR0_SHADOW)), U(s->cr2), U(rd(VMCS_GUEST_CR3)));
    pr_err("  CR4 %016llx (reads %llx) EFER %016llx PAT %016llx\n", U(rd(VMCS_GUEST_CR4)),
           U(rd(VMCS_CR4_SHADOW)), U(rd(VMCS_GUEST_EFER)), U(rd(VMCS_GUEST_PAT)));
    dump_seg("CS", VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_AR, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_BASE);
    dump_seg("SS", VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_AR, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_BASE);
    dump_seg("DS", VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_AR, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_BASE);
    dump_seg("ES", VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_AR, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_BASE);
    dump_seg("FS", VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_AR, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_BASE);
    dump_seg("GS", VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_AR, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_BASE);
    dump_seg("LDTR", VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_AR, VMCS_GUEST_LDTR_LIMIT,
             VMCS_GUEST_LDTR_BASE);
    dump_seg("TR", VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_AR, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_BASE);
    pr_err("  GDTR base %016llx limit %llx  IDTR base %016llx limit %llx\n",
           U(rd(VMCS_GUEST_GDTR_BASE)), U(rd(VMCS_GUEST_GDTR_LIMIT)),
           U(rd(VMCS_GUEST_IDTR_BASE)), U(rd(VMCS_GUEST_IDTR_LIMIT)));
    pr_err("  interruptibility %llx activity %llx pending-dbg %llx DR7 %llx\n",
           U(rd(VMCS_GUEST_INTERRUPTIBILITY)), U(rd(VMCS_GUEST_ACTIVITY)),
           U(rd(VMCS_GUEST_PENDING_DBG)), U(rd(VMCS_GUEST_DR7)));
    pr_err("  controls: pin %llx proc %llx proc2 %llx exit %llx entry %llx\n",
           U(rd(VMCS_PIN_CONTROLS)), U(rd(VMCS_PROC_CONTROLS)), U(rd(VMCS_PROC_CONTROLS2)),
           U(rd(VMCS_EXIT_CONTROLS)), U(rd(VMCS_ENTRY_CONTROLS)));
    uint64_t reason = rd(VMCS_EXIT_REASON);
    pr_err("  exit %llx (%s) qualification %llx intr-info %llx idt-vectoring %llx\n", U(reason),
           vmx_exit_name(EXIT_REASON_BASIC((uint32_t)reason)), U(rd(VMCS_EXIT_QUALIFICATION)),
           U(rd(VMCS_EXIT_INTR_INFO)), U(rd(VMCS_IDT_VECTORING_INFO)));
    pr_err("  entry event %llx error %llx len %llx  EPTP %llx VPID %u  insn-error %llu\n",
           U(rd(VMCS_ENTRY_INTR_INFO)), U(rd(VMCS_ENTRY_EXCEPTION_ERROR)),
           U(rd(VMCS_ENTRY_INSN_LEN)), U(rd(VMCS_EPT_POINTER)), s->vpid,
           U(rd(VMCS_INSN_ERROR)));
#undef U
}
