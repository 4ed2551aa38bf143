/*
 * The pvclock fixed-point arithmetic, pure (also built for host unit tests). The ABI fixes
 * the formula a guest uses — ns = ((ticks shifted by tsc_shift) * tsc_to_system_mul) >> 32
 * — so the hypervisor must pick mul and shift such that it is accurate: the shift brings
 * the counter rate into (1 GHz, 2 GHz], where the ratio 10^9 / rate lies in [1/2, 1) and
 * a 32-bit fraction holds it with full precision.
 */
#include <keel/pvclock.h>

#define NS_PER_SEC 1000000000ull

struct pvclock_scale pvclock_scale_for_khz(uint64_t khz)
{
    uint64_t rate = khz * 1000;
    int shift = 0;

    while (rate > 2 * NS_PER_SEC) {      /* faster than 2 GHz: ticks are halved first */
        rate >>= 1;
        shift--;
    }
    while (rate <= NS_PER_SEC) {         /* 1 GHz or slower: ticks are doubled first */
        rate <<= 1;
        shift++;
    }
    /* 10^9 · 2^32 < 2^62 and rate > 10^9: the quotient fits 32 bits. */
    struct pvclock_scale s = { .mul = (uint32_t)((NS_PER_SEC << 32) / rate), .shift = (int8_t)shift };
    return s;
}

uint64_t pvclock_scale_delta(uint64_t ticks, struct pvclock_scale s)
{
    if (s.shift >= 0)
        ticks <<= s.shift;
    else
        ticks >>= -s.shift;
    /* 64 × 32 bits → 96, keep bits 32..95: split ticks so no product overflows. */
    uint64_t lo = (ticks & 0xffffffffull) * s.mul;
    uint64_t hi = (ticks >> 32) * s.mul;
    return hi + (lo >> 32);
}

uint64_t pvclock_ns_to_ticks(uint64_t ns, uint64_t khz)
{
    /* ticks = ns · khz / 10^6, without a 128-bit division: whole milliseconds first. */
    uint64_t ms = ns / 1000000, rest = ns % 1000000;
    if (khz && ms > UINT64_MAX / khz)
        return UINT64_MAX;
    uint64_t t = ms * khz;
    uint64_t frac = (rest * khz + 999999) / 1000000;     /* rest < 10^6, khz < 2^40 */
    return t > UINT64_MAX - frac ? UINT64_MAX : t + frac;
}

uint64_t pvclock_exact_stamp(uint64_t ticks, struct pvclock_scale s)
{
    /* Ticks that become a multiple of 2^32 after the shift: there, floor(a + b) =
     * a + floor(b) in pvclock_scale_delta, because a is a whole number of nanoseconds. */
    unsigned bits = 32 + (s.shift < 0 ? (unsigned)-s.shift : 0);
    return ticks & ~((1ull << bits) - 1);
}
