/*
 * Guest kernel images (kernel/elf_loader.c): ELF64 or ELF32 x86 executables, checked
 * completely before anything is copied. Pure; tested on the host with crafted images.
 */
#ifndef KEEL_ELF_LOADER_H
#define KEEL_ELF_LOADER_H

#include <keel/types.h>

#define ELF_MAX_SEGMENTS 16

struct load_segment {
    uint64_t gpa;          /* where it goes in guest-physical memory (p_paddr) */
    uint64_t file_off;     /* bytes [file_off, file_off + filesz) of the image */
    uint64_t filesz;
    uint64_t memsz;        /* the rest, up to memsz, is zero */
};

struct load_plan {
    bool elf64;
    uint32_t nr_segments;
    struct load_segment seg[ELF_MAX_SEGMENTS];
    uint64_t pvh_entry;    /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t lowest, highest;   /* [lowest, highest) covers every segment */
};

/*
 * Checks `image` (size bytes) and plans its loading into a guest with `guest_mem` bytes
 * of RAM at GPA 0. Returns 0, or -1 with a sentence in `err` saying what is wrong.
 */
int elf_plan(const void *image, size_t size, uint64_t guest_mem, struct load_plan *plan,
             char *err, size_t errlen);

#endif
