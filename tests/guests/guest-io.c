/*
 * guest-io: port I/O from an unprivileged guest reaches no device.
 *  - reads from ports nobody emulates give all ones (COM1 LSR 0x3fd, keyboard 0x60,
 *    0x1234 as byte/word, PCI CONFIG_ADDRESS 0xcf8 as a dword);
 *  - bytes written to COM1 (0x3f8, the hypervisor's own UART) never reach the serial
 *    console: the scenario rejects the probe string if it shows up;
 *  - writes to the ports that would end or reset the machine (QEMU isa-debug-exit 0xf4,
 *    Bochs shutdown 0x8900, reset control 0xcf9, keyboard controller reset 0x64) do
 *    nothing: the guest is still running afterwards;
 *  - string I/O (rep insb / rep outsb) last, as separate tests: the hypervisor must
 *    decode and emulate it.
 */
#include <guest/guest.h>

/* Never printed by this guest: the scenario rejects it on the serial console. */
static const char leak_probe[] = "SERIAL-LEAK";
static const char leak_probe_string[] = "SERIAL-LEAK-REP-OUTSB";

static void check_in8(uint16_t port, const char *name)
{
    uint8_t v = inb(port);
    test_check(v == 0xff, name, "inb(0x%x) = 0x%02x, expected 0xff", port, v);
}

void guest_main(void)
{
    uint16_t w;
    uint32_t l;

    check_in8(0x3fd, "io-in-com1-lsr");
    check_in8(0x60, "io-in-kbd-data");
    check_in8(0x1234, "io-in-unassigned");
    w = inw(0x1234);
    test_check(w == 0xffff, "io-inw-unassigned", "inw(0x1234) = 0x%04x, expected 0xffff", w);
    l = inl(0xcf8);
    test_check(l == 0xffffffff, "io-inl-pci-cfg-addr", "inl(0xcf8) = 0x%08x, expected 0xffffffff", l);
    /* A PCI config read attempt: address then data. */
    outl(0xcf8, 0x80000000);
    l = inl(0xcfc);
    test_check(l == 0xffffffff, "io-inl-pci-cfg-data",
               "inl(0xcfc) after selecting 00:00.0 = 0x%08x, expected 0xffffffff", l);

    for (const char *p = leak_probe; *p; p++)
        outb(0x3f8, (uint8_t)*p);
    outb(0x3f8, '\n');
    test_pass("io-out-com1");    /* the scenario checks the console */

    outb(0xf4, 0x00);            /* QEMU isa-debug-exit: would end QEMU */
    outl(0xf4, 0x00);
    test_pass("io-out-debug-exit");
    for (const char *p = "Shutdown"; *p; p++)
        outb(0x8900, (uint8_t)*p);   /* Bochs: would end Bochs */
    test_pass("io-out-bochs-shutdown");
    outb(0xcf9, 0x06);           /* reset control register: hard reset */
    test_pass("io-out-reset-cf9");
    outb(0x64, 0xfe);            /* keyboard controller: pulse reset */
    test_pass("io-out-reset-kbc");

    /* String I/O: the hypervisor must emulate INS/OUTS (and their REP forms). */
    uint8_t buf[8];
    memset(buf, 0, sizeof(buf));
    void *rdi = buf;
    unsigned long rcx = 4;
    __asm__ volatile("rep insb" : "+D"(rdi), "+c"(rcx) : "d"((uint16_t)0x1234) : "memory");
    test_check(buf[0] == 0xff && buf[1] == 0xff && buf[2] == 0xff && buf[3] == 0xff &&
               buf[4] == 0 && rcx == 0 && rdi == buf + 4, "io-rep-insb",
               "rep insb x4 from 0x1234: %02x %02x %02x %02x %02x, rcx %lu, rdi buf+%ld",
               buf[0], buf[1], buf[2], buf[3], buf[4], rcx, (long)((uint8_t *)rdi - buf));

    const void *rsi = leak_probe_string;
    rcx = sizeof(leak_probe_string) - 1;
    __asm__ volatile("rep outsb" : "+S"(rsi), "+c"(rcx) : "d"((uint16_t)0x3f8) : "memory");
    test_check(rcx == 0 && rsi == leak_probe_string + sizeof(leak_probe_string) - 1,
               "io-rep-outsb", "rep outsb to 0x3f8: rcx %lu left", rcx);
}
