/*
 * Host unit tests of kernel/elf_loader.c: elf_plan(). ELF images are assembled in memory
 * byte by byte (little-endian field writers, independent of the loader's structures) and
 * planned from a copy that ends at a guard page, so any read past the end of the file
 * faults. elf_plan never prints: every call checks the log stays empty.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <keel/elf_loader.h>
#include <public/hvm_start_info.h>

#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_ARM 40
#define EM_X86_64 62
#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551u

#define EH64 64u
#define EH32 52u
#define PH64 56u
#define PH32 32u

/* The standard image: a "Xen" PVH note, a text segment and a data segment with bss. */
#define GUEST_MEM   MiB(64)
#define NOTE_OFF    0x400u
#define SEG0_OFF    0x440u
#define SEG0_GPA    0x100000u
#define SEG0_SZ     0x100u
#define SEG1_OFF    0x540u
#define SEG1_GPA    0x200000u
#define SEG1_FILESZ 0x40u
#define SEG1_MEMSZ  0x1000u
#define STD_LEN     0x580u
#define ENTRY       (SEG0_GPA + 0x10u)

#define IMG_MAX 0x4000u
#define MAX_PH  40

struct ph {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

static uint8_t img[IMG_MAX];
static size_t ilen;            /* the file's size */
static bool e64;
static uint16_t machine, etype, phentsize;
static uint64_t phoff;
static struct ph phs[MAX_PH];
static unsigned nph;

static struct load_plan plan;
static char err[256];
static uint64_t guest_mem = GUEST_MEM;

static void put16(size_t at, uint16_t v)
{
    for (int i = 0; i < 2; i++)
        img[at + i] = (uint8_t)(v >> (8 * i));
}

static void put32(size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        img[at + i] = (uint8_t)(v >> (8 * i));
}

static void put64(size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        img[at + i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Starts an empty image: header fields to be written by build(), no program header. */
static void img_init(bool is64, uint16_t mach)
{
    memset(img, 0, sizeof(img));
    e64 = is64;
    machine = mach;
    etype = ET_EXEC;
    phentsize = is64 ? PH64 : PH32;
    phoff = is64 ? EH64 : EH32;
    nph = 0;
    ilen = 0;
    guest_mem = GUEST_MEM;
}

static void add_ph(uint32_t type, uint64_t offset, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    assert_true(nph < MAX_PH);
    phs[nph++] = (struct ph){ type, offset, paddr, filesz, memsz };
}

/* Writes bytes at `at` of the file, growing the file to cover them. */
static void put_bytes(size_t at, const void *p, size_t n)
{
    assert_true(at + n <= IMG_MAX);
    memcpy(img + at, p, n);
    if (at + n > ilen)
        ilen = at + n;
}

static void grow(size_t len)
{
    assert_true(len <= IMG_MAX);
    if (len > ilen)
        ilen = len;
}

/* An ELF note (namesz counts the NUL; name and descriptor padded to 4) at `at`; returns
 * its length in the file. */
static size_t put_note(size_t at, const char *name, uint32_t namesz, uint32_t type,
                       const void *desc, uint32_t descsz)
{
    size_t nlen = (namesz + 3u) & ~3u, dlen = (descsz + 3u) & ~3u;
    assert_true(at + 12 + nlen + dlen <= IMG_MAX);
    put32(at, namesz);
    put32(at + 4, descsz);
    put32(at + 8, type);
    memset(img + at + 12, 0, nlen + dlen);
    if (name)
        memcpy(img + at + 12, name, namesz);
    if (desc)
        memcpy(img + at + 12 + nlen, desc, descsz);
    grow(at + 12 + nlen + dlen);
    return 12 + nlen + dlen;
}

static size_t put_pvh_note(size_t at, uint32_t entry)
{
    return put_note(at, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
}

static size_t put_pvh_note8(size_t at, uint64_t entry)
{
    return put_note(at, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
}

/* Writes the ELF header and the program header table; the file covers both. */
static void build(void)
{
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 0, 1 /* LSB */, 1 /* version */ };
    size_t eh = e64 ? EH64 : EH32, ph = e64 ? PH64 : PH32;

    memcpy(img, ident, 16);
    img[4] = e64 ? 2 : 1;
    put16(16, etype);
    put16(18, machine);
    put32(20, 1);
    if (e64) {
        put64(24, 0);                 /* e_entry: not what PVH uses */
        put64(32, phoff);
        put64(40, 0);
        put32(48, 0);
        put16(52, EH64);
        put16(54, phentsize);
        put16(56, (uint16_t)nph);
        put16(58, 64);
    } else {
        put32(24, 0);
        put32(28, (uint32_t)phoff);
        put32(32, 0);
        put32(36, 0);
        put16(40, EH32);
        put16(42, phentsize);
        put16(44, (uint16_t)nph);
        put16(46, 40);
    }
    grow(eh);
    for (unsigned i = 0; i < nph; i++) {
        size_t at = (size_t)phoff + i * ph;
        const struct ph *p = &phs[i];
        assert_true(at + ph <= IMG_MAX);
        if (e64) {
            put32(at, p->type);
            put32(at + 4, 5);                       /* R+X */
            put64(at + 8, p->offset);
            put64(at + 16, p->paddr + 0xffffffff80000000ull);   /* vaddr: ignored */
            put64(at + 24, p->paddr);
            put64(at + 32, p->filesz);
            put64(at + 40, p->memsz);
            put64(at + 48, 0x1000);
        } else {
            put32(at, p->type);
            put32(at + 4, (uint32_t)p->offset);
            put32(at + 8, (uint32_t)p->paddr + 0xc0000000u);
            put32(at + 12, (uint32_t)p->paddr);
            put32(at + 16, (uint32_t)p->filesz);
            put32(at + 20, (uint32_t)p->memsz);
            put32(at + 24, 5);
            put32(at + 28, 0x1000);
        }
        grow(at + ph);
    }
}

/* Program headers of the standard image (not yet built: a test may add or change some). */
static void std_image_ph(bool is64, uint16_t mach)
{
    uint8_t code[SEG0_SZ], data[SEG1_FILESZ];

    img_init(is64, mach);
    for (unsigned i = 0; i < sizeof(code); i++)
        code[i] = (uint8_t)(0x90 + i);
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0xd0 ^ i);
    size_t nl = put_pvh_note(NOTE_OFF, ENTRY);
    put_bytes(SEG0_OFF, code, sizeof(code));
    put_bytes(SEG1_OFF, data, sizeof(data));
    add_ph(PT_LOAD, SEG0_OFF, SEG0_GPA, SEG0_SZ, SEG0_SZ);
    add_ph(PT_LOAD, SEG1_OFF, SEG1_GPA, SEG1_FILESZ, SEG1_MEMSZ);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
}

static void std_image(bool is64, uint16_t mach)
{
    std_image_ph(is64, mach);
    build();
    assert_int_equal(ilen, STD_LEN);
}

/* Plans the first `len` bytes of the image, from a copy that ends at a guard page. */
static int plan_len(size_t len)
{
    void *p = guarded_copy(img, len);
    memset(&plan, 0xa5, sizeof(plan));
    memset(err, 0x5a, sizeof(err));
    err[sizeof(err) - 1] = 0;
    clear_log();
    int r = elf_plan(p, len, guest_mem, &plan, err, sizeof(err));
    guarded_free(p);
    assert_log_empty();                     /* elf_plan never prints */
    if (r == -1) {
        assert_true(memchr(err, 0, sizeof(err)) != NULL);
        assert_true(err[0] != 0 && err[0] != 0x5a);
    }
    return r;
}

static int do_plan(void)
{
    return plan_len(ilen);
}

#define expect_ok()                                                                     \
    do {                                                                                \
        int r_ = do_plan();                                                             \
        if (r_ != 0)                                                                    \
            fail_msg("elf_plan refused a good image: \"%s\"", err);                    \
    } while (0)

#define expect_refused_len(len, s)                                                      \
    do {                                                                                \
        int r_ = plan_len(len);                                                         \
        if (r_ != -1)                                                                   \
            fail_msg("elf_plan returned %d, expected a refusal naming \"%s\"", r_, (s)); \
        if (!strstr(err, (s)))                                                          \
            fail_msg("error \"%s\" does not contain \"%s\"", err, (s));                 \
    } while (0)

#define expect_refused(s) expect_refused_len(ilen, s)

static void assert_seg(unsigned i, uint64_t gpa, uint64_t off, uint64_t filesz, uint64_t memsz)
{
    assert_true(i < plan.nr_segments);
    assert_int_equal(plan.seg[i].gpa, gpa);
    assert_int_equal(plan.seg[i].file_off, off);
    assert_int_equal(plan.seg[i].filesz, filesz);
    assert_int_equal(plan.seg[i].memsz, memsz);
}

/* ---- good images ---- */

static void good_elf64(void **state)
{
    (void)state;
    std_image(true, EM_X86_64);
    expect_ok();
    assert_true(plan.elf64);
    assert_int_equal(plan.nr_segments, 2);
    assert_seg(0, SEG0_GPA, SEG0_OFF, SEG0_SZ, SEG0_SZ);
    assert_seg(1, SEG1_GPA, SEG1_OFF, SEG1_FILESZ, SEG1_MEMSZ);
    assert_int_equal(plan.pvh_entry, ENTRY);
    assert_int_equal(plan.lowest, SEG0_GPA);
    assert_int_equal(plan.highest, SEG1_GPA + SEG1_MEMSZ);
}

static void good_elf32(void **state)
{
    (void)state;
    std_image(false, EM_386);
    expect_ok();
    assert_false(plan.elf64);
    assert_int_equal(plan.nr_segments, 2);
    assert_seg(0, SEG0_GPA, SEG0_OFF, SEG0_SZ, SEG0_SZ);
    assert_seg(1, SEG1_GPA, SEG1_OFF, SEG1_FILESZ, SEG1_MEMSZ);
    assert_int_equal(plan.pvh_entry, ENTRY);
    assert_int_equal(plan.lowest, SEG0_GPA);
    assert_int_equal(plan.highest, SEG1_GPA + SEG1_MEMSZ);
}

/* Segments listed high to low: lowest/highest still cover them; order is the file's. */
static void segments_in_any_order(void **state)
{
    (void)state;
    img_init(true, EM_X86_64);
    size_t nl = put_pvh_note(NOTE_OFF, SEG0_GPA);
    grow(0x800);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
    add_ph(PT_LOAD, 0x600, 0x300000, 0x100, 0x100);
    add_ph(PT_LOAD, 0x500, SEG0_GPA, 0x100, 0x200);
    add_ph(PT_LOAD, 0x700, 0x200000, 0x80, 0x80);
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, 3);
    assert_seg(0, 0x300000, 0x600, 0x100, 0x100);
    assert_seg(1, SEG0_GPA, 0x500, 0x100, 0x200);
    assert_seg(2, 0x200000, 0x700, 0x80, 0x80);
    assert_int_equal(plan.lowest, SEG0_GPA);
    assert_int_equal(plan.highest, 0x300100);
    assert_int_equal(plan.pvh_entry, SEG0_GPA);
}

/* memsz > filesz, including a segment that is all bss, and a segment at GPA 0. */
static void memsz_above_filesz(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    add_ph(PT_LOAD, STD_LEN, 0x400000, 0, 0x10000);        /* all bss, offset = file end */
    add_ph(PT_LOAD, SEG0_OFF, 0, 0x10, 0x1000);             /* GPA 0 */
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, 4);
    assert_seg(2, 0x400000, STD_LEN, 0, 0x10000);
    assert_seg(3, 0, SEG0_OFF, 0x10, 0x1000);
    assert_int_equal(plan.lowest, 0);
    assert_int_equal(plan.highest, 0x410000);
}

/* A PT_LOAD with memsz 0 and other segment types are not loaded. */
static void ignored_segment_types(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    add_ph(PT_LOAD, SEG0_OFF, SEG0_GPA, 0, 0);              /* empty: would overlap */
    add_ph(PT_DYNAMIC, SEG0_OFF, SEG0_GPA, 0x10, 0x10);
    add_ph(PT_GNU_STACK, 0, 0, 0, 0);
    add_ph(PT_PHDR, EH64, SEG0_GPA, 0x100, 0x100);
    add_ph(PT_NULL, 0xffffffffffffull, 0xffffffffffffull, 0xffff, 0xffff);
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, 2);
    assert_seg(0, SEG0_GPA, SEG0_OFF, SEG0_SZ, SEG0_SZ);
    assert_seg(1, SEG1_GPA, SEG1_OFF, SEG1_FILESZ, SEG1_MEMSZ);
}

