/*
 * Application processors start here after INIT-SIPI-SIPI, in 16-bit real mode at
 * CS:IP = (page >> 4):0, where smp.c copied the block between ap_trampoline_start and
 * ap_trampoline_end. The real-mode part only loads a GDT and enters 32-bit protected mode;
 * it then jumps to ap_entry32 in the hypervisor's own text (paging is still off, so the
 * NX bit of the low page does not matter), which enables long mode with the host page
 * tables and calls ap_main(cpu) on the stack the boot CPU prepared.
 *
 * The boot CPU starts one AP at a time and fills ap_boot_* before each SIPI.
 */
#define AP_CR0 0x80010033            /* PG | WP | NE | ET | MP | PE */

    .section .rodata
    .code16
    .globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_gdtr - ap_trampoline_start
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $ap_entry32         /* an absolute address: the same wherever we run */
    .balign 8
ap_gdtr:
    .short ap_gdt_end - ap_gdt - 1
    .long ap_gdt
ap_trampoline_end:

    /* Accessed bits preset: the GDT is read-only once paging is on, and the CPU would
     * otherwise write them when it loads a segment. */
    .balign 8
ap_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff         /* 0x08: 32-bit code */
    .quad 0x00cf93000000ffff         /* 0x10: data */
    .quad 0x00af9b000000ffff         /* 0x18: 64-bit code */
ap_gdt_end:

    .section .text
    .code32
ap_entry32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x20, %eax                  /* CR4: PAE only */
    mov %eax, %cr4
    mov ap_boot_cr3, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx            /* EFER: exactly what the boot CPU asked for */
    mov ap_boot_efer, %eax
    xor %edx, %edx
    wrmsr
    mov $AP_CR0, %eax
    mov %eax, %cr0
    ljmp $0x18, $ap_entry64

    .code64
ap_entry64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov ap_boot_stack(%rip), %rsp
    xor %ebp, %ebp
    mov ap_boot_cpu(%rip), %edi
    call ap_main
1:  cli
    hlt
    jmp 1b

    .data
    .balign 8
    .globl ap_boot_cr3, ap_boot_efer, ap_boot_stack, ap_boot_cpu
ap_boot_stack: .quad 0
ap_boot_cr3:   .long 0
ap_boot_efer:  .long 0
ap_boot_cpu:   .long 0
