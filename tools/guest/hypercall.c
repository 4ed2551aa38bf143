/*
 * Hypercalls, Xen's 64-bit convention: RAX = number; RDI, RSI, RDX, R10, R8 = arguments;
 * result in RAX. The instruction is VMCALL on Intel and VMMCALL otherwise (AMD, Hygon),
 * chosen once from CPUID leaf 0 (runtime.c) — no hypercall page.
 * Argument registers (and R9, Xen's sixth) are treated as clobbered: Xen may scribble them.
 */
#include <guest/guest.h>

long hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                unsigned long a4, unsigned long a5)
{
#ifdef GUEST_BARE
    (void)nr, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return -XEN_ENOSYS;              /* no hypervisor: VMMCALL would raise #UD */
#else
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret = (long)nr;

    if (guest_vendor == GUEST_VENDOR_INTEL)
        __asm__ volatile("vmcall"
                         : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : : "r9", "memory");
    else
        __asm__ volatile("vmmcall"
                         : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : : "r9", "memory");
    return ret;
#endif
}

long hypercall0(unsigned long nr)
{
    return hypercall5(nr, 0, 0, 0, 0, 0);
}

long hypercall1(unsigned long nr, unsigned long a1)
{
    return hypercall5(nr, a1, 0, 0, 0, 0);
}

long hypercall2(unsigned long nr, unsigned long a1, unsigned long a2)
{
    return hypercall5(nr, a1, a2, 0, 0, 0);
}

long hypercall3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    return hypercall5(nr, a1, a2, a3, 0, 0);
}

#ifndef GUEST_BARE
long hyp_console_write(const char *buf, size_t len)
{
    return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)buf);
}

long hyp_shutdown(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };
    return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&s);
}
#else
/*
 * GUEST_BARE (make guests-bare): for testing the runtime with no hypervisor, booted by
 * QEMU's own PVH loader (-kernel). The console is COM1, shutdown is QEMU's isa-debug-exit
 * at 0xf4 (status 1 for poweroff, 3 otherwise). Never used with Keel.
 */
long hyp_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!(inb(0x3fd) & 0x20))
            ;
        outb(0x3f8, (uint8_t)buf[i]);
    }
    return 0;
}

long hyp_shutdown(unsigned reason)
{
    while (!(inb(0x3fd) & 0x40))
        ;
    outb(0xf4, reason == SHUTDOWN_poweroff ? 0 : 1);
    return -XEN_ENOSYS;
}
#endif

void guest_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt" : : : "memory");
}

void guest_shutdown(unsigned reason)
{
    long rc;

    guest_flush();
    rc = hyp_shutdown(reason);
    /* Still here: the hypervisor refused or does not implement sched_op. */
    gprintf("guest: SCHEDOP_shutdown(%u) returned %ld; halting\n", reason, rc);
    guest_halt_forever();
}
