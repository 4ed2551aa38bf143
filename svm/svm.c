/*
 * AMD-V backend: SVM enabled per CPU, one VMCB per vCPU, ASIDs per CPU, IOPM and MSRPM
 * that intercept everything except the MSRs whose state lives in the VMCB itself (and a
 * device owner's I/O BAR ports, in an IOPM of its own).
 * Policy (what an exit means for the guest) is kernel/'s; this file only knows SVM.
 */
#include "svm.h"
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>

struct svm_features svm_feat;
static struct svm_cpu svm_cpus[MAX_CPUS];
static paddr_t iopm_pa, msrpm_pa;        /* shared (IOPM: by domains with no own one): deny */

bool svm_supported(void)
{
    if (!cpu_features.svm || cpu_features.max_ext_leaf < 0x8000000a)
        return false;
    return cpuid(0x8000000a, 0).edx & SVM_FEAT_NP;
}

/* MSRs whose guest values live in the VMCB (loaded by VMRUN or VMLOAD): the guest may
 * read and write them directly. Everything else exits. */
static const uint32_t passthrough_msrs[] = {
    0xc0000100, 0xc0000101, 0xc0000102,              /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,  /* STAR, LSTAR, CSTAR, SFMASK */
    0x174, 0x175, 0x176,                             /* SYSENTER_CS/ESP/EIP */
};

static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    uint32_t base;
    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        base = 0x800, msr -= 0xc0000000;
    else if (msr >= 0xc0010000 && msr < 0xc0012000)
        base = 0x1000, msr -= 0xc0010000;
    else
        return;                                    /* always intercepted */
    uint32_t bit = msr * 2;                        /* read bit, then write bit */
    pm[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

static bool svm_global_init(void)
{
    struct cpuid_regs r = cpuid(0x8000000a, 0);
    svm_feat.nr_asids = r.ebx;
    svm_feat.nrips = r.edx & SVM_FEAT_NRIPS;
    svm_feat.flush_by_asid = r.edx & SVM_FEAT_FLUSH_ASID;
    svm_feat.decode_assists = r.edx & SVM_FEAT_DECODE;
    npt_format.huge_1g = cpu_features.pdpe1gb;

    iopm_pa = frame_alloc_contig(3, PAGE_SIZE);
    msrpm_pa = frame_alloc_contig(2, PAGE_SIZE);
    if (!iopm_pa || !msrpm_pa)
        return false;
    memset(phys_to_virt(iopm_pa), 0xff, 3 * PAGE_SIZE);
    memset(phys_to_virt(msrpm_pa), 0xff, 2 * PAGE_SIZE);
    for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(phys_to_virt(msrpm_pa), passthrough_msrs[i]);
    pr_info("svm: revision %u, %u ASIDs, nested paging%s%s%s\n", cpuid(0x8000000a, 0).eax & 0xff,
            svm_feat.nr_asids, svm_feat.nrips ? ", NRIPS" : ", no NRIPS (lengths decoded)",
            svm_feat.flush_by_asid ? ", flush-by-ASID" : "",
            svm_feat.decode_assists ? ", decode assists" : "");
    return true;
}

static bool svm_cpu_enable(void)
{
    unsigned cpu = smp_processor_id();
    struct svm_cpu *c = &svm_cpus[cpu];

    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        pr_err("error: svm: CPU %u: SVM is disabled by the firmware (VM_CR.SVMDIS)\n", cpu);
        return false;
    }
    if (cpu == 0 && !svm_global_init()) {
        pr_err("error: svm: out of memory for the I/O and MSR permission maps\n");
        return false;
    }
    c->hsave_pa = frame_alloc_zeroed();
    c->host_vmcb_pa = frame_alloc_zeroed();
    if (!c->hsave_pa || !c->host_vmcb_pa) {
        pr_err("error: svm: CPU %u: out of memory for the host save areas\n", cpu);
        return false;
    }
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
    /* The host's FS/GS/TR/... never change after boot: save them once. */
    __asm__ volatile("vmsave" :: "a"(c->host_vmcb_pa) : "memory");
    c->asid_gen = 1;
    c->next_asid = 1;                 /* ASID 0 is the host's */
    c->flush_all = true;
    return true;
}

