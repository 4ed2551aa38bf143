/*
 * struct guest_gprs (include/keel/domain.h) for the backends' entry code: the field
 * offsets (checked against the C struct in kernel/domain.c) and macros that move the
 * general registers between the struct and the CPU. Only for assembly files.
 */
#ifndef KEEL_GUEST_GPRS_ASM_H
#define KEEL_GUEST_GPRS_ASM_H

#define G_RAX 0
#define G_RBX 8
#define G_RCX 16
#define G_RDX 24
#define G_RSI 32
#define G_RDI 40
#define G_RBP 48
#define G_R8  56
#define G_R9  64
#define G_R10 72
#define G_R11 80
#define G_R12 88
#define G_R13 96
#define G_R14 104
#define G_R15 112

#ifdef __ASSEMBLER__
/* Loads every general register but RAX (the caller decides: SVM's VMRUN takes RAX from
 * the VMCB) and RSP from the struct at %rdi; RDI itself is loaded last. */
.macro GUEST_GPRS_LOAD_BUT_RAX
    mov G_RBX(%rdi), %rbx
    mov G_RCX(%rdi), %rcx
    mov G_RDX(%rdi), %rdx
    mov G_RSI(%rdi), %rsi
    mov G_RBP(%rdi), %rbp
    mov G_R8(%rdi), %r8
    mov G_R9(%rdi), %r9
    mov G_R10(%rdi), %r10
    mov G_R11(%rdi), %r11
    mov G_R12(%rdi), %r12
    mov G_R13(%rdi), %r13
    mov G_R14(%rdi), %r14
    mov G_R15(%rdi), %r15
    mov G_RDI(%rdi), %rdi
.endm

/* Stores every general register but RAX, RDI and RSP into the struct at %rdi (the guest's
 * RDI must have been saved by the caller, which needs RDI for the pointer). */
.macro GUEST_GPRS_STORE_BUT_RAX_RDI
    mov %rbx, G_RBX(%rdi)
    mov %rcx, G_RCX(%rdi)
    mov %rdx, G_RDX(%rdi)
    mov %rsi, G_RSI(%rdi)
    mov %rbp, G_RBP(%rdi)
    mov %r8, G_R8(%rdi)
    mov %r9, G_R9(%rdi)
    mov %r10, G_R10(%rdi)
    mov %r11, G_R11(%rdi)
    mov %r12, G_R12(%rdi)
    mov %r13, G_R13(%rdi)
    mov %r14, G_R14(%rdi)
    mov %r15, G_R15(%rdi)
.endm
#endif

#endif
