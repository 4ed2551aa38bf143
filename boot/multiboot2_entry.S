/*
 * 32-bit multiboot2 entry: from protected mode with paging off to 64-bit long mode.
 *
 * GRUB (BIOS or UEFI) jumps here with EAX = multiboot2 magic, EBX = physical address of
 * the boot information. Nothing else about the CPU state can be trusted: under UEFI the
 * firmware leaves EFER.LME/NXE and CR4 bits set, so every control register is written
 * with a value of our own.
 *
 * The boot page tables identity-map the first 4 GiB with 2 MiB pages; arch/x86/paging.c
 * replaces them with the real host page tables (NX, W^X) as soon as C runs.
 */
#define MB2_BOOT_MAGIC 0x36d76289
#define COM1 0x3f8

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    /* Boot benchmark: the TSC at the very first instruction (under QEMU -icount, an
     * instruction count). RDTSC clobbers only EDX:EAX, so save the magic first. */
    mov %eax, %esi
    rdtsc
    mov %eax, boot_tsc_start
    mov %edx, boot_tsc_start + 4
    cli
    cld
    mov $boot_stack_top, %esp
    mov %esi, mb2_magic
    mov %ebx, mb2_info

    cmp $MB2_BOOT_MAGIC, %esi
    jne .Lnot_multiboot2

    /* Long mode present? (CPUID 0x80000001 EDX bit 29) */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb .Lno_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz .Lno_long_mode

    /* Identity-map 0..4 GiB: PML4[0] -> PDPT, PDPT[0..3] -> 4 page directories of 2 MiB pages. */
    mov $boot_pd, %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax                    /* low 32 bits of the 2 MiB frame address */
    or $0x83, %eax                   /* present, writable, large page */
    mov %eax, (%edi, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                    /* high bits: (i * 2 MiB) >> 32 */
    mov %eax, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    mov $boot_pdpt, %edi
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    add $boot_pd, %eax
    or $0x3, %eax
    mov %eax, (%edi, %ecx, 8)
    movl $0, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 2b

    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    movl $0, boot_pml4 + 4

    /* CR4: PAE only (clears whatever the firmware left, e.g. PGE, PCIDE, SMEP). */
    mov $0x20, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3

    /* EFER: long mode enable; keep only LME (NXE is set later if the CPU has it). */
    mov $0xc0000080, %ecx
    rdmsr
    and $~0xd01, %eax                /* clear SCE, LMA, NXE, SVME... */
    and $~0x1000, %eax
    or $0x100, %eax                  /* LME */
    wrmsr

    /* CR0: protection, paging, write-protect honoured in ring 0, FPU errors native. */
    mov $0x80010033, %eax            /* PG | WP | NE | ET | MP | PE */
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_entry

.Lnot_multiboot2:
    mov $msg_not_mb2, %esi
    jmp .Lfatal32
.Lno_long_mode:
    mov $msg_no_lm, %esi
.Lfatal32:
    /* Print on COM1 (GRUB's serial setup is enough) and stop. */
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %bl
    mov $COM1 + 5, %dx
2:  inb %dx, %al
    test $0x20, %al
    jz 2b
    mov $COM1, %dx
    mov %bl, %al
    outb %al, %dx
    jmp 1b
3:  cli
    hlt
    jmp 3b

    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp                   /* terminates stack traces */
    mov mb2_magic(%rip), %edi
    mov mb2_info(%rip), %esi
    call mb2_boot_main               /* boot/multiboot2.c; does not return */
1:  cli
    hlt
    jmp 1b

    .section .rodata
msg_not_mb2:
    .asciz "keel: not started by a multiboot2 loader; stopping.\r\n"
msg_no_lm:
    .asciz "keel: this CPU has no 64-bit long mode; stopping.\r\n"

    /* Accessed bits preset, so the CPU never writes to this read-only table. */
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9b000000ffff         /* 0x08: 64-bit code */
    .quad 0x00cf93000000ffff         /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .data
    .balign 8
    .globl boot_tsc_start
boot_tsc_start: .quad 0
mb2_magic: .long 0
mb2_info:  .long 0

    .bss
    .balign 4096
    .globl boot_pml4, boot_pdpt, boot_pd      /* also built by boot/efi_entry.S */
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4 * 4096
    .balign 16
    .globl boot_stack
boot_stack: .skip 16384
    .globl boot_stack_top
boot_stack_top:
