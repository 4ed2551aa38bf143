/*
 * Host unit tests of kernel/insn.c: insn_length(). Every call decodes a copy of exactly
 * the `n` bytes it is given, ending at a guard page, so a read past `n` faults.
 *
 * The contract: the length of the instruction at buf[0] if it is `kind` (legacy prefixes,
 * in 64-bit code a REX prefix, at most 15 bytes in all, all within n), else -1. A prefix
 * sequence the CPU accepts but insn_length need not (a REX followed by another prefix,
 * which the CPU ignores; several REX) may give -1, but never a wrong length.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <keel/insn.h>

struct enc {
    enum insn_kind kind;
    uint8_t len;
    uint8_t b[3];
    const char *name;
};

static const struct enc encs[] = {
    { INSN_CPUID, 2, { 0x0f, 0xa2 }, "cpuid" },
    { INSN_HLT, 1, { 0xf4 }, "hlt" },
    { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xc1 }, "vmcall" },
    { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xd9 }, "vmmcall" },
    { INSN_RDMSR, 2, { 0x0f, 0x32 }, "rdmsr" },
    { INSN_WRMSR, 2, { 0x0f, 0x30 }, "wrmsr" },
};

static const enum insn_kind kinds[] = { INSN_CPUID, INSN_HLT, INSN_HYPERCALL, INSN_RDMSR,
                                        INSN_WRMSR };

static const uint8_t legacy[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26,
                                  0x64, 0x65 };

/* insn_length on a guarded copy of exactly n bytes of buf. */
static int ilen(const uint8_t *buf, size_t n, bool code64, enum insn_kind kind)
{
    uint8_t *p = guarded_copy(buf, n);
    int r = insn_length(p, n, code64, kind);
    guarded_free(p);
    return r;
}

/* prefixes + the encoding (+ `trail` bytes of 0x90 after it) into out; returns the total. */
static size_t assemble(uint8_t *out, const uint8_t *pfx, size_t npfx, const struct enc *e,
                       size_t trail)
{
    if (npfx)
        memcpy(out, pfx, npfx);
    memcpy(out + npfx, e->b, e->len);
    memset(out + npfx + e->len, 0x90, trail);
    return npfx + e->len + trail;
}

#define expect_len(buf, n, code64, kind, want)                                          \
    do {                                                                                \
        int r_ = ilen((buf), (n), (code64), (kind));                                    \
        if (r_ != (want))                                                               \
            fail_msg("%s:%d: insn_length(n=%zu, code64=%d, kind=%d) = %d, expected %d", \
                     __FILE__, __LINE__, (size_t)(n), (int)(code64), (int)(kind), r_,   \
                     (int)(want));                                                      \
    } while (0)

/* ---- the instructions themselves ---- */

static void plain(void **state)
{
    uint8_t buf[4096];
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(encs); i++) {
        const struct enc *e = &encs[i];
        for (int m = 0; m < 2; m++) {
            size_t n = assemble(buf, NULL, 0, e, 0);
            expect_len(buf, n, m, e->kind, e->len);
            /* with more bytes after it: the instruction's length all the same */
            n = assemble(buf, NULL, 0, e, 15 - e->len);
            expect_len(buf, n, m, e->kind, e->len);
            n = assemble(buf, NULL, 0, e, 16);
            expect_len(buf, n, m, e->kind, e->len);
            assemble(buf, NULL, 0, e, sizeof(buf) - e->len);
            expect_len(buf, sizeof(buf), m, e->kind, e->len);
        }
    }
}

static void wrong_kind(void **state)
{
    uint8_t buf[16];
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(encs); i++)
        for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
            if (kinds[k] == encs[i].kind)
                continue;
            for (int m = 0; m < 2; m++) {
                size_t n = assemble(buf, NULL, 0, &encs[i], 0);
                expect_len(buf, n, m, kinds[k], -1);
                n = assemble(buf, (const uint8_t[]){ 0x66 }, 1, &encs[i], 4);
                expect_len(buf, n, m, kinds[k], -1);
            }
        }
}

