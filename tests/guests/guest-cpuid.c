/*
 * guest-cpuid: what CPUID tells a Keel guest.
 *  - leaf 0: vendor AuthenticAMD or GenuineIntel (the real CPU's: guests pick VMMCALL or
 *    VMCALL by it), max basic leaf >= 1;
 *  - leaf 1: ECX[31] hypervisor present set; ECX[5] VMX clear; ECX[26] XSAVE and
 *    ECX[27] OSXSAVE clear (Keel does not manage extended state yet);
 *  - leaf 0x80000001: ECX[2] SVM clear (no nested virtualization);
 *  - the same leaves read twice give the same answers.
 */
#include <guest/guest.h>

#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_XSAVE      (1u << 26)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID81_ECX_SVM       (1u << 2)

static int same(struct cpuid_regs a, struct cpuid_regs b)
{
    return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx;
}

void guest_main(void)
{
    struct cpuid_regs l0 = cpuid(0, 0), l1 = cpuid(1, 0);
    struct cpuid_regs e0 = cpuid(0x80000000, 0), e1 = { 0, 0, 0, 0 };
    static const uint32_t leaves[] = { 0, 1, 0x80000000, 0x80000001 };

    test_check(!strcmp(guest_vendor_string, "AuthenticAMD") ||
               !strcmp(guest_vendor_string, "GenuineIntel"),
               "cpuid-vendor", "vendor is \"%s\"", guest_vendor_string);
    test_check(l0.eax >= 1, "cpuid-max-leaf", "max basic leaf is %u", l0.eax);

    test_check(l1.ecx & CPUID1_ECX_HYPERVISOR, "cpuid-hypervisor-bit",
               "leaf 1 ECX 0x%08x: bit 31 (hypervisor present) clear", l1.ecx);
    test_check(!(l1.ecx & CPUID1_ECX_VMX), "cpuid-no-vmx",
               "leaf 1 ECX 0x%08x: bit 5 (VMX) set", l1.ecx);
    test_check(!(l1.ecx & (CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE)), "cpuid-no-xsave",
               "leaf 1 ECX 0x%08x: XSAVE (26) or OSXSAVE (27) set", l1.ecx);

    if (e0.eax >= 0x80000001) {
        e1 = cpuid(0x80000001, 0);
        test_check(!(e1.ecx & CPUID81_ECX_SVM), "cpuid-no-svm",
                   "leaf 0x80000001 ECX 0x%08x: bit 2 (SVM) set", e1.ecx);
    } else {
        test_fail("cpuid-no-svm", "max extended leaf is 0x%x (< 0x80000001)", e0.eax);
    }

    int stable = 1;
    for (unsigned i = 0; i < ARRAY_SIZE(leaves); i++) {
        struct cpuid_regs a = cpuid(leaves[i], 0), b = cpuid(leaves[i], 0);
        if (!same(a, b)) {
            test_fail("cpuid-stable", "leaf 0x%x: %08x %08x %08x %08x then %08x %08x %08x %08x",
                      leaves[i], a.eax, a.ebx, a.ecx, a.edx, b.eax, b.ebx, b.ecx, b.edx);
            stable = 0;
        }
    }
    if (stable)
        test_pass("cpuid-stable");

    gprintf("cpuid: leaf 1 eax %08x ebx %08x ecx %08x edx %08x; 0x80000001 ecx %08x edx %08x\n",
            l1.eax, l1.ebx, l1.ecx, l1.edx, e1.ecx, e1.edx);
}
