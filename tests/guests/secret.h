/*
 * The two byte patterns the isolation tests look for, shared by guest-secret and
 * guest-isolation:
 *  - the secret guest-secret fills its memory with: "SECRET-OF-GUEST!";
 *  - the hypervisor's canary, which Keel keeps in its own memory: "KEEL-HV-CANARY-1".
 * Neither appears literally in any guest image: only the bytes XORed with 0x5a are stored,
 * and the XOR is undone at run time with a key the compiler cannot see through (OPAQUE),
 * in registers. So finding one of them in a guest's RAM means it came from elsewhere.
 */
#ifndef GUEST_SECRET_H
#define GUEST_SECRET_H

#include <guest/guest.h>

#define PATTERN_XOR 0x5a
#define X(c) ((uint8_t)((c) ^ PATTERN_XOR))

static const uint8_t secret_enc[16] __attribute__((aligned(8))) = {
    X('S'), X('E'), X('C'), X('R'), X('E'), X('T'), X('-'), X('O'),
    X('F'), X('-'), X('G'), X('U'), X('E'), X('S'), X('T'), X('!'),
};

static const uint8_t canary_enc[16] __attribute__((aligned(8))) = {
    X('K'), X('E'), X('E'), X('L'), X('-'), X('H'), X('V'), X('-'),
    X('C'), X('A'), X('N'), X('A'), X('R'), X('Y'), X('-'), X('1'),
};

#undef X

/* The 16 encoded bytes as two little-endian quadwords. */
static inline void pattern_words(const uint8_t enc[16], uint64_t w[2])
{
    memcpy(w, enc, 16);
}

/* The XOR key for a quadword, hidden from constant folding. */
static inline uint64_t pattern_key(void)
{
    return OPAQUE(0x0101010101010101ull * PATTERN_XOR);
}

/* Stores the decoded pattern at dst; the plain bytes exist only in registers on the way. */
static inline void pattern_store(void *dst, uint64_t e0, uint64_t e1, uint64_t key)
{
    __asm__ volatile("xor %2, %0\n\t"
                     "xor %2, %1\n\t"
                     "mov %0, (%3)\n\t"
                     "mov %1, 8(%3)"
                     : "+&r"(e0), "+&r"(e1)
                     : "r"(key), "r"(dst)
                     : "memory");
}

#endif
