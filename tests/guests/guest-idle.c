/*
 * guest-idle: says it is up, then sleeps until it is destroyed (SCHEDOP_block with nothing
 * bound: only its destruction ends it). Dom0's create/destroy tests use it as a DomU that
 * holds its memory and vCPU without using the CPU.
 */
#include <guest/guest.h>

void guest_main(void)
{
    gprintf("idle: up, %lu KiB of RAM\n", (unsigned long)(guest_ram_bytes() >> 10));
    guest_flush();
    for (;;)
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}
