/*
 * 64-bit entry from keel.efi (native UEFI boot; boot/efi/, contract in boot/efi_handoff.h).
 *
 * keel.efi has exited boot services and jumps here in long mode with RDI = &boot_info,
 * on the firmware's stack, GDT, IDT and page tables (an identity map, as UEFI requires).
 * None of that is trusted or kept: this code loads its own GDT and a null IDT, builds the
 * same boot page tables as the multiboot2 path (identity map of 4 GiB with 2 MiB pages),
 * and leaves and re-enters long mode through 32-bit compatibility mode so that CR0, CR4
 * and EFER get values of our own — CR4.LA57 or EFER bits can only change with paging off.
 * Then, on Keel's boot stack, efi_boot_main (boot/efi_handoff.c) calls keel_start.
 *
 * The image is linked and loaded below 4 GiB at its physical address, so every address
 * here fits in 32 bits and the firmware's identity map covers this code.
 */
    .section .text.boot, "ax"
    .code64
    .globl efi_entry64
efi_entry64:
    /* Boot benchmark: the TSC at our first instruction (under QEMU -icount, an instruction
     * count), as _start does. RDTSC clobbers only RDX:RAX; RDI still holds &boot_info. */
    rdtsc
    mov %eax, boot_tsc_start(%rip)
    mov %edx, boot_tsc_start + 4(%rip)
    cli
    cld
    mov %rdi, efi_boot_info(%rip)

    /* No handler of the firmware's may run any more (its memory is free RAM now): with a
     * null IDT, a fault before Keel's own IDT is a triple fault, not a jump into garbage. */
    lidt efi_null_idt(%rip)
    lgdt efi_gdt_ptr(%rip)
    mov $boot_stack_top, %esp        /* zero-extends: the stack is below 4 GiB */

    /* CR4: keep only what cannot change in long mode (PAE, LA57); that clears PCIDE,
     * which must be 0 before paging is turned off, and PGE, SMEP, SMAP, CET... */
    mov %cr4, %rax
    and $0x1020, %eax
    mov %rax, %cr4

    /* Identity-map 0..4 GiB in the multiboot2 path's tables (boot/multiboot2_entry.S):
     * PML4[0] -> PDPT, PDPT[0..3] -> 4 page directories of 2 MiB pages. The firmware's
     * identity map lets us write them at their physical addresses. */
    lea boot_pd(%rip), %rdi
    xor %ecx, %ecx
1:  mov %rcx, %rax
    shl $21, %rax
    or $0x83, %rax                   /* present, writable, large page */
    mov %rax, (%rdi, %rcx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b
    lea boot_pdpt(%rip), %rdi
    xor %ecx, %ecx
2:  mov %rcx, %rax
    shl $12, %rax
    add $boot_pd, %rax
    or $0x3, %rax
    mov %rax, (%rdi, %rcx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 2b
    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %rax, boot_pml4(%rip)

    /* To 32-bit compatibility mode (selector 0x18), to leave long mode. */
    pushq $0x18
    pushq $efi_compat32
    lretq

    .code32
efi_compat32:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    /* Paging off: the CPU leaves long mode (EFER.LMA = 0). This code is identity-mapped. */
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0

    /* From here as in boot/multiboot2_entry.S: CR4 = PAE only, our page tables,
     * EFER = LME only, CR0 = PG | WP | NE | ET | MP | PE. */
    mov $0x20, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    and $~0xd01, %eax                /* clear SCE, LMA, NXE, SVME... */
    and $~0x1000, %eax
    or $0x100, %eax                  /* LME */
    wrmsr
    mov $0x80010033, %eax
    mov %eax, %cr0
    ljmp $0x08, $efi_long64

    .code64
efi_long64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp                   /* terminates stack traces */
    mov efi_boot_info(%rip), %rdi
    call efi_boot_main               /* boot/efi_handoff.c; does not return */
1:  cli
    hlt
    jmp 1b

    .section .rodata
    /* Accessed bits preset, so the CPU never writes to this read-only table. */
    .balign 8
efi_gdt:
    .quad 0
    .quad 0x00af9b000000ffff         /* 0x08: 64-bit code */
    .quad 0x00cf93000000ffff         /* 0x10: data */
    .quad 0x00cf9b000000ffff         /* 0x18: 32-bit code (leaving long mode) */
efi_gdt_end:
    .balign 8
    .short 0, 0, 0
efi_gdt_ptr:                         /* lgdt in 64-bit mode reads a 64-bit base */
    .short efi_gdt_end - efi_gdt - 1
    .quad efi_gdt
    .short 0, 0, 0
efi_null_idt:
    .short 0
    .quad 0

    .data
    .balign 8
efi_boot_info: .quad 0