/* Other notes come first: other owners, other types, the right type under other names. */
static void other_notes_first(void **state)
{
    uint8_t buildid[20];
    uint32_t e = ENTRY + 0x20, wrong = SEG0_GPA + 0x40;
    (void)state;

    memset(buildid, 0xab, sizeof(buildid));
    std_image_ph(true, EM_X86_64);
    size_t at = 0x900, start = at;
    at += put_note(at, "GNU", 4, 3, buildid, sizeof(buildid));          /* NT_GNU_BUILD_ID */
    at += put_note(at, "Xen", 4, 6, "linux", 6);                        /* GUEST_OS */
    at += put_note(at, "Xen", 4, 1, &wrong, 4);                         /* ENTRY, not PVH */
    at += put_note(at, "Linux", 6, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);
    at += put_note(at, "Xe", 3, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);
    at += put_note(at, "XenX", 5, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);
    at += put_note(at, "XenA", 4, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);  /* no NUL */
    at += put_note(at, NULL, 0, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);   /* no name */
    at += put_note(at, "Xen", 4, 0x100 + XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);
    at += put_note(at, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
    at += put_note(at, "Xen", 4, 99, NULL, 0);                          /* after it */
    /* Replace the standard note segment by one holding all of these. */
    phs[2] = (struct ph){ PT_NOTE, start, 0, at - start, at - start };
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, ENTRY + 0x20);

    /* The same notes split over two note segments: the first has only others. */
    std_image_ph(true, EM_X86_64);
    at = 0x900;
    at += put_note(at, "GNU", 4, 3, buildid, sizeof(buildid));
    at += put_note(at, "Linux", 6, XEN_ELFNOTE_PHYS32_ENTRY, &wrong, 4);
    size_t mid = at;
    at += put_note(at, "Xen", 4, 6, "linux", 6);
    at += put_note(at, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, mid - 0x900, mid - 0x900 };
    add_ph(PT_NOTE, mid, 0, at - mid, at - mid);
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, ENTRY + 0x20);

    /* The note segment listed before the PT_LOADs. */
    std_image_ph(false, EM_386);
    struct ph n = phs[2];
    phs[2] = phs[1];
    phs[1] = phs[0];
    phs[0] = n;
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, ENTRY);
}

static void desc_8_bytes(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    size_t nl = put_pvh_note8(0x900, SEG1_GPA + 0x3f);  /* last file-backed byte of seg 1 */
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, SEG1_GPA + 0x3f);

    /* In an ELF32 image too. */
    std_image_ph(false, EM_386);
    nl = put_pvh_note8(0x900, SEG0_GPA);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, SEG0_GPA);
}

/* Segments that touch are fine, in either order; one ending exactly at guest_mem too. */
static void touching_segments(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    add_ph(PT_LOAD, SEG0_OFF, SEG0_GPA + SEG0_SZ, 0x10, 0x100);        /* right after seg 0 */
    add_ph(PT_LOAD, SEG0_OFF, SEG0_GPA - 0x1000, 0x10, 0x1000);        /* right before */
    add_ph(PT_LOAD, SEG1_OFF, SEG1_GPA + SEG1_MEMSZ, 0, 0x1000);       /* after seg 1's bss */
    add_ph(PT_LOAD, SEG1_OFF, GUEST_MEM - 0x1000, 0x40, 0x1000);       /* at the very top */
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, 6);
    assert_int_equal(plan.lowest, SEG0_GPA - 0x1000);
    assert_int_equal(plan.highest, GUEST_MEM);
}

/* Exactly ELF_MAX_SEGMENTS loadable segments. */
static void max_segments(void **state)
{
    (void)state;
    img_init(true, EM_X86_64);
    phoff = 0x1000;
    size_t nl = put_pvh_note(NOTE_OFF, SEG0_GPA);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
    grow(0x800);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
        add_ph(PT_LOAD, 0x500 + i * 0x10, SEG0_GPA + i * 0x1000, 0x10, 0x1000);
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, ELF_MAX_SEGMENTS);
    assert_seg(ELF_MAX_SEGMENTS - 1, SEG0_GPA + (ELF_MAX_SEGMENTS - 1) * 0x1000,
               0x500 + (ELF_MAX_SEGMENTS - 1) * 0x10, 0x10, 0x1000);
    assert_int_equal(plan.highest, SEG0_GPA + ELF_MAX_SEGMENTS * 0x1000);
}

/* The entry at the first and last file-backed byte of a segment. */
static void entry_at_segment_edges(void **state)
{
    static const uint32_t ok[] = { SEG0_GPA, SEG0_GPA + SEG0_SZ - 1, SEG1_GPA,
                                   SEG1_GPA + SEG1_FILESZ - 1 };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
        std_image_ph(true, EM_X86_64);
        put_pvh_note(NOTE_OFF, ok[i]);
        build();
        expect_ok();
        assert_int_equal(plan.pvh_entry, ok[i]);
    }
}

