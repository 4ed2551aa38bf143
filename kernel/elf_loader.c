/*
 * ELF guest images. Every number in the file is untrusted: offsets and sizes are checked
 * against the file with overflow-safe arithmetic, segments against the guest's memory and
 * against each other, and the PVH entry note against the loaded code.
 */
#include <keel/elf_loader.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <public/hvm_start_info.h>

#define EI_CLASS 4
#define EI_DATA  5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __packed;

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __packed;

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
} __packed;

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __packed;

struct phdr { uint32_t type; uint64_t offset, paddr, filesz, memsz; };

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* a + b <= limit, without overflow */
static bool fits(uint64_t a, uint64_t b, uint64_t limit)
{
    return a <= limit && b <= limit - a;
}

static void read_phdr(const uint8_t *img, uint64_t off, bool e64, struct phdr *p)
{
    if (e64) {
        struct elf64_phdr h;
        memcpy(&h, img + off, sizeof(h));
        *p = (struct phdr){ h.type, h.offset, h.paddr, h.filesz, h.memsz };
    } else {
        struct elf32_phdr h;
        memcpy(&h, img + off, sizeof(h));
        *p = (struct phdr){ h.type, h.offset, h.paddr, h.filesz, h.memsz };
    }
}

/* Looks for the "Xen" note of type PHYS32_ENTRY in [off, off + len) of the image. */
static int find_pvh_note(const uint8_t *img, uint64_t off, uint64_t len, uint64_t *entry)
{
    uint64_t pos = 0;
    while (pos + 12 <= len) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, img + off + pos, 4);
        memcpy(&descsz, img + off + pos + 4, 4);
        memcpy(&type, img + off + pos + 8, 4);
        uint64_t name_at = pos + 12;
        uint64_t desc_at = name_at + ALIGN_UP((uint64_t)namesz, 4);
        uint64_t next = desc_at + ALIGN_UP((uint64_t)descsz, 4);
        if (next > len || next <= pos)
            return -1;                              /* a note that runs off its segment */
        if (namesz == 4 && !memcmp(img + off + name_at, "Xen", 4) &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz == 4) {
                uint32_t e;
                memcpy(&e, img + off + desc_at, 4);
                *entry = e;
            } else if (descsz == 8) {
                memcpy(entry, img + off + desc_at, 8);
            } else {
                return -1;
            }
            return 1;
        }
        pos = next;
    }
    return 0;
}

int elf_plan(const void *image, size_t size, uint64_t guest_mem, struct load_plan *plan,
             char *err, size_t errlen)
{
    const uint8_t *img = image;
    uint64_t phoff, phnum, phentsize, entry_found = 0;
    bool e64, have_entry = false;

    memset(plan, 0, sizeof(*plan));
    if (!img || size < sizeof(struct elf32_ehdr) || memcmp(img, "\177ELF", 4))
        FAIL("not an ELF file");
    if (img[EI_DATA] != ELFDATA2LSB)
        FAIL("not a little-endian ELF file");
    if (img[EI_CLASS] == ELFCLASS64) {
        struct elf64_ehdr h;
        if (size < sizeof(h))
            FAIL("ELF64 header truncated");
        memcpy(&h, img, sizeof(h));
        if (h.machine != EM_X86_64)
            FAIL("ELF64 for machine %u, not x86-64", h.machine);
        if (h.type != ET_EXEC)
            FAIL("ELF type %u is not an executable", h.type);
        phoff = h.phoff, phnum = h.phnum, phentsize = h.phentsize;
        e64 = true;
        if (phentsize != sizeof(struct elf64_phdr))
            FAIL("program header size %llu, expected %zu", (unsigned long long)phentsize,
                 sizeof(struct elf64_phdr));
    } else if (img[EI_CLASS] == ELFCLASS32) {
        struct elf32_ehdr h;
        memcpy(&h, img, sizeof(h));
        if (h.machine != EM_386 && h.machine != EM_X86_64)
            FAIL("ELF32 for machine %u, not x86", h.machine);
        if (h.type != ET_EXEC)
            FAIL("ELF type %u is not an executable", h.type);
        phoff = h.phoff, phnum = h.phnum, phentsize = h.phentsize;
        e64 = false;
        if (phentsize != sizeof(struct elf32_phdr))
            FAIL("program header size %llu, expected %zu", (unsigned long long)phentsize,
                 sizeof(struct elf32_phdr));
    } else {
        FAIL("unknown ELF class %u", img[EI_CLASS]);
    }
    plan->elf64 = e64;
    if (phnum == 0)
        FAIL("no program headers");
    if (!fits(phoff, phnum * phentsize, size))
        FAIL("program headers (%llu at offset %#llx) run past the end of the file (%zu bytes)",
             (unsigned long long)phnum, (unsigned long long)phoff, size);

    for (uint64_t i = 0; i < phnum; i++) {
        struct phdr p;
        read_phdr(img, phoff + i * phentsize, e64, &p);
        if (p.type == PT_NOTE) {
            if (!fits(p.offset, p.filesz, size))
                FAIL("note segment %llu runs past the end of the file", (unsigned long long)i);
            int r = find_pvh_note(img, p.offset, p.filesz, &entry_found);
            if (r < 0)
                FAIL("malformed note in segment %llu", (unsigned long long)i);
            if (r > 0)
                have_entry = true;
            continue;
        }
        if (p.type != PT_LOAD || p.memsz == 0)
            continue;
        if (p.filesz > p.memsz)
            FAIL("segment %llu: file size %#llx exceeds memory size %#llx",
                 (unsigned long long)i, (unsigned long long)p.filesz, (unsigned long long)p.memsz);
        if (!fits(p.offset, p.filesz, size))
            FAIL("segment %llu: bytes %#llx+%#llx run past the end of the file (%zu bytes)",
                 (unsigned long long)i, (unsigned long long)p.offset,
                 (unsigned long long)p.filesz, size);
        if (!fits(p.paddr, p.memsz, guest_mem))
            FAIL("segment %llu: [%#llx, +%#llx) lies outside the guest's %llu MiB of memory",
                 (unsigned long long)i, (unsigned long long)p.paddr,
                 (unsigned long long)p.memsz, (unsigned long long)(guest_mem >> 20));
        for (uint32_t j = 0; j < plan->nr_segments; j++) {
            const struct load_segment *q = &plan->seg[j];
            if (p.paddr < q->gpa + q->memsz && q->gpa < p.paddr + p.memsz)
                FAIL("segment %llu: [%#llx, +%#llx) overlaps an earlier segment at %#llx",
                     (unsigned long long)i, (unsigned long long)p.paddr,
                     (unsigned long long)p.memsz, (unsigned long long)q->gpa);
        }
        if (plan->nr_segments == ELF_MAX_SEGMENTS)
            FAIL("more than %u loadable segments", ELF_MAX_SEGMENTS);
        struct load_segment *s = &plan->seg[plan->nr_segments++];
        s->gpa = p.paddr;
        s->file_off = p.offset;
        s->filesz = p.filesz;
        s->memsz = p.memsz;
        if (plan->nr_segments == 1 || p.paddr < plan->lowest)
            plan->lowest = p.paddr;
        if (p.paddr + p.memsz > plan->highest)
            plan->highest = p.paddr + p.memsz;
    }
    if (!plan->nr_segments)
        FAIL("no loadable segment");
    if (!have_entry)
        FAIL("no PVH entry point (no \"Xen\" note of type %u, XEN_ELFNOTE_PHYS32_ENTRY)",
             XEN_ELFNOTE_PHYS32_ENTRY);
    bool inside = false;
    for (uint32_t j = 0; j < plan->nr_segments; j++)
        if (entry_found >= plan->seg[j].gpa && entry_found < plan->seg[j].gpa + plan->seg[j].filesz)
            inside = true;
    if (!inside)
        FAIL("PVH entry %#llx is not inside any loaded segment", (unsigned long long)entry_found);
    if (entry_found > 0xffffffffull)
        FAIL("PVH entry %#llx is above 4 GiB; it must be a 32-bit address",
             (unsigned long long)entry_found);
    plan->pvh_entry = entry_found;
    return 0;
}