static int svm_vcpu_create(struct vcpu *v)
{
    struct svm_vcpu *s = kzalloc(sizeof(*s));
    if (!s)
        return -1;
    s->vmcb_pa = frame_alloc_zeroed();
    if (!s->vmcb_pa) {
        kfree(s);
        return -1;
    }
    s->vmcb = phys_to_virt(s->vmcb_pa);
    s->asid_cpu = -1;

    struct vmcb_control *c = &s->vmcb->ctl;
    c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_CPUID | INTERCEPT_RSM |
                         INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_INVLPGA | INTERCEPT_IOIO |
                         INTERCEPT_MSR | INTERCEPT_TASKSW | INTERCEPT_SHUTDOWN;
    c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
                         INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
                         INTERCEPT_ICEBP | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
                         INTERCEPT_XSETBV;
    c->iopm_base_pa = v->dom->io_bitmap ? v->dom->io_bitmap : iopm_pa;
    c->msrpm_base_pa = msrpm_pa;
    c->vintr = VINTR_MASKING;         /* host IF, not the guest's, gates host interrupts */
    c->np_enable = 1;
    s->vmcb->save.g_pat = 0x0007040600070406ull;    /* the power-on PAT */
    v->hw = s;
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *s = v->hw;
    if (!s)
        return;
    frame_free(s->vmcb_pa, 1);
    kfree(s);
    v->hw = NULL;
}

/* A domain that owns I/O BARs gets its own IOPM: a copy of the deny-all one with its
 * ports cleared (a clear bit for every byte of an access lets it through). The VMCB
 * clean bits are never used, so VMRUN reads the new base at the next entry. */
static int svm_io_allow(struct domain *d, uint16_t port, unsigned count)
{
    if (!d->io_bitmap) {
        paddr_t pa = frame_alloc_contig(3, PAGE_SIZE);
        if (!pa)
            return -1;
        memset(phys_to_virt(pa), 0xff, 3 * PAGE_SIZE);
        d->io_bitmap = pa;
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i]->hw)
                ((struct svm_vcpu *)d->vcpus[i]->hw)->vmcb->ctl.iopm_base_pa = pa;
    }
    uint8_t *pm = phys_to_virt(d->io_bitmap);
    for (unsigned p = port; p < port + count && p <= 0xffff; p++)
        pm[p / 8] &= (uint8_t)~(1u << (p % 8));
    return 0;
}

static void svm_io_release(struct domain *d)
{
    if (d->io_bitmap)
        frame_free(d->io_bitmap, 3);
    d->io_bitmap = 0;
}

static void svm_intr_window(struct vcpu *v, bool on);

/* Nothing ties a VMCB to a CPU but its ASID, which the next CPU replaces by its own. */
static void svm_vcpu_put(struct vcpu *v)
{
    ((struct svm_vcpu *)v->hw)->asid_cpu = -1;
}

static void set_seg(struct vmcb_seg *sg, uint16_t sel, uint16_t attrib, uint32_t limit)
{
    sg->selector = sel;
    sg->attrib = attrib;
    sg->limit = limit;
    sg->base = 0;
}

static void svm_vcpu_set_start(struct vcpu *v, enum start_mode mode, uint64_t entry,
                               paddr_t p2m_root)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb_save *st = &s->vmcb->save;

    if (mode == START_REAL) {
        /* After INIT-SIPI: real mode at (entry >> 4):0, 64 KiB segments. */
        set_seg(&st->cs, (uint16_t)(entry >> 4), 0x09b, 0xffff);
        st->cs.base = entry & 0xffff0ull;
        set_seg(&st->ds, 0, 0x093, 0xffff);
        st->es = st->ss = st->fs = st->gs = st->ds;
        set_seg(&st->tr, 0, 0x08b, 0xffff);
        st->cr0 = CR0_ET;
        st->rip = 0;
    } else {
        /* PVH: flat 32-bit code and data, TR a busy 32-bit TSS, paging off. */
        set_seg(&st->cs, 0x08, 0xc9b, 0xffffffff);
        set_seg(&st->ds, 0x10, 0xc93, 0xffffffff);
        st->es = st->ss = st->fs = st->gs = st->ds;
        set_seg(&st->tr, 0x18, 0x08b, 0x67);
        st->cr0 = CR0_PE | CR0_ET;
        st->rip = entry;
    }
    set_seg(&st->ldtr, 0, 0x082, 0);
    set_seg(&st->gdtr, 0, 0, 0xffff);
    set_seg(&st->idtr, 0, 0, 0xffff);
    st->cpl = 0;
    st->cr2 = 0;
    st->cr3 = 0;
    st->cr4 = 0;
    st->efer = EFER_SVME;             /* required by VMRUN; hidden from the guest */
    st->rflags = 0x2;
    st->rsp = 0;
    st->dr6 = 0xffff0ff0;
    st->dr7 = 0x400;
    s->vmcb->ctl.n_cr3 = p2m_root;
    s->vmcb->ctl.eventinj = 0;
    s->vmcb->ctl.interrupt_shadow = 0;
    svm_intr_window(v, false);
    s->state_dirty = true;
}

