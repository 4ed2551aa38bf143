/*
 * Host tests of keel.efi's pure parts (`make efi-host-test`; built with AddressSanitizer
 * and UBSan, so a read outside its input ends the test): keel.cfg parsing, the check of
 * keel.elf, and the EFI memory map conversion — on good input, on each kind of bad input,
 * and on randomly damaged copies of good input. Optional argument: a real keel.elf, which
 * must pass the check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_efi.h"

static int failures, checks;

#define CHECK(cond, ...) do {                                                   \
        checks++;                                                               \
        if (!(cond)) {                                                          \
            failures++;                                                         \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            printf(__VA_ARGS__);                                                \
            printf("\n");                                                       \
        }                                                                       \
    } while (0)

/* ---- keel.cfg ---- */

static struct kcfg cfg;
static char err[200];

/* Parses a copy in a buffer of exactly the text's size (ASan catches over-reads). */
static int parse(const char *text, size_t len)
{
    char *buf = malloc(len ? len : 1);
    memcpy(buf, text, len);
    int r = kcfg_parse(buf, len, &cfg, err, sizeof(err));
    free(buf);
    return r;
}

static int parse_s(const char *text)
{
    return parse(text, strlen(text));
}

static void expect_error(const char *text, const char *want)
{
    int r = parse_s(text);
    CHECK(r == -1 && strstr(err, want), "config %.40s...: got %d '%s', want '%s'", text, r,
          err, want);
}

