/* Entry points between the boot paths and the vendor-neutral kernel. */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <keel/boot_info.h>

#define KEEL_VERSION "0.1"

/* Brings up a console before anything else, so that boot/ can report problems. */
void console_early_init(void);

/* The kernel proper; called once by whichever boot path ran. Does not return. */
__noreturn void keel_start(struct boot_info *bi);

/* Where secondary CPUs go once they are online (kernel/main.c). Does not return. */
__noreturn void keel_secondary_start(void);

/* The TSC value at the first instruction of the boot path (boot benchmark). */
extern uint64_t boot_tsc_start;

#endif
