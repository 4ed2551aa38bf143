/*
 * A guest's console output, line by line, on the hypervisor's console as "[name] text".
 * Control characters are shown as '?' so a guest cannot drive the terminal; over-long
 * lines are cut.
 */
#include <keel/vcpu.h>
#include <keel/printk.h>
#include <keel/spinlock.h>

static void flush_line(struct domain *d)
{
    pr_info("[%s] %.*s\n", d->name, (int)d->con_len, d->con_buf);
    d->con_len = 0;
}

/* Dom0 owns the console: what it writes goes out as it comes (its prompt has no newline),
 * control characters other than newline and backspace shown as '?'. */
static void dom0_write(const char *s, size_t n)
{
    char buf[128];
    while (n) {
        size_t k = MIN(n, sizeof(buf));
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)s[i];
            buf[i] = c == '\n' || c == '\b' || (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        printk(LOG_INFO, "%.*s", (int)k, buf);
        s += k;
        n -= k;
    }
}

void guest_console_write(struct domain *d, const char *s, size_t n)
{
    if (d->privileged) {
        dom0_write(s, n);
        return;
    }
    /* Several vCPUs of a domain may write at once: one line buffer, one lock. */
    unsigned long f = spin_lock_irqsave(&d->con_lock);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') {
            flush_line(d);
            continue;
        }
        if (c == '\r')
            continue;
        if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
            c = c == '\t' ? ' ' : '?';
        if (d->con_len == sizeof(d->con_buf))
            flush_line(d);
        d->con_buf[d->con_len++] = c;
    }
    spin_unlock_irqrestore(&d->con_lock, f);
}
