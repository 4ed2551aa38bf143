/*
 * Serving a guest's console ring until Dom0 exists: the domain builder gives every guest
 * a ring page and an unbound port for it (HVM_PARAM_CONSOLE_PFN/EVTCHN); when the guest
 * notifies that port while nobody has bound its other end, Keel reads the ring and prints
 * it line by line as "[name] text" (kernel/guest_console.c, shared with console_io).
 * Keel does not notify back: a guest whose ring is full retries (Linux's early console
 * yields and retries), and the next notification drains it.
 *
 * guest_console=<name> (until Dom0 owns console input): the named guest owns the terminal.
 * Its output goes out raw (no prefix, no line buffering, control characters kept: a shell
 * needs them), and the boot CPU polls the UART every 20 ms for typed bytes, puts them in
 * the ring's `in` and raises the console port in the guest (Linux's hvc0 reads them).
 */
#include <keel/cmdline.h>
#include <keel/evtchn.h>
#include <keel/string.h>
#include <keel/timer.h>
#include <keel/vcpu.h>
#include <keel/xen_console.h>
#include <keel/printk.h>

#define INPUT_POLL_US 20000

static struct domain *raw_dom;          /* set and cleared on the boot CPU */
static struct timer input_timer;

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

static void input_poll(struct timer *t, void *arg)
{
    struct domain *d = raw_dom;
    struct xencons_interface *ring = d ? (void *)d->xen.console_ring : NULL;
    char buf[64];
    size_t n = 0;
    int c;

    (void)arg;
    if (!ring || d->state != DOM_RUNNING)
        goto again;
    /* Read only what fits: the rest waits in the UART (its FIFO, then QEMU's buffer). */
    XENCONS_RING_IDX room = XENCONS_IN_SIZE - (READ_ONCE(ring->in_prod) - READ_ONCE(ring->in_cons));
    while (n < sizeof(buf) && n < room && (c = console_getc()) >= 0)
        buf[n++] = (char)c;
    if (n && xencons_put_input(ring, buf, n))
        evtchn_raise_console(d);
again:
    timer_set(t, now_tsc() + us_to_tsc(INPUT_POLL_US));
}

void xen_console_attach(struct domain *d)
{
    if (raw_dom || !keel_opts.guest_console[0] || strcmp(d->name, keel_opts.guest_console))
        return;
    raw_dom = d;
    pr_info("console: domain %u (%s) owns the terminal (guest_console=)\n", d->id, d->name);
    timer_init(&input_timer, input_poll, NULL);
    timer_set(&input_timer, now_tsc() + us_to_tsc(INPUT_POLL_US));
}

void xen_console_detach(struct domain *d)
{
    if (raw_dom != d)
        return;
    timer_stop(&input_timer);
    raw_dom = NULL;
}

bool xen_console_is_raw(struct domain *d)
{
    return d == READ_ONCE(raw_dom);
}
