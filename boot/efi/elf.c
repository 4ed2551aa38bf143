/*
 * The check of keel.elf before keel.efi loads it (see kelf_check in keel_efi.h). Pure; the
 * image is hostile input: every offset and size is checked against the file's size and
 * for overflow before it is used, and nothing is read outside [image, image + size).
 */
#include "keel_efi.h"

#define EM_X86_64 62
#define ET_EXEC   2
#define PT_LOAD   1
#define PT_NOTE   4
#define PF_X      1

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PAGE 4096ull

static int fail(char *err, size_t errlen, const char *what)
{
    if (errlen) {
        err[0] = '\0';
        kefi_cat(err, errlen, what);
    }
    return -1;
}

/* [off, off + len) lies inside a file of `size` bytes. */
static bool inside(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = ((const uint8_t *)src)[i];
}

/* Looks for the Keel note in [off, off + len) (already inside the file). Returns 1 when
 * found (desc filled), 0 when not, -1 on a malformed note area or a second Keel note. */
static int scan_notes(const uint8_t *img, uint64_t off, uint64_t len, bool *seen,
                      struct keel_uefi_entry_note *desc, char *err, size_t errlen)
{
    uint64_t pos = 0;
    int found = 0;

    while (pos < len) {
        uint32_t h[3];
        if (len - pos < sizeof(h))
            return fail(err, errlen, "a PT_NOTE segment ends inside a note header");
        copy_bytes(h, img + off + pos, sizeof(h));
        uint64_t namesz = h[0], descsz = h[1], name_al = (namesz + 3) & ~3ull,
                 desc_al = (descsz + 3) & ~3ull;
        pos += sizeof(h);
        if (name_al > len - pos || desc_al > len - (pos + name_al))
            return fail(err, errlen, "a note's name or descriptor runs past its PT_NOTE "
                        "segment");
        if (namesz == KEEL_NOTE_NAMESZ && h[2] == KEEL_NOTE_UEFI_ENTRY &&
            !kefi_memcmp(img + off + pos, KEEL_NOTE_NAME, KEEL_NOTE_NAMESZ)) {
            if (*seen)
                return fail(err, errlen, "it has two Keel UEFI entry notes");
            *seen = true;
            if (descsz != sizeof(*desc))
                return fail(err, errlen, "its Keel UEFI entry note has the wrong size "
                            "(keel.efi and keel.elf come from different builds? rebuild "
                            "both)");
            copy_bytes(desc, img + off + pos + name_al, sizeof(*desc));
            found = 1;
        }
        pos += name_al + desc_al;
    }
    return found;
}

int kelf_check(const void *image, uint64_t size, struct kelf_plan *plan, char *err,
               size_t errlen)
{
    const uint8_t *img = image;
    struct elf64_ehdr eh;
    struct keel_uefi_entry_note note;
    bool seen_note = false, have_note = false;

    for (size_t i = 0; i < sizeof(*plan); i++)
        ((char *)plan)[i] = 0;
    if (size < 4 || kefi_memcmp(img, "\177ELF", 4))
        return fail(err, errlen, "it is not an ELF file (no ELF magic number)");
    if (size < sizeof(eh))
        return fail(err, errlen, "it is too short to be an ELF file");
    copy_bytes(&eh, img, sizeof(eh));
    if (eh.ident[4] != 2 || eh.ident[5] != 1 || eh.ident[6] != 1 || eh.version != 1)
        return fail(err, errlen, "it is not a little-endian 64-bit ELF file, version 1");
    if (eh.machine != EM_X86_64 || eh.type != ET_EXEC)
        return fail(err, errlen, "it is not an x86-64 executable ELF file");
    if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64)
        return fail(err, errlen, "its program header table has an impossible entry size or "
                    "count");
    if (!inside(eh.phoff, (uint64_t)eh.phnum * sizeof(struct elf64_phdr), size))
        return fail(err, errlen, "its program header table lies outside the file");

    for (uint32_t i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        copy_bytes(&ph, img + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.type == PT_NOTE) {
            if (!inside(ph.offset, ph.filesz, size))
                return fail(err, errlen, "a PT_NOTE segment lies outside the file");
            int r = scan_notes(img, ph.offset, ph.filesz, &seen_note, &note, err, errlen);
            if (r < 0)
                return -1;
            if (r > 0)
                have_note = true;
            continue;
        }
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (!inside(ph.offset, ph.filesz, size))
            return fail(err, errlen, "a PT_LOAD segment's data lies outside the file");
        if (ph.filesz > ph.memsz)
            return fail(err, errlen, "a PT_LOAD segment has more file data than memory");
        if (ph.vaddr != ph.paddr)
            return fail(err, errlen, "a PT_LOAD segment's virtual and physical addresses "
                        "differ (Keel runs at its physical address)");
        if (ph.paddr < KEEL_IMAGE_MIN || ph.paddr > KEEL_IMAGE_LIMIT ||
            ph.memsz > KEEL_IMAGE_LIMIT - ph.paddr)
            return fail(err, errlen, "a PT_LOAD segment lies outside 1 MiB - 4 GiB");
        if (plan->nr_segments == KELF_MAX_SEGMENTS)
            return fail(err, errlen, "it has more than 16 PT_LOAD segments");
        for (uint32_t j = 0; j < plan->nr_segments; j++) {
            const struct kelf_segment *o = &plan->seg[j];
            if (ph.paddr < o->paddr + o->memsz && o->paddr < ph.paddr + ph.memsz)
                return fail(err, errlen, "two PT_LOAD segments overlap");
        }
        struct kelf_segment *s = &plan->seg[plan->nr_segments++];
        s->paddr = ph.paddr;
        s->offset = ph.offset;
        s->filesz = ph.filesz;
        s->memsz = ph.memsz;
        uint64_t lo = ph.paddr & ~(PAGE - 1);
        uint64_t hi = (ph.paddr + ph.memsz + PAGE - 1) & ~(PAGE - 1);   /* <= 4 GiB: no wrap */
        if (plan->nr_segments == 1 || lo < plan->lo)
            plan->lo = lo;
        if (hi > plan->hi)
            plan->hi = hi;
        (void)ph.flags;
    }
    if (plan->nr_segments == 0)
        return fail(err, errlen, "it has nothing to load (no PT_LOAD segment)");
    if (plan->hi - plan->lo > KELF_MAX_SPAN)
        return fail(err, errlen, "its segments span more than 256 MiB");
    if (!have_note)
        return fail(err, errlen, "it has no Keel UEFI entry note (not Keel, or a Keel built "
                    "without native UEFI boot)");
    if (note.boot_info_size != sizeof(struct boot_info) ||
        note.version != KEEL_UEFI_HANDOFF_VERSION)
        return fail(err, errlen, "it was built with another struct boot_info than keel.efi "
                    "(size or version differ): rebuild both from one tree");

    /* The entry must be code that comes from the file, in an executable segment. */
    bool entry_ok = false;
    for (uint32_t i = 0; i < eh.phnum && !entry_ok; i++) {
        struct elf64_phdr ph;
        copy_bytes(&ph, img + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.type == PT_LOAD && (ph.flags & PF_X) && ph.memsz &&
            note.entry >= ph.paddr && note.entry - ph.paddr < ph.filesz)
            entry_ok = true;
    }
    if (!entry_ok)
        return fail(err, errlen, "its Keel UEFI entry point is not inside an executable "
                    "segment's code");
    plan->entry = note.entry;
    return 0;
}
