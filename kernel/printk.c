/*
 * printk: formats a message and writes it to every registered console, one whole message
 * at a time (a lock keeps lines from different CPUs apart).
 */
#include <keel/printk.h>
#include <keel/spinlock.h>

int console_loglevel = LOG_INFO;

static struct console *consoles;
static spinlock_t console_lock = SPINLOCK_INIT;

void console_register(struct console *c)
{
    struct console **pp = &consoles;
    while (*pp) {
        if (*pp == c)
            return;
        pp = &(*pp)->next;
    }
    c->next = NULL;
    *pp = c;
}

static void console_write_all(const char *s, size_t n)
{
    for (struct console *c = consoles; c; c = c->next)
        if (c->write)
            c->write(s, n);
}

void vprintk(int level, const char *fmt, va_list ap)
{
    char buf[512];

    if (level > console_loglevel)
        return;
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;

    unsigned long f = spin_lock_irqsave(&console_lock);
    console_write_all(buf, (size_t)n);
    spin_unlock_irqrestore(&console_lock, f);
}

void printk(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(level, fmt, ap);
    va_end(ap);
}

size_t console_read(char *buf, size_t n)
{
    size_t got = 0;
    for (struct console *c = consoles; c && got < n; c = c->next)
        for (int ch; c->getc && got < n && (ch = c->getc()) >= 0;)
            buf[got++] = (char)ch;
    return got;
}

void console_flush(void)
{
    for (struct console *c = consoles; c; c = c->next)
        if (c->flush)
            c->flush();
}

void console_force_unlock(void)
{
    /* The panicking CPU may have interrupted a printk on itself or another CPU may be
     * stopped while holding the lock: start over with a free lock. */
    console_lock.owner = console_lock.next;
}
