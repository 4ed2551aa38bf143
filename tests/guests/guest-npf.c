/*
 * guest-npf: reads guest-physical 1 GiB, far above its RAM. The hypervisor must stop the
 * domain and report a nested page fault (EPT violation); this guest never gets control
 * back. If it does, it says so (the scenario rejects "still running").
 */
#include <guest/guest.h>

#define UNMAPPED_GPA 0x40000000ull

void guest_main(void)
{
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)UNMAPPED_GPA;
    uint64_t v;

    if (guest_is_ram(UNMAPPED_GPA, 8))
        gprintf("note: the memory map says GPA 0x%llx is RAM\n", UNMAPPED_GPA);
    gprintf("touching unmapped GPA 0x%llx\n", UNMAPPED_GPA);
    v = *p;
    test_fail("guest-npf", "still running after touching unmapped memory (read 0x%lx)", v);
    /* And a write, in case reads are backed by something. */
    *p = 0x5a5a5a5a5a5a5a5aull;
    test_fail("guest-npf", "still running after writing unmapped memory");
}
