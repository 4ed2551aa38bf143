/*
 * int vmx_enter(struct guest_gprs *regs, bool launched, uint64_t *host_rsp)
 *
 * One trip into the guest and back, on the VMCS current on this CPU. VM entry loads the
 * guest's RSP, RIP, RFLAGS and control/segment state from the VMCS, and VM exit loads the
 * host's from it (RSP = HOST_RSP, RIP = vmx_exit_entry). Every general register other
 * than RSP — RAX included: unlike SVM's VMCB, the VMCS has no RAX — is swapped here.
 *
 * Returns 0 after a VM exit (the exit reason is in the VMCS), 1 if VMLAUNCH/VMRESUME
 * failed with VMfailInvalid (CF: no valid current VMCS), 2 with VMfailValid (ZF: the
 * VM-instruction error field says why). When the instruction fails, it falls through with
 * the host's RSP unchanged, so the same epilogue serves both ways out.
 *
 * Interrupts: the caller has them off. External interrupts and NMIs that arrive while the
 * guest runs cause exits (pin-based controls), and VM exit clears RFLAGS.IF: the kernel
 * takes the interrupt afterwards with sti.
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

#define VMCS_HOST_RSP 0x6c14

    .text
    .globl vmx_enter
    .type vmx_enter, @function
vmx_enter:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                     /* regs: found again at (%rsp) after the exit */

    /* HOST_RSP is where the exit lands: this very stack depth. It only changes when the
     * caller's stack does, so the VMWRITE is skipped when the VMCS already has it. */
    cmp %rsp, (%rdx)
    je 1f
    mov %rsp, (%rdx)
    mov $VMCS_HOST_RSP, %eax
    vmwrite %rsp, %rax
1:
    test %sil, %sil               /* ZF = not launched yet; the MOVs below keep flags */
    mov G_RAX(%rdi), %rax
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
    jnz 2f
    vmlaunch
    jmp 3f
2:  vmresume
3:  /* Still here: the entry failed before loading any guest state. */
    mov $1, %eax                  /* MOV keeps the flags VMLAUNCH/VMRESUME set */
    jc 4f
    mov $2, %eax
    jz 4f
    mov $3, %eax                  /* cannot happen: neither flag */
4:  add $8, %rsp                  /* regs */
    jmp .Lout
    .size vmx_enter, . - vmx_enter

/* HOST_RIP: the CPU comes here after every VM exit, RSP = HOST_RSP (regs on top), all
 * general registers still the guest's, RFLAGS = 2 (interrupts off). */
    .globl vmx_exit_entry
    .type vmx_exit_entry, @function
vmx_exit_entry:
    push %rdi                     /* the guest's RDI, while we find regs again */
    mov 8(%rsp), %rdi
    mov %rax, G_RAX(%rdi)
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
    add $8, %rsp                  /* regs */
    xor %eax, %eax
.Lout:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size vmx_exit_entry, . - vmx_exit_entry
