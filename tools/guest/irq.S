/*
 * Entry stubs for vectors 32-255 (external interrupts, IPIs, the APIC timer). Each stub
 * pushes a zero error code and its vector, like the exception stubs in exc.S, so the frame
 * has the same layout; irq_common saves the general registers and calls
 * guest_irq(frame) (irq.c), which runs the registered handler. Handlers run with
 * interrupts off (interrupt gates) on the interrupted stack.
 */
    .text
    .balign 16
    .globl guest_irq_stubs
guest_irq_stubs:                     /* 224 stubs, 16 bytes apart: vector 32 + i at +16 i */
    .set vec, 32
    .rept 224
    .balign 16
    pushq $0
    pushq $vec
    jmp irq_common
    .set vec, vec + 1
    .endr

irq_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi                   /* 16-byte aligned here (see exc.S) */
    call guest_irq
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                    /* vector, error code */
    iretq

    .section .note.GNU-stack, "", @progbits