/* A guest with more than 4 GiB: segments above 4 GiB, entry below. */
static void big_guest(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    guest_mem = GiB(8);
    add_ph(PT_LOAD, SEG0_OFF, GiB(4), SEG0_SZ, MiB(16));
    add_ph(PT_LOAD, SEG0_OFF, GiB(8) - 0x1000, 0x10, 0x1000);
    add_ph(PT_LOAD, SEG0_OFF, GiB(4) - 0x1000, 0x10, 0x1000);           /* touches from below */
    build();
    expect_ok();
    assert_int_equal(plan.nr_segments, 5);
    assert_int_equal(plan.highest, GiB(8));
    assert_int_equal(plan.pvh_entry, ENTRY);
}

/* ---- refusals: the header ---- */

static void not_elf_magic(void **state)
{
    static const uint8_t bad[][4] = { { 0x7f, 'E', 'L', 'G' }, { 0x7e, 'E', 'L', 'F' },
                                      { 'M', 'Z', 0x90, 0 }, { 0, 0, 0, 0 },
                                      { 0x7f, 'e', 'l', 'f' } };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image(true, EM_X86_64);
        memcpy(img, bad[i], 4);
        expect_refused("not an ELF");
    }
}

static void truncated_header(void **state)
{
    (void)state;
    /* Shorter than any ELF header: nothing to check but the refusal. */
    for (size_t len = 0; len < EH32; len++) {
        std_image(true, EM_X86_64);
        assert_int_equal(plan_len(len), -1);
        std_image(false, EM_386);
        assert_int_equal(plan_len(len), -1);
    }
    /* Long enough for an ELF32 header but not an ELF64 one. */
    for (size_t len = EH32; len < EH64; len++) {
        std_image(true, EM_X86_64);
        expect_refused_len(len, "truncated");
    }
    /* Whole headers but nothing after them: the program headers are missing. */
    std_image(true, EM_X86_64);
    expect_refused_len(EH64, "past the end");
    std_image(false, EM_386);
    expect_refused_len(EH32, "past the end");
}

static void big_endian(void **state)
{
    (void)state;
    std_image(true, EM_X86_64);
    img[5] = 2;                                             /* ELFDATA2MSB */
    expect_refused("little-endian");
    std_image(false, EM_386);
    img[5] = 2;
    expect_refused("little-endian");
    std_image(true, EM_X86_64);
    img[5] = 0;
    expect_refused("little-endian");
}

static void unknown_class(void **state)
{
    static const uint8_t cls[] = { 0, 3, 0x80, 0xff };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(cls); i++) {
        std_image(true, EM_X86_64);
        img[4] = cls[i];
        expect_refused("class");
    }
}

static void wrong_machine(void **state)
{
    (void)state;
    std_image(true, EM_386);
    expect_refused("machine");
    std_image(true, EM_ARM);
    expect_refused("machine");
    std_image(true, 0);
    expect_refused("machine");
    std_image(false, EM_ARM);
    expect_refused("machine");
    std_image(false, 0xffff);
    expect_refused("machine");
    /* ELF32 for x86-64 (what objcopy -O elf32-x86-64 makes) is accepted too. */
    std_image(false, EM_X86_64);
    expect_ok();
}

static void not_executable(void **state)
{
    static const uint16_t types[] = { 0, ET_REL, ET_DYN, 4 /* ET_CORE */, 0xfe00 };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
        std_image_ph(true, EM_X86_64);
        etype = types[i];
        build();
        expect_refused("not an executable");
        std_image_ph(false, EM_386);
        etype = types[i];
        build();
        expect_refused("not an executable");
    }
}

static void wrong_phentsize(void **state)
{
    static const uint16_t sz64[] = { 0, 1, PH32, PH64 - 1, PH64 + 1, 64, 0xffff };
    static const uint16_t sz32[] = { 0, 1, PH32 - 1, PH32 + 1, PH64, 0xffff };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(sz64); i++) {
        std_image(true, EM_X86_64);
        put16(54, sz64[i]);
        expect_refused("program header size");
    }
    for (unsigned i = 0; i < ARRAY_SIZE(sz32); i++) {
        std_image(false, EM_386);
        put16(42, sz32[i]);
        expect_refused("program header size");
    }
}

static void phnum_zero(void **state)
{
    (void)state;
    std_image(true, EM_X86_64);
    put16(56, 0);
    expect_refused("no program headers");
    std_image(false, EM_386);
    put16(44, 0);
    expect_refused("no program headers");
}

static void phdrs_past_end(void **state)
{
    static const uint64_t offs64[] = {
        STD_LEN - 3 * PH64 + 1, STD_LEN, STD_LEN + 1, 0x7fffffffffffffffull,
        UINT64_MAX, UINT64_MAX - 3 * PH64 + 2, UINT64_MAX - PH64, 0x8000000000000000ull,
        UINT64_MAX - STD_LEN,
    };
    static const uint32_t offs32[] = { STD_LEN - 3 * PH32 + 1, STD_LEN, 0xffffffffu,
                                       0xffffffffu - 3 * PH32 + 2 };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(offs64); i++) {
        std_image(true, EM_X86_64);
        put64(32, offs64[i]);
        expect_refused("past the end");
    }
    for (unsigned i = 0; i < ARRAY_SIZE(offs32); i++) {
        std_image(false, EM_386);
        put32(28, offs32[i]);
        expect_refused("past the end");
    }
    /* phnum too large for the file; and the largest phnum (65535 * 56 does not wrap, but
     * phoff + that does). */
    std_image(true, EM_X86_64);
    put16(56, 4);                     /* 64 + 4 * 56 = 288 <= STD_LEN: phdr 3 is zeros */
    expect_ok();                      /* (PT_NULL: ignored) */
    assert_int_equal(plan.nr_segments, 2);
    std_image(true, EM_X86_64);
    put16(56, (uint16_t)((STD_LEN - EH64) / PH64 + 1));
    expect_refused("past the end");
    std_image(true, EM_X86_64);
    put16(56, 0xffff);
    expect_refused("past the end");
    std_image(true, EM_X86_64);
    put16(56, 0xffff);
    put64(32, UINT64_MAX - 0xffffull * PH64 + 1);
    expect_refused("past the end");
    /* The table ends exactly at the end of the file: fine. */
    std_image_ph(true, EM_X86_64);
    phoff = STD_LEN;
    build();
    assert_int_equal(ilen, STD_LEN + 3 * PH64);
    expect_ok();
    expect_refused_len(ilen - 1, "past the end");
}

