/*
 * The multiboot2 header GRUB looks for in the first 32 KiB of the image.
 * We ask for nothing special: GRUB enters us in 32-bit protected mode with paging off
 * (also under UEFI, where it has already exited boot services, since we give no EFI
 * entry tag).
 */
#define MB2_MAGIC   0xe85250d6
#define MB2_ARCH_I386 0

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    /* Information request: we need the memory map; the rest is optional. */
    .balign 8
info_req:
    .short 1, 0
    .long info_req_end - info_req
    .long 6      /* memory map */
info_req_end:

    /* End tag. */
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:
