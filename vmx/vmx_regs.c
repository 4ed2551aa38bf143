/*
 * Guest registers on VT-x: where each one lives (VMCS field, read shadow, the CPU itself
 * for CR2, software for CR8), and the register virtualization VMX needs that SVM does not.
 *
 * CR0 and CR4: under EPT with unrestricted guest the guest owns them, except the bits VMX
 * operation pins (CR0.NE, CR4.VMXE; in general the IA32_VMX_CR*_FIXED MSRs). Those bits
 * are set in the guest/host masks: the guest reads them from the read shadows (its own
 * values), and a MOV to CR0/CR4 that would change one of them exits. That exit is hardware
 * detail, handled here: the write is checked as the CPU would check it (#GP for invalid
 * values), applied with the pinned bits kept, and its side effects done by hand — EFER.LMA
 * and the "IA-32e mode guest" entry control when paging is turned on or off in long mode,
 * the PAE PDPTEs, a TLB flush.
 *
 * EFER: the guest's EFER is a VMCS field (entry control "load IA32_EFER", exit control
 * "save IA32_EFER"). VM entry requires the "IA-32e mode guest" entry control to equal
 * EFER.LMA. With unrestricted guest the CPU sets LMA itself when the guest sets CR0.PG
 * with EFER.LME; the exit saves that EFER, and vmx_sync_efer_lma() brings the entry
 * control in step before the next entry.
 */
#include "vmx.h"
#include <keel/domain.h>
#include <arch/cpu.h>

#define CR0_TS (1ul << 3)
#define CR0_NW (1ul << 29)
#define CR0_CD (1ul << 30)
#define CR4_PSE   (1ul << 4)
#define CR4_LA57  (1ul << 12)
#define CR4_PCIDE (1ul << 17)
#define CR4_SMEP  (1ul << 20)
#define CR4_SMAP  (1ul << 21)
#define CR4_PKE   (1ul << 22)
#define VEC_GP 13

static uint64_t cr0_mask(void) { return vmx_caps.cr0_must1 | vmx_caps.cr0_must0; }
static uint64_t cr4_mask(void) { return vmx_caps.cr4_must1 | vmx_caps.cr4_must0; }

/* What the guest sees: its own values for the masked bits, the real ones for the rest. */
static uint64_t visible_cr0(void)
{
    uint64_t m = cr0_mask();
    return (vmcs_read(VMCS_GUEST_CR0) & ~m) | (vmcs_read(VMCS_CR0_SHADOW) & m);
}

static uint64_t visible_cr4(void)
{
    uint64_t m = cr4_mask();
    return (vmcs_read(VMCS_GUEST_CR4) & ~m) | (vmcs_read(VMCS_CR4_SHADOW) & m);
}

static bool cs_long(void) { return vmcs_read(VMCS_GUEST_CS_AR) & AR_L; }

void vmx_sync_efer_lma(struct vmx_vcpu *s)
{
    bool lma = vmcs_read(VMCS_GUEST_EFER) & EFER_LMA;
    uint32_t want = lma ? s->entry_ctls | ENTRY_IA32E_GUEST : s->entry_ctls & ~ENTRY_IA32E_GUEST;
    if (want != s->entry_ctls)
        vmx_set_entry_ctls(s, want);
}

static void set_efer(struct vmx_vcpu *s, uint64_t efer)
{
    vmcs_write(VMCS_GUEST_EFER, efer);
    vmx_sync_efer_lma(s);
}

/* PAE paging (not long mode): the CPU holds the four PDPTEs in registers, loaded by MOV
 * to CR0/CR3/CR4. VM entry loads them from the VMCS, so an emulated write that (re)loads
 * them must fill those fields. False: unreadable, or reserved bits set (#GP). */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
    uint64_t pdpte[4];
    /* Bits 1-2 and 5-8 are reserved in a present PDPTE, as are address bits above
     * MAXPHYADDR. */
    uint64_t rsvd = 0x1e6ull | (~0ull << cpu_features.phys_addr_bits);
    if (copy_from_guest_phys(v->dom, pdpte, cr3 & 0xffffffe0ull, sizeof(pdpte)))
        return false;
    for (unsigned i = 0; i < 4; i++)
        if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
            return false;
    for (unsigned i = 0; i < 4; i++)
        vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    return true;
}

/* MOV to CR0 as the CPU would do it. False: #GP. `checked` false: kernel/ sets the value
 * (set_reg) and the CPU's own checks are left to VM entry, which then reports them. */
