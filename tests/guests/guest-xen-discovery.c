/*
 * guest-xen-discovery: how a guest finds and identifies the hypervisor.
 *  - CPUID 0x40000000..: the "XenVMMXenVMM" signature and max leaf, the version (same as
 *    xen_version's), the hypercall-page leaf (one page, MSR 0x40000000), the time leaf,
 *    the HVM leaf with our vCPU id and domain id;
 *  - the hypercall page: installed by WRMSR, stubs for our CPU's vendor, a hypercall made
 *    through it answers like a direct one; the iret slot traps (#UD); a page index other
 *    than 0, a GPA outside our RAM, and reading the MSR are #GP;
 *  - xen_version: every sub-op with good arguments and exact results, then bad ones:
 *    unknown commands, bad submap index, non-NULL pagesize argument, pointers to
 *    unmapped or non-canonical addresses (-EFAULT), build_id (-EPERM).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define UNMAPPED   0x40000000ul          /* identity-mapped by us, not backed by Keel */
#define NONCANON   0x8000000000000000ul

static uint8_t hc_page[4096] __attribute__((aligned(4096)));

/* The end of the last memory map entry: everything below is ours. */
static uint64_t mem_top(void)
{
    const struct hvm_memmap_table_entry *m;
    unsigned n = guest_memmap(&m);
    uint64_t top = 0;
    for (unsigned i = 0; i < n; i++)
        if (m[i].addr + m[i].size > top)
            top = m[i].addr + m[i].size;
    return top;
}

static long xv(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg);
}

static void check_cpuid(void)
{
    struct cpuid_regs r = cpuid(XEN_CPUID_BASE, 0);
    test_check(xen_cpuid_base() == XEN_CPUID_BASE, "xen-cpuid-signature",
               "ebx %x ecx %x edx %x", r.ebx, r.ecx, r.edx);
    test_check(r.eax == XEN_CPUID_BASE + 4, "xen-cpuid-max-leaf", "eax %x", r.eax);
    r = cpuid(XEN_CPUID_BASE + 1, 0);
    long ver = xv(XENVER_version, 0);
    test_check(r.eax == (uint32_t)ver && ver == ((4 << 16) | 17), "xen-cpuid-version",
               "cpuid %x, xen_version %lx", r.eax, ver);
    r = cpuid(XEN_CPUID_BASE + 2, 0);
    test_check(r.eax == 1 && r.ebx == 0x40000000u && r.ecx == 0 && r.edx == 0,
               "xen-cpuid-hypercall-leaf", "eax %u ebx %x", r.eax, r.ebx);
    r = cpuid(XEN_CPUID_BASE + 3, 0);
    test_check(r.ecx > 1000 && (r.eax & ~2u) == 0, "xen-cpuid-time-leaf",
               "eax %x tsc %u kHz", r.eax, r.ecx);
    r = cpuid(XEN_CPUID_BASE + 4, 0);
    test_check((r.eax & (XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT)) ==
                   (XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT) &&
               r.ebx == 0 && r.ecx >= 1 && r.ecx < 0x7ff0,
               "xen-cpuid-hvm-leaf", "eax %x vcpu %u domid %u", r.eax, r.ebx, r.ecx);
    r = cpuid(XEN_CPUID_BASE + 5, 0);
    struct cpuid_regs r2 = cpuid(0x40000100, 0);
    test_check(!r.eax && !r.ebx && !r.ecx && !r.edx && !r2.eax && !r2.ebx,
               "xen-cpuid-beyond", "leaf 5: %x, leaf 0x100: %x", r.eax, r2.ebx);
}

static void install_bad(void *arg)
{
    wrmsr(0x40000000u, (uint64_t)(uintptr_t)arg);
}

static void read_msr(void *arg)
{
    (void)arg;
    (void)rdmsr(0x40000000u);
}

static void call_iret_slot(void *arg)
{
    xen_hypercall_page_call(arg, __HYPERVISOR_iret, 0, 0, 0);
}

