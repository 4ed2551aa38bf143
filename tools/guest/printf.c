/*
 * A small printf: %d %i %u %x %X %o %s %c %p %%, the length modifiers l, ll, z, the
 * flags '-' and '0', a width (number or *), and a precision for %s (number or *).
 * gprintf formats into a line buffer and sends each whole line (with its '\n') through
 * console_io, so the hypervisor sees lines, not fragments.
 */
#include <guest/guest.h>

struct sink {
    void (*put)(struct sink *s, char c);
    char *buf;
    size_t size, len;
    int count;
};

static void emit(struct sink *s, char c)
{
    s->put(s, c);
    s->count++;
}

static void emit_pad(struct sink *s, char c, int n)
{
    while (n-- > 0)
        emit(s, c);
}

static void format_num(struct sink *s, unsigned long long v, int neg, unsigned base,
                       int upper, int width, int zero, int left, const char *prefix)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, len, plen = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        plen = 1;
    else if (prefix)
        plen = (int)strlen(prefix);
    len = n + plen;

    if (!left && !zero)
        emit_pad(s, ' ', width - len);
    if (neg)
        emit(s, '-');
    else if (prefix)
        while (*prefix)
            emit(s, *prefix++);
    if (!left && zero)
        emit_pad(s, '0', width - len);
    while (n)
        emit(s, tmp[--n]);
    if (left)
        emit_pad(s, ' ', width - len);
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
        unsigned long long u;
        long long d;

        if (*fmt != '%') {
            emit(s, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        if (left)
            zero = 0;

        switch (*fmt) {
        case 'd':
        case 'i':
            d = lng ? va_arg(ap, long long) : va_arg(ap, int);
            /* long and long long are both 64-bit here */
            format_num(s, d < 0 ? -(unsigned long long)d : (unsigned long long)d, d < 0,
                       10, 0, width, zero, left, NULL);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
            format_num(s, u, 0, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
                       width, zero, left, NULL);
            break;
        case 'p':
            u = (unsigned long long)(uintptr_t)va_arg(ap, void *);
            format_num(s, u, 0, 16, 0, width, zero, left, "0x");
            break;
        case 'c':
            if (!left)
                emit_pad(s, ' ', width - 1);
            emit(s, (char)va_arg(ap, int));
            if (left)
                emit_pad(s, ' ', width - 1);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int n = 0;
            if (!str)
                str = "(null)";
            while (str[n] && (prec < 0 || n < prec))
                n++;
            if (!left)
                emit_pad(s, ' ', width - n);
            for (int i = 0; i < n; i++)
                emit(s, str[i]);
            if (left)
                emit_pad(s, ' ', width - n);
            break;
        }
        case '%':
            emit(s, '%');
            break;
        case '\0':
            return s->count;
        default:                     /* unknown conversion: show it as written */
            emit(s, '%');
            emit(s, *fmt);
            break;
        }
    }
    return s->count;
}

/* ---- into a buffer */

static void put_buf(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len++] = c;
}

int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { .put = put_buf, .buf = buf, .size = size };
    int n = format(&s, fmt, ap);
    if (size)
        buf[s.len] = '\0';
    return n;
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = gvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- to the console, a line at a time
 *
 * One line buffer per CPU, so that CPUs printing at once do not mix their lines; the
 * hypercall itself is made under a lock (interrupts off), so that only one vCPU of the
 * domain is ever inside console_io at a time. */

static struct {
    char buf[256];
    size_t len;
} lines[GUEST_MAX_CPUS];
static spinlock_t console_lock = SPINLOCK_INIT;

void guest_flush(void)
{
    unsigned cpu = smp_cpu_id();
    uint64_t f;

    if (!lines[cpu].len)
        return;
    f = spin_lock_irqsave(&console_lock);
    hyp_console_write(lines[cpu].buf, lines[cpu].len);
    spin_unlock_irqrestore(&console_lock, f);
    lines[cpu].len = 0;
}

static void put_console(struct sink *s, char c)
{
    unsigned cpu = smp_cpu_id();

    (void)s;
    lines[cpu].buf[lines[cpu].len++] = c;
    if (c == '\n' || lines[cpu].len == sizeof(lines[cpu].buf))
        guest_flush();
}

int gvprintf(const char *fmt, va_list ap)
{
    struct sink s = { .put = put_console };
    /* Interrupts off while formatting: a handler printing on this CPU cannot land in the
     * middle of this call's output. */
    uint64_t f = irq_save();
    int n = format(&s, fmt, ap);
    irq_restore(f);
    return n;
}

int gprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = gvprintf(fmt, ap);
    va_end(ap);
    return n;
}
