/*
 * Ending the emulator at the end of a test (only with test_exit=1):
 *  - QEMU's isa-debug-exit device at port 0xf4 exits with status (code << 1) | 1;
 *  - Bochs ends its debugger session on the magic breakpoint `xchg %bx,%bx` (status 0),
 *    and shuts down on the string "Shutdown" written to port 0x8900 (status 1).
 * On anything else these are harmless, and we stop the CPU afterwards.
 */
#include <keel/test_exit.h>
#include <arch/io.h>
#include <arch/cpu.h>

void emulator_exit(int code)
{
    outb(0xf4, (uint8_t)code);
    if (code == 0) {
        __asm__ volatile("xchgw %%bx, %%bx" ::: "memory");
    } else {
        for (const char *s = "Shutdown"; *s; s++)
            outb(0x8900, (uint8_t)*s);
    }
    cpu_stop();
}
