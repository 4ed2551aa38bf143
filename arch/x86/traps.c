/*
 * Exceptions and interrupts taken by the hypervisor itself. An exception in hypervisor
 * code is a hypervisor bug: report it with everything that helps (panic_trap), stop.
 * (Guest exceptions never arrive here: they are VM exits.)
 */
#include <arch/trap.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <keel/panic.h>
#include <keel/printk.h>

extern irq_handler_t irq_handlers[256];

static const char *const names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)",
    "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
    "page fault (#PF)", "reserved 15", "x87 error (#MF)", "alignment check (#AC)",
    "machine check (#MC)", "SIMD error (#XM)", "virtualization (#VE)",
    "control protection (#CP)", "reserved 22", "reserved 23", "reserved 24", "reserved 25",
    "reserved 26", "reserved 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
    "security (#SX)", "reserved 31",
};

const char *exception_name(unsigned int vector)
{
    return vector < 32 ? names[vector] : "interrupt";
}

void trap_dispatch(struct trap_frame *tf);

void trap_dispatch(struct trap_frame *tf)
{
    unsigned v = (unsigned)tf->vector;

    if (v == VEC_NMI) {
        /* Another CPU panicked and asks everyone to stop. */
        if (panic_in_progress)
            cpu_stop();
        panic_trap(tf, "unexpected NMI");
    }
    if (v < VEC_FIRST_IRQ)
        panic_trap(tf, exception_name(v));

    if (v == VEC_SPURIOUS)
        return;                      /* no EOI for spurious interrupts */
    irq_handler_t h = irq_handlers[v];
    if (h)
        h(tf);
    else
        pr_warn("warning: CPU %u: interrupt on vector %#x with no handler\n",
                smp_processor_id(), v);
    lapic_eoi();
}