/* ---- refusals: the segments ---- */

static void segment_past_end(void **state)
{
    static const struct { uint64_t off, filesz; } bad[] = {
        { STD_LEN - 0x10, 0x11 }, { STD_LEN, 1 }, { STD_LEN + 1, 1 }, { 0, STD_LEN + 1 },
        { UINT64_MAX, 1 }, { UINT64_MAX - 0xf, 0x20 }, { 0x10, UINT64_MAX - 0xf },
        { 0x8000000000000000ull, 0x8000000000000000ull }, { UINT64_MAX, UINT64_MAX },
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        phs[1].offset = bad[i].off;
        phs[1].filesz = bad[i].filesz;
        phs[1].memsz = bad[i].filesz > SEG1_MEMSZ ? bad[i].filesz : SEG1_MEMSZ;
        if (phs[1].memsz > GUEST_MEM)
            guest_mem = UINT64_MAX;                 /* only the file can be at fault */
        build();
        expect_refused("past the end");
    }
    /* ELF32: 32-bit fields, the sum still must not wrap. */
    std_image_ph(false, EM_386);
    phs[1].offset = 0xfffffff0u;
    phs[1].filesz = 0x20;
    build();
    expect_refused("past the end");
    std_image_ph(false, EM_386);
    phs[1].offset = 0x10;
    phs[1].filesz = STD_LEN;
    phs[1].memsz = STD_LEN;
    build();
    expect_refused("past the end");
    /* Ending exactly at the end of the file is fine. */
    std_image_ph(true, EM_X86_64);
    phs[1].offset = STD_LEN - SEG1_FILESZ;
    build();
    expect_ok();
}

static void filesz_above_memsz(void **state)
{
    (void)state;
    std_image_ph(true, EM_X86_64);
    phs[0].memsz = SEG0_SZ - 1;
    build();
    expect_refused("exceeds memory size");
    std_image_ph(false, EM_386);
    phs[1].filesz = SEG1_FILESZ;
    phs[1].memsz = 1;
    build();
    expect_refused("exceeds memory size");
}

static void segment_outside_guest(void **state)
{
    static const struct { uint64_t gpa, memsz; } bad[] = {
        { GUEST_MEM - 0x800, 0x1000 }, { GUEST_MEM, 0x1000 }, { GUEST_MEM - 1, 2 },
        { 0, GUEST_MEM + 1 }, { GiB(4), 0x1000 }, { UINT64_MAX - 0xfff, 0x1000 },
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        phs[1].paddr = bad[i].gpa;
        phs[1].memsz = bad[i].memsz;
        if (phs[1].filesz > bad[i].memsz)
            phs[1].filesz = bad[i].memsz;
        build();
        expect_refused("outside the guest");
    }
    std_image_ph(false, EM_386);
    phs[1].paddr = 0xfffff000u;
    build();
    expect_refused("outside the guest");
    /* The limit is guest_mem itself: a smaller guest refuses the standard image. */
    std_image(true, EM_X86_64);
    guest_mem = SEG1_GPA + SEG1_MEMSZ - 1;
    expect_refused("outside the guest");
    guest_mem = SEG1_GPA + SEG1_MEMSZ;
    expect_ok();
    guest_mem = 0;
    expect_refused("outside the guest");
}

/* paddr + memsz wraps past 2^64: refused however large the guest is said to be. */
static void segment_wraps(void **state)
{
    static const struct { uint64_t gpa, memsz; } bad[] = {
        { UINT64_MAX - 0xfff, 0x2000 }, { UINT64_MAX, 1 }, { UINT64_MAX, UINT64_MAX },
        { 0x8000000000000000ull, 0x8000000000000000ull }, { 0x1000, UINT64_MAX },
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        guest_mem = UINT64_MAX;
        phs[1].paddr = bad[i].gpa;
        phs[1].memsz = bad[i].memsz;
        if (phs[1].filesz > bad[i].memsz)
            phs[1].filesz = bad[i].memsz;
        build();
        expect_refused("outside the guest");
        guest_mem = GUEST_MEM;
        expect_refused("outside the guest");
    }
    /* A wrapped segment that would otherwise "overlap" nothing and end below seg 0. */
    std_image_ph(true, EM_X86_64);
    guest_mem = UINT64_MAX;
    add_ph(PT_LOAD, SEG0_OFF, UINT64_MAX - 0xf, 0x10, 0x1010);
    build();
    expect_refused("outside the guest");
}

static void overlapping_segments(void **state)
{
    static const struct { uint64_t gpa, memsz; } bad[] = {
        { SEG0_GPA, SEG0_SZ },                      /* identical */
        { SEG0_GPA + 0x80, 0x1000 },                /* starts inside */
        { SEG0_GPA - 0x10, 0x11 },                  /* ends one byte inside */
        { SEG0_GPA + SEG0_SZ - 1, 1 },              /* last byte */
        { SEG0_GPA + 0x10, 0x10 },                  /* contained */
        { 0, 0x1000000 },                           /* contains both */
        { SEG1_GPA + SEG1_MEMSZ - 1, 0x10 },        /* in seg 1's bss */
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        add_ph(PT_LOAD, SEG0_OFF, bad[i].gpa, 0x1, bad[i].memsz);
        build();
        expect_refused("overlaps");
        /* The same listed first: the later standard segment is the one refused. */
        std_image_ph(false, EM_386);
        struct ph p = { PT_LOAD, SEG0_OFF, bad[i].gpa, 0x1, bad[i].memsz };
        phs[3] = phs[2];
        phs[2] = phs[1];
        phs[1] = phs[0];
        phs[0] = p;
        nph = 4;
        build();
        expect_refused("overlaps");
    }
}

