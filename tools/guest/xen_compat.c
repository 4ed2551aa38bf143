/*
 * Hypercalls from 32-bit code, for testing the hypervisor's 32-bit ("compat") ABI from
 * the 64-bit runtime: the call drops into compatibility mode (the runtime's flat 32-bit
 * code segment, 0x08, under the same page tables and stack, which are below 4 GiB), loads
 * EAX = number and EBX, ECX, EDX, ESI, EDI = arguments, executes VMCALL or VMMCALL, and
 * returns to 64-bit mode through a far return to selector 0x18.
 * (include/guest/xen_hv.h: xen_hypercall32.)
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

/* The call block the 32-bit code reads and writes by absolute address. */
struct hc32 {
    uint32_t nr, a[5], ret, intel;
    uint64_t saved_rsp;
};
struct hc32 xen_hc32_block __attribute__((aligned(16)));

void xen_hc32_go(void);

__asm__(
    ".text\n"
    ".globl xen_hc32_go\n"
    "xen_hc32_go:\n"
    "    push %rbx\n"
    "    push %rbp\n"
    "    push %r12\n"
    "    push %r13\n"
    "    push %r14\n"
    "    push %r15\n"
    "    mov %rsp, xen_hc32_block+32(%rip)\n"
    "    pushq $0x08\n"                            /* 32-bit code */
    "    lea 1f(%rip), %rax\n"
    "    pushq %rax\n"
    "    lretq\n"
    ".code32\n"
    "1:  mov $0x10, %eax\n"
    "    mov %eax, %ss\n"
    "    mov xen_hc32_block+4, %ebx\n"
    "    mov xen_hc32_block+8, %ecx\n"
    "    mov xen_hc32_block+12, %edx\n"
    "    mov xen_hc32_block+16, %esi\n"
    "    mov xen_hc32_block+20, %edi\n"
    "    mov xen_hc32_block, %eax\n"
    "    cmpl $0, xen_hc32_block+28\n"
    "    jne 2f\n"
    "    vmmcall\n"
    "    jmp 3f\n"
    "2:  vmcall\n"
    "3:  mov %eax, xen_hc32_block+24\n"
    "    push $0x18\n"                             /* back to 64-bit code */
    "    push $4f\n"
    "    lret\n"
    ".code64\n"
    "4:  mov xen_hc32_block+32(%rip), %rsp\n"
    "    pop %r15\n"
    "    pop %r14\n"
    "    pop %r13\n"
    "    pop %r12\n"
    "    pop %rbp\n"
    "    pop %rbx\n"
    "    ret\n");

long xen_hypercall32(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
#ifdef GUEST_BARE
    (void)nr, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return -XEN_ENOSYS;
#else
    uint64_t flags = irq_save();         /* the IDT's handlers are 64-bit code: no surprises */
    xen_hc32_block.nr = nr;
    xen_hc32_block.a[0] = a1, xen_hc32_block.a[1] = a2, xen_hc32_block.a[2] = a3;
    xen_hc32_block.a[3] = a4, xen_hc32_block.a[4] = a5;
    xen_hc32_block.intel = guest_vendor == GUEST_VENDOR_INTEL;
    __asm__ volatile("call xen_hc32_go" : : : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
                     "r10", "r11", "memory");
    irq_restore(flags);
    return (int32_t)xen_hc32_block.ret;  /* a 32-bit guest sees EAX */
#endif
}