static void test_config(void)
{
    int r = parse_s("# comment\r\n\r\n  kernel = \\keel\\keel.elf  \r\n"
                    "cmdline=loglvl=info\tsmp=2 \r\n"
                    "module=/keel/guest-a.elf guest-a.elf mem=16M\n"
                    "\tmodule=b.elf\n");
    CHECK(r == 0, "good config: %s", err);
    CHECK(!strcmp(cfg.kernel, "\\keel\\keel.elf"), "kernel '%s'", cfg.kernel);
    CHECK(!strcmp(cfg.cmdline, "loglvl=info smp=2"), "cmdline '%s'", cfg.cmdline);
    CHECK(cfg.nr_modules == 2, "%u modules", cfg.nr_modules);
    CHECK(!strcmp(cfg.modules[0].path, "\\keel\\guest-a.elf"), "path '%s'", cfg.modules[0].path);
    CHECK(!strcmp(cfg.modules[0].cmdline, "guest-a.elf mem=16M"), "'%s'", cfg.modules[0].cmdline);
    CHECK(!strcmp(cfg.modules[1].path, "b.elf") && !cfg.modules[1].cmdline[0], "module 2");

    CHECK(parse_s("kernel=k") == 0 && !cfg.cmdline[0] && !cfg.nr_modules, "minimal: %s", err);
    CHECK(parse_s("kernel=k\n") == 0, "final newline: %s", err);
    CHECK(parse("kernel=k", 0) == -1 && strstr(err, "no kernel="), "empty file: '%s'", err);

    expect_error("cmdline=x", "no kernel= line");
    expect_error("kernel=a\nkernel=b", "line 2: kernel= given twice (first on line 1)");
    expect_error("kernel=a\ncmdline=x\ncmdline=y", "line 3: cmdline= given twice");
    expect_error("kernel=a\r\n\r\nthis line does not parse",
                 "line 3: expected key=value (kernel=, cmdline= or module=), found "
                 "'this line does not parse'");
    expect_error("kernel=a\n=x", "line 2: expected key=value");
    expect_error("ker nel=a", "line 1: expected key=value");
    expect_error("kernel=a\ncolour=blue", "line 2: unknown key 'colour'");
    expect_error("Kernel=a", "unknown key 'Kernel'");
    expect_error("kernel=", "line 1: kernel= needs a file name");
    expect_error("kernel=a\nmodule=", "line 2: module= needs a file name");
    expect_error("kernel=a b", "kernel= takes one file name");
    expect_error("kernel=a*b", "contains '*'");
    expect_error("kernel=a\ncmdline=caf\xc3\xa9", "line 2: character 0xc3 is not printable ASCII");
    expect_error("kernel=a\ncmdline=a\x01", "character 0x1 is not printable");
    CHECK(parse("kernel=a\nx\0y", 11) == -1 && strstr(err, "line 2: NUL byte in the text"),
          "NUL: '%s'", err);

    /* Lengths: what fits in boot_info fits, one more does not. */
    static char big[KCFG_MAX_SIZE + 2];
    memset(big, 'a', sizeof(big));
    memcpy(big, "kernel=k\ncmdline=", 17);
    big[17 + BOOT_CMDLINE_MAX - 1] = '\0';
    CHECK(parse_s(big) == 0 && strlen(cfg.cmdline) == BOOT_CMDLINE_MAX - 1, "longest cmdline");
    big[17 + BOOT_CMDLINE_MAX - 1] = 'a';
    big[17 + BOOT_CMDLINE_MAX] = '\0';
    CHECK(parse_s(big) == -1 && strstr(err, "line 2: cmdline= is 512 bytes long; at most 511"),
          "cmdline too long: '%s'", err);
    memset(big, 'a', sizeof(big));
    memcpy(big, "kernel=", 7);
    big[7 + KCFG_PATH_MAX] = '\0';
    CHECK(parse_s(big) == -1 && strstr(err, "file name is 256 bytes long"), "path: '%s'", err);
    memset(big, 'a', sizeof(big));
    memcpy(big, "kernel=k\nmodule=m ", 18);
    big[18 + BOOT_MODULE_CMDLINE_MAX] = '\0';
    CHECK(parse_s(big) == -1 && strstr(err, "module's command line is 256 bytes"), "'%s'", err);
    big[18 + BOOT_MODULE_CMDLINE_MAX - 1] = '\0';
    CHECK(parse_s(big) == 0, "longest module command line: %s", err);
    memset(big, '#', sizeof(big));
    CHECK(parse(big, KCFG_MAX_SIZE + 1) == -1 && strstr(err, "at most 65536"), "'%s'", err);

    char many[2048] = "kernel=k\n";
    for (int i = 0; i < BOOT_MAX_MODULES; i++)
        strcat(many, "module=m x\n");
    CHECK(parse_s(many) == 0 && cfg.nr_modules == BOOT_MAX_MODULES, "16 modules: %s", err);
    strcat(many, "module=m\n");
    CHECK(parse_s(many) == -1 && strstr(err, "line 18: more than 16 modules"), "'%s'", err);

    /* Damaged copies of a good file: never a crash, always a verdict with a reason. */
    const char *good = "# keel\nkernel=\\keel\\keel.elf\ncmdline=loglvl=info test_exit=1\n"
                       "module=\\keel\\g.elf g.elf mem=16M\n";
    size_t glen = strlen(good);
    char buf[256];
    srand(8);
    for (int i = 0; i < 200000; i++) {
        size_t len = glen;
        memcpy(buf, good, glen);
        for (int k = rand() % 4 + 1; k > 0 && len; k--) {
            size_t at = (size_t)rand() % len;
            switch (rand() % 3) {
            case 0: buf[at] = (char)rand(); break;
            case 1: buf[at] = "=\n\r\t #\\/ :"[rand() % 10]; break;
            default: len = at; break;
            }
        }
        int r = parse(buf, len);
        CHECK(r == 0 || (r == -1 && err[0]), "damaged config: %d, '%s'", r, err);
        if (r == 0)
            CHECK(cfg.kernel[0] && memchr(cfg.cmdline, 0, sizeof(cfg.cmdline)), "bad result");
    }
}

/* ---- keel.elf ---- */

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define IMG_SIZE 0x3000
static uint8_t img[IMG_SIZE];
static struct ehdr *eh = (struct ehdr *)img;
static struct phdr *ph = (struct phdr *)(img + 64);   /* [0] text, [1] data, [2] note */
static struct keel_uefi_note_image *note = (struct keel_uefi_note_image *)(img + 0x200);
static struct kelf_plan plan;

