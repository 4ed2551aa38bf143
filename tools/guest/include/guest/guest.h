/*
 * Keel's guest runtime: what a test guest (tests/guests/guest-*.c) can use.
 *
 * A guest defines `void guest_main(void)`. The runtime enters it in 64-bit long mode,
 * CPL 0, interrupts off, with the first 4 GiB identity-mapped by 2 MiB pages (so any
 * GPA below 4 GiB can be touched; touching one the hypervisor did not give us is a
 * nested page fault), on a 64 KiB stack, with an IDT that catches vectors 0-31.
 * When guest_main returns, the runtime calls guest_done().
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <guest/x86.h>
#include <guest/xen.h>
#include <guest/smp.h>
#include <guest/apic.h>

#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GUEST_NORETURN __attribute__((noreturn))

void guest_main(void);

/* ---- start of day */
enum guest_vendor { GUEST_VENDOR_UNKNOWN, GUEST_VENDOR_AMD, GUEST_VENDOR_INTEL };
extern enum guest_vendor guest_vendor;      /* from CPUID leaf 0, fixed at start */
extern char guest_vendor_string[13];        /* e.g. "AuthenticAMD" */

const struct hvm_start_info *guest_start_info(void);   /* NULL if EBX/magic was bad */
const char *guest_cmdline(void);                        /* "" if none */
/* The value of "key=value" in the command line into buf (NUL-terminated), or NULL. */
const char *guest_cmdline_get(const char *key, char *buf, size_t size);
/* The decimal number after "key=" in the command line, or dflt if the key is absent. */
unsigned long guest_cmdline_num(const char *key, unsigned long dflt);
/* The memory map from the start info: number of entries, *out set to the table. */
unsigned guest_memmap(const struct hvm_memmap_table_entry **out);
/* Bytes of RAM (type 1) in the memory map. */
uint64_t guest_ram_bytes(void);
/* Is [addr, addr + size) entirely RAM in the memory map? */
int guest_is_ram(uint64_t addr, uint64_t size);

/* The guest image as linked (physical = virtual): [guest_image_start, guest_image_end). */
extern char guest_image_start[], guest_image_end[];

/* The guest's own page tables: the 2 MiB page-directory entry mapping va (< 4 GiB). */
uint64_t *guest_pde(uint64_t va);

/* ---- hypercalls (VMMCALL or VMCALL by vendor) */
long hypercall0(unsigned long nr);
long hypercall1(unsigned long nr, unsigned long a1);
long hypercall2(unsigned long nr, unsigned long a1, unsigned long a2);
long hypercall3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3);
long hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                unsigned long a4, unsigned long a5);

long hyp_console_write(const char *buf, size_t len);
long hyp_shutdown(unsigned reason);          /* returns only if the hypervisor refused */
GUEST_NORETURN void guest_shutdown(unsigned reason);   /* never returns (halts if refused) */
GUEST_NORETURN void guest_halt_forever(void);          /* cli; hlt loop */

/* ---- console: lines go out whole through console_io */
int gprintf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int gvprintf(const char *fmt, va_list ap);
int gsnprintf(char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF(3, 4);
int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void guest_flush(void);                      /* send a partial line now */

/* ---- tests */
void test_pass(const char *name);
void test_fail(const char *name, const char *fmt, ...) GUEST_PRINTF(2, 3);
/* PASS if cond, else FAIL with the message; returns cond. */
int test_check(int cond, const char *name, const char *fmt, ...) GUEST_PRINTF(3, 4);
/* "NOTE <name>: <why>": a result that depends on the emulator, neither pass nor fail. */
void test_note(const char *name, const char *fmt, ...) GUEST_PRINTF(2, 3);
extern unsigned test_passed, test_failed;
/* Prints "DONE <passed> passed, <failed> failed", shuts down: poweroff, or crash if any
 * failed. BSP only (it ends the whole domain). test_* may be called on any CPU. */
GUEST_NORETURN void guest_done(void);

/* ---- exceptions */
struct guest_exc {
    uint64_t vector;
    uint64_t error_code;     /* 0 for vectors without one */
    uint64_t rip;
    uint64_t cr2;            /* read at the fault: meaningful for #PF */
    uint64_t rsp;
    uint64_t rflags;
};

/*
 * Calls fn(arg). Returns -1 if fn returned normally; if an exception (vector 0-31) was
 * raised inside, stops fn there, fills *out (if not NULL) and returns the vector.
 * Callee-saved registers are restored; anything else fn was doing is abandoned. Nests.
 * BSP only: an exception on an AP is always reported and crashes the domain.
 */
int guest_try(void (*fn)(void *), void *arg, struct guest_exc *out);

const char *guest_exc_name(unsigned vector);  /* "#PF" etc. */

/* ---- string.h subset (the compiler may also emit calls to these) */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strnlen(const char *s, size_t max);
char *strcpy(char *d, const char *s);
size_t strspn(const char *s, const char *accept);
char *strrchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
char *strstr(const char *h, const char *n);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
