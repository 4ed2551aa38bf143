/*
 * guest-domctl-eperm: a DomU trying the management interface (include/public/domctl.h)
 * and Dom0's console input. Every management operation — on Dom0, on itself, on no
 * domain, with a good or a bad version, with a bad pointer — must be -EPERM (the check
 * comes first: a DomU learns nothing), CONSOLEIO_read -EPERM; the guest must still run
 * afterwards. Then it crashes on purpose when crash=1 is on its command line (Dom0's
 * on_crash handling is tested with it).
 */
#include <guest/guest.h>

#define __HYPERVISOR_domctl 36
#define KEEL_DOMCTL_VERSION 0x4b450001u

struct keel_domctl {                   /* include/public/domctl.h: 112 bytes */
    uint32_t cmd, interface_version, domid, pad;
    uint8_t u[96];
};
_Static_assert(sizeof(struct keel_domctl) == 112, "keel_domctl layout");

void guest_main(void)
{
    struct keel_domctl op;
    unsigned bad = 0, tried = 0;
    char buf[8], crash[4];

    for (uint32_t cmd = 0; cmd <= 13; cmd++) {
        for (uint32_t dom = 0; dom < 3; dom++) {
            memset(&op, 0, sizeof(op));
            op.cmd = cmd;
            op.interface_version = dom == 2 ? 0x12 : KEEL_DOMCTL_VERSION;
            op.domid = dom == 1 ? 0x7ff0 : 0;
            *(uint64_t *)op.u = 16 << 10;      /* create: 16 MiB */
            long rc = hypercall1(__HYPERVISOR_domctl, (unsigned long)&op);
            tried++;
            if (rc != -XEN_EPERM) {
                bad++;
                gprintf("domctl cmd %u dom %u: %ld\n", cmd, dom, rc);
            }
        }
    }
    long r1 = hypercall1(__HYPERVISOR_domctl, 0x40000000ul);
    long r2 = hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, sizeof(buf), (unsigned long)buf);
    test_check(!bad && r1 == -XEN_EPERM && r2 == -XEN_EPERM, "domctl-eperm",
               "%u of %u management calls not -EPERM, bad pointer %ld, console read %ld", bad,
               tried, r1, r2);
    if (guest_cmdline_get("crash", crash, sizeof(crash)) && crash[0] == '1') {
        gprintf("crashing now\n");
        guest_flush();
        __asm__ volatile("lidt %0; int3" : : "m"((struct { uint16_t l; uint64_t b; } __attribute__((packed))){ 0, 0 }));
    }
}