/* Near misses: neighbouring opcodes, a missing 0f, the opcode not first. */
static void wrong_opcode(void **state)
{
    static const struct { enum insn_kind kind; uint8_t len, b[4]; } bad[] = {
        { INSN_CPUID, 2, { 0x0f, 0xa3 } }, { INSN_CPUID, 2, { 0x0f, 0xa1 } },
        { INSN_CPUID, 1, { 0xa2 } }, { INSN_CPUID, 2, { 0x0e, 0xa2 } },
        { INSN_CPUID, 2, { 0xa2, 0x0f } }, { INSN_CPUID, 3, { 0x0f, 0x0f, 0xa2 } },
        { INSN_HLT, 1, { 0xf5 } }, { INSN_HLT, 2, { 0x90, 0xf4 } }, { INSN_HLT, 1, { 0x00 } },
        { INSN_HLT, 2, { 0x0f, 0xf4 } },
        { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xc2 } }, { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xc0 } },
        { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xd8 } }, { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xda } },
        { INSN_HYPERCALL, 3, { 0x0f, 0x01, 0xc8 } }, { INSN_HYPERCALL, 3, { 0x0f, 0x02, 0xc1 } },
        { INSN_HYPERCALL, 2, { 0x01, 0xc1 } }, { INSN_HYPERCALL, 3, { 0x0f, 0x00, 0xd9 } },
        { INSN_RDMSR, 2, { 0x0f, 0x31 } }, { INSN_RDMSR, 2, { 0x0f, 0x33 } },
        { INSN_RDMSR, 1, { 0x32 } },
        { INSN_WRMSR, 2, { 0x0f, 0x31 } }, { INSN_WRMSR, 2, { 0x0f, 0x34 } },
        { INSN_WRMSR, 2, { 0x1f, 0x30 } },
    };
    uint8_t buf[16];
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
        for (int m = 0; m < 2; m++) {
            memset(buf, 0x90, sizeof(buf));
            memcpy(buf, bad[i].b, bad[i].len);
            expect_len(buf, bad[i].len, m, bad[i].kind, -1);
            expect_len(buf, sizeof(buf), m, bad[i].kind, -1);
        }
}

/* ---- prefixes ---- */

static void one_legacy_prefix(void **state)
{
    uint8_t buf[16];
    (void)state;
    for (unsigned p = 0; p < ARRAY_SIZE(legacy); p++)
        for (unsigned i = 0; i < ARRAY_SIZE(encs); i++)
            for (int m = 0; m < 2; m++) {
                size_t n = assemble(buf, &legacy[p], 1, &encs[i], 0);
                expect_len(buf, n, m, encs[i].kind, 1 + encs[i].len);
                n = assemble(buf, &legacy[p], 1, &encs[i], 3);
                expect_len(buf, n, m, encs[i].kind, 1 + encs[i].len);
            }
}

static void several_legacy_prefixes(void **state)
{
    static const uint8_t pfx2[] = { 0x66, 0xf3 };
    static const uint8_t pfx3[] = { 0x2e, 0x67, 0xf0 };
    static const uint8_t same[] = { 0x66, 0x66, 0x66, 0x66 };
    uint8_t buf[32];
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(encs); i++)
        for (int m = 0; m < 2; m++) {
            const struct enc *e = &encs[i];
            size_t n = assemble(buf, pfx2, sizeof(pfx2), e, 0);
            expect_len(buf, n, m, e->kind, 2 + e->len);
            n = assemble(buf, pfx3, sizeof(pfx3), e, 1);
            expect_len(buf, n, m, e->kind, 3 + e->len);
            n = assemble(buf, same, sizeof(same), e, 0);
            expect_len(buf, n, m, e->kind, 4 + e->len);
            /* all eleven: 11 + at most 3 bytes fits in 15 */
            n = assemble(buf, legacy, sizeof(legacy), e, 0);
            expect_len(buf, n, m, e->kind, (int)sizeof(legacy) + e->len);
        }
}

