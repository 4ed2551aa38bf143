/* A small, bounded printf formatter. Built for the host too (tests/unit/test_vsnprintf.c). */
#include <keel/printk.h>
#include <keel/string.h>

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, bool upper,
                    bool neg, int width, bool zero, bool left, const char *prefix)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, plen = prefix ? (int)strlen(prefix) : 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + plen + (neg ? 1 : 0);
    int pad = width > len ? width - len : 0;

    if (!left && !zero)
        while (pad-- > 0)
            put(o, ' ');
    if (neg)
        put(o, '-');
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    if (!left && zero)
        while (pad-- > 0)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        while (pad-- > 0)
            put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        bool left = false, zero = false, alt = false;
        int width = 0, prec = -1, lng = 0;
        for (;; fmt++) {
            if (fmt[1] == '-') left = true;
            else if (fmt[1] == '0') zero = true;
            else if (fmt[1] == '#') alt = true;
            else break;
        }
        fmt++;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {             /* C: a negative width means '-' */
                left = true;
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
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        if (*fmt == 'z') {
            lng = 2;
            fmt++;
        }

        unsigned long long u;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
            u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
            put_num(&o, u, 10, false, v < 0, width, zero, left, NULL);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lng >= 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long)
                                                                     : va_arg(ap, unsigned int);
            if (*fmt == 'u')
                put_num(&o, u, 10, false, false, width, zero, left, NULL);
            else if (*fmt == 'o')
                put_num(&o, u, 8, false, false, width, zero, left, alt && u ? "0" : NULL);
            else
                put_num(&o, u, 16, *fmt == 'X', false, width, zero, left,
                        alt && u ? (*fmt == 'X' ? "0X" : "0x") : NULL);
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put_num(&o, u, 16, false, false, width, zero, left, "0x");
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            int pad = width > 1 ? width - 1 : 0;
            if (!left)
                while (pad-- > 0)
                    put(&o, ' ');
            put(&o, c);
            if (left)
                while (pad-- > 0)
                    put(&o, ' ');
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = (int)(prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
            int pad = width > n ? width - n : 0;
            if (!left)
                while (pad-- > 0)
                    put(&o, ' ');
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (left)
                while (pad-- > 0)
                    put(&o, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;   /* a lone % at the end: print nothing more */
            break;
        default:      /* unknown conversion: show it as written */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
