/*
 * guest-secret: fills 1 MiB of its RAM with a recognisable 16-byte pattern (secret.h,
 * decoded at run time), prints "secret ready", then blocks for good: HLT in a loop with
 * interrupts on and nothing that could raise one (HLT with interrupts off would power
 * the domain off, as on Xen). It stays alive while guest-isolation (started after it)
 * searches its own RAM for the pattern.
 */
#include <guest/guest.h>

#include "secret.h"

#define SECRET_SIZE (1ul << 20)

void guest_main(void)
{
    uint64_t w[2], key = pattern_key();
    /* The first 1 MiB-aligned MiB of RAM above our image. */
    uint64_t start = ((uint64_t)(uintptr_t)guest_image_end + SECRET_SIZE - 1) & ~(SECRET_SIZE - 1);

    if (!guest_is_ram(start, SECRET_SIZE)) {
        test_fail("secret-fill", "[0x%lx, 0x%lx) is not RAM in the memory map", start,
                  start + SECRET_SIZE);
        return;
    }
    pattern_words(secret_enc, w);
    for (uint64_t a = start; a < start + SECRET_SIZE; a += 16)
        pattern_store((void *)(uintptr_t)a, w[0], w[1], key);
    test_pass("secret-fill");
    gprintf("secret ready: 0x%lx bytes at GPA 0x%lx\n", SECRET_SIZE, start);
    guest_flush();
    for (;;)
        __asm__ volatile("sti; hlt" : : : "memory");
}
