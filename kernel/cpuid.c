/*
 * What CPUID tells a guest: the host's answers, filtered to what Keel really provides.
 * Features are passed through only from a list of those that need nothing from the
 * hypervisor; everything Keel does not virtualize yet (nested virtualization, XSAVE state,
 * the local APIC, MTRRs, monitor/mwait, performance counters) is hidden, and the
 * "hypervisor present" bit is set.
 */
#include <keel/vcpu.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <arch/time.h>
#include <public/xen_cpuid.h>

/* leaf 1 */
#define L1_ECX_KEEP (  (1u << 0)  /* SSE3 */      | (1u << 1)  /* PCLMULQDQ */ \
                     | (1u << 9)  /* SSSE3 */ \
                     | (1u << 13) /* CX16 */      | (1u << 19) /* SSE4.1 */ \
                     | (1u << 20) /* SSE4.2 */    | (1u << 22) /* MOVBE */ \
                     | (1u << 23) /* POPCNT */    | (1u << 25) /* AES */ \
                     | (1u << 30) /* RDRAND */)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EDX_KEEP (  (1u << 0)  /* FPU */  | (1u << 1) /* VME */   | (1u << 2) /* DE */ \
                     | (1u << 3)  /* PSE */  | (1u << 4) /* TSC */   | (1u << 5) /* MSR */ \
                     | (1u << 6)  /* PAE */  | (1u << 8) /* CX8 */ \
                     | (1u << 11) /* SEP */  | (1u << 13) /* PGE */ \
                     | (1u << 15) /* CMOV */ | (1u << 16) /* PAT */  | (1u << 17) /* PSE36 */ \
                     | (1u << 19) /* CLFSH */| (1u << 23) /* MMX */  | (1u << 24) /* FXSR */ \
                     | (1u << 25) /* SSE */  | (1u << 26) /* SSE2 */ | (1u << 28) /* HTT */)
/* leaf 7, subleaf 0 */
#define L7_EBX_KEEP (  (1u << 0)  /* FSGSBASE */ | (1u << 3) /* BMI1 */ | (1u << 7) /* SMEP */ \
                     | (1u << 8)  /* BMI2 */     | (1u << 9) /* ERMS */ | (1u << 18) /* RDSEED */ \
                     | (1u << 19) /* ADX */      | (1u << 20) /* SMAP */ \
                     | (1u << 23) /* CLFLUSHOPT */ | (1u << 24) /* CLWB */ | (1u << 29) /* SHA */)
/* leaf 0x80000001 */
#define LX1_ECX_KEEP ( (1u << 0) /* LAHF/SAHF */ | (1u << 5) /* LZCNT */ | (1u << 6) /* SSE4A */ \
                     | (1u << 8) /* PREFETCHW */)
#define LX1_EDX_KEEP ( (L1_EDX_KEEP & ~(1u << 28) & ~(1u << 19)) \
                     | (1u << 11) /* SYSCALL */ | (1u << 20) /* NX */ | (1u << 26) /* 1G pages */ \
                     | (1u << 29) /* LM */)
/* Not RDTSCP: it reads TSC_AUX, which Keel does not switch between guest and host (Linux
 * writes TSC_AUX when RDTSCP is offered). */

/* The hypervisor leaves: Xen's, at 0x40000000 (include/public/xen_cpuid.h); zeros above
 * them, up to 0x4000ffff, where guests look for other hypervisors' signatures. */
bool xen_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    if (leaf < XEN_CPUID_FIRST_LEAF || leaf >= 0x40010000)
        return false;
    memset(r, 0, sizeof(*r));
    switch (leaf - XEN_CPUID_FIRST_LEAF) {
    case 0:
        r->eax = XEN_CPUID_MAX_LEAF;
        r->ebx = XEN_CPUID_SIGNATURE_EBX;
        r->ecx = XEN_CPUID_SIGNATURE_ECX;
        r->edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        r->eax = KEEL_XEN_MAJOR << 16 | KEEL_XEN_MINOR;
        break;
    case 2:
        r->eax = 1;                    /* hypercall pages */
        r->ebx = XEN_MSR_HYPERCALL_PAGE;
        break;
    case 3:                            /* time: the guest's TSC is the host's plus an offset */
        if (subleaf == 0) {
            r->eax = cpu_features.invariant_tsc ? XEN_CPUID_TSC_RELIABLE : 0;
            r->ecx = (uint32_t)tsc_khz;
        } else if (subleaf == 2) {
            r->eax = (uint32_t)tsc_khz;
        }
        break;
    case 4:
        r->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
        r->ebx = v->id;
        r->ecx = v->dom->id;
        break;
    default:
        break;
    }
    return true;
}

void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    if (xen_cpuid(v, leaf, subleaf, r))
        return;
    uint32_t max = leaf >= 0x80000000 ? cpu_features.max_ext_leaf : cpu_features.max_leaf;
    if (leaf > max) {
        memset(r, 0, sizeof(*r));
        return;
    }
    *r = cpuid(leaf, subleaf);
    switch (leaf) {
    case 1:
        /* The virtual local APIC is an x2APIC (MSR interface), TSC-deadline capable when
         * the host is (its timer runs on host timers). */
        r->ecx = (r->ecx & (L1_ECX_KEEP | (1u << 24))) | L1_ECX_HYPERVISOR | (1u << 21);
        r->edx = (r->edx & L1_EDX_KEEP) | (1u << 9);
        /* EBX: initial APIC id = the vCPU's id, one logical processor per package. */
        r->ebx = (r->ebx & 0xffff) | (v->dom->nr_vcpus << 16) | (v->id << 24);
        break;
    case 0xb:   /* x2APIC topology: one thread per core, nr_vcpus cores; EDX = x2APIC id */
        r->eax = subleaf == 0 ? 0 : subleaf == 1 ? 8 : 0;
        r->ebx = subleaf == 0 ? 1 : subleaf == 1 ? v->dom->nr_vcpus : 0;
        r->ecx = (subleaf & 0xff) | (subleaf == 0 ? 1u << 8 : subleaf == 1 ? 2u << 8 : 0);
        r->edx = v->id;
        break;
    case 7:
        if (subleaf == 0) {
            r->eax = 0;
            r->ebx &= L7_EBX_KEEP;
        } else {
            r->eax = r->ebx = 0;
        }
        r->ecx = r->edx = 0;
        break;
    case 5:   /* MONITOR/MWAIT */
    case 6:   /* thermal and power */
    case 0xa: /* performance counters */
    case 0xd: /* XSAVE state */
        memset(r, 0, sizeof(*r));
        break;
    case 0x80000001:
        r->ecx &= LX1_ECX_KEEP;
        r->edx &= LX1_EDX_KEEP;
        break;
    case 0x8000000a:  /* SVM features: no nested virtualization */
        memset(r, 0, sizeof(*r));
        break;
    default:
        break;
    }
}
