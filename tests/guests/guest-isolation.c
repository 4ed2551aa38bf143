/*
 * guest-isolation: run after guest-secret, searches every byte of its own RAM (the memory
 * map in the start info) for
 *  (a) guest-secret's pattern: another domain's memory mapped into this one, or not
 *      scrubbed before it was handed over;
 *  (b) the hypervisor's canary "KEEL-HV-CANARY-1": hypervisor memory mapped into a guest;
 * and checks that GPA 0x100000 holds this guest's own image (guest-physical addresses
 * are the guest's own, not the host's: no multiboot2 header of the hypervisor there).
 * The patterns are never formed in this guest's memory (secret.h): the scanner compares
 * memory XOR key with the encoded form, in registers. A positive control plants each
 * pattern in a buffer first, to prove the scanner finds it, then wipes it.
 */
#include <guest/guest.h>

#include "secret.h"

/*
 * uint64_t pattern_scan(uint64_t start, uint64_t end, uint64_t s0, uint64_t s1,
 *                       uint64_t c0, uint64_t c1, uint64_t key)
 * The first address a in [start, end - 16] (every byte) where the 16 bytes at a, XORed
 * with key quadword by quadword, equal (s0, s1) or (c0, c1); ~0 if none. end - start >= 16.
 */
__asm__(
    "    .text\n"
    "    .globl pattern_scan\n"
    "pattern_scan:\n"
    "    mov 8(%rsp), %r10\n"        /* key */
    "    sub $16, %rsi\n"            /* last candidate */
    "1:  mov (%rdi), %r11\n"
    "    xor %r10, %r11\n"
    "    cmp %rdx, %r11\n"
    "    je 3f\n"
    "    cmp %r8, %r11\n"
    "    je 4f\n"
    "2:  inc %rdi\n"
    "    cmp %rsi, %rdi\n"
    "    jbe 1b\n"
    "    mov $-1, %rax\n"
    "    ret\n"
    "3:  mov 8(%rdi), %r11\n"
    "    xor %r10, %r11\n"
    "    cmp %rcx, %r11\n"
    "    jne 2b\n"
    "    mov %rdi, %rax\n"
    "    ret\n"
    "4:  mov 8(%rdi), %r11\n"
    "    xor %r10, %r11\n"
    "    cmp %r9, %r11\n"
    "    jne 2b\n"
    "    mov %rdi, %rax\n"
    "    ret\n");

uint64_t pattern_scan(uint64_t start, uint64_t end, uint64_t s0, uint64_t s1, uint64_t c0,
                      uint64_t c1, uint64_t key);

#define NOT_FOUND (~0ull)
#define MB2_HEADER_MAGIC 0xe85250d6u

static uint64_t sw[2], cw[2];
static uint8_t control[64] __attribute__((aligned(16)));

static uint64_t scan(uint64_t start, uint64_t end)
{
    if (end - start < 16)
        return NOT_FOUND;
    return pattern_scan(start, end, sw[0], sw[1], cw[0], cw[1], pattern_key());
}

/* Which pattern is at a (a was returned by scan). */
static const char *which(uint64_t a)
{
    uint64_t m[2], key = pattern_key();
    memcpy(m, (const void *)(uintptr_t)a, 16);
    return ((m[0] ^ key) == sw[0] && (m[1] ^ key) == sw[1]) ? "guest-secret's pattern"
                                                            : "the hypervisor canary";
}

static void positive_control(void)
{
    uint64_t base = (uint64_t)(uintptr_t)control, a1, a2;

    pattern_store(control + 16, sw[0], sw[1], pattern_key());
    a1 = scan(base, base + sizeof(control));
    memset(control, 0, sizeof(control));
    barrier();
    pattern_store(control + 35, cw[0], cw[1], pattern_key());
    a2 = scan(base, base + sizeof(control));
    memset(control, 0, sizeof(control));
    barrier();
    test_check(a1 == base + 16 && a2 == base + 35, "isolation-scanner-works",
               "planted patterns at +16 and +35, found at +%ld and +%ld",
               (long)(a1 - base), (long)(a2 - base));
}

void guest_main(void)
{
    const struct hvm_memmap_table_entry *m;
    unsigned n = guest_memmap(&m);
    uint64_t scanned = 0, found = NOT_FOUND;
    int found_any = 0;

    pattern_words(secret_enc, sw);
    pattern_words(canary_enc, cw);

    /* Let the domains started before us (guest-secret) run first, if Keel schedules so. */
    for (int i = 0; i < 10; i++)
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);

    if (!test_check(n > 0 && guest_ram_bytes() >= (2u << 20), "isolation-memmap",
                    "%u memory map entries, %lu KiB RAM", n, guest_ram_bytes() >> 10))
        return;

    positive_control();

    for (unsigned i = 0; i < n; i++) {
        uint64_t start = m[i].addr, end = m[i].addr + m[i].size;
        if (m[i].type != HVM_MEMMAP_TYPE_RAM)
            continue;
        if (end > (1ull << 32))
            end = 1ull << 32;        /* our identity map stops at 4 GiB */
        if (start >= end)
            continue;
        gprintf("scanning RAM [0x%lx, 0x%lx)\n", start, end);
        while (start < end && (found = scan(start, end)) != NOT_FOUND) {
            test_fail("isolation-scan", "found %s at GPA 0x%lx", which(found), found);
            found_any = 1;
            start = found + 16;
        }
        scanned += end - m[i].addr;
    }
    if (!found_any)
        test_pass("isolation-scan");
    gprintf("scanned %lu KiB of RAM\n", scanned >> 10);

    /* GPA 0x100000 is our own image (the hypervisor's image lives there on the host). */
    test_check(!memcmp((const void *)0x100000, "KEEL-TEST-GUEST", 16), "isolation-own-image",
               "GPA 0x100000 does not hold this guest's image signature");
    uint32_t key32 = (uint32_t)pattern_key();
    uint32_t want = MB2_HEADER_MAGIC ^ (uint32_t)(0x01010101u * PATTERN_XOR);
    int mb2 = -1;
    for (uint32_t off = 0; off < 32768; off += 8) {
        uint32_t w = *(volatile uint32_t *)(uintptr_t)(0x100000 + off);
        if ((w ^ key32) == want) {
            mb2 = (int)off;
            break;
        }
    }
    test_check(mb2 < 0, "isolation-no-host-image",
               "a multiboot2 header magic at GPA 0x%x: the host's image?", 0x100000 + mb2);
}
