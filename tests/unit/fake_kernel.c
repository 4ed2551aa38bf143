/*
 * The fake kernel layer for host unit tests: printk/vprintk format with the host's
 * vsnprintf and append to a capture buffer (also echoed to stderr when KEEL_UNIT_VERBOSE
 * is set), console_loglevel, and the string routines kernel/string.c has but the host C
 * library lacks (strlcpy: glibc only has it from 2.38). Never link kernel/string.c into
 * a host test; the host's memcpy/strlen/... stand in for it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <keel/printk.h>
#include "fake_kernel.h"

int console_loglevel = LOG_DEBUG;

static char log_buf[1 << 16];
static size_t log_len;
static unsigned log_msgs;

void vprintk(int level, const char *fmt, va_list ap)
{
    va_list ap2;
    size_t room = sizeof(log_buf) - log_len;

    (void)level;
    log_msgs++;
    va_copy(ap2, ap);
    int n = vsnprintf(log_buf + log_len, room, fmt, ap);
    if (n > 0)
        log_len += (size_t)n < room ? (size_t)n : room - 1;
    if (getenv("KEEL_UNIT_VERBOSE")) {
        fprintf(stderr, "[printk %d] ", level);
        vfprintf(stderr, fmt, ap2);
    }
    va_end(ap2);
}

void printk(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(level, fmt, ap);
    va_end(ap);
}

const char *captured_log(void)
{
    return log_buf;
}

void clear_log(void)
{
    log_len = 0;
    log_buf[0] = '\0';
    log_msgs = 0;
}

unsigned captured_messages(void)
{
    return log_msgs;
}

unsigned log_count(const char *needle)
{
    unsigned n = 0;
    size_t nl = strlen(needle);
    for (const char *p = log_buf; nl && (p = strstr(p, needle)); p += nl)
        n++;
    return n;
}

#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}
#endif

struct guard_hdr {
    void *map;
    size_t maplen;
};

void *guarded_copy(const void *src, size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (len + sizeof(struct guard_hdr) + pg - 1) / pg;
    size_t maplen = (data_pages + 1) * pg;
    uint8_t *map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (map == MAP_FAILED) {
        perror("guarded_copy: mmap");
        abort();
    }
    if (mprotect(map + data_pages * pg, pg, PROT_NONE)) {
        perror("guarded_copy: mprotect");
        abort();
    }
    uint8_t *p = map + data_pages * pg - len;
    struct guard_hdr h = { map, maplen };
    memcpy(p - sizeof(h), &h, sizeof(h));     /* just below the data: there is room */
    if (len)
        memcpy(p, src, len);
    return p;
}

void guarded_free(void *p)
{
    struct guard_hdr h;

    if (!p)
        return;
    memcpy(&h, (uint8_t *)p - sizeof(h), sizeof(h));
    munmap(h.map, h.maplen);
}

void unit_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    clear_log();
}
