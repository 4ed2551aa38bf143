/*
 * The contract between keel.efi (boot/efi/, a UEFI application) and keel.elf (the
 * hypervisor image) for native UEFI boot. Private to boot/.
 *
 * keel.elf carries one ELF note, in a PT_NOTE program header:
 *   name "Keel", type KEEL_NOTE_UEFI_ENTRY, descriptor struct keel_uefi_entry_note.
 * keel.efi loads keel.elf's PT_LOAD segments at their physical addresses, builds a
 * struct boot_info (include/keel/boot_info.h) with source BOOT_SRC_UEFI, exits boot
 * services and jumps to `entry` in 64-bit mode with RDI = &boot_info (System V calling
 * convention; it does not return). Nothing else about the CPU state is promised:
 * boot/efi_entry.S loads its own GDT, stack, page tables and control registers.
 *
 * The note also records sizeof(struct boot_info) and a version, so that a keel.efi and a
 * keel.elf built from different trees refuse each other instead of misreading the block.
 */
#ifndef BOOT_EFI_HANDOFF_H
#define BOOT_EFI_HANDOFF_H

#include <keel/types.h>

#define KEEL_NOTE_NAME          "Keel"
#define KEEL_NOTE_NAMESZ        5            /* "Keel" and its NUL */
#define KEEL_NOTE_UEFI_ENTRY    0x4b450001u  /* "KE", 1 */

/* Bump when the meaning of a boot_info field changes for this boot path. */
#define KEEL_UEFI_HANDOFF_VERSION 1

struct keel_uefi_entry_note {
    uint64_t entry;              /* physical (= virtual) address of the 64-bit entry */
    uint32_t boot_info_size;     /* sizeof(struct boot_info) keel.elf was built with */
    uint32_t version;            /* KEEL_UEFI_HANDOFF_VERSION */
} __packed;

/* The note as it sits in the image: ELF note header, name padded to 4, descriptor
 * (packed: the descriptor follows the name at a 4-byte, not 8-byte, boundary). */
struct keel_uefi_note_image {
    uint32_t namesz, descsz, type;
    char name[8];
    struct keel_uefi_entry_note desc;
} __packed;

/* Everything keel.elf occupies must lie in [KEEL_IMAGE_MIN, KEEL_IMAGE_LIMIT): above the
 * real-mode megabyte Keel keeps for itself, inside the 4 GiB its boot page tables map. */
#define KEEL_IMAGE_MIN   0x100000ull
#define KEEL_IMAGE_LIMIT 0x100000000ull

#endif
