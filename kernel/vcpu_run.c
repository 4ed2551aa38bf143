/*
 * The generic exit handler: one flat switch over struct vm_exit, the same for VT-x and
 * AMD-V. Anything a guest does wrong costs the guest (an injected fault, or its domain
 * stopped with a diagnostic); the hypervisor goes on.
 */
#include <keel/vcpu.h>
#include <keel/insn.h>
#include <keel/sched.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <arch/cpu.h>
#include <public/xen.h>

#define VEC_UD 6
#define VEC_GP 13

static enum insn_kind kind_of(const struct vm_exit *x)
{
    switch (x->reason) {
    case EXIT_CPUID: return INSN_CPUID;
    case EXIT_HLT: return INSN_HLT;
    case EXIT_MSR_READ: return INSN_RDMSR;
    case EXIT_MSR_WRITE: return INSN_WRMSR;
    default: return INSN_HYPERCALL;
    }
}

static void stop(struct vcpu *v, const char *fmt, uint64_t a, uint64_t b)
{
    char why[160];
    snprintf(why, sizeof(why), fmt, (unsigned long long)a, (unsigned long long)b);
    domain_shutdown(v->dom, SHUTDOWN_crash, why);
}

bool vcpu_skip_insn(struct vcpu *v, const struct vm_exit *x)
{
    uint32_t len = x->insn_len;
    if (!len) {
        uint8_t buf[15];
        uint64_t at = hvm->get_reg(v, GREG_CS_BASE) + x->rip;
        bool c64 = x->code64;
        /* Usually the whole instruction is on RIP's page: fetch up to the page end first,
         * and cross into the next page only if that was not enough. */
        size_t n = MIN(sizeof(buf), PAGE_SIZE - (at & (PAGE_SIZE - 1)));
        int l = copy_from_guest(v, buf, at, n) ? -1 : insn_length(buf, n, c64, kind_of(x));
        if (l < 0 && n < sizeof(buf) && !copy_from_guest(v, buf, at, sizeof(buf)))
            l = insn_length(buf, sizeof(buf), c64, kind_of(x));
        if (l < 0) {
            stop(v, "cannot decode the instruction at RIP %#llx that caused exit %#llx",
                 x->rip, x->hw_code);
            return false;
        }
        len = (uint32_t)l;
    }
    hvm->set_reg(v, GREG_RIP, x->rip + len);
    return true;
}

static void inject_gp(struct vcpu *v)
{
    hvm->inject_event(v, EVENT_EXCEPTION, VEC_GP, true, 0);
}

