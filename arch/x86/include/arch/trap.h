/* The register frame that arch/x86/entry.S builds for every interrupt and exception. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <keel/types.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_NMI            2
#define VEC_DF             8
#define VEC_PF             14
#define VEC_MC             18
#define VEC_FIRST_IRQ      32
#define VEC_IPI_CALL       0xf0   /* run a function on another CPU */
#define VEC_RESCHED        0xf1   /* look at the run queue again */
#define VEC_KICK           0xf2   /* leave the guest, look at the vCPU again */
#define VEC_LAPIC_TIMER    0xf8
#define VEC_SPURIOUS       0xff

typedef void (*irq_handler_t)(struct trap_frame *tf);
void irq_register(uint8_t vector, irq_handler_t fn);

const char *exception_name(unsigned int vector);
void idt_init(void);          /* once, on the BSP */
void idt_load(void);          /* every CPU */

#endif