static void svm_assign_asid(struct svm_vcpu *s, unsigned cpu)
{
    struct svm_cpu *c = &svm_cpus[cpu];
    if (c->next_asid >= svm_feat.nr_asids) {   /* out of ASIDs: a new generation */
        c->asid_gen++;
        c->next_asid = 1;
        c->flush_all = true;
    }
    s->asid = c->next_asid++;
    s->asid_gen = c->asid_gen;
    s->asid_cpu = (int)cpu;
    s->vmcb->ctl.guest_asid = s->asid;
}

static void svm_vcpu_run(struct vcpu *v, struct vm_exit *x)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb *vmcb = s->vmcb;
    unsigned cpu = smp_processor_id();
    struct svm_cpu *c = &svm_cpus[cpu];

    if (unlikely(s->asid_cpu != (int)cpu || s->asid_gen != c->asid_gen))
        svm_assign_asid(s, cpu);
    if (unlikely(s->flush_pending)) {
        s->flush_pending = false;
        if (svm_feat.flush_by_asid)
            vmcb->ctl.tlb_control = TLB_CONTROL_FLUSH_ASID;
        else
            svm_assign_asid(s, cpu);      /* a fresh ASID has no stale translations */
    }
    if (unlikely(c->flush_all)) {
        c->flush_all = false;
        vmcb->ctl.tlb_control = TLB_CONTROL_FLUSH_ALL;
    }

    if (unlikely(s->state_dirty)) {
        s->state_dirty = false;
        if (!svm_state_ok(v)) {
            x->reason = EXIT_INVALID_STATE;
            x->hw_code = SVM_EXIT_INVALID;
            x->hw_name = "state refused by Keel's checks";
            x->rip = vmcb->save.rip;
            x->insn_len = 0;
            return;
        }
    }
    vmcb->save.rax = v->regs.rax;
    svm_vmrun(&v->regs, s->vmcb_pa, c->host_vmcb_pa);
    v->regs.rax = vmcb->save.rax;
    vmcb->ctl.tlb_control = TLB_CONTROL_NONE;

    svm_exit_translate(v, x);
}

/*
 * External interrupts go in through V_IRQ with their real vector, not EVENTINJ: the guest
 * takes it at its first instruction boundary with IF set, as the caller checked (a host
 * interrupt or NMI may come first and exit: then it is still posted at the next entry).
 * Why not EVENTINJ: QEMU's TCG (7.2 and later upstream sources) leaves an injected vector
 * as a stale pending exception after VMRUN and delivers it a second time, with IF=0, when
 * its execution loop is next asked to stop before any other exit: docs/ARCHITECTURE.md,
 * "Virtual interrupts on AMD-V". V_IRQ is an architected injection path on hardware too.
 */
static void svm_inject_event(struct vcpu *v, enum event_type type, uint8_t vector,
                             bool has_error, uint32_t error)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb_control *c = &s->vmcb->ctl;
    if (type == EVENT_EXTINT) {
        c->vintr = (c->vintr & ~VINTR_REQUEST) | VINTR_V_IRQ | VINTR_IGN_TPR |
                   ((uint64_t)(vector >> 4) << VINTR_PRIO_SHIFT) |
                   ((uint64_t)vector << VINTR_VECTOR_SHIFT);
        c->intercept_misc1 &= ~(INTERCEPT_VINTR | INTERCEPT_IRET);
        s->virq_posted = true;
        return;
    }
    uint64_t ev = vector | ((uint64_t)type << 8) | EVENT_VALID;
    if (has_error)
        ev |= EVENT_ERR_VALID | ((uint64_t)error << 32);
    if (c->eventinj & EVENT_VALID)
        pr_warn("warning: svm: d%u v%u: event %#llx replaces pending %#llx\n", v->dom->id, v->id,
                (unsigned long long)ev, (unsigned long long)c->eventinj);
    c->eventinj = ev;
}

