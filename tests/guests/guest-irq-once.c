/*
 * guest-irq-once: every interrupt is delivered exactly once, and never while IF=0.
 *
 * ROUNDS self IPIs, one at a time; the handler spins WINDOW iterations with interrupts
 * off (interrupt gate) before its EOI, so each delivery is followed by a long stretch of
 * guest code with no exit. An emulator that can deliver an injected event a second time
 * somewhere after VM entry shows it here: the handler is entered again while it is
 * already running (nested with IF=0, which no maskable interrupt may do), and the
 * interrupted RIP says where. (QEMU 7.2 TCG did exactly that with an interrupt injected
 * through the VMCB's EVENTINJ: docs/ARCHITECTURE.md, "Virtual interrupts on AMD-V".)
 * Checks: taken == sent, no nested entry, IRR/ISR clear at the end.
 */
#include <guest/guest.h>
#include <guest/apic.h>

#define VEC 0x41

static volatile uint64_t taken, nested, depth;
static volatile uint64_t nested_rip;
static volatile unsigned window = 20000;

static void on_irq(unsigned vector)
{
    (void)vector;
    if (depth++ && !nested++)
        nested_rip = irq_interrupted_rip();
    taken++;
    for (volatile unsigned i = 0; i < window; i++)
        ;
    depth--;
    lapic_eoi();
}

static unsigned parse_uint(const char *s)
{
    unsigned v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned)(*s - '0');
    return v;
}

void guest_main(void)
{
    char buf[16];
    unsigned rounds = 2000;

    if (guest_cmdline_get("rounds", buf, sizeof(buf)))
        rounds = parse_uint(buf);
    if (guest_cmdline_get("window", buf, sizeof(buf)))
        window = parse_uint(buf);
    lapic_enable();
    irq_register(VEC, on_irq);

    uint64_t sent = 0, t0 = rdtsc();
    sti();
    for (unsigned r = 0; r < rounds; r++) {
        lapic_self_ipi(VEC);
        sent++;
    }
    cli();
    gprintf("irq-once: %lu sent, %lu taken, %lu nested, %lu ticks\n", sent, taken, nested,
            rdtsc() - t0);
    test_check(taken == sent, "irq-once-count", "%lu sent, %lu taken", sent, taken);
    test_check(!nested, "irq-once-never-nested",
               "%lu deliveries while the handler ran with IF=0 (first at RIP 0x%lx)", nested,
               nested_rip);
    test_check(!lapic_vector_bit(APIC_IRR, VEC) && !lapic_vector_bit(APIC_ISR, VEC),
               "irq-once-apic-idle", "IRR %d ISR %d", lapic_vector_bit(APIC_IRR, VEC),
               lapic_vector_bit(APIC_ISR, VEC));
    guest_done();
}
