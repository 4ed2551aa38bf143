/*
 * Guest-side helpers for the Xen ABI (tools/guest/xen_hv.c, xen_evtchn.c, xen_time.c):
 * what a PV-aware kernel does at boot — find the hypervisor, map shared_info, set up the
 * upcall vector, bind and use event channels, read pvclock time. The raw hypercalls are
 * the runtime's hypercallN(); these wrappers only fill in the structures.
 */
#ifndef GUEST_XEN_HV_H
#define GUEST_XEN_HV_H

#include <stdint.h>
#include <guest/xen_iface.h>

/* ---- discovery (xen_hv.c) */
/* The Xen CPUID base (0x40000000) if the signature is there, else 0. */
uint32_t xen_cpuid_base(void);
/* Our domain id and vCPU id from CPUID base+4 (-1 if not flagged present). */
int xen_domid(void);
/* Installs the hypercall page at `page` (4 KiB aligned, in our RAM) through the MSR CPUID
 * names. Then xen_hypercall_page_call works. */
void xen_hypercall_page_install(void *page);
long xen_hypercall_page_call(const void *page, unsigned nr, unsigned long a1,
                             unsigned long a2, unsigned long a3);

/* ---- shared_info (xen_hv.c) */
extern volatile struct shared_info *xen_shinfo;
/* Maps shared_info at the GFN of `page` (a page of our RAM, given up to the hypervisor).
 * Returns the hypercall's result; on success xen_shinfo points at it. */
long xen_map_shared_info(void *page);
/* Our vCPU's vcpu_info: its shared_info slot, or where xen_register_vcpu_info put it. */
volatile struct vcpu_info *xen_vcpu_info(unsigned cpu);
long xen_register_vcpu_info(unsigned cpu, volatile struct vcpu_info *where);

long xen_hvm_get_param(uint32_t index, uint64_t *value);
long xen_hvm_set_param(uint32_t index, uint64_t value);

/* ---- event channels (xen_evtchn.c) */
long xen_evtchn_op(int cmd, void *arg);
long xen_evtchn_alloc_unbound(domid_t remote, uint32_t *port);
long xen_evtchn_bind_interdomain(domid_t remote, uint32_t remote_port, uint32_t *port);
long xen_evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port);
long xen_evtchn_bind_ipi(uint32_t vcpu, uint32_t *port);
long xen_evtchn_send(uint32_t port);
long xen_evtchn_close(uint32_t port);
long xen_evtchn_unmask(uint32_t port);
long xen_evtchn_status(domid_t dom, uint32_t port, struct evtchn_status *out);
void xen_evtchn_mask(uint32_t port);
int xen_evtchn_pending(uint32_t port);
void xen_evtchn_clear(uint32_t port);

/* Upcalls: HVM_PARAM_CALLBACK_IRQ = vector, handled by the runtime's irq_register. The
 * handler clears evtchn_upcall_pending, walks the selector and pending & ~mask bits of
 * its vCPU, clears each pending bit and calls the port's handler (or counts it as
 * unhandled). Handlers run with interrupts off, on the vCPU that got the upcall. */
typedef void (*xen_port_handler)(uint32_t port, void *arg);
long xen_upcall_setup(uint8_t vector);
/* HVMOP_set_evtchn_upcall_vector: vCPU `vcpu`'s own vector (handled like the above). */
long xen_upcall_vector_set(uint32_t vcpu, uint8_t vector);
extern volatile unsigned xen_last_upcall_vector;   /* the vector of the last upcall */
void xen_evtchn_handle(uint32_t port, xen_port_handler fn, void *arg);
extern volatile uint32_t xen_upcalls[8];          /* upcalls taken, per vCPU */
extern volatile uint32_t xen_port_events[1024];   /* events dispatched, per port */
extern volatile uint32_t xen_unhandled_events;

/* ---- time (xen_time.c) */
/* System time (ns since the hypervisor booted) from our vCPU's pvclock. */
uint64_t xen_clock_ns(unsigned cpu);
/* One consistent copy of a vcpu_time_info (the version protocol). */
void xen_time_snapshot(volatile struct vcpu_info *vi, struct vcpu_time_info *out);
long xen_set_singleshot(unsigned cpu, uint64_t deadline_ns);
long xen_sched_poll(const uint32_t *ports, uint32_t nr, uint64_t timeout_ns);

/* ---- 32-bit hypercalls (xen_compat.c): made from compatibility mode, so that the
 * hypervisor applies its 32-bit ABI (arguments in EBX, ECX, EDX, ESI, EDI; the compat
 * structure layouts). Pointers must be below 4 GiB. Returns EAX sign-extended. */
long xen_hypercall32(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5);

/* ---- console ring (xen_hv.c) */
/* Writes s into our console ring and notifies its port; returns bytes written. */
long xen_console_ring_write(const char *s, uint32_t len);

#endif