static void too_many_segments(void **state)
{
    (void)state;
    img_init(true, EM_X86_64);
    phoff = 0x1000;
    size_t nl = put_pvh_note(NOTE_OFF, SEG0_GPA);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
    grow(0x800);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
        add_ph(PT_LOAD, 0x500 + i * 0x10, SEG0_GPA + i * 0x1000, 0x10, 0x1000);
    build();
    expect_refused("more than");
    assert_non_null(strstr(err, "16"));
    /* Many more (ELF32 too). */
    img_init(false, EM_386);
    phoff = 0x1000;
    nl = put_pvh_note(NOTE_OFF, SEG0_GPA);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
    grow(0x800);
    for (unsigned i = 0; i < MAX_PH - 1; i++)
        add_ph(PT_LOAD, 0x500 + i * 0x10, SEG0_GPA + i * 0x1000, 0x10, 0x1000);
    build();
    expect_refused("more than");
}

static void no_loadable_segment(void **state)
{
    (void)state;
    img_init(true, EM_X86_64);
    size_t nl = put_pvh_note(NOTE_OFF, SEG0_GPA);
    grow(0x800);
    add_ph(PT_NOTE, NOTE_OFF, 0, nl, nl);
    add_ph(PT_LOAD, 0x500, SEG0_GPA, 0, 0);
    add_ph(PT_DYNAMIC, 0x500, SEG0_GPA, 0x10, 0x10);
    add_ph(PT_GNU_STACK, 0, 0, 0, 0);
    build();
    expect_refused("no loadable segment");
    img_init(false, EM_386);
    grow(0x100);
    add_ph(PT_NULL, 0, 0, 0, 0);
    build();
    expect_refused("no loadable segment");
}

/* ---- refusals: the PVH note ---- */

static void no_note(void **state)
{
    uint32_t e = ENTRY;
    (void)state;
    /* No note segment at all. */
    std_image_ph(true, EM_X86_64);
    nph = 2;
    build();
    expect_refused("no PVH entry");
    /* A note segment without the note. */
    std_image_ph(true, EM_X86_64);
    size_t nl = put_note(0x900, "GNU", 4, XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
    nl += put_note(0x900 + nl, "Xen", 4, 17, &e, 4);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    expect_refused("no PVH entry");
    /* The note is in the file but not in the note segment (which stops just before it). */
    std_image_ph(true, EM_X86_64);
    phs[2].filesz = phs[2].memsz = 0;
    build();
    expect_refused("no PVH entry");
    /* A note segment too short for a note header. */
    std_image_ph(true, EM_X86_64);
    phs[2].filesz = phs[2].memsz = 11;
    build();
    expect_refused("no PVH entry");
    /* The note only in a PT_LOAD's bytes, not a PT_NOTE. */
    std_image_ph(true, EM_X86_64);
    phs[2].type = PT_LOAD;
    phs[2].paddr = 0x300000;
    build();
    expect_refused("no PVH entry");
}

/* namesz/descsz larger than what is left of the note segment, including huge values. */
static void note_runs_past_segment(void **state)
{
    static const struct { uint32_t namesz, descsz; } bad[] = {
        { 4, 5 }, { 4, 8 }, { 9, 4 }, { 0x100, 4 }, { 4, 0x100 }, { 0xffffffffu, 4 },
        { 4, 0xffffffffu }, { 0xffffffffu, 0xffffffffu }, { 0xfffffffdu, 0 },
        { 0, 0xfffffffdu }, { 0x80000000u, 0x80000000u },
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image(true, EM_X86_64);
        put32(NOTE_OFF, bad[i].namesz);
        put32(NOTE_OFF + 4, bad[i].descsz);
        expect_refused("note");
        /* The same as an earlier, foreign note. */
        std_image_ph(false, EM_386);
        uint32_t e = ENTRY;
        size_t nl = put_note(0x900, "GNU", 4, 3, &e, 4);
        nl += put_pvh_note(0x900 + nl, ENTRY);
        put32(0x900, bad[i].namesz);
        put32(0x904, bad[i].descsz);
        phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
        build();
        expect_refused("note");
    }
    /* The note segment itself runs past the end of the file (and wraps). */
    std_image_ph(true, EM_X86_64);
    phs[2].filesz = STD_LEN - NOTE_OFF + 1;
    build();
    expect_refused("past the end");
    std_image_ph(true, EM_X86_64);
    phs[2].offset = UINT64_MAX - 4;
    build();
    expect_refused("past the end");
    std_image_ph(true, EM_X86_64);
    phs[2].filesz = UINT64_MAX - NOTE_OFF + 1;
    build();
    expect_refused("past the end");
    /* A note segment ending at the end of the file, note exactly fitting: fine. */
    std_image_ph(true, EM_X86_64);
    size_t nl = put_pvh_note(STD_LEN, ENTRY);
    phs[2] = (struct ph){ PT_NOTE, STD_LEN, 0, nl, nl };
    build();
    assert_int_equal(ilen, STD_LEN + nl);
    expect_ok();
    /* ... with the descriptor cut short by the segment's end. */
    phs[2].filesz = nl - 1;
    build();
    expect_refused("note");
}

static void bad_desc_size(void **state)
{
    static const uint32_t sizes[] = { 0, 1, 2, 3, 5, 6, 7, 12, 16 };
    uint8_t desc[16];
    (void)state;
    memset(desc, 0, sizeof(desc));
    memcpy(desc, &(uint32_t){ ENTRY }, 4);
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        std_image_ph(true, EM_X86_64);
        size_t nl = put_note(0x900, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, desc, sizes[i]);
        phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
        build();
        int r = do_plan();
        if (r != -1)
            fail_msg("descriptor of %u bytes accepted (entry %#llx)", sizes[i],
                     (unsigned long long)plan.pvh_entry);
        assert_non_null(strstr(err, "note"));
    }
}

