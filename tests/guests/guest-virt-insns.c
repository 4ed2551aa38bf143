/*
 * guest-virt-insns: a guest is offered no virtualization (CPUID has neither SVM nor VMX),
 * so every SVM and VMX instruction must raise #UD in the guest.
 *
 * This matters most on AMD-V: the guest really runs with EFER.SVME = 1 (VMRUN requires
 * it), so an SVM instruction that the hypervisor forgets to intercept executes for
 * real — VMLOAD/VMSAVE on a host-physical address, CLGI/STGI on the host's global
 * interrupt flag. Under VT-x every VMX instruction exits; the hypervisor must inject
 * #UD. Operands point at a zeroed page of the guest's own, so that a missing intercept
 * is seen as "no exception" rather than as damage elsewhere.
 */
#include <guest/guest.h>

static uint8_t page[4096] __attribute__((aligned(4096)));

#define STUB(name, body) \
    "    .globl " name "\n" name ":\n" body "\n    ret\n"

__asm__("    .text\n"
        /* SVM (rdi = page) */
        STUB("i_vmrun",   "    mov %rdi, %rax\n    vmrun")
        STUB("i_vmload",  "    mov %rdi, %rax\n    vmload")
        STUB("i_vmsave",  "    mov %rdi, %rax\n    vmsave")
        STUB("i_clgi",    "    clgi")
        STUB("i_stgi",    "    stgi")
        STUB("i_invlpga", "    mov %rdi, %rax\n    xor %ecx, %ecx\n    invlpga %rax, %ecx")
        STUB("i_skinit",  "    mov %rdi, %rax\n    skinit %eax")
        /* VMX (rdi = page) */
        STUB("i_vmxon",   "    vmxon (%rdi)")
        STUB("i_vmclear", "    vmclear (%rdi)")
        STUB("i_vmptrld", "    vmptrld (%rdi)")
        STUB("i_vmptrst", "    vmptrst (%rdi)")
        STUB("i_vmread",  "    xor %eax, %eax\n    vmread %rax, %rcx")
        STUB("i_vmwrite", "    xor %eax, %eax\n    xor %ecx, %ecx\n    vmwrite %rax, %rcx")
        STUB("i_vmlaunch", "    vmlaunch")
        STUB("i_vmresume", "    vmresume")
        STUB("i_vmxoff",  "    vmxoff")
        STUB("i_invept",  "    mov $1, %eax\n    invept (%rdi), %rax")
        STUB("i_invvpid", "    mov $1, %eax\n    invvpid (%rdi), %rax")
        STUB("i_vmfunc",  "    xor %eax, %eax\n    vmfunc"));

/* Not tested here: setting CR4.VMXE (bit 13, reserved without VMX). QEMU 7.2 TCG answers a
 * reserved CR4 bit with an SVM exit of code -1 (SVM_EXIT_ERR) instead of #GP, even
 * outside a guest (it then loops), so the result would say more about QEMU than Keel. */

void i_vmrun(void *), i_vmload(void *), i_vmsave(void *), i_clgi(void *), i_stgi(void *);
void i_invlpga(void *), i_skinit(void *), i_vmxon(void *), i_vmclear(void *);
void i_vmptrld(void *), i_vmptrst(void *), i_vmread(void *), i_vmwrite(void *);
void i_vmlaunch(void *), i_vmresume(void *), i_vmxoff(void *), i_invept(void *);
void i_invvpid(void *), i_vmfunc(void *);

static const struct {
    const char *name;
    void (*fn)(void *);
    int vector;
} cases[] = {
    { "virt-svm-vmrun-ud", i_vmrun, X86_UD },
    { "virt-svm-vmload-ud", i_vmload, X86_UD },
    { "virt-svm-vmsave-ud", i_vmsave, X86_UD },
    { "virt-svm-clgi-ud", i_clgi, X86_UD },
    { "virt-svm-stgi-ud", i_stgi, X86_UD },
    { "virt-svm-invlpga-ud", i_invlpga, X86_UD },
    { "virt-svm-skinit-ud", i_skinit, X86_UD },
    { "virt-vmx-vmxon-ud", i_vmxon, X86_UD },
    { "virt-vmx-vmclear-ud", i_vmclear, X86_UD },
    { "virt-vmx-vmptrld-ud", i_vmptrld, X86_UD },
    { "virt-vmx-vmptrst-ud", i_vmptrst, X86_UD },
    { "virt-vmx-vmread-ud", i_vmread, X86_UD },
    { "virt-vmx-vmwrite-ud", i_vmwrite, X86_UD },
    { "virt-vmx-vmlaunch-ud", i_vmlaunch, X86_UD },
    { "virt-vmx-vmresume-ud", i_vmresume, X86_UD },
    { "virt-vmx-vmxoff-ud", i_vmxoff, X86_UD },
    { "virt-vmx-invept-ud", i_invept, X86_UD },
    { "virt-vmx-invvpid-ud", i_invvpid, X86_UD },
    { "virt-vmx-vmfunc-ud", i_vmfunc, X86_UD },
};

void guest_main(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        struct guest_exc e;
        int v;

        memset(page, 0, sizeof(page));
        v = guest_try(cases[i].fn, page, &e);
        if (v == cases[i].vector)
            test_pass(cases[i].name);
        else if (v < 0)
            test_fail(cases[i].name, "executed without an exception, expected %s",
                      guest_exc_name((unsigned)cases[i].vector));
        else
            test_fail(cases[i].name, "raised %s at RIP 0x%lx (error code 0x%lx), expected %s",
                      guest_exc_name((unsigned)v), e.rip, e.error_code,
                      guest_exc_name((unsigned)cases[i].vector));
    }
}