/* A small valid image: text at 1 MiB (file 0x1000, 0x1000 bytes), data+bss at 1 MiB +
 * 0x1000 (file 0x2000, 0x800 bytes, 0x3000 in memory), a Keel note at file offset 0x200. */
static void make_elf(void)
{
    memset(img, 0, sizeof(img));
    memcpy(eh->ident, "\177ELF\2\1\1", 7);
    eh->type = 2;
    eh->machine = 62;
    eh->version = 1;
    eh->entry = 0x100000;
    eh->phoff = 64;
    eh->ehsize = 64;
    eh->phentsize = sizeof(struct phdr);
    eh->phnum = 3;
    ph[0] = (struct phdr){ 1, 5, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000, 0x1000 };
    ph[1] = (struct phdr){ 1, 6, 0x2000, 0x101000, 0x101000, 0x800, 0x3000, 0x1000 };
    ph[2] = (struct phdr){ 4, 4, 0x200, 0, 0, sizeof(*note), sizeof(*note), 4 };
    note->namesz = KEEL_NOTE_NAMESZ;
    note->descsz = sizeof(note->desc);
    note->type = KEEL_NOTE_UEFI_ENTRY;
    memcpy(note->name, KEEL_NOTE_NAME, 5);
    note->desc.entry = 0x100040;
    note->desc.boot_info_size = sizeof(struct boot_info);
    note->desc.version = KEEL_UEFI_HANDOFF_VERSION;
}

static int check_img(const void *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    int r = kelf_check(copy, len, &plan, err, sizeof(err));
    free(copy);
    return r;
}

#define ELF_BAD(change, want) do {                                              \
        make_elf();                                                             \
        change;                                                                 \
        int r_ = check_img(img, sizeof(img));                                   \
        CHECK(r_ == -1 && strstr(err, want), "%s: got %d '%s', want '%s'",      \
              #change, r_, err, want);                                          \
    } while (0)

