/*
 * Guest-side Xen helpers: discovery, the hypercall page, shared_info and vcpu_info, HVM
 * parameters, the console ring (include/guest/xen_hv.h).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

volatile struct shared_info *xen_shinfo;
static volatile struct vcpu_info *vinfo[GUEST_MAX_CPUS];

uint32_t xen_cpuid_base(void)
{
    struct cpuid_regs r = cpuid(XEN_CPUID_BASE, 0);
    if (r.ebx == XEN_SIG_EBX && r.ecx == XEN_SIG_ECX && r.edx == XEN_SIG_EDX)
        return XEN_CPUID_BASE;
    return 0;
}

int xen_domid(void)
{
    struct cpuid_regs r = cpuid(XEN_CPUID_BASE + 4, 0);
    return (r.eax & XEN_HVM_CPUID_DOMID_PRESENT) ? (int)r.ecx : -1;
}

void xen_hypercall_page_install(void *page)
{
    struct cpuid_regs r = cpuid(XEN_CPUID_BASE + 2, 0);
    wrmsr(r.ebx, (uint64_t)(uintptr_t)page);
}

/* Stub n of the page is a function taking the hypercall's first arguments in the
 * registers the C calling convention uses for them too (RDI, RSI, RDX). */
long xen_hypercall_page_call(const void *page, unsigned nr, unsigned long a1,
                             unsigned long a2, unsigned long a3)
{
    long (*stub)(unsigned long, unsigned long, unsigned long) =
        (long (*)(unsigned long, unsigned long, unsigned long))((uintptr_t)page + 32 * nr);
    return stub(a1, a2, a3);
}

long xen_map_shared_info(void *page)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uint64_t)(uintptr_t)page >> 12,
    };
    long rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&x);
    if (rc == 0)
        xen_shinfo = page;
    return rc;
}

volatile struct vcpu_info *xen_vcpu_info(unsigned cpu)
{
    if (cpu < GUEST_MAX_CPUS && vinfo[cpu])
        return vinfo[cpu];
    return xen_shinfo ? &xen_shinfo->vcpu_info[cpu] : 0;
}

long xen_register_vcpu_info(unsigned cpu, volatile struct vcpu_info *where)
{
    struct vcpu_register_vcpu_info r = {
        .mfn = (uint64_t)(uintptr_t)where >> 12,
        .offset = (uint32_t)((uintptr_t)where & 0xfff),
    };
    long rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, cpu, (unsigned long)&r);
    if (rc == 0 && cpu < GUEST_MAX_CPUS)
        vinfo[cpu] = where;
    return rc;
}

long xen_hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, (unsigned long)&p);
    if (rc == 0)
        *value = p.value;
    return rc;
}

long xen_hvm_set_param(uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };
    return hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&p);
}

long xen_console_ring_write(const char *s, uint32_t len)
{
    uint64_t pfn, port;
    if (xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
        xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) || !port)
        return -1;
    volatile struct xencons_interface *r = (void *)(uintptr_t)(pfn << 12);
    uint32_t prod = r->out_prod, cons = r->out_cons, n = 0;
    while (n < len && prod - cons < sizeof(r->out)) {
        r->out[prod % sizeof(r->out)] = s[n++];
        prod++;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);      /* the bytes before the index */
    r->out_prod = prod;
    xen_evtchn_send((uint32_t)port);
    return n;
}
