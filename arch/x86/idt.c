/* The IDT (shared by every CPU) and the table of interrupt handlers. */
#include <arch/trap.h>
#include <arch/percpu.h>
#include <keel/panic.h>

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __packed;

extern char trap_stubs[];
static struct idt_gate idt[256] __aligned(16);
irq_handler_t irq_handlers[256];

static void set_gate(unsigned v, unsigned ist)
{
    uint64_t off = (uint64_t)trap_stubs + 16 * v;
    idt[v].off_lo = off & 0xffff;
    idt[v].sel = SEL_CODE64;
    idt[v].ist = ist;
    idt[v].type = 0x8e;             /* present, DPL 0, 64-bit interrupt gate */
    idt[v].off_mid = (off >> 16) & 0xffff;
    idt[v].off_hi = off >> 32;
    idt[v].zero = 0;
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(VEC_NMI, IST_NMI);
    set_gate(VEC_DF, IST_DF);
    set_gate(VEC_MC, IST_MC);
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __packed idtr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" :: "m"(idtr));
}

void irq_register(uint8_t vector, irq_handler_t fn)
{
    BUG_ON(vector < VEC_FIRST_IRQ);
    irq_handlers[vector] = fn;
}
