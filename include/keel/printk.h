/* Console output with log levels (kernel/printk.c). */
#ifndef KEEL_PRINTK_H
#define KEEL_PRINTK_H

#include <keel/types.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int console_loglevel;   /* messages above it are dropped; set by loglvl= */

__printf(2, 3) void printk(int level, const char *fmt, ...);
void vprintk(int level, const char *fmt, va_list ap);

#define pr_err(...)   printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* kernel/vsnprintf.c: %d %i %u %x %X %o %c %s %p %%, flags '-' '0', width, precision for %s,
 * length modifiers l, ll, z. Returns the length the full output would have. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);

/* Console back ends register here (the UART driver today). */
struct console {
    const char *name;
    void (*write)(const char *s, size_t n);
    void (*flush)(void);         /* wait until every byte has left the device */
    int (*getc)(void);           /* a received byte, or -1 if none (NULL: no input) */
    struct console *next;
};
void console_register(struct console *c);
void console_flush(void);
/* Up to n bytes typed on the console, without waiting (Dom0's CONSOLEIO_read). */
size_t console_read(char *buf, size_t n);
/* Panic path: lets the panicking CPU print even if another CPU holds the console lock. */
void console_force_unlock(void);
/* console=com1|com2|none (drivers/uart16550.c). */
void console_configure(const char *name);

#endif
