/*
 * PVH entry of a Keel test guest: from 32-bit protected mode (paging off) to 64-bit long
 * mode, then guest_start64() in C.
 *
 * Xen PVH boot ABI: the loader jumps to the address in the "Xen" ELF note of type 18
 * (XEN_ELFNOTE_PHYS32_ENTRY) with flat 32-bit CS/DS/ES/SS, paging and interrupts off,
 * and EBX = physical address of struct hvm_start_info. No GDT, IDT or stack is valid:
 * everything is set up here. Control registers are written with values of our own.
 *
 * The image is linked and loaded at physical 1 MiB, virtual = physical.
 */
#define CR0_VALUE  0x80010033        /* PG | WP | NE | ET | MP | PE */
#define CR4_VALUE  0x00000020        /* PAE */
#define MSR_EFER   0xc0000080
#define EFER_LME   0x00000100
#define STACK_SIZE 0x10000

#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18

/* The PVH entry note. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                          /* namesz: "Xen\0" */
    .long 4                          /* descsz */
    .long 18                         /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start                     /* 32-bit physical entry */

/* First bytes of the image: a signature tests can look for at GPA 0x100000. */
    .section .guest_header, "a"
    .globl guest_image_signature
guest_image_signature:
    .ascii "KEEL-TEST-GUEST\0"

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %ebx, %esi                   /* start info: kept across the bss clear */

    /* Clear .bss ourselves (the loader should have; do not depend on it). ES is flat. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov %esi, guest_start_info_pa    /* .data: the high half stays 0 */

    lgdt gdt_ptr
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $guest_stack_top, %esp

    /* Long mode present? (CPUID 0x80000001 EDX bit 29). If not, nothing can be
     * printed (hypercalls are 64-bit here): stop. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb .Lstop32
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz .Lstop32

    /* Identity map of [0, 4 GiB): PML4[0] -> PDPT, PDPT[0..3] -> guest_pd (4 pages of
     * 512 2-MiB entries). */
    mov $guest_pd, %edi
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                   /* present, writable, 2 MiB page */
    mov %eax, (%edi, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                    /* bits 32+ of (i << 21) */
    mov %eax, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 2b

    mov $guest_pdpt, %edi
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $12, %eax
    add $guest_pd, %eax
    or $0x3, %eax
    mov %eax, (%edi, %ecx, 8)
    movl $0, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 3b

    mov $guest_pdpt, %eax
    or $0x3, %eax
    mov %eax, guest_pml4
    movl $0, guest_pml4 + 4

    mov $CR4_VALUE, %eax
    mov %eax, %cr4
    mov $guest_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx              /* the hypervisor emulates this write */
    mov $EFER_LME, %eax
    xor %edx, %edx
    wrmsr
    mov $CR0_VALUE, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $.Lentry64

.Lstop32:
    cli
    hlt
    jmp .Lstop32

    .code64
.Lentry64:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    mov $guest_stack_top, %rsp
    xor %ebp, %ebp
    call guest_start64               /* does not return */
4:  cli
    hlt
    jmp 4b

    .data
    .balign 8
    .globl guest_start_info_pa
guest_start_info_pa:
    .quad 0

    /* Accessed bits preset, so loading a selector never writes the GDT. Global: the APs'
     * start-up code (smp.S) loads the same GDT. */
    .balign 16
    .globl guest_gdt, guest_gdt_limit
guest_gdt:
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff         /* 0x08: 32-bit code, flat */
    .quad 0x00cf93000000ffff         /* 0x10: data, flat */
    .quad 0x00af9b000000ffff         /* 0x18: 64-bit code */
gdt_end:
    .set guest_gdt_limit, gdt_end - gdt - 1
    .balign 8
    .short 0, 0, 0                   /* so that the base below is 8-byte aligned */
gdt_ptr:
    .short gdt_end - gdt - 1
    .quad gdt                        /* lgdt in 32-bit mode reads 6 bytes; in 64-bit, 10 */

    .bss
    .balign 4096
    .globl guest_pml4, guest_pdpt, guest_pd
guest_pml4:
    .skip 4096
guest_pdpt:
    .skip 4096
guest_pd:
    .skip 4 * 4096
    .balign 16
guest_stack:
    .skip STACK_SIZE
    .globl guest_stack_top
guest_stack_top:

    .section .note.GNU-stack, "", @progbits