static void check_hypercall_page(void)
{
    struct guest_exc e;
    int v;

    xen_hypercall_page_install(hc_page);
    uint8_t op3 = guest_vendor == GUEST_VENDOR_INTEL ? 0xc1 : 0xd9;
    const uint8_t *s = hc_page + 32 * __HYPERVISOR_xen_version;
    test_check(s[0] == 0xb8 && s[1] == 17 && s[5] == 0x0f && s[6] == 0x01 && s[7] == op3 &&
               s[8] == 0xc3 && s[9] == 0xcc, "xen-hcpage-stub",
               "%02x %02x .. %02x %02x %02x %02x %02x", s[0], s[1], s[5], s[6], s[7], s[8], s[9]);
    long direct = xv(XENVER_version, 0);
    long paged = xen_hypercall_page_call(hc_page, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    test_check(paged == direct, "xen-hcpage-call", "through the page %lx, direct %lx", paged,
               direct);
    char extra[16] = "";
    paged = xen_hypercall_page_call(hc_page, __HYPERVISOR_xen_version, XENVER_extraversion,
                                    (unsigned long)extra, 0);
    test_check(paged == 0 && !strcmp(extra, "-keel"), "xen-hcpage-args", "%ld '%s'", paged, extra);

    v = guest_try(call_iret_slot, hc_page, &e);
    test_check(v == X86_UD, "xen-hcpage-iret-ud", "vector %d", v);
    v = guest_try(install_bad, hc_page + 1, &e);
    test_check(v == X86_GP, "xen-hcpage-index-gp", "vector %d", v);
    v = guest_try(install_bad, (void *)UNMAPPED, &e);
    test_check(v == X86_GP, "xen-hcpage-unmapped-gp", "vector %d", v);
    v = guest_try(install_bad, (void *)0xfffffffffffff000ul, &e);
    test_check(v == X86_GP, "xen-hcpage-huge-gp", "vector %d", v);
    v = guest_try(read_msr, 0, &e);
    test_check(v == X86_GP, "xen-hcpage-read-gp", "vector %d", v);
}

static void check_version(void)
{
    char buf[1024];
    long rc;

    memset(buf, 0x7f, sizeof(buf));
    rc = xv(XENVER_extraversion, buf);
    test_check(rc == 0 && !strcmp(buf, "-keel") && buf[15] == 0, "xen-version-extra", "%ld '%s'", rc, buf);
    memset(buf, 0x7f, sizeof(buf));
    rc = xv(XENVER_capabilities, buf);
    test_check(rc == 0 && !strcmp(buf, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64") &&
               buf[1023] == 0, "xen-version-caps", "%ld '%s'", rc, buf);
    rc = xv(XENVER_changeset, buf);
    test_check(rc == 0 && buf[63] == 0 && strlen(buf) > 0, "xen-version-changeset", "%ld", rc);
    rc = xv(XENVER_compile_info, buf);
    test_check(rc == 0 && !strncmp(buf, "gcc", 3) && !strcmp(buf + 64, "keel"),
               "xen-version-compile-info", "%ld '%s' '%s'", rc, buf, buf + 64);
    uint64_t vs = 0x1234;
    rc = xv(XENVER_platform_parameters, &vs);
    test_check(rc == 0 && vs == 0, "xen-version-platform", "%ld %lx", rc, vs);
    struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xdead };
    rc = xv(XENVER_get_features, &fi);
    uint32_t want = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
                    (1u << XENFEAT_not_direct_mapped);
    test_check(rc == 0 && fi.submap == want, "xen-version-features", "%ld %x", rc, fi.submap);
    fi.submap_idx = 1;
    rc = xv(XENVER_get_features, &fi);
    test_check(rc == -XEN_EINVAL, "xen-version-features-idx", "%ld", rc);
    rc = xv(XENVER_pagesize, 0);
    test_check(rc == 4096, "xen-version-pagesize", "%ld", rc);
    rc = xv(XENVER_pagesize, buf);
    test_check(rc == -XEN_EINVAL, "xen-version-pagesize-arg", "%ld", rc);
    memset(buf, 0x55, 32);
    rc = xv(XENVER_guest_handle, buf);
    int zero = 1;
    for (int i = 0; i < 16; i++)
        zero &= buf[i] == 0;
    test_check(rc == 0 && zero && (uint8_t)buf[16] == 0x55, "xen-version-handle", "%ld", rc);
    rc = xv(XENVER_commandline, buf);
    test_check(rc == 0 && !strcmp(buf, "<denied>"), "xen-version-cmdline", "%ld '%s'", rc, buf);
    rc = xv(XENVER_build_id, 0);
    test_check(rc == -XEN_EPERM, "xen-version-build-id", "%ld", rc);
    rc = xv(11, buf);
    long rc2 = xv(-1, buf);
    test_check(rc == -XEN_ENOSYS && rc2 == -XEN_ENOSYS, "xen-version-unknown", "%ld %ld", rc, rc2);
    /* Only the low 32 bits of the command count, as on Xen (an int). */
    rc = hypercall2(__HYPERVISOR_xen_version, 0x100000000ul | XENVER_version, 0);
    test_check(rc == ((4 << 16) | 17), "xen-version-cmd-int", "%lx", rc);

    /* Unmapped, non-canonical, and straddling the end of our memory (the last page is
     * the console ring, mapped; the next one is not). */
    rc = xv(XENVER_extraversion, (void *)UNMAPPED);
    rc2 = xv(XENVER_capabilities, (void *)NONCANON);
    long rc3 = xv(XENVER_get_features, (void *)(uintptr_t)(mem_top() - 4));
    long rc4 = xv(XENVER_capabilities, (void *)(uintptr_t)(mem_top() - 512));
    test_check(rc == -XEN_EFAULT && rc2 == -XEN_EFAULT && rc3 == -XEN_EFAULT && rc4 == -XEN_EFAULT,
               "xen-version-efault", "%ld %ld %ld %ld", rc, rc2, rc3, rc4);
}

void guest_main(void)
{
    check_cpuid();
    check_hypercall_page();
    check_version();
}
