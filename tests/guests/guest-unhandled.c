/*
 * guest-unhandled: executes ICEBP (INT1, opcode 0xf1), which Keel intercepts and has no
 * handler for: the hypervisor must report the unhandled exit and stop the domain; this
 * guest never gets control back.
 *  - If ICEBP is not intercepted, the guest takes #DB in its own IDT: caught, a failure.
 *    (Under VT-x, ICEBP exits only through #DB in the exception bitmap.)
 *  - QEMU TCG (7.2) does not implement ICEBP (built without WANT_ICEBP): it raises #UD
 *    before looking at the SVM intercept, so no exit can come from it. The guest then
 *    tries RSM, whose SVM intercept QEMU checks before anything else (outside SMM, RSM
 *    is otherwise #UD). Not INVD: QEMU 7.2 checks INVD against the WBINVD intercept.
 */
#include <guest/guest.h>

static void icebp(void *arg)
{
    (void)arg;
    __asm__ volatile(".byte 0xf1" : : : "memory");
}

static void rsm(void *arg)
{
    (void)arg;
    __asm__ volatile("rsm" : : : "memory");
}

void guest_main(void)
{
    struct guest_exc e;
    int v;

    gprintf("executing ICEBP (0xf1)\n");
    v = guest_try(icebp, NULL, &e);
    if (v == X86_UD) {
        gprintf("ICEBP raised #UD (this CPU does not implement it); executing RSM\n");
        v = guest_try(rsm, NULL, &e);
        if (v >= 0)
            test_fail("guest-unhandled", "RSM raised %s in the guest at RIP 0x%lx; still running",
                      guest_exc_name((unsigned)v), e.rip);
        else
            test_fail("guest-unhandled", "still running after RSM");
    } else if (v >= 0) {
        test_fail("guest-unhandled", "ICEBP raised %s in the guest at RIP 0x%lx instead of "
                  "an exit; still running", guest_exc_name((unsigned)v), e.rip);
    } else {
        test_fail("guest-unhandled", "still running after ICEBP");
    }
}
