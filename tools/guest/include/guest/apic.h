/*
 * External interrupts and the local APIC, x2APIC mode (the only mode Keel's virtual APIC
 * offers: IA32_APIC_BASE already has EN and EXTD set at entry). tools/guest/irq.c, irq.S.
 *
 * Interrupts: irq_register(vector, fn) installs a C handler for a vector 32-255. The IDT
 * starts with vectors 0-31 only (limit 511: guest-exceptions relies on INT 0x40 raising
 * #GP); irq_init() — called by irq_register and smp_start_aps — fills in 32-255 and raises
 * the limit to 4095. A handler runs on the interrupted stack with interrupts off (interrupt
 * gates) and must acknowledge the interrupt itself with lapic_eoi() (or not, on purpose).
 * An interrupt on a vector with no handler is a test failure ("irq-unexpected"), EOI'd.
 *
 * Registers are named by their x2APIC MSR offset: MSR = 0x800 + reg (= xAPIC MMIO
 * offset >> 4). The timer counts at the guest's TSC rate divided by the divide
 * configuration: count x divisor = TSC ticks.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>
#include <guest/x86.h>

/* ---- registers (x2APIC MSR 0x800 + reg) */
#define APIC_ID          0x02
#define APIC_VERSION     0x03
#define APIC_TPR         0x08
#define APIC_PPR         0x0a
#define APIC_EOI         0x0b
#define APIC_LDR         0x0d
#define APIC_SVR         0x0f
#define APIC_ISR         0x10      /* 0x10-0x17: 8 x 32 bits */
#define APIC_TMR         0x18
#define APIC_IRR         0x20
#define APIC_ESR         0x28
#define APIC_ICR         0x30      /* 64 bits: destination x2APIC id in 63:32 */
#define APIC_LVT_TIMER   0x32
#define APIC_TIMER_INIT  0x38
#define APIC_TIMER_CUR   0x39
#define APIC_TIMER_DIV   0x3e
#define APIC_SELF_IPI    0x3f

#define MSR_X2APIC_BASE    0x800u
#define MSR_IA32_TSC_DEADLINE 0x6e0u

#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_EXTD   (1ull << 10)
#define APIC_BASE_EN     (1ull << 11)

#define APIC_SVR_ENABLE  (1u << 8)
#define APIC_SPURIOUS_VECTOR 0xff

/* ICR */
#define ICR_FIXED        (0u << 8)
#define ICR_INIT         (5u << 8)
#define ICR_STARTUP      (6u << 8)
#define ICR_LOGICAL      (1u << 11)
#define ICR_ASSERT       (1u << 14)
#define ICR_LEVEL        (1u << 15)
#define ICR_SELF         (1u << 18)
#define ICR_ALL          (2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)

/* LVT */
#define LVT_MASKED       (1u << 16)
#define LVT_ONESHOT      (0u << 17)
#define LVT_PERIODIC     (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

/* Divide configuration values */
#define APIC_DIV_1       0xb
#define APIC_DIV_2       0x0
#define APIC_DIV_4       0x1
#define APIC_DIV_8       0x2
#define APIC_DIV_16      0x3
#define APIC_DIV_32      0x8
#define APIC_DIV_64      0x9
#define APIC_DIV_128     0xa

static inline uint64_t lapic_read(unsigned reg)
{
    return rdmsr(MSR_X2APIC_BASE + reg);
}

static inline void lapic_write(unsigned reg, uint64_t val)
{
    wrmsr(MSR_X2APIC_BASE + reg, val);
}

static inline void lapic_eoi(void)
{
    lapic_write(APIC_EOI, 0);
}

static inline uint32_t lapic_id(void)
{
    return (uint32_t)lapic_read(APIC_ID);
}

/* Is vector set in the 256-bit register set starting at reg (APIC_ISR, APIC_TMR, APIC_IRR)? */
static inline int lapic_vector_bit(unsigned reg, uint8_t vector)
{
    return (int)((lapic_read(reg + vector / 32) >> (vector % 32)) & 1);
}

static inline void lapic_self_ipi(uint8_t vector)
{
    lapic_write(APIC_SELF_IPI, vector);
}

/* Raw ICR write (destination in bits 63:32). */
static inline void lapic_send_icr(uint64_t icr)
{
    lapic_write(APIC_ICR, icr);
}

/* A fixed, physical-destination IPI to x2APIC id dest. */
static inline void lapic_send_ipi(uint32_t dest, uint8_t vector)
{
    lapic_send_icr(((uint64_t)dest << 32) | ICR_FIXED | vector);
}

/* Software-enables the local APIC (SVR bit 8, spurious vector 0xff). Each CPU, once. */
void lapic_enable(void);

/* Timer. Writing the initial count starts the one-shot and periodic modes; the divisor
 * is one of APIC_DIV_*. A count of 0 stops the timer. */
void lapic_timer_oneshot(uint8_t vector, uint32_t count, unsigned div);
void lapic_timer_periodic(uint8_t vector, uint32_t count, unsigned div);
/* TSC-deadline mode: selects the mode (disarmed); then lapic_timer_deadline(tsc) arms,
 * 0 disarms. */
void lapic_timer_deadline_mode(uint8_t vector);
static inline void lapic_timer_deadline(uint64_t tsc)
{
    wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}
void lapic_timer_stop(void);                 /* initial count 0, LVT masked */
int lapic_has_tsc_deadline(void);            /* CPUID.1:ECX[24] */
int lapic_has_x2apic(void);                  /* CPUID.1:ECX[21] */
uint64_t lapic_divisor(unsigned div);        /* APIC_DIV_* -> 1..128 */

/* ---- interrupt handlers */
typedef void (*irq_handler_t)(unsigned vector);

void irq_init(void);                                  /* vectors 32-255 in the IDT */
void irq_register(unsigned vector, irq_handler_t fn); /* NULL: none */
/* For code that must run first in a handler (benchmarks): the IDT gate of vector points at
 * stub, an assembly routine ending in IRETQ. irq_register undoes it. */
void irq_set_raw_gate(unsigned vector, void (*stub)(void));
/* Inside a handler: the RIP the interrupt arrived at; and whether that is the HLT of an
 * `sti; hlt` pair (bytes fb f4), i.e. inside STI's interrupt shadow where no interrupt may
 * be taken: the handler would return into HLT and the wake-up would be lost. */
uint64_t irq_interrupted_rip(void);
int irq_interrupted_sti_hlt(void);
/* Interrupts taken per vector (all CPUs), handled or not. */
extern volatile uint32_t irq_count[256];
extern volatile uint32_t irq_unexpected;

#endif
