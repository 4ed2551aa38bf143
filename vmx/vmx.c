/*
 * Intel VT-x backend: VMX operation enabled per CPU, one VMCS per vCPU, EPT for guest
 * memory, a VPID per vCPU, an MSR bitmap that intercepts everything except the MSRs whose
 * guest values the hardware (or vmx_msr.c) keeps apart. Policy — what an exit means for
 * the guest — is kernel/'s; this file only knows VMX.
 *
 * A VMCS is used through VMREAD/VMWRITE on the CPU where it is "current": a vCPU's VMCS
 * is VMPTRLDed on the CPU it runs on, and must be VMCLEARed there before it may become
 * current on another CPU (vmx_vmcs_load does both).
 */
#include "vmx.h"
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/time.h>
#include <arch/percpu.h>
#include <arch/smp.h>

struct vmx_cpu vmx_cpus[MAX_CPUS];

/* The entry code reaches the guest's registers by these offsets (vmx_entry.S). */
BUILD_BUG_ON(offsetof(struct guest_gprs, rax) != 0);
BUILD_BUG_ON(offsetof(struct guest_gprs, rdi) != 40);
BUILD_BUG_ON(offsetof(struct guest_gprs, r15) != 112);
BUILD_BUG_ON(offsetof(struct vcpu, regs) != 0);

/* A VMREAD or VMWRITE that fails names a field this CPU lacks or a VMCS that is not
 * current: a bug in vmx/, not something a guest can cause. */
static __noreturn void vmcs_access_failed(const char *insn, enum vmcs_field f)
{
    uint64_t err;
    if (vmx_vmread(VMCS_INSN_ERROR, &err))
        panic("vmx: %s of VMCS field %#x failed: VM-instruction error %llu (%s)", insn,
              (unsigned)f, (unsigned long long)err, vmx_insn_error_name((uint32_t)err));
    panic("vmx: %s of VMCS field %#x failed: no current VMCS (VMfailInvalid)", insn,
          (unsigned)f);
}

uint64_t vmcs_read(enum vmcs_field f)
{
    uint64_t v;
    if (unlikely(!vmx_vmread(f, &v)))
        vmcs_access_failed("VMREAD", f);
    return v;
}

void vmcs_write(enum vmcs_field f, uint64_t val)
{
    if (unlikely(!vmx_vmwrite(f, val)))
        vmcs_access_failed("VMWRITE", f);
}

static bool vmx_global_init(void)
{
    const struct vmx_caps *c = &vmx_caps;
    ept_format.huge_1g = c->ept_vpid & EPT_CAP_1G;
    if (!vmx_msr_bitmap_init())
        return false;
    pr_info("vmx: VMCS revision %#x, EPT%s, unrestricted guest, %s%s, INVEPT %s\n",
            c->revision, ept_format.huge_1g ? " with 1 GiB pages" : "",
            c->vpid ? "VPID" : "no VPID (TLB flushed on every entry and exit)",
            (c->proc2 & PROC2_RDTSCP) ? ", RDTSCP" : "",
            c->invept_single ? "single-context" : "global only");
    return true;
}

static bool vmx_cpu_enable(void)
{
    unsigned cpu = smp_processor_id();
    struct vmx_cpu *vc = &vmx_cpus[cpu];
    const struct vmx_caps *c = &vmx_caps;

    if (!vmx_caps_read())
        return false;
    /* The firmware may lock IA32_FEATURE_CONTROL; once locked, VMXON outside SMX works
     * only if it enabled it. Unlocked, we enable and lock it ourselves. */
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & FEATURE_CONTROL_LOCK)) {
        wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    } else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
        pr_err("error: vmx: CPU %u: VT-x is disabled by the firmware (IA32_FEATURE_CONTROL "
               "%#llx is locked without VMX outside SMX)\n", cpu, (unsigned long long)fc);
        return false;
    }
    if (cpu == 0 && !vmx_global_init()) {
        pr_err("error: vmx: out of memory for the MSR bitmap\n");
        return false;
    }
    vc->vmxon_pa = frame_alloc_zeroed();
    if (!vc->vmxon_pa) {
        pr_err("error: vmx: CPU %u: out of memory for the VMXON region\n", cpu);
        return false;
    }
    *(uint32_t *)phys_to_virt(vc->vmxon_pa) = c->revision;

    /* VMX operation pins some CR0/CR4 bits (CR0.NE, CR4.VMXE on every CPU so far). */
    write_cr0((read_cr0() | c->cr0_fixed0) & c->cr0_fixed1);
    write_cr4((read_cr4() | c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1);
    if (!vmx_vmxon(vc->vmxon_pa)) {
        pr_err("error: vmx: CPU %u: VMXON failed (CR0 %#llx, CR4 %#llx)\n", cpu,
               (unsigned long long)read_cr0(), (unsigned long long)read_cr4());
        frame_free(vc->vmxon_pa, 1);
        vc->vmxon_pa = 0;
        return false;
    }
    vc->current_vmcs = 0;
    vmx_msr_save_host(cpu);
    return true;
}

