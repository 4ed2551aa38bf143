/*
 * Diagnostics: VMEXIT_INVALID means VMRUN refused the VMCB, and the hardware does not say
 * why. We check the consistency rules of the AMD APM (vol. 2, "VMRUN: canonicalization and
 * consistency checks") ourselves and name each one the VMCB breaks. The checks run before
 * VMRUN whenever Keel itself changed the guest's control state (rare, off the hot path),
 * because after a failed VMRUN the save area may no longer hold what was refused (QEMU,
 * for one, writes part of the host state back into it).
 */
#include "svm.h"
#include <keel/domain.h>
#include <keel/printk.h>
#include <arch/cpu.h>

#define BAD(cond, what) do { if (cond) { if (say) pr_err("  invalid: %s\n", what); n++; } } while (0)

/* Returns how many rules the VMCB breaks, naming each if `say`. */
static int check_state(struct vcpu *v, bool say)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb *vm = s->vmcb;
    struct vmcb_save *st = &vm->save;
    int n = 0;

    BAD(!(st->efer & EFER_SVME), "EFER.SVME is clear");
    BAD(!(st->cr0 & CR0_PG) ? false : !(st->cr0 & CR0_PE), "CR0.PG set without CR0.PE");
    BAD((st->cr0 & (1ul << 29)) && !(st->cr0 & (1ul << 30)), "CR0.NW set with CR0.CD clear");
    BAD(st->cr0 >> 32, "CR0[63:32] not zero");
    BAD(st->cr4 & ~0x3fffffull & ~(1ull << 22) & ~(1ull << 23), "CR4 reserved bits set");
    BAD(st->dr6 >> 32, "DR6[63:32] not zero");
    BAD(st->dr7 >> 32, "DR7[63:32] not zero");
    BAD(st->efer & ~0xfd01ull, "EFER reserved bits set");
    BAD((st->efer & EFER_LME) && (st->cr0 & CR0_PG) && !(st->cr4 & CR4_PAE),
        "EFER.LME and CR0.PG set with CR4.PAE clear");
    BAD((st->efer & EFER_LME) && (st->cr0 & CR0_PG) && !(st->cr0 & CR0_PE),
        "EFER.LME and CR0.PG set with CR0.PE clear");
    BAD((st->efer & EFER_LME) && (st->cr0 & CR0_PG) && (st->cr4 & CR4_PAE) &&
            (st->cs.attrib & (1 << 9)) && (st->cs.attrib & (1 << 10)),
        "long mode with CS.L and CS.D both set");
    BAD(!(vm->ctl.intercept_misc2 & INTERCEPT_VMRUN), "the VMRUN intercept is clear");
    BAD(vm->ctl.guest_asid == 0, "ASID 0 (the host's)");
    BAD(vm->ctl.guest_asid >= svm_feat.nr_asids, "ASID beyond the CPU's count");
    BAD((vm->ctl.eventinj & EVENT_VALID) && ((vm->ctl.eventinj >> 8) & 7) == 1,
        "EVENTINJ has reserved type 1");
    BAD((vm->ctl.eventinj & EVENT_VALID) && ((vm->ctl.eventinj >> 8) & 7) == 3 &&
            (vm->ctl.eventinj & 0xff) == 2, "EVENTINJ injects vector 2 as an exception");
    BAD(vm->ctl.msrpm_base_pa & 0xfff, "MSRPM not page-aligned");
    BAD(vm->ctl.iopm_base_pa & 0xfff, "IOPM not page-aligned");
    BAD((vm->ctl.np_enable & 1) && (vm->ctl.n_cr3 & 0xfff), "nested CR3 not page-aligned");
    for (int i = 0; i < 8; i++)
        BAD(((st->g_pat >> (8 * i)) & 0xff) == 2 || ((st->g_pat >> (8 * i)) & 0xff) == 3 ||
                ((st->g_pat >> (8 * i)) & 0xff) > 7, "guest PAT holds a reserved memory type");
    return n;
}

bool svm_state_ok(struct vcpu *v)
{
    if (!check_state(v, false))
        return true;
    pr_err("svm: d%u v%u: the guest state breaks the VMRUN consistency rules; not entering\n",
           v->dom->id, v->id);
    check_state(v, true);
    svm_dump(v);
    return false;
}

void svm_report_invalid(struct vcpu *v)
{
    pr_err("svm: d%u v%u: VMRUN refused the guest state (VMEXIT_INVALID)\n", v->dom->id, v->id);
    if (!check_state(v, true))
        pr_err("  (no rule Keel checks is broken in the state as the CPU left it; the CPU "
               "checks more)\n");
    svm_dump(v);
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
    pr_err("  %-4s sel %04x attr %03x limit %08x base %016llx\n", name, s->selector, s->attrib,
           s->limit, (unsigned long long)s->base);
}

void svm_dump(struct vcpu *v)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb *vm = s->vmcb;
    struct vmcb_save *st = &vm->save;
    const struct guest_gprs *g = &v->regs;

    pr_err("  RIP %016llx RSP %016llx RFLAGS %016llx CPL %u\n", (unsigned long long)st->rip,
           (unsigned long long)st->rsp, (unsigned long long)st->rflags, st->cpl);
    pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n", (unsigned long long)st->rax,
           (unsigned long long)g->rbx, (unsigned long long)g->rcx, (unsigned long long)g->rdx);
    pr_err("  RSI %016llx RDI %016llx RBP %016llx\n", (unsigned long long)g->rsi,
           (unsigned long long)g->rdi, (unsigned long long)g->rbp);
    pr_err("  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n",
           (unsigned long long)st->cr0, (unsigned long long)st->cr2, (unsigned long long)st->cr3,
           (unsigned long long)st->cr4, (unsigned long long)st->efer);
    dump_seg("CS", &st->cs);
    dump_seg("SS", &st->ss);
    dump_seg("DS", &st->ds);
    dump_seg("TR", &st->tr);
    dump_seg("GDTR", &st->gdtr);
    dump_seg("IDTR", &st->idtr);
    pr_err("  exit %#llx (%s) info1 %#llx info2 %#llx intinfo %#llx eventinj %#llx ASID %u\n",
           (unsigned long long)vm->ctl.exitcode, svm_exit_name((uint32_t)vm->ctl.exitcode),
           (unsigned long long)vm->ctl.exitinfo1, (unsigned long long)vm->ctl.exitinfo2,
           (unsigned long long)vm->ctl.exitintinfo, (unsigned long long)vm->ctl.eventinj,
           vm->ctl.guest_asid);
}
