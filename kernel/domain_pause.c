/*
 * Pausing a domain's other vCPUs while one of them changes the domain's p2m in a way that
 * frees a frame (XENMEM_add_to_physmap replacing RAM).
 *
 * Why: mm/p2m.c's lookups are lock-free, and a hypercall copying into guest memory may
 * hold a translation it looked up a moment ago; a vCPU running in the guest on another
 * CPU may hold the old translation in its TLB. Freeing the frame under either would let
 * it be written after it went to someone else. So before unmapping, every other vCPU of
 * the domain is brought out of vcpu_run (kicked out of the guest, and any hypercall it
 * was in finished): then nobody holds a translation into the domain's memory except the
 * caller, and each vCPU flushes its TLB before it runs again (flush_guest_tlb while it
 * is out). Keel itself reaches guest frames directly only for shared_info (never freed
 * while the domain lives) and the frames add_to_physmap refuses to replace (vcpu_info
 * pages, the console ring).
 *
 * The vCPUs bounce off vcpu_run while pause_req is set (xen_vcpu_enter). Two vCPUs cannot
 * both pause: the second one's hypercall is retried once the first is done.
 */
#include <keel/xen_abi.h>
#include <keel/sched.h>
#include <arch/cpu.h>

bool domain_pause_others(struct vcpu *v)
{
    struct domain *d = v->dom;
    uint32_t idle = 0;
    uint64_t seq[MAX_VCPUS_PER_DOMAIN];

    if (!__atomic_compare_exchange_n(&d->xen.pause_req, &idle, 1, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return false;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *u = d->vcpus[i];
        seq[i] = __atomic_load_n(&u->xen.run_seq, __ATOMIC_SEQ_CST);
        if (u != v && __atomic_load_n(&u->xen.in_run, __ATOMIC_SEQ_CST))
            sched_kick_vcpu(u);        /* out of the guest: the IPI ends its VM run */
    }
    /* Out of vcpu_run, or through its end once since pause_req was set (any later entry
     * bounces before touching the guest). */
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *u = d->vcpus[i];
        if (u == v)
            continue;
        while (__atomic_load_n(&u->xen.in_run, __ATOMIC_SEQ_CST) &&
               __atomic_load_n(&u->xen.run_seq, __ATOMIC_SEQ_CST) == seq[i])
            cpu_relax();
    }
    return true;
}

/* The paused vCPUs that are runnable kept bouncing through their run queues: they simply
 * get in on their next turn. */
void domain_unpause(struct domain *d)
{
    __atomic_store_n(&d->xen.pause_req, 0, __ATOMIC_SEQ_CST);
}