/* Runs on the CPU where the VMCS is active: writes it back to memory and makes it
 * inactive and clear (the next entry must be VMLAUNCH). */
static void vmclear_here(void *arg)
{
    struct vmx_vcpu *s = arg;
    struct vmx_cpu *vc = &vmx_cpus[smp_processor_id()];
    if (!vmx_vmclear(s->vmcs_pa))
        panic("vmx: VMCLEAR of %#llx failed", (unsigned long long)s->vmcs_pa);
    if (vc->current_vmcs == s->vmcs_pa)
        vc->current_vmcs = 0;
    s->cpu = -1;
    s->launched = false;
}

static void vmcs_release(struct vmx_vcpu *s)
{
    if (s->cpu < 0)
        return;
    if (s->cpu == (int)smp_processor_id())
        vmclear_here(s);
    else if (!smp_call_on((unsigned)s->cpu, vmclear_here, s))
        panic("vmx: CPU %d did not answer the VMCLEAR request", s->cpu);
}

void vmx_vmcs_load(struct vcpu *v)
{
    struct vmx_vcpu *s = v->hw;
    unsigned cpu = smp_processor_id();
    struct vmx_cpu *vc = &vmx_cpus[cpu];

    if (likely(s->cpu == (int)cpu)) {
        if (unlikely(vc->current_vmcs != s->vmcs_pa)) {
            if (!vmx_vmptrld(s->vmcs_pa))
                panic("vmx: VMPTRLD of %#llx failed", (unsigned long long)s->vmcs_pa);
            vc->current_vmcs = s->vmcs_pa;
        }
        return;
    }
    vmcs_release(s);                      /* active elsewhere: VMCLEAR it there first */
    if (!vmx_vmptrld(s->vmcs_pa))
        panic("vmx: VMPTRLD of %#llx failed", (unsigned long long)s->vmcs_pa);
    vc->current_vmcs = s->vmcs_pa;
    s->cpu = (int)cpu;
    vmx_vmcs_host_state(cpu);
    /* This CPU's TLB may hold translations tagged with this VPID or EPTP from an earlier
     * owner (VPIDs and p2m root frames are reused) or from this vCPU's last visit. */
    s->flush_pending = true;
    s->vpid_flush = true;
}

void vmx_set_entry_ctls(struct vmx_vcpu *s, uint32_t ctls)
{
    s->entry_ctls = ctls;
    vmcs_write(VMCS_ENTRY_CONTROLS, ctls);
}

static int vmx_vcpu_create(struct vcpu *v)
{
    struct vmx_vcpu *s = kzalloc(sizeof(*s));
    if (!s)
        return -1;
    s->cpu = -1;
    s->vmcs_pa = frame_alloc_zeroed();
    if (!s->vmcs_pa)
        goto fail;
    s->vmcs = phys_to_virt(s->vmcs_pa);
    *(uint32_t *)s->vmcs = vmx_caps.revision;
    if (vmx_caps.vpid && !(s->vpid = vpid_alloc())) {
        pr_err("error: vmx: out of VPIDs\n");
        goto fail;
    }
    v->hw = s;

    unsigned long f = irq_save();
    /* VMCLEAR initializes a new VMCS region (launch state "clear"). */
    if (!vmx_vmclear(s->vmcs_pa))
        panic("vmx: VMCLEAR of a new VMCS at %#llx failed", (unsigned long long)s->vmcs_pa);
    vmx_vmcs_load(v);
    vmx_vmcs_init(s);
    irq_restore(f);
    return 0;
fail:
    if (s->vmcs_pa)
        frame_free(s->vmcs_pa, 1);
    kfree(s);
    return -1;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
    struct vmx_vcpu *s = v->hw;
    if (!s)
        return;
    vmcs_release(s);
    vpid_free(s->vpid);
    frame_free(s->vmcs_pa, 1);
    kfree(s);
    v->hw = NULL;
}

