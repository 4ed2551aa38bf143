/*
 * The fake kernel layer for host unit tests (tests/unit/fake_kernel.c): printk into a
 * capture buffer the tests can inspect, and a few helpers for feeding parsers hostile input.
 */
#ifndef UNIT_FAKE_KERNEL_H
#define UNIT_FAKE_KERNEL_H

#include <stddef.h>

/* Everything printk printed since the last clear_log(), as one string. */
const char *captured_log(void);
void clear_log(void);
/* How many printk calls since the last clear_log(), and how many at LOG_ERR/LOG_WARN. */
unsigned captured_messages(void);
/* How many times `needle` occurs in the captured log. */
unsigned log_count(const char *needle);

/*
 * A private copy of `len` bytes of `src` whose last byte is the last byte of a readable
 * page: the next page is PROT_NONE, so any read past the end faults at once (with or
 * without AddressSanitizer). Free with guarded_free().
 */
void *guarded_copy(const void *src, size_t len);
void guarded_free(void *p);

/* Unbuffered stdout, so cmocka's messages (stdout) and errors (stderr) keep their order
 * when tests/unit/run.sh reads both through one pipe. Call first thing in main(). */
void unit_init(void);

#endif