static void test_elf(const char *real)
{
    make_elf();
    int r = check_img(img, sizeof(img));
    CHECK(r == 0, "good image: %s", err);
    CHECK(plan.nr_segments == 2 && plan.lo == 0x100000 && plan.hi == 0x104000 &&
          plan.entry == 0x100040, "plan: %u segments %#llx-%#llx entry %#llx",
          plan.nr_segments, (unsigned long long)plan.lo, (unsigned long long)plan.hi,
          (unsigned long long)plan.entry);
    CHECK(plan.seg[1].filesz == 0x800 && plan.seg[1].memsz == 0x3000, "data segment");

    CHECK(check_img(img, 10) == -1 && strstr(err, "too short"), "short: %s", err);
    CHECK(check_img(img, 0) == -1 && strstr(err, "no ELF magic"), "empty: %s", err);
    CHECK(check_img("kernel=x\n", 9) == -1 && strstr(err, "no ELF magic"), "text: %s", err);
    CHECK(check_img(img, 0x2400) == -1 && strstr(err, "data lies outside the file"),
          "truncated inside a segment: %s", err);
    ELF_BAD(img[1] = 'X', "no ELF magic");
    ELF_BAD(eh->ident[4] = 1, "not a little-endian 64-bit");
    ELF_BAD(eh->ident[5] = 2, "not a little-endian 64-bit");
    ELF_BAD(eh->machine = 3, "not an x86-64 executable");
    ELF_BAD(eh->type = 3, "not an x86-64 executable");
    ELF_BAD(eh->phentsize = 32, "impossible entry size");
    ELF_BAD(eh->phnum = 0, "impossible entry size or count");
    ELF_BAD(eh->phnum = 65535, "impossible entry size or count");
    ELF_BAD(eh->phoff = IMG_SIZE - 100, "program header table lies outside");
    ELF_BAD(eh->phoff = UINT64_MAX - 8, "program header table lies outside");
    ELF_BAD(ph[0].offset = IMG_SIZE, "data lies outside the file");
    ELF_BAD(ph[0].offset = UINT64_MAX - 0x10, "data lies outside the file");
    ELF_BAD(ph[0].filesz = UINT64_MAX, "data lies outside the file");
    ELF_BAD(ph[1].filesz = 0x1000; ph[1].memsz = 0x800, "more file data than memory");
    ELF_BAD(ph[0].vaddr = 0xffffffff80100000ull, "virtual and physical addresses differ");
    ELF_BAD(ph[0].paddr = ph[0].vaddr = 0xff000, "outside 1 MiB - 4 GiB");
    ELF_BAD(ph[1].paddr = ph[1].vaddr = 0xfffff000, "outside 1 MiB - 4 GiB");
    ELF_BAD(ph[1].paddr = ph[1].vaddr = 0x100001000ull, "outside 1 MiB - 4 GiB");
    ELF_BAD(ph[1].paddr = ph[1].vaddr = UINT64_MAX - 0x1000, "outside 1 MiB - 4 GiB");
    ELF_BAD(ph[1].memsz = UINT64_MAX, "outside 1 MiB - 4 GiB");
    ELF_BAD(ph[1].paddr = ph[1].vaddr = 0x100800, "two PT_LOAD segments overlap");
    ELF_BAD(ph[1].paddr = ph[1].vaddr = 0x20000000, "span more than 256 MiB");
    ELF_BAD(ph[0].type = 6; ph[1].type = 6, "nothing to load");
    ELF_BAD(ph[2].type = 6, "no Keel UEFI entry note");
    ELF_BAD(note->name[0] = 'X', "no Keel UEFI entry note");
    ELF_BAD(note->type = 1, "no Keel UEFI entry note");
    ELF_BAD(note->descsz = 8; ph[2].filesz -= 8, "wrong size");
    ELF_BAD(note->namesz = 0xffffffff, "runs past its PT_NOTE segment");
    ELF_BAD(note->descsz = 0xfffffffd, "runs past its PT_NOTE segment");
    ELF_BAD(ph[2].filesz = 8, "ends inside a note header");
    ELF_BAD(ph[2].offset = IMG_SIZE - 4, "PT_NOTE segment lies outside");
    ELF_BAD(ph[2].filesz = UINT64_MAX, "PT_NOTE segment lies outside");
    ELF_BAD(note->desc.boot_info_size += 8, "another struct boot_info");
    ELF_BAD(note->desc.version = 99, "another struct boot_info");
    ELF_BAD(note->desc.entry = 0x101000, "not inside an executable segment");
    ELF_BAD(note->desc.entry = 0x0fffff, "not inside an executable segment");
    ELF_BAD(ph[0].filesz = 0x20, "not inside an executable segment");   /* entry in "bss" */
    ELF_BAD(ph[0].flags = 4, "not inside an executable segment");
    /* Two Keel notes (the same PT_NOTE listed twice). */
    ELF_BAD(ph[1].type = 4; ph[1].offset = 0x200; ph[1].filesz = sizeof(*note),
            "two Keel UEFI entry notes");

    /* Other notes are skipped; a zero-size PT_LOAD is ignored. */
    make_elf();
    memmove(img + 0x200 + 16, note, sizeof(*note));
    uint32_t other[4] = { 4, 0, 1, 0x554e47 };          /* "GNU" note, no descriptor */
    memcpy(img + 0x200, other, 16);
    ph[2].filesz = 16 + sizeof(*note);
    ph[1].memsz = 0;
    ph[1].filesz = 0;
    CHECK(check_img(img, sizeof(img)) == 0 && plan.nr_segments == 1, "other note: %s", err);

    /* 17 loadable segments. */
    static uint8_t many[0x10000];
    make_elf();
    memcpy(many, img, sizeof(img));
    struct ehdr *e2 = (struct ehdr *)many;
    struct phdr *p2 = (struct phdr *)(many + 0x4000);
    e2->phoff = 0x4000;
    e2->phnum = 18;
    p2[0] = ph[2];
    for (int i = 1; i < 18; i++)
        p2[i] = (struct phdr){ 1, 5, 0x1000, 0x100000 + 0x1000ull * i, 0x100000 + 0x1000ull * i,
                               0x100, 0x100, 0x1000 };
    note->desc.entry = 0x101000;
    memcpy(many + 0x200, note, sizeof(*note));
    CHECK(check_img(many, sizeof(many)) == -1 && strstr(err, "more than 16"), "'%s'", err);
    e2->phnum = 17;
    CHECK(check_img(many, sizeof(many)) == 0 && plan.nr_segments == 16, "16: %s", err);

    /* Damaged copies: never a crash; anything accepted stays in bounds. */
    static uint8_t bad[IMG_SIZE];
    srand(12);
    for (int i = 0; i < 300000; i++) {
        make_elf();
        memcpy(bad, img, sizeof(img));
        size_t len = sizeof(bad);
        for (int k = rand() % 3 + 1; k > 0; k--) {
            size_t at = (size_t)rand() % 0x260;          /* headers and the note */
            if (rand() % 8 == 0)
                len = (size_t)rand() % sizeof(bad);
            else if (rand() % 2)
                bad[at] = (uint8_t)rand();
            else
                bad[at] ^= (uint8_t)(1u << (rand() % 8));
        }
        int r2 = check_img(bad, len);
        CHECK(r2 == 0 || (r2 == -1 && err[0]), "damaged image: %d", r2);
        if (r2 == 0) {
            CHECK(plan.lo >= KEEL_IMAGE_MIN && plan.hi <= KEEL_IMAGE_LIMIT && plan.lo < plan.hi,
                  "accepted out of range");
            for (uint32_t s = 0; s < plan.nr_segments; s++)
                CHECK(plan.seg[s].offset + plan.seg[s].filesz <= len &&
                      plan.seg[s].filesz <= plan.seg[s].memsz, "accepted outside the file");
        }
    }

    if (real) {
        FILE *f = fopen(real, "rb");
        CHECK(f, "cannot open %s", real);
        if (f) {
            static uint8_t file[16 << 20];
            size_t n = fread(file, 1, sizeof(file), f);
            fclose(f);
            r = check_img(file, n);
            CHECK(r == 0, "%s: %s", real, err);
            if (r == 0)
                printf("test_keel_efi: %s: %u segments at %#llx-%#llx, entry %#llx\n", real,
                       plan.nr_segments, (unsigned long long)plan.lo,
                       (unsigned long long)plan.hi, (unsigned long long)plan.entry);
        }
    }
}