static void vmx_vcpu_set_start(struct vcpu *v, enum start_mode mode, uint64_t entry,
                               paddr_t p2m_root)
{
    struct vmx_vcpu *s = v->hw;

    vmx_vmcs_load(v);
    s->eptp = p2m_root | EPTP_MT_WB | EPTP_WALK4 |
              ((vmx_caps.ept_vpid & EPT_CAP_AD) ? EPTP_AD : 0);
    vmcs_write(VMCS_EPT_POINTER, s->eptp);
    s->flush_pending = true;          /* a reused root frame may have stale translations */
    if (mode == START_REAL)
        vmx_vmcs_start_real(s, entry);
    else
        vmx_vmcs_start_pvh32(s, entry);
    vmx_intr_window_set(false);
}

/* Drops this CPU's cached translations of the guest: guest-physical ones (INVEPT) when
 * the p2m changed, linear ones (INVVPID) when the VPID is new here or the guest's paging
 * mode changed behind the CPU's back (emulated CR0/CR4 writes). */
static void flush_tlbs(struct vmx_vcpu *s)
{
    const struct vmx_caps *c = &vmx_caps;
    if (s->flush_pending) {
        s->flush_pending = false;
        bool ok = c->invept_single ? vmx_invept(INVEPT_SINGLE, s->eptp)
                                   : vmx_invept(INVEPT_ALL, 0);
        if (!ok)
            panic("vmx: INVEPT failed (EPTP %#llx)", (unsigned long long)s->eptp);
    }
    if (s->vpid_flush) {
        s->vpid_flush = false;
        if (s->vpid) {
            bool ok = c->invvpid_single ? vmx_invvpid(INVVPID_SINGLE, s->vpid, 0)
                                        : vmx_invvpid(INVVPID_ALL, 0, 0);
            if (!ok)
                panic("vmx: INVVPID failed (VPID %u)", s->vpid);
        }
    }
}

/* The guest did not run: the kernel stops it (the reason was reported already). */
static void entry_failed(struct vm_exit *x, uint64_t code, const char *name)
{
    x->reason = EXIT_INVALID_STATE;
    x->hw_code = code;
    x->hw_name = name;
    x->rip = vmcs_read(VMCS_GUEST_RIP);
    x->insn_len = 0;
    x->cpl = (uint8_t)AR_DPL(vmcs_read(VMCS_GUEST_SS_AR));
    x->code64 = false;
}

/* The longest a guest runs before the VMX-preemption timer forces an exit, should the
 * host timer's interrupt exit not come (see the comment in vmx_vcpu_run). */
#define PREEMPT_BACKSTOP_US 10000

static void vmx_vcpu_run(struct vcpu *v, struct vm_exit *x)
{
    struct vmx_vcpu *s = v->hw;

    for (;;) {
        /* Let host interrupts that are already pending in, before the VMCS is touched:
         * an interrupt pending at VM entry should cause an exit at once, but Bochs does
         * not take it while the guest has IF clear. Interrupts then stay off to the exit
         * handling in kernel/ (VM exit clears IF anyway). */
        __asm__ volatile("sti; nop; cli" ::: "memory");
        unsigned cpu = smp_processor_id();
        vmx_vmcs_load(v);
        v->last_cpu = (int)cpu;
        if (unlikely(s->flush_pending || s->vpid_flush))
            flush_tlbs(s);
        if (unlikely(s->io_bitmap != v->dom->io_bitmap))
            vmx_io_bitmap_apply(v);
        if (read_cr2() != s->cr2)             /* CR2 is not in the VMCS */
            write_cr2(s->cr2);
        vmx_msr_load_guest(s, cpu);
        if (vmx_caps.pin & PIN_PREEMPT_TIMER)     /* a backstop on the run's length */
            vmcs_write(VMCS_PREEMPT_TIMER, (uint32_t)((PREEMPT_BACKSTOP_US * tsc_khz / 1000) >>
                                                      vmx_caps.preempt_shift));

        int st = vmx_enter(&v->regs, s->launched, &s->host_rsp);

        s->cr2 = read_cr2();
        vmx_msr_save_guest(s, cpu);
        if (unlikely(st)) {
            vmx_report_vmfail(v, st, !s->launched);
            entry_failed(x, st == 2 ? vmcs_read(VMCS_INSN_ERROR) : 0, "VMfail");
            return;
        }
        uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
        if (unlikely(reason & EXIT_REASON_ENTRY_FAILED)) {
            /* The guest never ran; the launch state did not change. */
            vmx_report_entry_failure(v, reason);
            entry_failed(x, reason, vmx_exit_name(EXIT_REASON_BASIC(reason)));
            return;
        }
        s->launched = true;
        if (vmx_exit_translate(v, reason, x))
            return;
        /* Handled inside vmx/ (register virtualization, #DB reflection): go back in. */
    }
}