static uint64_t svm_get_reg(struct vcpu *v, enum guest_reg r)
{
    struct vmcb_save *st = &((struct svm_vcpu *)v->hw)->vmcb->save;
    switch (r) {
    case GREG_RIP: return st->rip;
    case GREG_RSP: return st->rsp;
    case GREG_RFLAGS: return st->rflags;
    case GREG_CR0: return st->cr0;
    case GREG_CR2: return st->cr2;
    case GREG_CR3: return st->cr3;
    case GREG_CR4: return st->cr4;
    case GREG_EFER: return st->efer & ~(uint64_t)EFER_SVME;
    case GREG_PAT: return st->g_pat;
    case GREG_CS_BASE: return st->cs.base;
    case GREG_CS_ATTR:    /* generic: bit 0 = L (64-bit code), bit 1 = D (32-bit default) */
        return ((st->cs.attrib >> 9) & 1) | (((st->cs.attrib >> 10) & 1) << 1);
    case GREG_CPL: return st->cpl;
    default: return 0;
    }
}

static void svm_set_reg(struct vcpu *v, enum guest_reg r, uint64_t val)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb *vmcb = s->vmcb;
    struct vmcb_save *st = &vmcb->save;
    if (r != GREG_RIP && r != GREG_RSP)
        s->state_dirty = true;        /* checked once before the next VMRUN */
    switch (r) {
    case GREG_RIP:
        st->rip = val;
        vmcb->ctl.interrupt_shadow = 0;   /* moving past an instruction ends its shadow */
        break;
    case GREG_RSP: st->rsp = val; break;
    case GREG_RFLAGS: st->rflags = val; break;
    case GREG_CR2: st->cr2 = val; break;
    case GREG_CR0: st->cr0 = val; break;
    case GREG_CR3: st->cr3 = val; break;
    case GREG_CR4: st->cr4 = val; break;
    case GREG_EFER: st->efer = val | EFER_SVME; break;
    case GREG_PAT: st->g_pat = val; break;
    default:
        break;
    }
}

static void svm_flush_guest_tlb(struct vcpu *v)
{
    ((struct svm_vcpu *)v->hw)->flush_pending = true;
}

static bool svm_intr_ready(struct vcpu *v)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb *vm = s->vmcb;
    return (vm->save.rflags & RFLAGS_IF) && !(vm->ctl.interrupt_shadow & 1) &&
           !(vm->ctl.eventinj & EVENT_VALID) && !s->virq_posted;
}

/* The interrupt window: a V_IRQ request with no vector that the guest "takes" as soon as
 * it could take a real one; intercepting VINTR turns that moment into an exit, and Keel
 * then posts the real interrupt. While a real one is posted V_IRQ is taken, so the window
 * that matters is the one after it: its handler's IRET (intercepted, an exit before the
 * IRET runs; then the usual window). A handler that re-enables interrupts with STI and
 * never exits delays the next interrupt until its IRET or any other exit. */
static void svm_intr_window(struct vcpu *v, bool on)
{
    struct svm_vcpu *s = v->hw;
    struct vmcb_control *c = &s->vmcb->ctl;
    if (on && s->virq_posted) {
        c->intercept_misc1 |= INTERCEPT_IRET;
    } else if (on) {
        c->vintr = (c->vintr & ~VINTR_REQUEST) | VINTR_V_IRQ | VINTR_IGN_TPR |
                   (0xfull << VINTR_PRIO_SHIFT);
        c->intercept_misc1 = (c->intercept_misc1 & ~INTERCEPT_IRET) | INTERCEPT_VINTR;
    } else {                                  /* a fresh start: nothing pending at all */
        c->vintr &= ~VINTR_REQUEST;
        c->intercept_misc1 &= ~(INTERCEPT_VINTR | INTERCEPT_IRET);
        s->virq_posted = false;
    }
}

static void svm_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
    ((struct svm_vcpu *)v->hw)->vmcb->ctl.tsc_offset = offset;
}


const struct hvm_ops svm_ops = {
    .name = "svm",
    .p2m = &npt_format,
    .cpu_enable = svm_cpu_enable,
    .vcpu_create = svm_vcpu_create,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_set_start = svm_vcpu_set_start,
    .vcpu_put = svm_vcpu_put,
    .vcpu_run = svm_vcpu_run,
    .inject_event = svm_inject_event,
    .get_reg = svm_get_reg,
    .set_reg = svm_set_reg,
    .flush_guest_tlb = svm_flush_guest_tlb,
    .intr_ready = svm_intr_ready,
    .intr_window = svm_intr_window,
    .set_tsc_offset = svm_set_tsc_offset,
    .dump = svm_dump,
    .io_allow = svm_io_allow,
    .io_release = svm_io_release,
};
