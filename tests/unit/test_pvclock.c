/*
 * Host unit tests of the pvclock arithmetic (kernel/pvclock_scale.c): the (mul, shift)
 * chosen for a TSC rate, applied the way a guest applies it, must match the exact
 * ns = ticks * 10^6 / khz (a 128-bit reference) within the precision a 32-bit fraction
 * allows, for rates from 1 MHz to 10 GHz and deltas up to an hour; the ns → ticks
 * conversion used for timer deadlines must round up and saturate.
 */
#include <stdio.h>

#include "unit.h"
#include <keel/pvclock.h>

static uint64_t reference_ns(uint64_t ticks, uint64_t khz)
{
    return (uint64_t)((unsigned __int128)ticks * 1000000u / khz);
}

/* The guest's formula, written independently with 128-bit arithmetic. */
static uint64_t guest_ns(uint64_t ticks, struct pvclock_scale s)
{
    unsigned __int128 t = s.shift >= 0 ? (unsigned __int128)ticks << s.shift : ticks >> -s.shift;
    return (uint64_t)((t * s.mul) >> 32);
}

static void scale_in_range(void **state)
{
    (void)state;
    const uint64_t rates[] = { 1000, 999999, 1000000, 1000001, 1500000, 1999999, 2000000,
                               2000001, 2400000, 3000000, 3999999, 4000000, 10000000, 1,
                               33333, 2593917, 3417000 };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        struct pvclock_scale s = pvclock_scale_for_khz(rates[i]);
        assert_true(s.mul >= 0x80000000u);
        /* The shifted rate is in (1 GHz, 2 GHz]. */
        unsigned __int128 hz = (unsigned __int128)rates[i] * 1000;
        hz = s.shift >= 0 ? hz << s.shift : hz >> -s.shift;
        assert_true(hz > 1000000000u && hz <= 2000000000u);
    }
}

static void exact_against_reference(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int i = 0; i < 200000; i++) {
        uint64_t khz = 1000 + unit_rand(&seed) % 10000000;          /* 1 MHz .. 10 GHz */
        struct pvclock_scale s = pvclock_scale_for_khz(khz);
        uint64_t ticks = unit_rand(&seed) % (khz * 1000 * 3600);    /* up to an hour */
        if (i % 4 == 0)
            ticks %= 1000000;
        uint64_t got = pvclock_scale_delta(ticks, s);
        assert_int_equal(got, guest_ns(ticks, s));                  /* = the guest's view */
        uint64_t ref = reference_ns(ticks, khz);
        /* mul is 10^9 / rate rounded down to 32 bits (relative error < 2^-31), plus
         * the bits a right shift drops (at most 2^-shift ticks, each < 1 ns). */
        uint64_t slack = ref / (1u << 30) + 2 + (s.shift < 0 ? (1ull << -s.shift) : 0);
        if (got > ref || ref - got > slack)
            fail_msg("khz %llu ticks %llu: got %llu, reference %llu (mul %u shift %d)",
                     (unsigned long long)khz, (unsigned long long)ticks,
                     (unsigned long long)got, (unsigned long long)ref, s.mul, s.shift);
    }
}

static void monotonic_and_additive(void **state)
{
    (void)state;
    struct pvclock_scale s = pvclock_scale_for_khz(2893417);
    uint64_t prev = 0;
    for (uint64_t t = 0; t < 5000000; t += 997) {
        uint64_t ns = pvclock_scale_delta(t, s);
        assert_true(ns >= prev);
        prev = ns;
        /* Splitting an interval loses at most 2 ns (a floor, and a tick the right shift
         * drops). */
        uint64_t a = pvclock_scale_delta(t / 3, s) + pvclock_scale_delta(t - t / 3, s);
        assert_true(a <= ns && ns - a <= 2);
    }
}

/* A record stamped by pvclock_exact_stamp gives exactly the time since boot, for every
 * TSC after it: the guest's reading never depends on when Keel refreshed its record, so it
 * cannot step back at a refresh. Tried at every shift the scale can take. */
static void exact_stamps_never_step_back(void **state)
{
    (void)state;
    const uint64_t rates_khz[] = { 100000, 999999, 1000001, 1999999, 2893417, 4100000, 9000000 };
    uint64_t seed = 11;
    for (unsigned r = 0; r < sizeof(rates_khz) / sizeof(rates_khz[0]); r++) {
        struct pvclock_scale s = pvclock_scale_for_khz(rates_khz[r]);
        uint64_t prev_read = 0, prev_stamp = 0, t = 0;
        for (int i = 0; i < 200000; i++) {
            t += unit_rand(&seed) % (1ull << 28);              /* up to ~0.1 s per step */
            uint64_t stamp = pvclock_exact_stamp(t, s);
            assert_true(stamp <= t && t - stamp < (1ull << 36));
            uint64_t read = pvclock_scale_delta(stamp, s) + pvclock_scale_delta(t - stamp, s);
            assert_int_equal(read, pvclock_scale_delta(t, s));
            /* The same instant through the record before this one (stamped at the previous
             * step): the same answer, so a refresh in between is invisible. */
            uint64_t via_old = pvclock_scale_delta(prev_stamp, s) + pvclock_scale_delta(t - prev_stamp, s);
            assert_int_equal(via_old, read);
            assert_true(read >= prev_read);
            prev_read = read;
            prev_stamp = stamp;
        }
    }
}

static void ns_to_ticks(void **state)
{
    (void)state;
    assert_int_equal(pvclock_ns_to_ticks(0, 3000000), 0);
    assert_int_equal(pvclock_ns_to_ticks(1, 3000000), 3);             /* rounded up */
    assert_int_equal(pvclock_ns_to_ticks(1000000, 3000000), 3000000);
    assert_int_equal(pvclock_ns_to_ticks(1000000000ull, 2500000), 2500000000ull);
    assert_int_equal(pvclock_ns_to_ticks(UINT64_MAX, 3000000), UINT64_MAX);
    assert_int_equal(pvclock_ns_to_ticks(UINT64_MAX / 2, 5000000), UINT64_MAX);
    assert_int_equal(pvclock_ns_to_ticks(UINT64_MAX / 1000, 5000000), 92233720368547755ull);
    uint64_t seed = 7;
    for (int i = 0; i < 100000; i++) {
        uint64_t khz = 1000 + unit_rand(&seed) % 5000000;
        uint64_t ns = unit_rand(&seed) % (1ull << 50);
        unsigned __int128 exact = (unsigned __int128)ns * khz;
        uint64_t want = (uint64_t)((exact + 999999) / 1000000);
        assert_int_equal(pvclock_ns_to_ticks(ns, khz), want);
        /* Back through the guest's scale: no later than asked (deadlines never early by
         * more than the scale's rounding). */
        struct pvclock_scale s = pvclock_scale_for_khz(khz);
        assert_true(pvclock_scale_delta(want, s) + 2 + (ns >> 30) >= ns);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_in_range),
        cmocka_unit_test(exact_against_reference),
        cmocka_unit_test(monotonic_and_additive),
        cmocka_unit_test(exact_stamps_never_step_back),
        cmocka_unit_test(ns_to_ticks),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
