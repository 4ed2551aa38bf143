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
        return;
    case EXIT_NMI:
    case EXIT_NONE:
        return;
    case EXIT_HYPERCALL:
        if (!vcpu_skip_insn(v, x))
            return;
        v->regs.rax = (uint64_t)hypercall_dispatch(v, x);
        return;
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
        if (ifl && vlapic_has_deliverable(v))
            __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
        if (!ifl && !vlapic_may_wake(v))
            pr_info("domain %u (%s): vCPU %u halted with interrupts off\n", v->dom->id,
                    v->dom->name, v->id);
        return;
    }
    case EXIT_INTR_WINDOW:
        return;                  /* the pending interrupt goes in before the next entry */
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

/* INIT from another vCPU: this one stops and waits for a start-up IPI. Acted on by the
 * vCPU's own CPU (vcpu_run), which owns its hardware state. */
void vcpu_init_signal(struct vcpu *v)
{
    v->init_pending = true;
    sched_kick_vcpu(v);
}

void vcpu_sipi(struct vcpu *v, uint8_t vector)
{
    if (!v->wait_sipi || v->start_pending)
        return;                  /* a second SIPI, or no INIT before: ignored, like hardware */
    v->sipi_vector = vector;
    v->start_pending = true;
    v->wait_sipi = false;
    sched_wake(v);
}

/* Applies INIT and start-up requests; false if the vCPU must not run now. */
static bool apply_signals(struct vcpu *v)
{
    if (v->init_pending) {
        v->init_pending = false;
        v->start_pending = false;
        v->wait_sipi = true;
        __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
        return false;
    }
    if (v->start_pending) {
        v->start_pending = false;
        memset(&v->regs, 0, sizeof(v->regs));
        hvm->vcpu_set_start(v, START_REAL, (uint64_t)v->sipi_vector << 12, v->dom->p2m.root);
    }
    return !v->wait_sipi;
}

void vcpu_run(struct vcpu *v)
{
    struct domain *d = v->dom;
    struct vm_exit x;

    if (d->state == DOM_CREATED)
        d->state = DOM_RUNNING;
    fpu_load(v);
    while (v->state == VCPU_RUNNABLE && d->state == DOM_RUNNING && !sched_need_resched()) {
        if (unlikely(v->init_pending || v->start_pending) && !apply_signals(v))
            break;
        if (v->vlapic.pending)
            vlapic_deliver(v);
        hvm->vcpu_run(v, &x);
        v->nr_exits++;
        handle_exit(v, &x);
    }
    fpu_save(v);
}
