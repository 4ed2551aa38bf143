/*
 * Exception entry for vectors 0-31, and guest_try(): a setjmp/longjmp-style way for a
 * test to provoke an exception and get control back.
 *
 * Every stub pushes an error code (0 if the CPU pushed none) and the vector, then
 * exc_common saves the general registers and calls guest_exception(struct guest_frame *)
 * (runtime.c). If that returns, the registers are restored and IRETQ resumes.
 */
#define HAS_EC(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || \
                   (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .text
    .balign 16
    .globl guest_exc_stubs
guest_exc_stubs:                     /* 32 stubs, 16 bytes apart */
    .set vec, 0
    .rept 32
    .balign 16
    .if !HAS_EC(vec)
    pushq $0
    .endif
    pushq $vec
    jmp exc_common
    .set vec, vec + 1
    .endr

exc_common:
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
    mov %rsp, %rdi                   /* struct guest_frame *: 16-byte aligned here */
    call guest_exception
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

/*
 * int guest_try(void (*fn)(void *), void *arg, struct guest_exc *out)
 *
 * A try context lives on this frame: [rsp+0] = out, [rsp+8] = the enclosing context.
 * guest_try_ctx points at it while fn runs; its address is also the RSP to come back to.
 */
    .globl guest_try
guest_try:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    sub $24, %rsp                    /* 16 bytes of context, RSP 16-byte aligned for the call */
    mov %rdx, 0(%rsp)
    mov guest_try_ctx(%rip), %rax
    mov %rax, 8(%rsp)
    mov %rsp, guest_try_ctx(%rip)
    mov %rdi, %rax
    mov %rsi, %rdi
    call *%rax
    mov $-1, %eax
.Ltry_return:
    mov 8(%rsp), %rcx
    mov %rcx, guest_try_ctx(%rip)    /* pop this context */
    add $24, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/*
 * void guest_try_resume(void *ctx, int vector): from the exception handler, abandon the
 * exception frame and everything fn had on the stack, and return vector from guest_try.
 */
    .globl guest_try_resume
guest_try_resume:
    mov %rdi, %rsp
    mov %esi, %eax
    jmp .Ltry_return

    .data
    .balign 8
    .globl guest_try_ctx
guest_try_ctx:
    .quad 0

    .section .note.GNU-stack, "", @progbits
