/* CPUID, read once on the boot CPU. */
#include <arch/cpu.h>
#include <keel/string.h>

struct cpu_features cpu_features;

void cpu_features_init(void)
{
    struct cpu_features *f = &cpu_features;
    struct cpuid_regs r = cpuid(0, 0);

    f->max_leaf = r.eax;
    memcpy(f->vendor + 0, &r.ebx, 4);
    memcpy(f->vendor + 4, &r.edx, 4);
    memcpy(f->vendor + 8, &r.ecx, 4);
    f->vendor[12] = '\0';

    r = cpuid(1, 0);
    f->family = (r.eax >> 8) & 0xf;
    f->model = (r.eax >> 4) & 0xf;
    f->stepping = r.eax & 0xf;
    if (f->family == 0xf)
        f->family += (r.eax >> 20) & 0xff;
    if (f->family >= 6)
        f->model |= ((r.eax >> 16) & 0xf) << 4;
    f->x2apic = r.ecx & (1u << 21);
    f->tsc_deadline = r.ecx & (1u << 24);
    f->vmx = r.ecx & (1u << 5);

    r = cpuid(0x80000000, 0);
    f->max_ext_leaf = r.eax;
    if (f->max_ext_leaf >= 0x80000001) {
        r = cpuid(0x80000001, 0);
        f->nx = r.edx & (1u << 20);
        f->pdpe1gb = r.edx & (1u << 26);
        f->svm = r.ecx & (1u << 2);
    }
    if (f->max_ext_leaf >= 0x80000007)
        f->invariant_tsc = cpuid(0x80000007, 0).edx & (1u << 8);
    f->phys_addr_bits = 36;
    if (f->max_ext_leaf >= 0x80000008)
        f->phys_addr_bits = cpuid(0x80000008, 0).eax & 0xff;
}
