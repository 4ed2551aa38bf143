/*
 * Runstate accounting (VCPUOP_get_runstate_info, VCPUOP_register_runstate_memory_area):
 * how long each vCPU was running, runnable, blocked and offline, changed when vcpu_run
 * schedules it in and out. A registered area is given as a guest-virtual address; Keel
 * translates it once, at registration, with the caller's page tables (it is updated from
 * places where the vCPU's own paging state is not at hand), so the guest must keep that
 * mapping — Linux registers a per-CPU variable of its kernel, which never moves.
 */
#include <keel/xen_abi.h>
#include <keel/pvclock.h>
#include <keel/string.h>
#include <public/vcpu.h>

BUILD_BUG_ON(sizeof(struct vcpu_runstate_info) != 48);

/* The guest's layout: 48 bytes (64-bit) or 44 packed bytes (32-bit). */
static size_t encode(const struct domain *d, const struct xen_runstate *rs, uint8_t *buf)
{
    if (!d->xen.compat) {
        struct vcpu_runstate_info r = { .state = rs->state, .state_entry_time = rs->entry_time };
        memcpy(r.time, rs->time, sizeof(r.time));
        memcpy(buf, &r, sizeof(r));
        return sizeof(r);
    }
    int32_t st = rs->state;
    memcpy(buf, &st, 4);
    memcpy(buf + 4, &rs->entry_time, 8);
    memcpy(buf + 12, rs->time, 32);
    return COMPAT_RUNSTATE_SIZE;
}

static void copy_out(struct vcpu *v)
{
    uint8_t buf[48];
    size_t n = encode(v->dom, &v->xen.rs, buf);
    size_t n0 = MIN(n, (size_t)v->xen.rs_len0);
    /* Failures are the guest's business (it unmapped its own area), as on Xen. */
    copy_to_guest_phys(v->dom, v->xen.rs_gpa[0], buf, n0);
    if (n > n0)
        copy_to_guest_phys(v->dom, v->xen.rs_gpa[1], buf + n0, n - n0);
}

void runstate_set(struct vcpu *v, int state)
{
    struct xen_runstate *rs = &v->xen.rs;
    uint64_t now = xen_system_time();
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    if (rs->entry_time && now > rs->entry_time && rs->state >= 0 && rs->state < 4)
        rs->time[rs->state] += now - rs->entry_time;
    rs->state = state;
    rs->entry_time = now;
    spin_unlock_irqrestore(&v->xen.time_lock, f);
    if (v->xen.rs_registered)
        copy_out(v);
}

void runstate_get(struct vcpu *v, struct xen_runstate *out)
{
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    *out = v->xen.rs;
    spin_unlock_irqrestore(&v->xen.time_lock, f);
    /* Include the time spent in the current state so far. */
    uint64_t now = xen_system_time();
    if (out->entry_time && now > out->entry_time && out->state >= 0 && out->state < 4)
        out->time[out->state] += now - out->entry_time;
}

long runstate_register(struct vcpu *caller, struct vcpu *v, uint64_t gva)
{
    size_t len = v->dom->xen.compat ? COMPAT_RUNSTATE_SIZE : sizeof(struct vcpu_runstate_info);
    uint64_t gpa0, gpa1 = 0;
    uint32_t len0 = (uint32_t)MIN((uint64_t)len, PAGE_SIZE - (gva & ~PAGE_MASK));

    v->xen.rs_registered = false;
    if (!gva)
        return 0;                      /* a null handle: no area */
    /* An address that does not translate registers nothing; Xen returns 0 too (its
     * copies would just fail later). */
    if (!guest_translate(caller, gva, true, &gpa0))
        return 0;
    if (len0 < len && !guest_translate(caller, gva + len0, true, &gpa1))
        return 0;
    v->xen.rs_gpa[0] = gpa0;
    v->xen.rs_gpa[1] = gpa1;
    v->xen.rs_len0 = len0;
    v->xen.rs_registered = true;
    copy_out(v);
    return 0;
}