static void rex_in_64bit_code(void **state)
{
    uint8_t buf[32], pfx[4];
    (void)state;
    for (unsigned rex = 0x40; rex <= 0x4f; rex++)
        for (unsigned i = 0; i < ARRAY_SIZE(encs); i++) {
            const struct enc *e = &encs[i];
            pfx[0] = (uint8_t)rex;
            size_t n = assemble(buf, pfx, 1, e, 0);
            expect_len(buf, n, true, e->kind, 1 + e->len);
            /* legacy prefixes, then the REX last */
            pfx[0] = 0x66, pfx[1] = 0xf3, pfx[2] = (uint8_t)rex;
            n = assemble(buf, pfx, 3, e, 2);
            expect_len(buf, n, true, e->kind, 3 + e->len);
        }
}

/* In 32-bit code 40-4f are INC/DEC: the instruction at buf[0] is not `kind`. */
static void rex_bytes_in_32bit_code(void **state)
{
    uint8_t buf[32], pfx[2];
    (void)state;
    for (unsigned rex = 0x40; rex <= 0x4f; rex++)
        for (unsigned i = 0; i < ARRAY_SIZE(encs); i++) {
            const struct enc *e = &encs[i];
            pfx[0] = (uint8_t)rex;
            size_t n = assemble(buf, pfx, 1, e, 0);
            expect_len(buf, n, false, e->kind, -1);
            pfx[0] = 0x66, pfx[1] = (uint8_t)rex;
            n = assemble(buf, pfx, 2, e, 0);
            expect_len(buf, n, false, e->kind, -1);
        }
    expect_len(((const uint8_t[]){ 0x48, 0x0f, 0xa2 }), 3, false, INSN_CPUID, -1);
    expect_len(((const uint8_t[]){ 0x48, 0x0f, 0xa2 }), 3, true, INSN_CPUID, 3);
}

/*
 * A REX prefix followed by a legacy prefix (or by another REX) is ignored by the CPU, which
 * still executes the instruction: 48 66 0f a2 is a 4-byte CPUID. insn_length may refuse
 * such a sequence (-1), but must not claim any other length. What it does today: -1.
 */
static void rex_not_last(void **state)
{
    static const struct { uint8_t len, b[8]; enum insn_kind kind; } seqs[] = {
        { 4, { 0x48, 0x66, 0x0f, 0xa2 }, INSN_CPUID },
        { 4, { 0x48, 0x48, 0x0f, 0xa2 }, INSN_CPUID },
        { 4, { 0x41, 0x2e, 0x0f, 0x32 }, INSN_RDMSR },
        { 3, { 0x4f, 0xf3, 0xf4 }, INSN_HLT },
        { 4, { 0x66, 0x48, 0x66, 0xf4 }, INSN_HLT },
        { 5, { 0x48, 0x66, 0x0f, 0x01, 0xd9 }, INSN_HYPERCALL },
        { 6, { 0x40, 0x41, 0x42, 0x43, 0x0f, 0x30 }, INSN_WRMSR },
        { 5, { 0x48, 0x66, 0x49, 0x0f, 0xa2 }, INSN_CPUID },
    };
    uint8_t buf[16];
    (void)state;
    for (unsigned i = 0; i < ARRAY_SIZE(seqs); i++) {
        memset(buf, 0x90, sizeof(buf));
        memcpy(buf, seqs[i].b, seqs[i].len);
        int r = ilen(buf, seqs[i].len, true, seqs[i].kind);
        if (r != -1 && r != seqs[i].len)
            fail_msg("sequence %u: insn_length = %d, the instruction is %u bytes", i, r,
                     seqs[i].len);
        assert_int_equal(r, ilen(buf, sizeof(buf), true, seqs[i].kind));
        /* in 32-bit code none of these is the instruction */
        assert_int_equal(ilen(buf, seqs[i].len, false, seqs[i].kind), -1);
    }
}

/* ---- limits ---- */

/* n smaller than the instruction: -1, and no read past n (the guard page). */
static void truncated(void **state)
{
    static const uint8_t pfxs[][3] = { { 0 }, { 0x66 }, { 0xf3, 0x67 }, { 0x48 },
                                       { 0x2e, 0x4c } };
    static const uint8_t npfx[] = { 0, 1, 2, 1, 2 };
    uint8_t buf[16];
    (void)state;
    for (unsigned p = 0; p < ARRAY_SIZE(npfx); p++)
        for (unsigned i = 0; i < ARRAY_SIZE(encs); i++) {
            const struct enc *e = &encs[i];
            size_t full = assemble(buf, pfxs[p], npfx[p], e, 0);
            bool has_rex = npfx[p] && (pfxs[p][npfx[p] - 1] & 0xf0) == 0x40;
            for (int m = has_rex ? 1 : 0; m < 2; m++) {
                for (size_t n = 0; n < full; n++)
                    expect_len(buf, n, m, e->kind, -1);
                expect_len(buf, full, m, e->kind, (int)full);
            }
        }
}

