/*
 * System time for guests (kernel/pvclock.c): nanoseconds since Keel booted, derived from
 * the host TSC with the same fixed-point scale the guests use to extrapolate their
 * vcpu_time_info, so that Keel's idea of "now" and theirs agree.
 */
#ifndef KEEL_PVCLOCK_H
#define KEEL_PVCLOCK_H

#include <keel/types.h>

struct vcpu;

/* ns = ((shift >= 0 ? ticks << shift : ticks >> -shift) * mul) >> 32 */
struct pvclock_scale {
    uint32_t mul;
    int8_t shift;
};

/* The scale for a counter running at `khz` kHz (khz > 0): mul is in [2^31, 2^32). */
struct pvclock_scale pvclock_scale_for_khz(uint64_t khz);
/* ticks → ns with a scale, exactly as a guest computes it (96-bit intermediate). */
uint64_t pvclock_scale_delta(uint64_t ticks, struct pvclock_scale s);
/* The latest tick count <= ticks at which a record can be stamped so that extrapolating
 * from it is exact: scale(stamp) + scale(t - stamp) == scale(t) for every t >= stamp. */
uint64_t pvclock_exact_stamp(uint64_t ticks, struct pvclock_scale s);
/* ns → ticks at `khz`, rounded up, saturating at UINT64_MAX. */
uint64_t pvclock_ns_to_ticks(uint64_t ns, uint64_t khz);

/* Host-side clock (not in unit tests). */
uint64_t xen_system_time(void);                /* ns since boot, now */
uint64_t xen_system_time_at(uint64_t host_tsc);
uint64_t xen_time_to_host_tsc(uint64_t ns);    /* the host TSC at which system time is ns */
/* Rewrites v's vcpu_info->time (scheduled in, timer fired, vcpu_info moved). */
void pvclock_update(struct vcpu *v);

#endif
