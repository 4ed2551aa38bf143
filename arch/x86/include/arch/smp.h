/* Bringing up the other CPUs, and asking them to do things (arch/x86/smp.c). */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <arch/acpi.h>

/* Picks a free page below 1 MiB for the AP start code, before the frame allocator takes
 * over (everything below 1 MiB is kept from it). Returns 0 if none. */
paddr_t smp_choose_trampoline(const struct boot_info *bi, const struct mem_range *map,
                              uint32_t n);

/* Sets up the boot CPU's per-CPU data on the boot stack. */
void smp_init_bsp(void);

/* Starts the CPUs the MADT lists (at most `limit`, 0 = all) and returns how many run. */
unsigned smp_boot_aps(const struct madt_info *madt, unsigned limit);

/* Runs fn(arg) on CPU `cpu` through an IPI and waits for it. False on timeout. */
bool smp_call_on(unsigned cpu, void (*fn)(void *), void *arg);

#endif
