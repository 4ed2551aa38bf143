/*
 * The 16550 UART: Keel's console. Polled, 115200 8N1, no interrupts: the hypervisor never
 * waits for input here (Dom0 will own console input).
 */
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/init.h>
#include <arch/io.h>

#define UART_THR 0   /* transmit holding (DLAB=0) */
#define UART_RBR 0   /* receive buffer (DLAB=0) */
#define UART_DLL 0   /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLH 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LSR_DR   (1 << 0)   /* a received byte is waiting */
#define LSR_THRE (1 << 5)   /* room for another byte */
#define LSR_TEMT (1 << 6)   /* everything has left the wire */

static uint16_t uart_port;

/* Writes to the scratch register read back only when a UART is there. */
static bool uart_present(uint16_t port)
{
    outb(port + UART_SCR, 0x5a);
    if (inb(port + UART_SCR) != 0x5a)
        return false;
    outb(port + UART_SCR, 0xa5);
    return inb(port + UART_SCR) == 0xa5;
}

static void uart_putc(char c)
{
    /* Bounded wait: a wedged UART must not hang the hypervisor. */
    for (int i = 0; i < 1000000 && !(inb(uart_port + UART_LSR) & LSR_THRE); i++)
        __asm__ volatile("pause");
    outb(uart_port + UART_THR, (uint8_t)c);
}

static void uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void uart_flush(void)
{
    for (int i = 0; i < 10000000 && !(inb(uart_port + UART_LSR) & LSR_TEMT); i++)
        __asm__ volatile("pause");
}

static int uart_getc(void)
{
    if (!(inb(uart_port + UART_LSR) & LSR_DR))
        return -1;
    return inb(uart_port + UART_RBR);
}

static struct console uart_console = { .name = "uart", .write = uart_write, .flush = uart_flush,
                                       .getc = uart_getc };

static bool uart_init(uint16_t port)
{
    if (!uart_present(port))
        return false;
    uart_port = port;
    outb(port + UART_IER, 0x00);          /* no interrupts */
    outb(port + UART_LCR, 0x80);          /* DLAB on */
    outb(port + UART_DLL, 1);             /* 115200 = 115200 / 1 */
    outb(port + UART_DLH, 0);
    outb(port + UART_LCR, 0x03);          /* 8N1, DLAB off */
    outb(port + UART_FCR, 0x07);          /* FIFOs on and cleared */
    outb(port + UART_MCR, 0x03);          /* DTR, RTS */
    console_register(&uart_console);
    return true;
}

void console_early_init(void)
{
    uart_init(0x3f8);
}

/* console=com1|com2|none, applied once the command line is known. */
void console_configure(const char *name)
{
    uint16_t port;

    if (!strcmp(name, "com1") || !name[0])
        port = 0x3f8;
    else if (!strcmp(name, "com2"))
        port = 0x2f8;
    else if (!strcmp(name, "none"))
        port = 0;
    else {
        pr_warn("warning: console=%s not understood (com1, com2 or none); keeping com1\n", name);
        return;
    }
    if (port == uart_port)
        return;
    if (!port) {
        pr_info("console: turned off by console=none\n");
        uart_flush();
        uart_port = 0;
        uart_console.write = NULL;
        uart_console.flush = NULL;
        return;
    }
    uint16_t old = uart_port;
    if (!uart_init(port)) {
        pr_warn("warning: console=%s: no UART at %#x; keeping %#x\n", name, port, old);
        uart_port = old;
    }
}
