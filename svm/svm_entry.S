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
#include <keel/guest_gprs_asm.h>

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
    GUEST_GPRS_LOAD_BUT_RAX

    clgi
    sti
    vmload
    vmrun
    vmsave

    push %rdi                     /* the guest's RDI, while we find regs again */
    mov 16(%rsp), %rdi
    GUEST_GPRS_STORE_BUT_RAX_RDI
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