static bool guest_write_cr0(struct vcpu *v, uint64_t val, bool checked)
{
    struct vmx_vcpu *s = v->hw;
    const struct vmx_caps *c = &vmx_caps;
    uint64_t old = visible_cr0(), cr4 = visible_cr4();
    uint64_t efer = vmcs_read(VMCS_GUEST_EFER), new_efer = efer;

    if (checked && ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
                    ((val & CR0_NW) && !(val & CR0_CD))))
        return false;
    if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
        if (checked && (!(cr4 & CR4_PAE) || cs_long()))
            return false;
        new_efer |= EFER_LMA;                 /* entering long mode */
    } else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
        if (checked && cs_long())
            return false;                     /* 64-bit code cannot turn paging off */
        new_efer &= ~(uint64_t)EFER_LMA;
    }
    if ((val & CR0_PG) && (cr4 & CR4_PAE) && !(new_efer & EFER_LMA) &&
        ((val ^ old) & (CR0_PG | CR0_CD | CR0_NW)) &&
        !load_pdptes(v, vmcs_read(VMCS_GUEST_CR3)) && checked)
        return false;

    /* Bits 31:0 that VMX forbids are reserved bits of CR0, which a write ignores. */
    vmcs_write(VMCS_GUEST_CR0, (val | c->cr0_must1) & ~c->cr0_must0);
    vmcs_write(VMCS_CR0_SHADOW, val);
    if (new_efer != efer)
        set_efer(s, new_efer);
    if ((val ^ old) & (CR0_PG | CR0_PE | CR0_WP | CR0_CD))
        s->vpid_flush = true;
    return true;
}

/* MOV to CR4 as the CPU would do it. False: #GP. `checked`: as for CR0. */
static bool guest_write_cr4(struct vcpu *v, uint64_t val, bool checked)
{
    struct vmx_vcpu *s = v->hw;
    const struct vmx_caps *c = &vmx_caps;
    uint64_t old = visible_cr4(), cr0 = visible_cr0();
    uint64_t efer = vmcs_read(VMCS_GUEST_EFER);

    /* Bits the CPU does not have are reserved (#GP). VMXE: Keel offers no nested VMX
     * (CPUID says so), so setting it faults as on a CPU without VMX. */
    if (checked && ((val & c->cr4_must0) || (val & CR4_VMXE)))
        return false;
    if (checked && (efer & EFER_LMA) && !(val & CR4_PAE))
        return false;
    if (checked && (efer & EFER_LMA) && ((val ^ old) & CR4_LA57))
        return false;
    if (checked && (val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
        (!(efer & EFER_LMA) || (vmcs_read(VMCS_GUEST_CR3) & 0xfff)))
        return false;
    if ((cr0 & CR0_PG) && (val & CR4_PAE) && !(efer & EFER_LMA) &&
        ((val ^ old) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP | CR4_SMAP | CR4_PKE)) &&
        !load_pdptes(v, vmcs_read(VMCS_GUEST_CR3)) && checked)
        return false;

    vmcs_write(VMCS_GUEST_CR4, val | c->cr4_must1);
    vmcs_write(VMCS_CR4_SHADOW, val);
    if ((val ^ old) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_LA57))
        s->vpid_flush = true;
    return true;
}

/* The general register a CR-access exit names (SDM encoding: RAX, RCX, RDX, RBX, RSP,
 * RBP, RSI, RDI, R8-R15); RSP lives in the VMCS. */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
    struct guest_gprs *g = &v->regs;
    uint64_t *const map[16] = {
        &g->rax, &g->rcx, &g->rdx, &g->rbx, NULL, &g->rbp, &g->rsi, &g->rdi,
        &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
    };
    return map[n & 15];
}

static uint64_t gpr_get(struct vcpu *v, unsigned n, bool bits64)
{
    uint64_t *p = gpr(v, n);
    uint64_t val = p ? *p : vmcs_read(VMCS_GUEST_RSP);
    return bits64 ? val : (uint32_t)val;       /* outside 64-bit mode MOV CR is 32-bit */
}

static void gpr_set(struct vcpu *v, unsigned n, uint64_t val)
{
    uint64_t *p = gpr(v, n);
    if (p)
        *p = val;
    else
        vmcs_write(VMCS_GUEST_RSP, val);
}

/* A CR-access exit (only CR0/CR4 writes to masked bits and CR8 accesses exit). False if
 * it is none of those: the kernel then hears of it as unhandled. */
