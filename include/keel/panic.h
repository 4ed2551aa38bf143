/* Fatal errors of the hypervisor itself (kernel/panic.c). Guests never cause these. */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <keel/types.h>

struct trap_frame;

__printf(1, 2) __noreturn void panic(const char *fmt, ...);
/* Panic from an exception handler, with the interrupted context. */
__noreturn void panic_trap(const struct trap_frame *tf, const char *what);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)

/* True once a panic has started: other CPUs stop when they see it. */
extern volatile int panic_in_progress;

#endif
