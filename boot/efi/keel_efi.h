/*
 * keel.efi's pure parts: the config file, the check of keel.elf, and the EFI memory map
 * conversion. No firmware calls, so they also build for the host (-DKEEL_EFI_HOST_TEST)
 * and are tested there on malformed input (boot/efi/test_keel_efi.c).
 */
#ifndef BOOT_EFI_KEEL_EFI_H
#define BOOT_EFI_KEEL_EFI_H

#include <keel/boot_info.h>
#include "../efi_handoff.h"

/* ---- keel.cfg ----
 * One setting per line, `key=value`; blank lines and lines starting with '#' are skipped;
 * CR LF or LF line ends; printable ASCII only (a tab counts as a space).
 *   kernel=PATH              the hypervisor image (keel.elf); required, once
 *   cmdline=WORDS...         Keel's command line; optional, once
 *   module=PATH [WORDS...]   a boot module; the words after PATH are its command line,
 *                            as GRUB's module2 line gives it (Keel's convention: the
 *                            first word names the domain); up to BOOT_MAX_MODULES
 * PATH: on the ESP keel.efi was loaded from; '/' or '\' separate directories; a PATH
 * that does not start with one is relative to keel.efi's own directory.
 */
#define KCFG_MAX_SIZE   (64u * 1024)     /* bytes of config file read at most */
#define KCFG_PATH_MAX   256

struct kcfg_module {
    char path[KCFG_PATH_MAX];
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct kcfg {
    char kernel[KCFG_PATH_MAX];
    char cmdline[BOOT_CMDLINE_MAX];
    uint32_t nr_modules;
    struct kcfg_module modules[BOOT_MAX_MODULES];
};

/* Parses `len` bytes of `text`. Returns 0, or -1 with a sentence in err ("line N: ..."
 * when a line is at fault). */
int kcfg_parse(const char *text, size_t len, struct kcfg *cfg, char *err, size_t errlen);

/* ---- keel.elf ---- */
#define KELF_MAX_SIZE     (64ull << 20)  /* bytes of image file accepted at most */
#define KELF_MAX_SEGMENTS 16
#define KELF_MAX_SPAN     (256ull << 20) /* the loaded image's extent */

struct kelf_segment {
    uint64_t paddr, offset, filesz, memsz;
};

struct kelf_plan {
    uint32_t nr_segments;
    struct kelf_segment seg[KELF_MAX_SEGMENTS];
    uint64_t lo, hi;                 /* page-aligned extent of every segment */
    uint64_t entry;                  /* from the Keel note */
};

/* Checks `image` (size bytes) completely, as hostile input: ELF64 x86-64 executable,
 * program headers and segments inside the file, segments at their physical addresses in
 * [KEEL_IMAGE_MIN, KEEL_IMAGE_LIMIT) without overlaps, exactly one Keel note whose entry
 * lies in an executable segment's file data and whose boot_info size and version match
 * keel.efi's. Returns 0, or -1 with a sentence in err. */
int kelf_check(const void *image, uint64_t size, struct kelf_plan *plan, char *err,
               size_t errlen);

/* ---- the memory map ---- */
/* The EFI memory type → enum mem_type, as boot/mb2_parse.c maps GRUB's EFI map. */
uint32_t efi_to_mem_type(uint32_t efi_type);

/* Fills bi->mem / bi->nr_mem from an EFI memory map (GetMemoryMap's buffer: map_size
 * bytes of desc_size-byte descriptors), merging neighbours of the same kind. Returns the
 * number of ranges that did not fit, or -1 if desc_size is impossible. Descriptors with
 * an impossible size or that wrap are skipped. */
int efimap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
                   struct boot_info *bi);

/* ---- small string helpers (no libc in keel.efi) ---- */
size_t kefi_strlen(const char *s);
size_t kefi_strnlen(const char *s, size_t max);
int kefi_memcmp(const void *a, const void *b, size_t n);
/* True if `word` is one of the space-separated words of `s`. */
bool kefi_has_word(const char *s, const char *word);

/* err-building helpers: append to a NUL-terminated buffer of `len` bytes, cutting. */
void kefi_cat(char *buf, size_t len, const char *s);
void kefi_cat_dec(char *buf, size_t len, uint64_t v);
void kefi_cat_hex(char *buf, size_t len, uint64_t v);

#endif
