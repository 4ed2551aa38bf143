/* The local APIC, in x2APIC mode when the CPU has it, else xAPIC (arch/x86/apic.c). */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <keel/types.h>

extern bool apic_x2apic_mode;

void apic_init_bsp(void);          /* picks the mode, masks the legacy PIC */
void apic_init_cpu(void);          /* every CPU: enable, spurious vector, LVTs masked */
uint32_t lapic_id(void);
void lapic_eoi(void);

void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, paddr_t start_page);
void apic_send_nmi_all_but_self(void);

#define LVT_MASKED (1u << 16)

/* The LAPIC timer, counting down at the bus/core crystal clock divided by 16.
 * `lvt` is the vector, optionally with LVT_MASKED. */
void lapic_timer_oneshot(uint32_t count, uint32_t lvt);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

#endif
