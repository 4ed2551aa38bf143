/* Common includes for Keel's host unit tests (cmocka). */
#ifndef UNIT_UNIT_H
#define UNIT_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_kernel.h"

/* Asserts that the captured printk log contains `s`, showing the log when it does not. */
#define assert_log_contains(s)                                                          \
    do {                                                                                \
        if (!strstr(captured_log(), (s)))                                               \
            fail_msg("log lacks \"%s\"; log is: \"%s\"", (s), captured_log());          \
    } while (0)

#define assert_log_empty()                                                              \
    do {                                                                                \
        if (captured_log()[0])                                                          \
            fail_msg("expected no message; log is: \"%s\"", captured_log());           \
    } while (0)

/* A small deterministic PRNG (xorshift64*) for the mutation tests. */
static inline uint64_t unit_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

#endif
