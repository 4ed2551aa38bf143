/*
 * Guest-side pvclock: reading a vCPU's vcpu_time_info with the version protocol and
 * turning the TSC into system time the way Linux does (include/guest/xen_hv.h).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

void xen_time_snapshot(volatile struct vcpu_info *vi, struct vcpu_time_info *out)
{
    uint32_t v;
    do {
        v = vi->time.version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        out->tsc_timestamp = vi->time.tsc_timestamp;
        out->system_time = vi->time.system_time;
        out->tsc_to_system_mul = vi->time.tsc_to_system_mul;
        out->tsc_shift = vi->time.tsc_shift;
        out->flags = vi->time.flags;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != vi->time.version);
    out->version = v;
}

uint64_t xen_clock_ns(unsigned cpu)
{
    volatile struct vcpu_info *vi = xen_vcpu_info(cpu);
    struct vcpu_time_info t;
    uint64_t tsc, delta;
    uint32_t v;
    do {
        v = vi->time.version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        t.tsc_timestamp = vi->time.tsc_timestamp;
        t.system_time = vi->time.system_time;
        t.tsc_to_system_mul = vi->time.tsc_to_system_mul;
        t.tsc_shift = vi->time.tsc_shift;
        tsc = rdtsc();
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != vi->time.version);
    delta = tsc - t.tsc_timestamp;
    delta = t.tsc_shift >= 0 ? delta << t.tsc_shift : delta >> -t.tsc_shift;
    unsigned __int128 ns = (unsigned __int128)delta * t.tsc_to_system_mul;
    return t.system_time + (uint64_t)(ns >> 32);
}

long xen_set_singleshot(unsigned cpu, uint64_t deadline_ns)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline_ns };
    return hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, cpu, (unsigned long)&t);
}

long xen_sched_poll(const uint32_t *ports, uint32_t nr, uint64_t timeout_ns)
{
    struct sched_poll p = { .ports = (uint64_t)(uintptr_t)ports, .nr_ports = nr,
                            .timeout = timeout_ns };
    return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p);
}
