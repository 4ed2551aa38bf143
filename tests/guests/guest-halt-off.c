/*
 * guest-halt-off: powering off without a hypercall, by Xen's rule for HVM guests
 * (kernel/shared_info.c, xen_vcpu_down) — how Linux powers off as a PVH guest. vcpus=2:
 *  - the AP checks in, returns from ap_main and halts with interrupts off (the runtime's
 *    end for an AP): one vCPU is down;
 *  - the BSP keeps running: the domain must not be shut down while a vCPU is up;
 *  - then the BSP halts with interrupts off too: Keel must power the domain off (the
 *    scenario looks for "every vCPU halted with interrupts off"); nothing after the HLT
 *    may run, and guest_done (its DONE line) is never reached.
 */
#include <guest/guest.h>

#define AP_WAIT_TICKS 2000000000ull
#define SETTLE_TICKS  100000000ull      /* long enough for the AP to reach its HLT */

void ap_main(unsigned cpu)
{
    (void)cpu;
}

void guest_main(void)
{
    cli();
    lapic_enable();
    unsigned online = smp_start_aps(2);
    if (!test_check(online == 2, "halt-off-ap-started", "%u CPUs online, expected 2", online))
        return;
    uint64_t end = rdtsc() + AP_WAIT_TICKS;
    while (!smp_ap_done(1) && rdtsc() < end)
        cpu_relax();
    if (!test_check(smp_ap_done(1), "halt-off-ap-done", "the AP did not return from ap_main"))
        return;

    /* Busy for a while with the AP down: still running, and still printing. */
    end = rdtsc() + SETTLE_TICKS;
    while (rdtsc() < end)
        cpu_relax();
    test_pass("halt-off-alive-with-ap-down");

    gprintf("halt-off: BSP halting with interrupts off\n");
    guest_flush();
    __asm__ volatile("cli; hlt" : : : "memory");
    test_fail("halt-off-poweroff", "HLT with interrupts off returned");
}