/* An instruction is at most 15 bytes: prefixes count. */
static void fifteen_byte_limit(void **state)
{
    uint8_t buf[64];
    (void)state;
    for (int m = 0; m < 2; m++) {
        /* 14 prefixes + hlt = 15: fine; 15 prefixes + hlt = 16: not an instruction. */
        memset(buf, 0x66, 14);
        buf[14] = 0xf4;
        expect_len(buf, 15, m, INSN_HLT, 15);
        expect_len(buf, sizeof(buf), m, INSN_HLT, 15);
        memset(buf, 0x66, 15);
        buf[15] = 0xf4;
        memset(buf + 16, 0x90, sizeof(buf) - 16);
        expect_len(buf, 16, m, INSN_HLT, -1);
        expect_len(buf, sizeof(buf), m, INSN_HLT, -1);
        expect_len(buf, 15, m, INSN_HLT, -1);
        /* 15 prefixes then each opcode */
        for (unsigned i = 0; i < ARRAY_SIZE(encs); i++) {
            memset(buf, 0xf3, 15);
            size_t n = 15 + encs[i].len;
            memcpy(buf + 15, encs[i].b, encs[i].len);
            expect_len(buf, n, m, encs[i].kind, -1);
            expect_len(buf, sizeof(buf), m, encs[i].kind, -1);
            /* exactly 15 bytes with the opcode: fine */
            size_t np = 15 - encs[i].len;
            memset(buf, 0x2e, np);
            memcpy(buf + np, encs[i].b, encs[i].len);
            expect_len(buf, 15, m, encs[i].kind, 15);
            expect_len(buf, sizeof(buf), m, encs[i].kind, 15);
            /* one more prefix: 16 bytes */
            memset(buf, 0x2e, np + 1);
            memcpy(buf + np + 1, encs[i].b, encs[i].len);
            expect_len(buf, 16, m, encs[i].kind, -1);
            expect_len(buf, sizeof(buf), m, encs[i].kind, -1);
        }
        /* Many more prefixes than 15. */
        memset(buf, 0x66, 40);
        buf[40] = 0xf4;
        expect_len(buf, 41, m, INSN_HLT, -1);
    }
    /* With a REX (64-bit): 13 legacy + REX + hlt = 15; 14 + REX + hlt = 16. */
    memset(buf, 0x67, 13);
    buf[13] = 0x48;
    buf[14] = 0xf4;
    expect_len(buf, 15, true, INSN_HLT, 15);
    memset(buf, 0x67, 14);
    buf[14] = 0x48;
    buf[15] = 0xf4;
    expect_len(buf, 16, true, INSN_HLT, -1);
    expect_len(buf, sizeof(buf), true, INSN_HLT, -1);
    /* 12 legacy + REX + 0f a2 = 15 */
    memset(buf, 0x65, 12);
    buf[12] = 0x41;
    buf[13] = 0x0f;
    buf[14] = 0xa2;
    expect_len(buf, 15, true, INSN_CPUID, 15);
}

static void n_zero(void **state)
{
    static const uint8_t hlt = 0xf4;
    (void)state;
    for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++)
        for (int m = 0; m < 2; m++) {
            expect_len(&hlt, 0, m, kinds[k], -1);
            assert_int_equal(insn_length(NULL, 0, m, kinds[k]), -1);
        }
    /* n = 1: only hlt fits */
    expect_len(&hlt, 1, false, INSN_HLT, 1);
    expect_len(((const uint8_t[]){ 0x0f }), 1, true, INSN_CPUID, -1);
    expect_len(((const uint8_t[]){ 0x66 }), 1, true, INSN_HLT, -1);
    expect_len(((const uint8_t[]){ 0x48 }), 1, true, INSN_HLT, -1);
}