void vmx_inject_event(struct vcpu *v, enum event_type type, uint8_t vector, bool has_error,
                      uint32_t error)
{
    static const uint8_t vmx_type[] = {
        [EVENT_EXTINT] = INTR_TYPE_EXTINT, [EVENT_NMI] = INTR_TYPE_NMI,
        [EVENT_EXCEPTION] = INTR_TYPE_HW_EXCEPTION, [EVENT_SOFTINT] = INTR_TYPE_SOFTINT,
    };
    vmx_vmcs_load(v);
    uint32_t info = vector | ((uint32_t)vmx_type[type] << 8) | INTR_INFO_VALID;
    /* In real mode (unrestricted guest with CR0.PE = 0) exceptions push no error code,
     * and VM entry refuses one. */
    if (has_error && (vmcs_read(VMCS_GUEST_CR0) & CR0_PE)) {
        info |= INTR_INFO_ERROR_VALID;
        vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error);
    }
    /* A software interrupt is injected on behalf of the instruction that exited; VM entry
     * needs its length to push the right return address. */
    if (type == EVENT_SOFTINT)
        vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
    uint64_t old = vmcs_read(VMCS_ENTRY_INTR_INFO);
    if (old & INTR_INFO_VALID)
        pr_warn("warning: vmx: d%u v%u: event %#x replaces pending %#llx\n", v->dom->id, v->id,
                info, (unsigned long long)old);
    vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

void vmx_intr_window_set(bool on)
{
    uint64_t p = vmcs_read(VMCS_PROC_CONTROLS);
    uint64_t n = on ? p | PROC_INTR_WINDOW : p & ~(uint64_t)PROC_INTR_WINDOW;
    if (n != p)
        vmcs_write(VMCS_PROC_CONTROLS, n);
}

static void vmx_intr_window(struct vcpu *v, bool on)
{
    vmx_vmcs_load(v);
    vmx_intr_window_set(on);
}

static bool vmx_intr_ready(struct vcpu *v)
{
    vmx_vmcs_load(v);
    return (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
           !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
             (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)) &&
           !(vmcs_read(VMCS_ENTRY_INTR_INFO) & (1u << 31));
}

static void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
    vmx_vmcs_load(v);
    vmcs_write(VMCS_TSC_OFFSET, offset);
}

/* Called by the CPU the vCPU is leaving: VMCLEAR here, so that the next CPU never has to
 * ask for it remotely (two CPUs asking each other with interrupts off would deadlock). */
static void vmx_vcpu_put(struct vcpu *v)
{
    struct vmx_vcpu *s = v->hw;
    if (s->cpu == (int)smp_processor_id())
        vmclear_here(s);
}

static void vmx_flush_guest_tlb(struct vcpu *v)
{
    /* Done before the next entry, on the CPU the vCPU then runs on (vmx_vcpu_run); a CPU
     * it ran on before is flushed when the vCPU comes back there (vmx_vmcs_load). */
    ((struct vmx_vcpu *)v->hw)->flush_pending = true;
}

const struct hvm_ops vmx_ops = {
    .name = "vmx",
    .p2m = &ept_format,
    .cpu_enable = vmx_cpu_enable,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_set_start = vmx_vcpu_set_start,
    .vcpu_put = vmx_vcpu_put,
    .vcpu_run = vmx_vcpu_run,
    .inject_event = vmx_inject_event,
    .get_reg = vmx_get_reg,
    .set_reg = vmx_set_reg,
    .flush_guest_tlb = vmx_flush_guest_tlb,
    .intr_ready = vmx_intr_ready,
    .intr_window = vmx_intr_window,
    .set_tsc_offset = vmx_set_tsc_offset,
    .dump = vmx_dump,
    .io_allow = vmx_io_allow,
    .io_release = vmx_io_release,
};
