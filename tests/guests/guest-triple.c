/*
 * guest-triple: loads an empty IDT (limit 0) and executes int3. #BP cannot be delivered
 * (#GP), nor can the #GP (#DF), nor the #DF: a triple fault. The hypervisor must stop
 * the domain and report it; this guest never gets control back.
 */
#include <guest/guest.h>

void guest_main(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { 0, 0 };

    gprintf("loading an empty IDT (limit 0) and executing int3\n");
    __asm__ volatile("lidt %0\n\tint3" : : "m"(idtr) : "memory");
    test_fail("guest-triple", "still running after int3 with an empty IDT");
}
