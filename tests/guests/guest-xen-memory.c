/*
 * guest-xen-memory: memory_op and hvm_op.
 *  - XENMEM_memory_map: RAM below the ACPI page, it and the console ring page reserved, the same
 *    as the start info's map; a short buffer gets the first entries;
 *  - reservations: current (RAM frames held), maximum, highest GFN; another or no domain;
 *  - XENMEM_add_to_physmap(shared_info): mapped over a page of our RAM, which the domain
 *    gives up (current reservation one lower); the wall clock and our pvclock are there;
 *    moved to another GFN it keeps its contents; the old GFN is no longer ours; refused
 *    over the console ring page (-EBUSY), above 1 TiB, for idx != 0, for other spaces,
 *    domains, and a bad continuation index;
 *  - HVMOP_get/set_param: the console ring page and port, the empty store; what a guest
 *    may not set (-EPERM) or read, indexes out of range, the callback types Keel lacks;
 *  - bad pointers and unknown commands everywhere.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define UNMAPPED 0x40000000ul

static uint8_t shinfo_a[4096] __attribute__((aligned(4096)));
static uint8_t shinfo_b[4096] __attribute__((aligned(4096)));

static long mop(unsigned long cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, (unsigned long)arg);
}

static long add_physmap(domid_t dom, uint32_t space, uint64_t idx, uint64_t gpfn, unsigned long cmd_hi)
{
    struct xen_add_to_physmap x = { .domid = dom, .space = space, .idx = idx, .gpfn = gpfn };
    return mop(XENMEM_add_to_physmap | cmd_hi, &x);
}

static uint64_t reservation(void)
{
    domid_t self = DOMID_SELF;
    return (uint64_t)mop(XENMEM_current_reservation, &self);
}

static void check_memory_map(uint64_t *console_gpa)
{
    struct xen_e820_entry e[8];
    struct xen_memory_map m = { .nr_entries = 8, .buffer = (uint64_t)(uintptr_t)e };
    const struct hvm_memmap_table_entry *si;
    unsigned n = guest_memmap(&si);

    long rc = mop(XENMEM_memory_map, &m);
    int same = rc == 0 && m.nr_entries == n && n == 2;
    for (unsigned i = 0; same && i < n; i++)
        same = e[i].addr == si[i].addr && e[i].size == si[i].size && e[i].type == si[i].type;
    test_check(same && e[0].addr == 0 && e[0].type == 1 && e[1].type == 2 &&
               e[1].size == 8192 && e[1].addr == e[0].size,
               "xen-mem-map", "rc %ld, %u entries (start info %u)", rc, m.nr_entries, n);
    *console_gpa = e[1].addr + 4096;              /* the ACPI page, then the console ring */

    struct xen_e820_entry one[2];
    memset(one, 0x5a, sizeof(one));
    m = (struct xen_memory_map){ .nr_entries = 1, .buffer = (uint64_t)(uintptr_t)one };
    rc = mop(XENMEM_memory_map, &m);
    test_check(rc == 0 && m.nr_entries == 1 && one[0].size == e[0].size &&
               ((uint8_t *)one)[20] == 0x5a, "xen-mem-map-short", "rc %ld n %u", rc, m.nr_entries);

    m = (struct xen_memory_map){ .nr_entries = 8, .buffer = UNMAPPED };
    long rc1 = mop(XENMEM_memory_map, &m);
    long rc2 = mop(XENMEM_memory_map, (void *)UNMAPPED);
    test_check(rc1 == -XEN_EFAULT && rc2 == -XEN_EFAULT, "xen-mem-map-efault", "%ld %ld", rc1, rc2);
}

static void check_reservations(void)
{
    domid_t self = DOMID_SELF, other = 0x1234, own = (domid_t)xen_domid();
    uint64_t pages = guest_ram_bytes() / 4096 + 2;      /* console and ACPI pages: RAM of ours */
    long cur = mop(XENMEM_current_reservation, &self);
    long max = mop(XENMEM_maximum_reservation, &own);
    long gpfn = mop(XENMEM_maximum_gpfn, &self);
    test_check(cur == (long)pages && max == (long)pages && gpfn == (long)pages - 1,
               "xen-mem-reservation", "cur %ld max %ld gpfn %ld, expected %lu pages", cur,
               max, gpfn, pages);
    long r1 = mop(XENMEM_current_reservation, &other);
    long r2 = mop(XENMEM_maximum_reservation, (void *)UNMAPPED);
    long r3 = mop(5, &self);                     /* machphys_mfn_list: PV only */
    long r4 = mop(63, &self);
    test_check(r1 == -XEN_ESRCH && r2 == -XEN_EFAULT && r3 == -XEN_ENOSYS && r4 == -XEN_ENOSYS,
               "xen-mem-errors", "%ld %ld %ld %ld", r1, r2, r3, r4);
}

