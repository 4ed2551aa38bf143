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
#include <keel/guest_gprs_asm.h>

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
    mov G_RAX(%rdi), %rax         /* the VMCS has no RAX */
    GUEST_GPRS_LOAD_BUT_RAX
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
    GUEST_GPRS_STORE_BUT_RAX_RDI
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