/* ---- against a reference model ---- */

static bool is_legacy(uint8_t b)
{
    return memchr(legacy, b, sizeof(legacy)) != NULL;
}

/*
 * What the CPU does with buf[0..n): the instruction's length if it is `kind` and fits in
 * n and in 15 bytes, else -1. *canonical says whether insn_length must find it (at most
 * one REX, and only right before the opcode).
 */
static int reference(const uint8_t *buf, size_t n, bool code64, enum insn_kind kind,
                     bool *canonical)
{
    size_t i = 0, nrex = 0;
    bool rex_last = false;
    while (i < n && (is_legacy(buf[i]) || (code64 && (buf[i] & 0xf0) == 0x40))) {
        rex_last = (buf[i] & 0xf0) == 0x40;
        nrex += rex_last;
        i++;
    }
    *canonical = nrex == 0 || (nrex == 1 && rex_last);
    for (unsigned e = 0; e < ARRAY_SIZE(encs); e++) {
        if (encs[e].kind != kind || i + encs[e].len > n || i + encs[e].len > 15)
            continue;
        if (!memcmp(buf + i, encs[e].b, encs[e].len))
            return (int)(i + encs[e].len);
    }
    return -1;
}

static void random_sequences(void **state)
{
    static const uint8_t alphabet[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e,
                                        0x26, 0x64, 0x65, 0x40, 0x48, 0x4f, 0x41, 0x0f,
                                        0xa2, 0x32, 0x30, 0x01, 0xc1, 0xd9, 0xf4, 0x90 };
    uint8_t buf[24];
    uint64_t seed = 0x6b65656c696e736eull;
    unsigned found = 0;
    (void)state;

    for (int iter = 0; iter < 50000; iter++) {
        /* prefixes from the alphabet's first 15 bytes, then usually a real opcode */
        size_t npfx = (size_t)(unit_rand(&seed) % 17), n = 0;
        for (size_t k = 0; k < npfx; k++)
            buf[n++] = alphabet[unit_rand(&seed) % 15];
        const struct enc *e = &encs[unit_rand(&seed) % ARRAY_SIZE(encs)];
        if (unit_rand(&seed) % 4) {
            memcpy(buf + n, e->b, e->len);
            n += e->len;
        }
        while (n < sizeof(buf))
            buf[n++] = alphabet[unit_rand(&seed) % sizeof(alphabet)];
        if (unit_rand(&seed) % 3 == 0)       /* sometimes a random byte anywhere */
            buf[unit_rand(&seed) % sizeof(buf)] = (uint8_t)unit_rand(&seed);
        n = (size_t)(unit_rand(&seed) % (sizeof(buf) + 1));
        bool code64 = unit_rand(&seed) & 1;
        enum insn_kind kind = unit_rand(&seed) % 4 ? e->kind : kinds[unit_rand(&seed) % 5];

        bool canonical;
        int want = reference(buf, n, code64, kind, &canonical);
        int got = ilen(buf, n, code64, kind);
        if (got == want) {
            found += want > 0;
            continue;
        }
        if (got == -1 && !canonical)
            continue;
        char hex[3 * sizeof(buf) + 1] = "";
        for (size_t k = 0; k < n; k++)
            snprintf(hex + 3 * k, 4, "%02x ", buf[k]);
        fail_msg("iteration %d: %s(code64=%d, kind=%d, n=%zu) = %d, reference %d%s", iter,
                 hex, code64, kind, n, got, want, canonical ? "" : " (or -1)");
    }
    assert_true(found > 1000);               /* the test exercises real instructions */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain),
        cmocka_unit_test(wrong_kind),
        cmocka_unit_test(wrong_opcode),
        cmocka_unit_test(one_legacy_prefix),
        cmocka_unit_test(several_legacy_prefixes),
        cmocka_unit_test(rex_in_64bit_code),
        cmocka_unit_test(rex_bytes_in_32bit_code),
        cmocka_unit_test(rex_not_last),
        cmocka_unit_test(truncated),
        cmocka_unit_test(fifteen_byte_limit),
        cmocka_unit_test(n_zero),
        cmocka_unit_test(random_sequences),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
