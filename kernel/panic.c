/*
 * panic(): the hypervisor found a bug in itself. Print everything that helps find it —
 * which CPU, the message, the registers and faulting address if an exception caused it,
 * a symbolized stack trace — then stop every CPU (NMI to the others).
 */
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/ksyms.h>
#include <keel/cmdline.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <arch/apic.h>
#include <keel/test_exit.h>

volatile int panic_in_progress;

static void print_addr(const char *prefix, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        pr_err("%s%016llx <%s+%#llx>\n", prefix, (unsigned long long)addr, name,
               (unsigned long long)off);
    else
        pr_err("%s%016llx\n", prefix, (unsigned long long)addr);
}

/* Walks the frame-pointer chain, staying inside this CPU's known stack. */
static void stack_trace(uint64_t rip, uint64_t rbp)
{
    struct percpu *p = this_cpu();
    uint64_t lo = p->stack_bottom, hi = p->stack_top;

    pr_err("Call trace:\n");
    if (rip)
        print_addr("  ", rip);
    for (int depth = 0; depth < 32 && rbp; depth++) {
        bool on_stack = rbp >= lo && rbp + 16 <= hi;
        bool on_ist = false;
        for (int i = 1; i <= IST_COUNT; i++)
            if (rbp < p->ist_top[i] && rbp + 16 <= p->ist_top[i] && rbp >= p->ist_top[i] - IST_STACK_SIZE)
                on_ist = true;
        if ((!on_stack && !on_ist) || (rbp & 7)) {
            pr_err("  (frame pointer %#llx leaves the stack; trace ends)\n", (unsigned long long)rbp);
            break;
        }
        uint64_t *frame = (uint64_t *)rbp;
        print_addr("  ", frame[1]);
        if (frame[0] <= rbp && frame[0] != 0) {
            pr_err("  (frame pointer goes backwards; trace ends)\n");
            break;
        }
        rbp = frame[0];
    }
}

/* Only the first CPU to panic reports; any other stops quietly. */
static void panic_enter(void)
{
    irq_disable();
    if (__atomic_exchange_n(&panic_in_progress, 1, __ATOMIC_SEQ_CST))
        cpu_stop();
    console_force_unlock();
}

static __noreturn void panic_finish(void)
{
    apic_send_nmi_all_but_self();
    pr_err("Keel stopped.\n");
    test_exit(1);
    cpu_stop();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    uint64_t rbp;

    panic_enter();
    pr_err("PANIC on CPU %u: ", smp_processor_id());
    va_start(ap, fmt);
    vprintk(LOG_ERR, fmt, ap);
    va_end(ap);
    pr_err("\n");
    __asm__ volatile("movq %%rbp, %0" : "=r"(rbp));
    stack_trace(0, rbp);
    panic_finish();
}

void panic_trap(const struct trap_frame *tf, const char *what)
{
    panic_enter();
    pr_err("PANIC on CPU %u: %s in the hypervisor, error code %#llx\n",
           smp_processor_id(), what, (unsigned long long)tf->error_code);
    print_addr("RIP: ", tf->rip);
    if (tf->vector == VEC_PF) {
        uint64_t e = tf->error_code;
        pr_err("CR2=%016llx: %s of a %s page, %s mode%s\n", (unsigned long long)read_cr2(),
               e & 16 ? "instruction fetch" : e & 2 ? "write" : "read",
               e & 1 ? "present (protection)" : "not-present", e & 4 ? "user" : "supervisor",
               e & 8 ? ", reserved bit set" : "");
    } else {
        pr_err("CR2=%016llx\n", (unsigned long long)read_cr2());
    }
    pr_err("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", (unsigned long long)tf->rax,
           (unsigned long long)tf->rbx, (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
    pr_err("RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n", (unsigned long long)tf->rsi,
           (unsigned long long)tf->rdi, (unsigned long long)tf->rbp, (unsigned long long)tf->rsp);
    pr_err("R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n", (unsigned long long)tf->r8,
           (unsigned long long)tf->r9, (unsigned long long)tf->r10, (unsigned long long)tf->r11);
    pr_err("R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n", (unsigned long long)tf->r12,
           (unsigned long long)tf->r13, (unsigned long long)tf->r14, (unsigned long long)tf->r15);
    pr_err("RFLAGS=%016llx CS=%04llx SS=%04llx CR0=%016llx CR3=%016llx CR4=%016llx\n",
           (unsigned long long)tf->rflags, (unsigned long long)tf->cs, (unsigned long long)tf->ss,
           (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
           (unsigned long long)read_cr4());
    stack_trace(tf->rip, tf->rbp);
    panic_finish();
}