/* ---- refusals: the entry point ---- */

static void entry_outside_segments(void **state)
{
    static const uint32_t bad[] = {
        0, SEG0_GPA - 1, SEG0_GPA + SEG0_SZ, 0x150000, SEG1_GPA - 1,
        SEG1_GPA + SEG1_MEMSZ, 0x3000000, GUEST_MEM, 0xfffffff0u, 0xffffffffu,
    };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        put_pvh_note(NOTE_OFF, bad[i]);
        build();
        expect_refused("not inside any loaded segment");
        std_image_ph(false, EM_386);
        put_pvh_note(NOTE_OFF, bad[i]);
        build();
        expect_refused("not inside any loaded segment");
    }
    /* Inside a PT_LOAD of memsz 0, or another type of segment: not loaded. */
    std_image_ph(true, EM_X86_64);
    add_ph(PT_LOAD, SEG0_OFF, 0x500000, 0, 0);
    add_ph(PT_DYNAMIC, SEG0_OFF, 0x600000, 0x10, 0x10);
    size_t nl = put_pvh_note(NOTE_OFF, 0x500000);
    nl += put_pvh_note(NOTE_OFF + nl, 0x600000);
    phs[2].filesz = phs[2].memsz = nl;
    build();
    expect_refused("not inside any loaded segment");
}

/* The entry must be in file-backed bytes: bss is zeros, not code. */
static void entry_in_bss(void **state)
{
    static const uint32_t bad[] = { SEG1_GPA + SEG1_FILESZ, SEG1_GPA + 0x800,
                                    SEG1_GPA + SEG1_MEMSZ - 1 };
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        std_image_ph(true, EM_X86_64);
        put_pvh_note(NOTE_OFF, bad[i]);
        build();
        expect_refused("not inside any loaded segment");
    }
    /* A segment that is all bss. */
    std_image_ph(true, EM_X86_64);
    add_ph(PT_LOAD, 0, 0x400000, 0, 0x1000);
    put_pvh_note(NOTE_OFF, 0x400000);
    build();
    expect_refused("not inside any loaded segment");
}

static void entry_above_4g(void **state)
{
    (void)state;
    /* A guest with 8 GiB and a segment above 4 GiB holding the entry. */
    std_image_ph(true, EM_X86_64);
    guest_mem = GiB(8);
    add_ph(PT_LOAD, SEG0_OFF, GiB(4), SEG0_SZ, SEG0_SZ);
    size_t nl = put_pvh_note8(0x900, GiB(4) + 0x10);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    expect_refused("above 4 GiB");
    /* A segment straddling 4 GiB, entry just above. */
    std_image_ph(true, EM_X86_64);
    guest_mem = GiB(8);
    add_ph(PT_LOAD, SEG0_OFF, GiB(4) - 0x80, SEG0_SZ, SEG0_SZ);
    nl = put_pvh_note8(0x900, GiB(4));
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    expect_refused("above 4 GiB");
    /* ... and at its last byte below 4 GiB: fine. */
    put_pvh_note8(0x900, GiB(4) - 1);
    build();
    expect_ok();
    assert_int_equal(plan.pvh_entry, GiB(4) - 1);
    /* An 8-byte entry whose low 32 bits point into a segment: not truncated. */
    std_image_ph(true, EM_X86_64);
    nl = put_pvh_note8(0x900, GiB(4) + ENTRY);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    assert_int_equal(do_plan(), -1);
    assert_true(strstr(err, "not inside any loaded segment") || strstr(err, "above 4 GiB"));
    std_image_ph(true, EM_X86_64);
    nl = put_pvh_note8(0x900, 0xffffffff00000000ull | ENTRY);
    phs[2] = (struct ph){ PT_NOTE, 0x900, 0, nl, nl };
    build();
    assert_int_equal(do_plan(), -1);
}

/* ---- robustness ---- */

