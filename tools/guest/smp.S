/*
 * AP start-up. smp_start_aps (smp.c) copies [guest_ap_trampoline, guest_ap_trampoline_end)
 * to SMP_TRAMPOLINE_PA (0x8000) and sends INIT + SIPI with vector 0x08: the AP starts in
 * real mode at CS:IP = 0x0800:0000 (CS base 0x8000, 64 KiB segments, interrupts off).
 *
 *  real mode (trampoline page) -- lgdt guest_gdt, CR0.PE --> ap_entry32 (in the image)
 *  32-bit protected mode -- CR4.PAE, CR3 = the BSP's, EFER.LME, CR0.PG --> ap_entry64
 *  64-bit: RSP = guest_ap_stack, call guest_ap_start64 (smp.c), which never returns.
 *
 * The trampoline uses only offsets from its own start (DS = CS), and absolute addresses
 * of the image (guest_gdt, ap_entry32), so it runs wherever it is copied below 1 MiB.
 * guest_ap_cr3 and guest_ap_stack are set by the BSP before each SIPI.
 */
#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18
#define CR0_VALUE  0x80010033        /* PG | WP | NE | ET | MP | PE, as entry.S */
#define CR4_VALUE  0x00000020        /* PAE */
#define MSR_EFER   0xc0000080
#define EFER_LME   0x00000100

    .text
    .code16
    .balign 16
    .globl guest_ap_trampoline, guest_ap_trampoline_end
guest_ap_trampoline:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds                     /* DS base = the trampoline page */
    lgdtl tramp_gdtr - guest_ap_trampoline
    mov %cr0, %eax
    or $1, %eax                      /* PE */
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $ap_entry32   /* absolute: into the image at 1 MiB */
    .balign 8
tramp_gdtr:
    .short guest_gdt_limit          /* absolute symbol from entry.S */
    .long guest_gdt                  /* 32-bit base (lgdtl): the image's GDT */
guest_ap_trampoline_end:

    .code32
/* The entry for VCPUOP_initialise: already in flat protected mode, but with no GDT of
 * ours loaded yet. */
    .globl guest_ap_entry_pvh32
guest_ap_entry_pvh32:
    lgdt ap_pvh_gdtr
    ljmp $SEL_CODE32, $ap_entry32

ap_entry32:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $CR4_VALUE, %eax
    mov %eax, %cr4
    mov guest_ap_cr3, %eax           /* below 4 GiB: the low half is the address */
    mov %eax, %cr3
    mov $MSR_EFER, %ecx              /* the hypervisor emulates this write */
    mov $EFER_LME, %eax
    xor %edx, %edx
    wrmsr
    mov $CR0_VALUE, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $ap_entry64

    .code64
ap_entry64:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    mov guest_ap_stack(%rip), %rsp
    xor %ebp, %ebp
    call guest_ap_start64            /* does not return */
1:  cli
    hlt
    jmp 1b

    .data
    .balign 8
ap_pvh_gdtr:
    .short guest_gdt_limit
    .long guest_gdt
    .balign 8
    .globl guest_ap_cr3, guest_ap_stack
guest_ap_cr3:
    .quad 0
guest_ap_stack:
    .quad 0

    .section .note.GNU-stack, "", @progbits