static void handle_exit(struct vcpu *v, const struct vm_exit *x)
{
    struct cpuid_regs r;
    uint64_t val;

    switch (x->reason) {
    case EXIT_INTR:
        /* The interrupt waits in the LAPIC: open the window and let the host take it. */
        __asm__ volatile("sti; nop; cli" ::: "memory");
        v->after_window = true;  /* QEMU also exits between `sti` and `hlt`: see below */
        return;
    case EXIT_NMI:
    case EXIT_NONE:
        return;
    case EXIT_HYPERCALL: {
        if (!vcpu_skip_insn(v, x))
            return;
        long r = hypercall_dispatch(v, x);
        if (r == HYPERCALL_RETRY)
            hvm->set_reg(v, GREG_RIP, x->rip);     /* run the hypercall again later */
        else
            v->regs.rax = (uint64_t)r;
        return;
    }
    case EXIT_CPUID:
        guest_cpuid(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx, &r);
        if (!vcpu_skip_insn(v, x))
            return;
        v->regs.rax = r.eax;
        v->regs.rbx = r.ebx;
        v->regs.rcx = r.ecx;
        v->regs.rdx = r.edx;
        return;
    case EXIT_HLT: {
        if (!vcpu_skip_insn(v, x))
            return;
        bool ifl = hvm->get_reg(v, GREG_RFLAGS) & RFLAGS_IF;
        /* Block first, then look: an interrupt raised in between finds the vCPU blocked
         * and wakes it (sched_wake), or we see it here. */
        __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
        v->halted = true;
        if (ifl && (vlapic_has_deliverable(v) || xen_upcall_wanted(v)))
            __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
        if (!ifl)
            xen_vcpu_down(v);
        return;
    }
    case EXIT_INTR_WINDOW:
        v->after_window = true;  /* the pending interrupt goes in before the next entry */
        return;
    case EXIT_IO:
        if (guest_io(v, x) == IO_DONE)
            hvm->set_reg(v, GREG_RIP, x->rip + x->insn_len);
        return;
    case EXIT_MSR_READ:
        if (!guest_msr_read(v, x->msr.index, &val)) {
            pr_debug("domain %u: RDMSR %#x refused (#GP)\n", v->dom->id, x->msr.index);
            inject_gp(v);
            return;
        }
        if (!vcpu_skip_insn(v, x))
            return;
        v->regs.rax = (uint32_t)val;
        v->regs.rdx = val >> 32;
        return;
    case EXIT_MSR_WRITE:
        if (!guest_msr_write(v, x->msr.index, x->msr.value)) {
            pr_debug("domain %u: WRMSR %#x <- %#llx refused (#GP)\n", v->dom->id, x->msr.index,
                     (unsigned long long)x->msr.value);
            inject_gp(v);
            return;
        }
        vcpu_skip_insn(v, x);
        return;
    case EXIT_NPF: {
        char why[160];
        snprintf(why, sizeof(why), "nested page fault: %s of GPA %#llx (%s) at RIP %#llx",
                 x->npf.exec ? "execution" : x->npf.write ? "write" : "read",
                 (unsigned long long)x->npf.gpa,
                 x->npf.present ? "not permitted" : "not mapped", (unsigned long long)x->rip);
        domain_shutdown(v->dom, SHUTDOWN_crash, why);
        return;
    }
    case EXIT_TRIPLE_FAULT:
        stop(v, "triple fault at RIP %#llx", x->rip, 0);
        return;
    case EXIT_INVALID_STATE:
        stop(v, "the CPU refused its state at RIP %#llx (exit %#llx)", x->rip, x->hw_code);
        return;
    case EXIT_VIRT_INSN:
        /* Keel offers no nested virtualization: the CPU's own answer is #UD. */
        hvm->inject_event(v, EVENT_EXCEPTION, VEC_UD, false, 0);
        return;
    case EXIT_UNHANDLED:
    default: {
        char why[160];
        snprintf(why, sizeof(why), "unhandled exit %s (%s code %#llx) on vCPU %u at RIP %#llx",
                 x->hw_name ? x->hw_name : "?", hvm->name, (unsigned long long)x->hw_code,
                 v->id, (unsigned long long)x->rip);
        hvm->dump(v);
        domain_shutdown(v->dom, SHUTDOWN_crash, why);
        return;
    }
    }
}

/* Guest FPU/SSE state: Keel itself never touches it (no SSE in the hypervisor), so it
 * only has to be switched when another vCPU runs on this CPU. */
static void fpu_load(struct vcpu *v) { __asm__ volatile("fxrstor64 %0" :: "m"(v->fpu)); }
static void fpu_save(struct vcpu *v) { __asm__ volatile("fxsave64 %0" : "=m"(v->fpu)); }

/* An interrupt about to be injected at a HLT: complete the HLT first, as if the interrupt
 * had woken the vCPU from it. Both orders are possible on real hardware, but only this one
 * is right after `sti; hlt` when the interrupt shadow was lost: QEMU 7.2 drops it across
 * VMRUN (and takes interrupt exits between the two), opening the interrupt window right at
 * the HLT, and a handler returning to the HLT would sleep through its own wake-up. Checked
 * only after an interrupt-window or host-interrupt exit, where that can happen. */
void vcpu_complete_hlt(struct vcpu *v)
{
    uint8_t b;
    uint64_t rip = hvm->get_reg(v, GREG_RIP);
    if (!copy_from_guest(v, &b, hvm->get_reg(v, GREG_CS_BASE) + rip, 1) && b == 0xf4)
        hvm->set_reg(v, GREG_RIP, rip + 1);
}

/* INIT and start-up IPIs from other vCPUs. The sender only records them (under the
 * vCPU's signal lock); the vCPU's own CPU, which owns its hardware state, acts on them in
 * apply_signals. INIT puts the vCPU in wait-for-SIPI at once, so that the SIPI that
 * follows is never mistaken for one that came without an INIT, and a SIPI cancels the
 * INIT it answers, so that a late-applied INIT cannot undo the start. */
void vcpu_init_signal(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&v->sig_lock);
    v->wait_sipi = true;
    v->xen.down = false;                 /* waiting for SIPI counts as down by itself */
    v->start_pending = false;
    v->initialised = false;              /* reset: VCPUOP_up needs a new context */
    v->init_pending = true;              /* stop it if it is running */
    spin_unlock_irqrestore(&v->sig_lock, f);
    sched_kick_vcpu(v);
}

void vcpu_sipi(struct vcpu *v, uint8_t vector)
{
    unsigned long f = spin_lock_irqsave(&v->sig_lock);
    if (!v->wait_sipi) {                 /* already starting, or no INIT: ignored, as on a PC */
        spin_unlock_irqrestore(&v->sig_lock, f);
        return;
    }
    v->sipi_vector = vector;
    v->start_pending = true;
    v->wait_sipi = false;
    v->init_pending = false;
    spin_unlock_irqrestore(&v->sig_lock, f);
    sched_wake(v);
}

/* Applies INIT and start-up requests; false if the vCPU must not run now. */
static bool apply_signals(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&v->sig_lock);
    bool start = v->start_pending, wait = v->wait_sipi, from_ctx = v->start_from_ctx;
    uint8_t vector = v->sipi_vector;
    v->init_pending = false;
    v->start_pending = false;
    v->start_from_ctx = false;
    if (wait && !start)
        __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
    if (start)
        v->initialised = true;
    spin_unlock_irqrestore(&v->sig_lock, f);
    if (start) {
        memset(&v->regs, 0, sizeof(v->regs));
        if (from_ctx)
            vcpu_start_from_ctx(v);        /* VCPUOP_initialise + up */
        else
            hvm->vcpu_set_start(v, START_REAL, (uint64_t)vector << 12, v->dom->p2m.root);
        return true;
    }
    return !wait;
}

void vcpu_run(struct vcpu *v)
{
    struct domain *d = v->dom;
    struct vm_exit x;

    /* Another vCPU is changing the domain's p2m (kernel/domain_pause.c): not now. */
    if (!xen_vcpu_enter(v)) {
        xen_vcpu_leave(v);
        return;
    }
    if (d->state == DOM_CREATED)
        d->state = DOM_RUNNING;
    fpu_load(v);
    xen_vcpu_sched_in(v);
    while (v->state == VCPU_RUNNABLE && d->state == DOM_RUNNING && !sched_need_resched() &&
           !READ_ONCE(d->xen.pause_req)) {
        if (unlikely(v->init_pending || v->start_pending) && !apply_signals(v))
            break;
        /* Event upcalls first, as on Xen; an APIC interrupt then waits for a window. */
        if (xen_upcall_wanted(v))
            xen_upcall_inject(v);
        if (v->vlapic.pending)
            vlapic_deliver(v);
        hvm->vcpu_run(v, &x);
        v->nr_exits++;
        handle_exit(v, &x);
    }
    xen_vcpu_sched_out(v);
    fpu_save(v);
    xen_vcpu_leave(v);
}