/* The caller's error buffer: truncated to its size, and a size of 1 gets just the NUL. */
static void small_error_buffer(void **state)
{
    char small[8];
    (void)state;
    std_image(true, EM_X86_64);
    img[0] = 0;
    void *p = guarded_copy(img, ilen);
    memset(small, 0x5a, sizeof(small));
    assert_int_equal(elf_plan(p, ilen, GUEST_MEM, &plan, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    memset(small, 0x5a, sizeof(small));
    assert_int_equal(elf_plan(p, ilen, GUEST_MEM, &plan, small, 1), -1);
    assert_int_equal(small[0], 0);
    assert_int_equal((uint8_t)small[1], 0x5a);
    guarded_free(p);
    /* A NULL image is not an ELF file. */
    assert_int_equal(elf_plan(NULL, 0, GUEST_MEM, &plan, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not an ELF"));
}

static bool seg_inside(uint64_t a, uint64_t n, uint64_t limit)
{
    return a <= limit && n <= limit - a;
}

/* What the plan must satisfy whenever elf_plan accepts `len` bytes of img. */
static void check_plan(size_t len)
{
    assert_true(plan.nr_segments >= 1 && plan.nr_segments <= ELF_MAX_SEGMENTS);
    assert_int_equal(plan.elf64, img[4] == 2);
    uint64_t lo = UINT64_MAX, hi = 0;
    bool entry_ok = false;
    for (uint32_t i = 0; i < plan.nr_segments; i++) {
        const struct load_segment *s = &plan.seg[i];
        assert_true(s->memsz > 0);
        assert_true(s->filesz <= s->memsz);
        assert_true(seg_inside(s->file_off, s->filesz, len));
        assert_true(seg_inside(s->gpa, s->memsz, guest_mem));
        for (uint32_t j = 0; j < i; j++) {
            const struct load_segment *t = &plan.seg[j];
            assert_false(s->gpa < t->gpa + t->memsz && t->gpa < s->gpa + s->memsz);
        }
        if (s->gpa < lo)
            lo = s->gpa;
        if (s->gpa + s->memsz > hi)
            hi = s->gpa + s->memsz;
        if (plan.pvh_entry >= s->gpa && plan.pvh_entry - s->gpa < s->filesz)
            entry_ok = true;
    }
    assert_true(entry_ok);
    assert_true(plan.pvh_entry <= 0xffffffffull);
    assert_int_equal(plan.lowest, lo);
    assert_int_equal(plan.highest, hi);

    /* The segments are the file's PT_LOADs with memsz != 0, in order (read independently). */
    bool is64 = img[4] == 2;
    uint64_t po = is64 ? get64(img + 32) : get32(img + 28);
    unsigned n = is64 ? get16(img + 56) : get16(img + 44), k = 0;
    size_t pe = is64 ? PH64 : PH32;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *h = img + po + i * pe;
        uint64_t off, pa, fs, ms;
        if (get32(h) != PT_LOAD)
            continue;
        if (is64) {
            off = get64(h + 8), pa = get64(h + 24), fs = get64(h + 32), ms = get64(h + 40);
        } else {
            off = get32(h + 4), pa = get32(h + 12), fs = get32(h + 16), ms = get32(h + 20);
        }
        if (!ms)
            continue;
        assert_true(k < plan.nr_segments);
        assert_int_equal(plan.seg[k].gpa, pa);
        assert_int_equal(plan.seg[k].file_off, off);
        assert_int_equal(plan.seg[k].filesz, fs);
        assert_int_equal(plan.seg[k].memsz, ms);
        k++;
    }
    assert_int_equal(k, plan.nr_segments);
}

static void fuzz(bool is64, uint64_t seed, int iters)
{
    static uint8_t good[IMG_MAX];
    size_t good_len, hdr_end;
    unsigned accepted = 0;

    /* The standard image with a third PT_LOAD and a note segment of several notes, so
     * that mutations can make segments overlap, notes malformed, the entry move... */
    std_image_ph(is64, is64 ? EM_X86_64 : EM_386);
    add_ph(PT_LOAD, SEG0_OFF + 0x80, 0x180000, 0x80, 0x2000);
    size_t nl = put_note(STD_LEN, "GNU", 4, 3, "abcdefgh", 8);
    nl += put_pvh_note(STD_LEN + nl, ENTRY);
    phs[2] = (struct ph){ PT_NOTE, STD_LEN, 0, nl, nl };
    build();
    good_len = ilen;
    memcpy(good, img, good_len);
    hdr_end = (is64 ? EH64 : EH32) + nph * (is64 ? PH64 : PH32);
    expect_ok();

    for (int iter = 0; iter < iters; iter++) {
        memcpy(img, good, good_len);
        int nmut = 1 + (int)(unit_rand(&seed) % 4);
        for (int k = 0; k < nmut; k++) {
            uint64_t r = unit_rand(&seed);
            size_t at;
            switch (r % 4) {
            case 0: case 1: at = (size_t)((r >> 8) % hdr_end); break;          /* headers */
            case 2: at = STD_LEN + (size_t)((r >> 8) % nl); break;            /* notes */
            default: at = (size_t)((r >> 8) % good_len); break;
            }
            switch ((r >> 40) % 4) {
            case 0: img[at] = (uint8_t)unit_rand(&seed); break;
            case 1: img[at] ^= (uint8_t)(1u << ((r >> 48) % 8)); break;
            case 2: img[at] = (uint8_t)((r >> 48) % 20); break;
            default: img[at] = (r >> 48) & 1 ? 0xff : 0; break;
            }
        }
        size_t len = good_len;
        if (unit_rand(&seed) % 8 == 0)
            len = (size_t)(unit_rand(&seed) % (good_len + 1));
        int r = plan_len(len);
        assert_true(r == 0 || r == -1);
        if (r == 0) {
            accepted++;
            check_plan(len);
        }
    }
    /* The mutations must not all be fatal (nor all harmless). */
    assert_true(accepted > (unsigned)iters / 50);
    assert_true(accepted < (unsigned)iters - iters / 50);
}

static void mutation_fuzz64(void **state)
{
    (void)state;
    fuzz(true, 0x6b65656c656c6636ull, 20000);
}

static void mutation_fuzz32(void **state)
{
    (void)state;
    fuzz(false, 0x6b65656c656c6633ull, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_elf64),
        cmocka_unit_test(good_elf32),
        cmocka_unit_test(segments_in_any_order),
        cmocka_unit_test(memsz_above_filesz),
        cmocka_unit_test(ignored_segment_types),
        cmocka_unit_test(other_notes_first),
        cmocka_unit_test(desc_8_bytes),
        cmocka_unit_test(touching_segments),
        cmocka_unit_test(max_segments),
        cmocka_unit_test(entry_at_segment_edges),
        cmocka_unit_test(big_guest),
        cmocka_unit_test(not_elf_magic),
        cmocka_unit_test(truncated_header),
        cmocka_unit_test(big_endian),
        cmocka_unit_test(unknown_class),
        cmocka_unit_test(wrong_machine),
        cmocka_unit_test(not_executable),
        cmocka_unit_test(wrong_phentsize),
        cmocka_unit_test(phnum_zero),
        cmocka_unit_test(phdrs_past_end),
        cmocka_unit_test(segment_past_end),
        cmocka_unit_test(filesz_above_memsz),
        cmocka_unit_test(segment_outside_guest),
        cmocka_unit_test(segment_wraps),
        cmocka_unit_test(overlapping_segments),
        cmocka_unit_test(too_many_segments),
        cmocka_unit_test(no_loadable_segment),
        cmocka_unit_test(no_note),
        cmocka_unit_test(note_runs_past_segment),
        cmocka_unit_test(bad_desc_size),
        cmocka_unit_test(entry_outside_segments),
        cmocka_unit_test(entry_in_bss),
        cmocka_unit_test(entry_above_4g),
        cmocka_unit_test(small_error_buffer),
        cmocka_unit_test(mutation_fuzz64),
        cmocka_unit_test(mutation_fuzz32),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
