/* TSC and LAPIC timer, calibrated against the PIT at boot (arch/x86/time.c). */
#ifndef ARCH_TIME_H
#define ARCH_TIME_H

#include <keel/types.h>

extern uint64_t tsc_khz;          /* TSC ticks per millisecond */
extern uint64_t lapic_timer_khz;  /* LAPIC timer ticks per millisecond (divide by 16) */

void time_calibrate(void);        /* BSP, once, after the LAPIC is on */
void udelay(uint64_t us);         /* busy-waits on the TSC */
uint64_t tsc_to_us(uint64_t ticks);

#endif