/* ---- the memory map ---- */

struct desc48 {                  /* a firmware whose descriptors are 48 bytes (OVMF's) */
    uint32_t type, pad;
    uint64_t phys, virt, pages, attr, extra;
};

static void test_memmap(void)
{
    static struct boot_info bi;
    struct desc48 map[] = {
        { 7, 0, 0x0, 0, 0xa0, 0, 0 },              /* conventional */
        { 3, 0, 0x100000, 0, 0x100, 0, 0 },        /* boot services code: usable, merged */
        { 4, 0, 0x200000, 0, 0x100, 0, 0 },        /* boot services data: merged */
        { 2, 0, 0x300000, 0, 0x10, 0, 0 },         /* loader data: merged */
        { 10, 0, 0x310000, 0, 0x10, 0, 0 },        /* ACPI NVS */
        { 5, 0, 0x320000, 0, 0x10, 0, 0 },         /* runtime code */
        { 6, 0, 0x330000, 0, 0x10, 0, 0 },         /* runtime data: merged with code */
        { 9, 0, 0x340000, 0, 0x10, 0, 0 },         /* ACPI reclaim */
        { 8, 0, 0x350000, 0, 0x10, 0, 0 },         /* unusable */
        { 11, 0, 0xfec00000, 0, 1, 0, 0 },         /* MMIO: reserved */
        { 0, 0, 0xfed00000, 0, 1, 0, 0 },          /* reserved */
        { 7, 0, 0x400000, 0, 0, 0, 0 },            /* empty: skipped */
        { 7, 0, 0xfffffffffffff000ull, 0, 2, 0, 0 },  /* wraps: skipped */
        { 7, 0, 0x1000, 0, UINT64_MAX, 0, 0 },     /* impossible: skipped */
        { 99, 0, 0x100000000ull, 0, 0x10, 0, 0 },  /* unknown type: reserved */
    };
    int r = efimap_convert(map, sizeof(map), sizeof(map[0]), &bi);
    CHECK(r == 0, "dropped %d", r);
    struct mem_range want[] = {
        { 0x0, 0xa0000, MEM_USABLE },
        { 0x100000, 0x210000, MEM_USABLE },
        { 0x310000, 0x10000, MEM_ACPI_NVS },
        { 0x320000, 0x20000, MEM_FIRMWARE_RUNTIME },
        { 0x340000, 0x10000, MEM_ACPI_RECLAIM },
        { 0x350000, 0x10000, MEM_BAD },
        { 0xfec00000, 0x1000, MEM_RESERVED },
        { 0xfed00000, 0x1000, MEM_RESERVED },
        { 0x100000000ull, 0x10000, MEM_RESERVED },
    };
    CHECK(bi.nr_mem == sizeof(want) / sizeof(want[0]), "%u ranges", bi.nr_mem);
    for (uint32_t i = 0; i < bi.nr_mem && i < sizeof(want) / sizeof(want[0]); i++)
        CHECK(bi.mem[i].base == want[i].base && bi.mem[i].len == want[i].len &&
              bi.mem[i].type == want[i].type, "range %u: %#llx+%#llx type %u", i,
              (unsigned long long)bi.mem[i].base, (unsigned long long)bi.mem[i].len,
              bi.mem[i].type);

    CHECK(efimap_convert(map, sizeof(map), 32, &bi) == -1, "descriptor size 32");
    CHECK(efimap_convert(map, sizeof(map), 1 << 20, &bi) == -1, "descriptor size 1 MiB");
    /* A map whose size is not a whole number of descriptors: the tail is ignored. */
    CHECK(efimap_convert(map, sizeof(map[0]) * 2 + 20, sizeof(map[0]), &bi) == 0 &&
          bi.nr_mem == 2 && bi.mem[1].len == 0x100000, "partial tail: %u", bi.nr_mem);
    CHECK(efimap_convert(map, 0, sizeof(map[0]), &bi) == 0 && bi.nr_mem == 0, "empty map");

    /* More ranges than boot_info keeps. */
    static struct desc48 big[300];
    for (int i = 0; i < 300; i++)
        big[i] = (struct desc48){ (uint32_t)(i % 2 ? 7 : 10), 0, 0x1000ull * i, 0, 1, 0, 0 };
    r = efimap_convert(big, sizeof(big), sizeof(big[0]), &bi);
    CHECK(r == 300 - BOOT_MAX_MEM_RANGES && bi.nr_mem == BOOT_MAX_MEM_RANGES, "%d dropped", r);
}

static void test_words(void)
{
    CHECK(kefi_has_word("bench=1", "bench=1"), "alone");
    CHECK(kefi_has_word("  loglvl=info bench=1  test_exit=1", "bench=1"), "middle");
    CHECK(!kefi_has_word("bench=10 xbench=1 bench=", "bench=1"), "near misses");
    CHECK(!kefi_has_word("", "bench=1"), "empty");
}

int main(int argc, char **argv)
{
    test_words();
    test_config();
    test_elf(argc > 1 ? argv[1] : NULL);
    test_memmap();
    printf("test_keel_efi: %d checks, %d failed\n", checks, failures);
    return failures != 0;
}
