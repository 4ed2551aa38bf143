/*
 * Interrupt handlers for vectors 32-255 and the x2APIC helpers (include/guest/apic.h).
 */
#include <guest/guest.h>

void guest_idt_set_gate(unsigned v, uint64_t addr);      /* runtime.c */
void guest_idt_load(unsigned nr_vectors);
void guest_irq(const uint64_t *frame);

extern char guest_irq_stubs[];

static irq_handler_t handlers[256];
static const uint64_t *volatile cur_frame[GUEST_MAX_CPUS];
volatile uint32_t irq_count[256];
volatile uint32_t irq_unexpected;
static int irq_ready;

void irq_init(void)
{
    if (irq_ready)
        return;
    for (unsigned v = 32; v < 256; v++)
        guest_idt_set_gate(v, (uint64_t)(uintptr_t)guest_irq_stubs + 16 * (v - 32));
    guest_idt_load(256);
    irq_ready = 1;
}

void irq_register(unsigned vector, irq_handler_t fn)
{
    if (vector < 32 || vector > 255)
        return;
    irq_init();
    handlers[vector] = fn;
    guest_idt_set_gate(vector, (uint64_t)(uintptr_t)guest_irq_stubs + 16 * (vector - 32));
}

void irq_set_raw_gate(unsigned vector, void (*stub)(void))
{
    if (vector < 32 || vector > 255)
        return;
    irq_init();
    guest_idt_set_gate(vector, (uint64_t)(uintptr_t)stub);
}

/* frame: r15 ... rax (15 registers), then the vector (see irq.S / exc.S). */
void guest_irq(const uint64_t *frame)
{
    unsigned v = (unsigned)frame[15] & 0xff;
    irq_handler_t fn = handlers[v];

    unsigned cpu = smp_cpu_id();
    const uint64_t *outer = cur_frame[cpu];

    atomic_inc(&irq_count[v]);
    if (fn) {
        cur_frame[cpu] = frame;
        fn(v);
        cur_frame[cpu] = outer;
        return;
    }
    atomic_inc(&irq_unexpected);
    if (v != APIC_SPURIOUS_VECTOR)        /* spurious interrupts are not acknowledged */
        lapic_eoi();
    test_fail("irq-unexpected", "interrupt on vector 0x%x (no handler) on CPU %u", v,
              smp_cpu_id());
}

uint64_t irq_interrupted_rip(void)
{
    const uint64_t *f = cur_frame[smp_cpu_id()];
    return f ? f[17] : 0;                    /* after r15..rax, vector, error code */
}

int irq_interrupted_sti_hlt(void)
{
    const uint8_t *rip = (const uint8_t *)(uintptr_t)irq_interrupted_rip();
    return rip && rip[0] == 0xf4 && rip[-1] == 0xfb;    /* hlt, right after sti */
}

/* ---- local APIC */

void lapic_enable(void)
{
    lapic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

uint64_t lapic_divisor(unsigned div)
{
    unsigned d = ((div & 8) >> 1) | (div & 3);
    return d == 7 ? 1 : 2ull << d;
}

static void timer_start(uint32_t lvt, uint32_t count, unsigned div)
{
    lapic_write(APIC_TIMER_DIV, div);
    lapic_write(APIC_LVT_TIMER, lvt);
    lapic_write(APIC_TIMER_INIT, count);     /* counting starts here */
}

void lapic_timer_oneshot(uint8_t vector, uint32_t count, unsigned div)
{
    timer_start(LVT_ONESHOT | vector, count, div);
}

void lapic_timer_periodic(uint8_t vector, uint32_t count, unsigned div)
{
    timer_start(LVT_PERIODIC | vector, count, div);
}

void lapic_timer_deadline_mode(uint8_t vector)
{
    lapic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | vector);
}

void lapic_timer_stop(void)
{
    lapic_write(APIC_TIMER_INIT, 0);
    lapic_write(APIC_LVT_TIMER, LVT_MASKED);
}

int lapic_has_tsc_deadline(void)
{
    return (cpuid(1, 0).ecx >> 24) & 1;
}

int lapic_has_x2apic(void)
{
    return (cpuid(1, 0).ecx >> 21) & 1;
}
