/*
 * Serving a guest's console ring until Dom0 binds it (and with dom0=off): every guest gets
 * a ring page and an unbound port for it (HVM_PARAM_CONSOLE_PFN/EVTCHN); when the guest
 * notifies that port while nobody has bound its other end, Keel reads the ring and prints
 * it line by line as "[name] text" (kernel/guest_console.c, shared with console_io).
 * Keel does not notify back: a guest whose ring is full retries (Linux's early console
 * yields and retries), and the next notification drains it.
 */
#include <keel/evtchn.h>
#include <keel/vcpu.h>
#include <keel/xen_console.h>
#include <keel/printk.h>

static void to_console(void *ctx, const char *s, size_t n)
{
    guest_console_write(ctx, s, n);
}

void xen_console_notify(struct domain *d)
{
    struct xencons_interface *ring = (void *)d->xen.console_ring;
    size_t taken;

    if (!ring)
        return;
    unsigned long f = spin_lock_irqsave(&d->xen.console_lock);
    enum xencons_result r = xencons_drain(ring, to_console, d, &taken);
    if (r == XENCONS_CORRUPT && !d->xen.console_corrupt_reported) {
        d->xen.console_corrupt_reported = true;
        pr_warn("domain %u (%s): console ring indexes out of range; skipped\n", d->id, d->name);
    }
    spin_unlock_irqrestore(&d->xen.console_lock, f);
}
