/*
 * void svm_vmrun(struct guest_gprs *regs, paddr_t vmcb_pa, paddr_t host_vmcb_pa)
 *
 * One trip into the guest and back. VMRUN saves and restores only RAX, RSP and RIP of the
 * host, and loads/stores only the guest's RAX, RSP, RIP (in the VMCB): every other general
 * register is swapped here. VMLOAD/VMSAVE move the state VMRUN leaves alone (FS/GS/TR/LDTR
 * with their hidden parts, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*); the host's
 * copy of that state was VMSAVEd into host_vmcb_pa once when SVM was enabled on this CPU.
 *
 * The GIF dance: CLGI, then STI, so that physical interrupts are held (not taken) until
 * after the exit; with the INTR intercept they end the guest's run, and once STGI sets GIF
 * again with IF clear they wait in the LAPIC until the host enables interrupts.
 */
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

    .text
    .globl svm_vmrun
    .type svm_vmrun, @function
svm_vmrun:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                     /* regs */
    push %rdx                     /* host VMCB */

    mov %rsi, %rax                /* VMLOAD/VMRUN/VMSAVE take the VMCB address in RAX */
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

    clgi
    sti
    vmload
    vmrun
    vmsave

    push %rdi                     /* the guest's RDI, while we find regs again */
    mov 16(%rsp), %rdi
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
    popq G_RDI(%rdi)

    pop %rax                      /* host VMCB: the host's FS/GS/TR... back */
    vmload
    cli
    stgi
    add $8, %rsp                  /* regs */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size svm_vmrun, . - svm_vmrun
