/*
 * The Xen guest ABI inside Keel: the hypercall handlers, and the hooks the rest of the
 * kernel calls (domain life cycle, vcpu_run, CPUID/MSR emulation). One header so that
 * domain.c, vcpu_run.c and friends need only this.
 */
#ifndef KEEL_XEN_ABI_H
#define KEEL_XEN_ABI_H

#include <keel/domain.h>

struct cpuid_regs;

/* The Xen version Keel presents (xen_version, CPUID 0x40000001): the ABI level it follows. */
#define KEEL_XEN_MAJOR 4
#define KEEL_XEN_MINOR 17

/* A hypercall handler's "run the hypercall instruction again later": vcpu_run rewinds RIP
 * and leaves RAX alone (used while another vCPU has the domain paused). */
#define HYPERCALL_RETRY ((long)(-0x7fffffffffffffffll - 1))

/* Xen's rule for operations a domain may only apply to itself: DOMID_SELF or its own id
 * pass (0); another live domain is -EPERM; an id with no domain is -ESRCH. */
static inline int xen_self_only(const struct domain *d, uint32_t domid)
{
    if (domid == DOMID_SELF || domid == d->id)
        return 0;
    return domain_find(domid) ? -XEN_EPERM : -XEN_ESRCH;
}

/* ---- hypercalls (a[] as decoded by hypercall_dispatch; v->xen.hc_compat: 32-bit) */
long do_memory_op(struct vcpu *v, const uint64_t a[5]);
/* XENMEM_{increase,decrease}_reservation, populate_physmap (kernel/memory_reservation.c). */
long xen_reservation_op(struct vcpu *v, unsigned op, uint64_t start, uint64_t arg);
/* Frames Keel writes through the direct map (vcpu_info, console ring) and frames in use
 * through a grant: never given back. Call with the grant lock held (gnttab_lock_all), and
 * keep it until the frame is gone, so that no grant starts using it meanwhile. */
bool xen_frame_used_by_keel(struct domain *d, paddr_t frame);
long do_xen_version(struct vcpu *v, const uint64_t a[5]);
long do_vcpu_op(struct vcpu *v, const uint64_t a[5]);
/* VCPUOP_initialise/up/down/is_up on t (kernel/vcpu_updown.c). */
long vcpu_op_updown(struct vcpu *v, struct vcpu *t, int cmd, uint64_t arg);
/* On t's own CPU, as its pending start is applied: registers from VCPUOP_initialise. */
void vcpu_start_from_ctx(struct vcpu *v);
long do_event_channel_op(struct vcpu *v, const uint64_t a[5]);
long do_hvm_op(struct vcpu *v, const uint64_t a[5]);
long do_domctl(struct vcpu *v, const uint64_t a[5]);          /* Dom0 only */
long xen_sched_poll(struct vcpu *v, uint64_t arg);     /* SCHEDOP_poll */
/* Something would be delivered if the vCPU ran now (SCHEDOP_block/poll, HLT). */
bool xen_events_need_delivery(struct vcpu *v);

/* ---- discovery: CPUID leaves 0x40000000.., the hypercall page MSR */
bool xen_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
bool xen_hypercall_page_msr(struct vcpu *v, uint64_t val);      /* false: #GP */
/* Fills a 4 KiB hypercall page for VMCALL (Intel) or VMMCALL (AMD). Pure. */
void hypercall_page_fill(uint8_t *page, bool intel);

/* ---- domain and vCPU life cycle (kernel/shared_info.c) */
void xen_vcpu_init(struct vcpu *v);             /* as each vCPU is created */
int xen_domain_init(struct domain *d);          /* after the vCPUs exist */
void xen_domain_shutdown(struct domain *d);     /* stops timers */
void xen_vcpu_down(struct vcpu *v);             /* HLT with interrupts off */
void xen_domain_destroy(struct domain *d);      /* unlisted already; before vCPUs go */
/* The guest's memory map, also behind XENMEM_memory_map; the console ring page. The page
 * below the console ring is reserved too: the guest's ACPI tables (keel/guest_acpi.h). */
int xen_domain_set_layout(struct domain *d, uint64_t ram_end, uint64_t console_gpa);
/* Marks the page just below the console ring reserved (the store ring, kernel/domctl.c). */
int xen_domain_reserve_page(struct domain *d, uint64_t gpa);

/* ---- shared_info and upcalls (kernel/shared_info.c) */
void xen_latch_compat(struct vcpu *v);          /* the layouts follow the caller's mode */
long xen_map_shared_info(struct vcpu *v, uint64_t gfn);
long xen_register_vcpu_info(struct vcpu *caller, struct vcpu *v, uint64_t gfn, uint32_t off);
void xen_vcpu_kick(struct vcpu *v);             /* make v notice an upcall soon */
void xen_upcall_inject(struct vcpu *v);         /* before entry, when xen_upcall_wanted */
static inline bool xen_upcall_wanted(const struct vcpu *v)
{
    uint8_t *vi = v->xen.vcpu_info;
    return v->dom->xen.callback_vector && vi && READ_ONCE(*vi);
}

/* ---- vcpu_run hooks */
/* Entering/leaving vcpu_run: false from enter means the domain is paused (leave anyway). */
bool xen_vcpu_enter(struct vcpu *v);
void xen_vcpu_leave(struct vcpu *v);
void xen_vcpu_sched_in(struct vcpu *v);         /* runstate running, pvclock refreshed */
void xen_vcpu_sched_out(struct vcpu *v);        /* runstate runnable/blocked/offline */
bool xen_vcpu_may_wake(const struct vcpu *v);   /* an armed Xen timer could wake it */

/* ---- domain pause for p2m changes (kernel/domain_pause.c) */
/* Stops every other vCPU of v's domain outside vcpu_run; false if another vCPU is
 * pausing the domain already (the caller returns HYPERCALL_RETRY). */
bool domain_pause_others(struct vcpu *v);
void domain_unpause(struct domain *d);

/* ---- runstate (kernel/runstate.c) */
void runstate_set(struct vcpu *v, int state);
long runstate_register(struct vcpu *caller, struct vcpu *v, uint64_t gva);
void runstate_get(struct vcpu *v, struct xen_runstate *out);

/* ---- per-vCPU timers (kernel/vtimer.c) */
void vtimer_init(struct vcpu *v);
void vtimer_stop_all(struct vcpu *v);
long vtimer_set_singleshot(struct vcpu *v, uint64_t deadline_ns);
void vtimer_stop_singleshot(struct vcpu *v);
long vtimer_set_periodic(struct vcpu *v, uint64_t period_ns);
void vtimer_stop_periodic(struct vcpu *v);

/* ---- SCHEDOP_poll (kernel/sched_poll.c) */
void sched_poll_init(struct vcpu *v);
void sched_poll_cancel(struct vcpu *v);         /* the vCPU runs again */

#endif
