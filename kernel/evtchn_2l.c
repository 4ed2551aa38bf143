/*
 * The 2-level event channel ABI: pending and mask bitmaps in shared_info, a selector word
 * and an upcall flag in each vcpu_info. The order of the bit operations is what makes the
 * protocol race-free against a guest clearing bits concurrently (the guest clears
 * upcall_pending, then the selector, then pending bits; we set them the other way round),
 * and every one is an atomic read-modify-write (a full barrier on x86).
 */
#include <keel/evtchn.h>
#include <keel/xen_shared.h>

/* A 0→1 edge of an unmasked port sets its selector bit; a 0→1 edge of the selector bit
 * means the vCPU may not know yet: flag an upcall. */
static void notify_vcpu(struct domain *d, struct vcpu *v, uint32_t port)
{
    uint8_t *vi = READ_ONCE(v->xen.vcpu_info);
    if (vi && !xbit_test_and_set(vcpu_info_sel(d, vi), port / evtchn_word_bits(d)))
        xen_mark_events_pending(v);
}

void evtchn_2l_set_pending(struct domain *d, struct vcpu *v, uint32_t port)
{
    if (port >= evtchn_abi_ports(d))
        return;                        /* outside the guest's bitmaps (cannot happen today) */
    if (xbit_test_and_set(shinfo_pending(d), port))
        return;                        /* already pending: the guest has yet to see it */
    if (!xbit_test(shinfo_mask(d), port))
        notify_vcpu(d, v, port);
    /* Pollers wait on masked ports too (that is how guests sleep on a port). */
    xen_poll_notify(d, port);
}

void evtchn_2l_clear_pending(struct domain *d, uint32_t port)
{
    if (port < evtchn_abi_ports(d))
        xbit_test_and_clear(shinfo_pending(d), port);
}

bool evtchn_2l_is_pending(struct domain *d, uint32_t port)
{
    return port < evtchn_abi_ports(d) && xbit_test(shinfo_pending(d), port);
}

/* An event that arrived while masked is delivered now; unmasking a port that was not
 * masked does nothing, as on Xen. */
void evtchn_2l_unmask(struct domain *d, struct vcpu *v, uint32_t port)
{
    if (port >= evtchn_abi_ports(d))
        return;
    if (xbit_test_and_clear(shinfo_mask(d), port) && xbit_test(shinfo_pending(d), port))
        notify_vcpu(d, v, port);
}
