/*
 * Per-CPU software timers on the LAPIC timer (kernel/timer.c). Deadlines are TSC values.
 * A timer fires on the CPU it was set on, in interrupt context, with interrupts off.
 */
#ifndef KEEL_TIMER_H
#define KEEL_TIMER_H

#include <keel/types.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

struct timer {
    uint64_t deadline;          /* TSC */
    timer_fn fn;
    void *arg;
    struct timer *next;
    int cpu;                    /* 1 + the CPU whose list it is on; 0: not armed */
    int running_on;             /* 1 + the CPU running its callback right now; 0: none */
};

void timer_init(struct timer *t, timer_fn fn, void *arg);
/* Arms (or re-arms) t on the calling CPU. */
void timer_set(struct timer *t, uint64_t deadline);
/* Disarms t, wherever it is armed. */
void timer_stop(struct timer *t);
bool timer_active(const struct timer *t);

/* Every CPU, once, before its first timer. */
void timer_cpu_init(void);

uint64_t now_tsc(void);
uint64_t us_to_tsc(uint64_t us);

#endif
