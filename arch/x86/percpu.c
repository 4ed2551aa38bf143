/*
 * Per-CPU descriptor tables: each CPU has its own GDT (for its own TSS descriptor) and TSS
 * with IST stacks, so that NMI, #DF and #MC always run on a known-good stack even when the
 * interrupted stack is what broke.
 */
#include <arch/percpu.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <keel/string.h>

struct percpu percpu_area[MAX_CPUS];
unsigned int nr_cpus = 1;

void percpu_cpu_init(struct percpu *p)
{
    struct gdt_table *g = &p->gdt;
    uint64_t tss = (uint64_t)&p->tss;

    p->self = p;
    memset(&p->tss, 0, sizeof(p->tss));
    for (int i = 1; i <= IST_COUNT; i++)
        p->tss.ist[i - 1] = p->ist_top[i];
    p->tss.rsp[0] = p->stack_top;
    p->tss.iomap_base = sizeof(struct tss);    /* no I/O bitmap */

    g->null = 0;
    g->code64 = 0x00af9b000000ffffull;         /* L=1, P, DPL0, execute/read */
    g->data = 0x00cf93000000ffffull;
    uint64_t limit = sizeof(struct tss) - 1;
    g->tss_lo = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
                (((limit >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56);
    g->tss_hi = tss >> 32;

    struct { uint16_t limit; uint64_t base; } __packed gdtr = { sizeof(*g) - 1, (uint64_t)g };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ds\n\t"
        "movw %w2, %%es\n\t"
        "movw %w2, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movw %%ax, %%fs\n\t"
        "movw %%ax, %%gs\n\t"
        :: "m"(gdtr), "i"((uint64_t)SEL_CODE64), "r"((uint32_t)SEL_DATA) : "rax", "memory");
    __asm__ volatile("ltr %w0" :: "r"((uint16_t)SEL_TSS));
    /* %gs was just reloaded, which cleared GS base: set it now. */
    wrmsr(MSR_GS_BASE, (uint64_t)p);
    idt_load();
    /* FXSAVE/FXRSTOR must cover the SSE registers: guests' state is switched with them. */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}