static void check_shared_info(uint64_t console_gpa)
{
    uint64_t before = reservation();
    shinfo_a[100] = 0x77;                        /* RAM contents that must go away */
    long rc = xen_map_shared_info(shinfo_a);
    test_check(rc == 0 && reservation() == before - 1, "xen-shinfo-map",
               "rc %ld, reservation %lu -> %lu", rc, before, reservation());
    volatile struct shared_info *s = xen_shinfo;
    struct vcpu_time_info t;
    xen_time_snapshot(&s->vcpu_info[0], &t);
    /* The record is stamped in the past (Keel stamps it where the arithmetic is exact,
     * up to a few seconds back: its system_time may still be 0 right after boot), and
     * the time read through it has advanced since Keel started. */
    uint64_t age = rdtsc() - t.tsc_timestamp, now = xen_clock_ns(0);
    test_check(shinfo_a[100] == 0 && s->wc_version >= 2 && !(s->wc_version & 1) &&
               t.version >= 2 && t.tsc_to_system_mul >= 0x80000000u && age < (1ull << 40) &&
               now > 0 && now >= t.system_time, "xen-shinfo-contents",
               "wc_version %u time version %u mul %x system %lu, stamped %lu ticks ago, now %lu ns",
               s->wc_version, t.version, t.tsc_to_system_mul, t.system_time, age, now);
    /* Mapping it where it is again changes nothing. */
    rc = xen_map_shared_info(shinfo_a);
    test_check(rc == 0 && reservation() == before - 1, "xen-shinfo-remap-same", "rc %ld", rc);

    /* Moved: same page (our mask bits stay), old GFN given up too. */
    s->evtchn_mask[5] = 0xfeedfacecafebeefull;
    rc = xen_map_shared_info(shinfo_b);
    volatile struct shared_info *s2 = (void *)shinfo_b;
    test_check(rc == 0 && s2->evtchn_mask[5] == 0xfeedfacecafebeefull &&
               reservation() == before - 2, "xen-shinfo-move", "rc %ld mask %lx", rc,
               s2->evtchn_mask[5]);
    s2->evtchn_mask[5] = 0;

    long e1 = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, console_gpa >> 12, 0);
    long e2 = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, (1ull << 40) >> 12, 0);   /* past 1 TiB */
    long e3 = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, (uintptr_t)shinfo_b >> 12, 0);
    long e4 = add_physmap(DOMID_SELF, 99, 0, (uintptr_t)shinfo_b >> 12, 0);
    long e5 = add_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 4, (uintptr_t)shinfo_b >> 12, 0);
    long e6 = add_physmap(0x2345, XENMAPSPACE_shared_info, 0, (uintptr_t)shinfo_b >> 12, 0);
    long e7 = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, (uintptr_t)shinfo_b >> 12,
                          0x10000ul << 6);
    long e8 = mop(XENMEM_add_to_physmap, (void *)UNMAPPED);
    long e9 = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, ~0ull >> 12, 0);
    test_check(e1 == -XEN_EBUSY && e2 == -XEN_EINVAL && e3 == -XEN_EINVAL && e4 == -XEN_EINVAL &&
               e5 == -XEN_EINVAL && e6 == -XEN_ESRCH && e7 == -XEN_EDOM && e8 == -XEN_EFAULT &&
               e9 == -XEN_EINVAL, "xen-shinfo-errors",
               "%ld %ld %ld %ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6, e7, e8, e9);
    test_check(reservation() == before - 2, "xen-shinfo-errors-free-nothing", "%lu",
               reservation());
}

