/*
 * Atomics, spinlocks, interrupt-flag helpers and multiprocessor bring-up for Keel's test
 * guests (tools/guest/smp.c, smp.S).
 *
 * A domain with vcpus=N starts with vCPU 0 (the BSP) at the PVH entry; the others wait
 * for INIT + start-up IPIs exactly like a PC's APs. smp_start_aps(n) copies a real-mode
 * trampoline to GPA 0x8000 (SIPI vector 0x08), sends INIT + SIPI to x2APIC ids 1..n-1
 * one at a time (a second SIPI if the AP has not checked in after SMP_SIPI_RETRY_TICKS),
 * and each AP goes real mode -> 32-bit protected mode -> long mode with the BSP's GDT,
 * page tables (CR3) and IDT, on a 16 KiB stack of its own, and calls ap_main(cpu).
 * When ap_main returns the AP marks itself done and halts for good (cli; hlt).
 *
 * CPU numbers are x2APIC ids (= vCPU index). smp_cpu_id() derives the number from the
 * stack pointer (each AP runs on its own stack in one array), so it costs no exit and
 * does not depend on GS (guest-msr plays with GS_BASE).
 *
 * What is per CPU in the runtime: the console line buffer (gprintf), the stack. What is
 * NOT: guest_try (BSP only; an exception on an AP is reported and crashes the domain),
 * guest_done (BSP only).
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>

#define GUEST_MAX_CPUS        8             /* Keel's MAX_VCPUS_PER_DOMAIN */
#define SMP_TRAMPOLINE_PA     0x8000u       /* below 1 MiB, page aligned: SIPI vector 0x08 */
#define SMP_AP_STACK_SIZE     0x4000u
#define SMP_SIPI_RETRY_TICKS  10000000ull   /* TSC ticks before the second SIPI */
#define SMP_CHECKIN_TICKS     2000000000ull /* TSC ticks before giving up on an AP */

/* ---- interrupt flag */
static inline void sti(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline uint64_t irq_save(void)       /* returns RFLAGS, then cli */
{
    uint64_t f;
    __asm__ volatile("pushfq; pop %0; cli" : "=r"(f) : : "memory");
    return f;
}

static inline void irq_restore(uint64_t flags)
{
    if (flags & (1u << 9))
        __asm__ volatile("sti" : : : "memory");
}

static inline int irqs_enabled(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; pop %0" : "=r"(f));
    return (f >> 9) & 1;
}

/* Enables interrupts and halts until one has been handled, then disables them again.
 * STI's one-instruction shadow covers HLT, so an interrupt that is already pending, or
 * arrives between a check done with interrupts off and this call, still wakes the HLT:
 *     cli(); while (!cond) sti_hlt();       never sleeps through the wake-up. */
static inline void sti_hlt(void)
{
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

#define wait_until(cond)                \
    do {                                \
        while (!(cond))                 \
            sti_hlt();                  \
    } while (0)

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

/* ---- atomics (sequentially consistent unless named otherwise) */
#define atomic_load(p)           __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_store(p, v)       __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_load_acquire(p)   __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_add(p, v)         __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)   /* new value */
#define atomic_inc(p)            atomic_add((p), 1)
#define atomic_xchg(p, v)        __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* true if *p was *expected and is now v; else *expected gets the current value */
#define atomic_cmpxchg(p, expected, v) \
    __atomic_compare_exchange_n((p), (expected), (v), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

/* ---- spinlocks (test-and-test-and-set) */
typedef struct {
    volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* For locks also taken by interrupt handlers: interrupts off while held. */
static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
    uint64_t f = irq_save();
    spin_lock(l);
    return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

/* ---- TSC waits (busy, interrupts left as they are) */
static inline void tsc_wait_until(uint64_t deadline)
{
    uint32_t lo, hi;
    for (;;) {
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        if ((((uint64_t)hi << 32) | lo) >= deadline)
            return;
        cpu_relax();
    }
}

/* ---- processors */
/* Brings up APs 1..n-1 (n <= GUEST_MAX_CPUS), one at a time. Returns the number of CPUs
 * online afterwards, BSP included (n if all came up). Sets up the interrupt IDT first
 * (irq_init) so APs share it. BSP only, once. */
unsigned smp_start_aps(unsigned n);
/* The Xen way instead of INIT-SIPI: smp_ap_prepare(cpu) readies the AP's stack and page
 * tables and returns the 32-bit entry (flat protected mode, paging off: the PVH start
 * state) to give VCPUOP_initialise; after VCPUOP_up, smp_ap_wait(cpu) waits for its
 * check-in (1: online). */
uint32_t smp_ap_prepare(unsigned cpu);
int smp_ap_wait(unsigned cpu);
/* While waiting for an AP's check-in the BSP has interrupts on (1, the default: handlers
 * must be registered for whatever may arrive), as an OS would; 0 waits with them off. */
extern int smp_wait_irqs_on;
unsigned smp_cpu_id(void);                   /* 0 = BSP; an AP's x2APIC id */
unsigned smp_cpus_online(void);
/* Per AP: how many SIPIs it needed (0 = never checked in), TSC at check-in. */
unsigned smp_sipis_sent(unsigned cpu);
/* True once ap_main(cpu) has returned. */
int smp_ap_done(unsigned cpu);
/* The guest's AP entry; the runtime's weak default just returns (the AP then halts). */
void ap_main(unsigned cpu);

#endif