bool vmx_handle_cr_access(struct vcpu *v, uint64_t qual)
{
    struct vmx_vcpu *s = v->hw;
    unsigned cr = CR_QUAL_CR(qual), n = CR_QUAL_GPR(qual);
    bool bits64 = (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && cs_long();
    bool ok;

    switch (CR_QUAL_TYPE(qual)) {
    case CR_MOV_TO:
        if (cr == 0)
            ok = guest_write_cr0(v, gpr_get(v, n, bits64), true);
        else if (cr == 4)
            ok = guest_write_cr4(v, gpr_get(v, n, bits64), true);
        else if (cr == 8) {
            /* CR8 is the task-priority register: the guest gets a register of its own
             * (CR8 exiting), never the host LAPIC's TPR. */
            uint64_t val = gpr_get(v, n, bits64);
            ok = !(val >> 4);
            if (ok)
                s->vtpr = (uint8_t)val;
        } else
            return false;
        break;
    case CR_MOV_FROM:
        if (cr != 8)
            return false;
        gpr_set(v, n, s->vtpr);
        ok = true;
        break;
    case CR_CLTS:
        ok = guest_write_cr0(v, visible_cr0() & ~CR0_TS, true);
        break;
    case CR_LMSW: {
        /* LMSW loads CR0 bits 0-3 but cannot clear PE. */
        uint64_t cur = visible_cr0();
        uint64_t src = CR_QUAL_LMSW_DATA(qual) & 0xf;
        ok = guest_write_cr0(v, (cur & ~0xeull) | (src & 0xe) | ((cur | src) & CR0_PE), true);
        break;
    }
    default:
        return false;
    }
    if (ok)
        vmx_set_reg(v, GREG_RIP, vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSN_LEN));
    else
        vmx_inject_event(v, EVENT_EXCEPTION, VEC_GP, true, 0);
    return true;
}

uint64_t vmx_get_reg(struct vcpu *v, enum guest_reg r)
{
    struct vmx_vcpu *s = v->hw;
    vmx_vmcs_load(v);
    switch (r) {
    case GREG_RIP: return vmcs_read(VMCS_GUEST_RIP);
    case GREG_RSP: return vmcs_read(VMCS_GUEST_RSP);
    case GREG_RFLAGS: return vmcs_read(VMCS_GUEST_RFLAGS);
    case GREG_CR0: return visible_cr0();
    case GREG_CR2: return s->cr2;
    case GREG_CR3: return vmcs_read(VMCS_GUEST_CR3);
    case GREG_CR4: return visible_cr4();
    case GREG_EFER: return vmcs_read(VMCS_GUEST_EFER);   /* VMX adds no bit of its own */
    case GREG_PAT: return vmcs_read(VMCS_GUEST_PAT);
    case GREG_CS_BASE: return vmcs_read(VMCS_GUEST_CS_BASE);
    case GREG_CS_ATTR: {  /* generic: bit 0 = L (64-bit code), bit 1 = D (32-bit default) */
        uint64_t ar = vmcs_read(VMCS_GUEST_CS_AR);
        return ((ar & AR_L) ? 1 : 0) | ((ar & AR_DB) ? 2 : 0);
    }
    case GREG_CPL: return AR_DPL(vmcs_read(VMCS_GUEST_SS_AR));   /* SS.DPL is the CPL */
    default: return 0;
    }
}

void vmx_set_reg(struct vcpu *v, enum guest_reg r, uint64_t val)
{
    struct vmx_vcpu *s = v->hw;
    vmx_vmcs_load(v);
    switch (r) {
    case GREG_RIP: {
        vmcs_write(VMCS_GUEST_RIP, val);
        /* Moving past an instruction ends the STI / MOV SS shadow it was in. */
        uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
        if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS))
            vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
                       intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS));
        break;
    }
    case GREG_RSP: vmcs_write(VMCS_GUEST_RSP, val); break;
    case GREG_RFLAGS: {
        vmcs_write(VMCS_GUEST_RFLAGS, val);
        /* VM entry refuses blocking by STI with IF clear. */
        uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
        if (!(val & RFLAGS_IF) && (intr & INTERRUPTIBILITY_STI))
            vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)INTERRUPTIBILITY_STI);
        break;
    }
    /* kernel/ may set any value: VM entry refuses invalid ones and vmx_diag says why. */
    case GREG_CR0: guest_write_cr0(v, val, false); break;
    case GREG_CR2: s->cr2 = val; break;
    case GREG_CR3: vmcs_write(VMCS_GUEST_CR3, val); s->vpid_flush = true; break;
    case GREG_CR4: guest_write_cr4(v, val, false); break;
    case GREG_EFER: set_efer(s, val); break;        /* keeps "IA-32e mode guest" = LMA */
    case GREG_PAT: vmcs_write(VMCS_GUEST_PAT, val); break;
    default:
        break;   /* CS base/attributes and CPL are read-only for kernel/ */
    }
}
