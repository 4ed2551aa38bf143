/* Per-CPU data, reached through GS base (one struct percpu per CPU). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <keel/types.h>
#include <arch/desc.h>

#define MAX_CPUS 64

#define STACK_SIZE      (16 * 1024)
#define IST_STACK_SIZE  (8 * 1024)
enum { IST_NMI = 1, IST_DF = 2, IST_MC = 3, IST_COUNT = 3 };

struct percpu {
    struct percpu *self;          /* first field: %gs:0 gives the pointer */
    unsigned int cpu;             /* Keel's index, 0 = boot CPU */
    uint32_t apic_id;
    bool online;
    uint64_t stack_bottom, stack_top;
    uint64_t ist_top[IST_COUNT + 1];
    struct gdt_table gdt __aligned(16);
    struct tss tss __aligned(16);
    /* IPI call: a function a remote CPU asks this one to run. */
    void (*volatile call_fn)(void *arg);
    void *volatile call_arg;
    volatile uint64_t call_done;
    volatile uint64_t ipi_count;
};

extern struct percpu percpu_area[MAX_CPUS];
extern unsigned int nr_cpus;         /* CPUs Keel runs on (after smp=) */

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int smp_processor_id(void) { return this_cpu()->cpu; }

/* Sets up GDT, TSS (with IST stacks), IDT and GS base for the calling CPU. */
void percpu_cpu_init(struct percpu *p);

#endif