static void check_params(uint64_t console_gpa)
{
    uint64_t v;
    long rc = xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v);
    test_check(rc == 0 && v == console_gpa >> 12, "xen-param-console-pfn", "%ld %lx", rc, v);
    rc = xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &v);
    struct evtchn_status st;
    long rs = xen_evtchn_status(DOMID_SELF, (uint32_t)v, &st);
    test_check(rc == 0 && v == 1 && rs == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
               "xen-param-console-evtchn", "%ld port %lu, status %ld/%u", rc, v, rs, st.status);
    uint64_t spfn = 1, sport = 1;
    long r1 = xen_hvm_get_param(HVM_PARAM_STORE_PFN, &spfn);
    long r2 = xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &sport);
    test_check(r1 == 0 && r2 == 0 && spfn == 0 && sport == 0, "xen-param-store-empty",
               "%ld %ld %lu %lu", r1, r2, spfn, sport);

    long e1 = xen_hvm_set_param(HVM_PARAM_CONSOLE_PFN, 5);          /* the toolstack's */
    long e2 = xen_hvm_set_param(HVM_PARAM_STORE_PFN, 5);
    long e3 = xen_hvm_get_param(HVM_PARAM_IDENT_PT, &v);            /* not readable */
    long e4 = xen_hvm_get_param(HVM_NR_PARAMS, &v);
    long e5 = xen_hvm_set_param(0xffffffffu, 0);
    long e6 = xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 5);          /* a GSI */
    long e7 = xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, (1ull << 56) | 3);   /* PCI INTx */
    struct xen_hvm_param p = { .domid = 0x3333, .index = HVM_PARAM_CONSOLE_PFN };
    long e8 = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, (unsigned long)&p);
    long e9 = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, UNMAPPED);
    long e10 = hypercall2(__HYPERVISOR_hvm_op, 4, (unsigned long)&p);
    test_check(e1 == -XEN_EPERM && e2 == -XEN_EPERM && e3 == -XEN_EPERM && e4 == -XEN_EINVAL &&
               e5 == -XEN_EINVAL && e6 == -XEN_EINVAL && e7 == -XEN_EINVAL && e8 == -XEN_ESRCH &&
               e9 == -XEN_EFAULT && e10 == -XEN_ENOSYS, "xen-param-errors",
               "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", e1, e2, e3, e4, e5, e6, e7, e8, e9, e10);
    rc = xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v);
    test_check(rc == 0 && v == console_gpa >> 12, "xen-param-console-unchanged", "%lx", v);

    /* What a guest may set: the store/console ports (advisory), the callback. */
    long s1 = xen_hvm_set_param(HVM_PARAM_STORE_EVTCHN, 7);
    long s2 = xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v);
    test_check(s1 == 0 && s2 == 0 && v == 7, "xen-param-store-evtchn-set", "%ld %ld %lu", s1, s2, v);
    s1 = xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(0xf3));
    s2 = xen_hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &v);
    long s3 = xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 0);
    test_check(s1 == 0 && s2 == 0 && v == HVM_CALLBACK_VECTOR(0xf3) && s3 == 0,
               "xen-param-callback", "%ld %ld %lx %ld", s1, s2, v, s3);
}

/* shared_info moved to GFNs far apart above 4 GiB (where Linux puts grant frames): the
 * first moves work, then Keel refuses (-ENOMEM) once the page tables it would build for
 * the domain pass their bound, instead of allocating without end; above 1 TiB: -EINVAL.
 * Back in RAM afterwards, it still works. */
static void check_scattered_gfns(void)
{
    long rc = 0;
    unsigned moved = 0;
    for (unsigned i = 0; i < 300 && rc == 0; i++) {
        rc = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                         ((4ull << 30) + (uint64_t)i * (1ull << 30)) >> 12, 0);
        moved += rc == 0;
    }
    long far = add_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, (1ull << 40) >> 12, 0);
    long back = xen_map_shared_info(shinfo_b);
    volatile struct shared_info *s = (void *)shinfo_b;
    unsigned wc = back == 0 ? s->wc_version : 0;
    test_check(moved >= 8 && moved < 300 && rc == -XEN_ENOMEM && far == -XEN_EINVAL &&
               back == 0 && wc >= 2, "xen-mem-shinfo-scattered",
               "%u moves then %ld, above 1 TiB %ld, back in RAM %ld (wc_version %u)", moved, rc,
               far, back, wc);
}

void guest_main(void)
{
    uint64_t console_gpa = 0;
    check_memory_map(&console_gpa);
    check_reservations();
    check_shared_info(console_gpa);
    check_params(console_gpa);
    check_scattered_gfns();
}
