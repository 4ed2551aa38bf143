/* Running vCPUs and handling their exits (kernel/vcpu_run.c and the emulation files). */
#ifndef KEEL_VCPU_H
#define KEEL_VCPU_H

#include <keel/domain.h>
#include <keel/hvm.h>
#include <arch/cpu.h>

/* Runs v on this CPU until it blocks or its domain stops. */
void vcpu_run(struct vcpu *v);

/* Moves the guest past the instruction that exited (decoding it if the CPU did not say
 * how long it was). False if it cannot be done; the domain has then been stopped. */
bool vcpu_skip_insn(struct vcpu *v, const struct vm_exit *x);

/* Before injecting at a HLT after a window exit: skip the HLT (kernel/vcpu_run.c). */
void vcpu_complete_hlt(struct vcpu *v);

/* Emulation of what guests may not do directly. */
void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
bool guest_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);    /* false: #GP */
bool guest_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);    /* false: #GP */
enum io_result { IO_DONE, IO_AGAIN, IO_STOPPED };   /* AGAIN: run the instruction again */
enum io_result guest_io(struct vcpu *v, const struct vm_exit *x);
long hypercall_dispatch(struct vcpu *v, const struct vm_exit *x);

/* The guest's console (console_io writes): complete lines go to the serial console as
 * "[name] line". */
void guest_console_write(struct domain *d, const char *s, size_t n);

#endif
