/*
 * Guest system time and each vCPU's vcpu_time_info. System time is nanoseconds since
 * Keel's entry (boot_tsc_start), the same for every domain and CPU (Keel assumes the
 * CPUs' TSCs run in step). Each vCPU's record holds (guest TSC, system time) at the last
 * update and the scale from tsc_khz; the guest extrapolates from there. Keel refreshes it
 * when the vCPU is scheduled in and when one of its timers fires, so the extrapolation
 * stays short.
 *
 * The guest's formula rounds down, so a record stamped at an arbitrary TSC would disagree
 * with the one before it by up to a nanosecond, and a guest reading across the update
 * could see time go backwards. Keel stamps each record at a whole multiple of the
 * scale's unit since boot (2^32 ticks after the shift: a few seconds), where the
 * arithmetic splits exactly: every record then gives exactly xen_system_time_at() for
 * every TSC value, so time read through any record, before or after any update, is one
 * monotonic function of the TSC.
 */
#include <keel/pvclock.h>
#include <keel/domain.h>
#include <keel/init.h>
#include <arch/cpu.h>
#include <arch/time.h>

static struct pvclock_scale scale;
static uint64_t scale_khz;

/* tsc_khz is calibrated once at boot, before any guest exists. */
static struct pvclock_scale host_scale(void)
{
    uint64_t khz = READ_ONCE(tsc_khz);
    if (unlikely(khz != scale_khz)) {
        scale = pvclock_scale_for_khz(khz ? khz : 1000000);
        scale_khz = khz;
    }
    return scale;
}

uint64_t xen_system_time_at(uint64_t host_tsc)
{
    uint64_t t = host_tsc - boot_tsc_start;
    return (int64_t)t < 0 ? 0 : pvclock_scale_delta(t, host_scale());
}

uint64_t xen_system_time(void)
{
    return xen_system_time_at(rdtsc());
}

uint64_t xen_time_to_host_tsc(uint64_t ns)
{
    uint64_t ticks = pvclock_ns_to_ticks(ns, tsc_khz);
    return ticks > UINT64_MAX - boot_tsc_start ? UINT64_MAX : boot_tsc_start + ticks;
}

void pvclock_update(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    uint8_t *vi = v->xen.vcpu_info;
    if (vi) {
        struct vcpu_time_info *t = (void *)(vi + VCPU_INFO_TIME_OFFSET);
        struct pvclock_scale s = host_scale();
        uint64_t host = pvclock_exact_stamp(rdtsc() - boot_tsc_start, s) + boot_tsc_start;
        /* Our own counter, not the guest-writable field: odd while we write. */
        uint32_t ver = v->xen.time_version + 1;
        WRITE_ONCE(t->version, ver);
        __asm__ volatile("" ::: "memory");     /* x86 keeps stores in order */
        WRITE_ONCE(t->tsc_timestamp, host + v->dom->tsc_offset);
        WRITE_ONCE(t->system_time, xen_system_time_at(host));
        WRITE_ONCE(t->tsc_to_system_mul, s.mul);
        WRITE_ONCE(t->tsc_shift, s.shift);
        WRITE_ONCE(t->flags, cpu_features.invariant_tsc ? XEN_PVCLOCK_TSC_STABLE_BIT : 0);
        __asm__ volatile("" ::: "memory");
        WRITE_ONCE(t->version, ver + 1);
        v->xen.time_version = ver + 1;
    }
    spin_unlock_irqrestore(&v->xen.time_lock, f);
}
