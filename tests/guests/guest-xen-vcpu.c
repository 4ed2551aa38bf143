/*
 * guest-xen-vcpu: starting and stopping vCPUs the Xen way, and giving memory back.
 *  - VCPUOP_initialise / up / down / is_up on vCPU 1 (vcpus=2): up before any context is
 *    -EINVAL; contexts that are not the PVH start state (64-bit form, paging on, a segment
 *    base) are -EINVAL; a bad pointer -EFAULT; a vCPU that runs -EEXIST; an id out of
 *    range -ENOENT. Then the AP starts from a good context and counts in a loop; down stops
 *    the count (is_up 0), up resumes it where it was (is_up 1, same AP, no restart);
 *  - XENMEM_decrease_reservation gives pages back (current reservation drops, the GFN
 *    reads as unmapped memory no more: populating it again gives a zeroed page);
 *    populate_physmap stops at the domain's limit (maximum_reservation): with every page
 *    held, a GFN above RAM is refused (0 done); after giving one back it is accepted;
 *    shared_info and the console ring cannot be given back; order != 0, another domain,
 *    bad list pointers.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define VCPUOP_initialise       0
#define VCPUOP_down             2
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap     6
#define UNMAPPED 0x40000000ul

struct vcpu_hvm_x86_32 {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags, cr0, cr3, cr4, pad1;
    uint64_t efer;
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar, pad2[3];
};
struct vcpu_hvm_context {
    uint32_t mode, pad;
    union { struct vcpu_hvm_x86_32 x86_32; uint64_t x86_64[14]; } r;
};
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context layout");

struct xen_memory_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    domid_t domid;
};

static volatile uint64_t ap_count;
static volatile uint32_t ap_cpu_seen = 99;
static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t victim[2][4096] __attribute__((aligned(4096)));

void ap_main(unsigned cpu)
{
    ap_cpu_seen = cpu;
    for (;;)
        __atomic_add_fetch(&ap_count, 1, __ATOMIC_RELAXED);
}

static long vop(int cmd, unsigned id, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, (unsigned long)cmd, id, (unsigned long)arg);
}

static struct vcpu_hvm_context pvh_ctx(uint32_t eip)
{
    struct vcpu_hvm_context c;
    memset(&c, 0, sizeof(c));
    c.r.x86_32.eip = eip;
    c.r.x86_32.cr0 = 0x11;                        /* PE | ET */
    c.r.x86_32.cs_limit = c.r.x86_32.ds_limit = ~0u;
    c.r.x86_32.ss_limit = c.r.x86_32.es_limit = ~0u;
    c.r.x86_32.cs_ar = 0xc9b;
    c.r.x86_32.ds_ar = c.r.x86_32.ss_ar = c.r.x86_32.es_ar = 0xc93;
    return c;
}

/* Waits a little (in TSC ticks) and says whether the AP's counter moved meanwhile. */
static int ap_moves(void)
{
    uint64_t before = ap_count, end = rdtsc() + 20000000ull;
    while (rdtsc() < end)                  /* yielding: on one CPU the AP needs it */
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
    return ap_count != before;
}

static void check_vcpu_updown(void)
{
    long isup = vop(VCPUOP_is_up, 1, NULL);
    long up_early = vop(VCPUOP_up, 1, NULL);
    test_check(isup == 0 && up_early == -XEN_EINVAL, "vcpu-up-needs-context",
               "is_up %ld, up without context %ld", isup, up_early);

    uint32_t entry = smp_ap_prepare(1);
    struct vcpu_hvm_context c64 = pvh_ctx(entry), cpg = pvh_ctx(entry), cbase = pvh_ctx(entry);
    c64.mode = 1;
    cpg.r.x86_32.cr0 |= 0x80000000u;
    cbase.r.x86_32.ds_base = 0x1000;
    long r1 = vop(VCPUOP_initialise, 1, &c64);
    long r2 = vop(VCPUOP_initialise, 1, &cpg);
    long r3 = vop(VCPUOP_initialise, 1, &cbase);
    long r4 = vop(VCPUOP_initialise, 1, (void *)UNMAPPED);
    struct vcpu_hvm_context good = pvh_ctx(entry);
    long r5 = vop(VCPUOP_initialise, 0, &good);        /* ourselves: running */
    long r6 = vop(VCPUOP_initialise, 8, &good);
    long r7 = vop(VCPUOP_up, 2, NULL);                 /* vcpus=2: no vCPU 2 */
    test_check(r1 == -XEN_EINVAL && r2 == -XEN_EINVAL && r3 == -XEN_EINVAL &&
               r4 == -XEN_EFAULT && r5 == -XEN_EEXIST && r6 == -XEN_ENOENT && r7 == -XEN_ENOENT,
               "vcpu-initialise-errors", "64-bit %ld, paging %ld, base %ld, bad pointer %ld, "
               "running %ld, id 8 %ld, up id 2 %ld", r1, r2, r3, r4, r5, r6, r7);

    long ri = vop(VCPUOP_initialise, 1, &good);
    long ru = vop(VCPUOP_up, 1, NULL);
    int online = ri == 0 && ru == 0 && smp_ap_wait(1);
    long again = vop(VCPUOP_initialise, 1, &good);
    test_check(online && ap_cpu_seen == 1 && vop(VCPUOP_is_up, 1, NULL) == 1 &&
               again == -XEN_EEXIST && ap_moves(), "vcpu-initialise-up",
               "initialise %ld, up %ld, online %d, cpu %u, re-initialise %ld", ri, ru, online,
               ap_cpu_seen, again);

    long rd = vop(VCPUOP_down, 1, NULL);
    long isdown = vop(VCPUOP_is_up, 1, NULL);
    (void)ap_moves();                                  /* let it stop */
    int stopped = !ap_moves();
    test_check(rd == 0 && isdown == 0 && stopped, "vcpu-down-stops",
               "down %ld, is_up %ld, still counting %d", rd, isdown, !stopped);

    ap_cpu_seen = 99;
    long ru2 = vop(VCPUOP_up, 1, NULL);
    int moves = ap_moves();
    test_check(ru2 == 0 && vop(VCPUOP_is_up, 1, NULL) == 1 && moves && ap_cpu_seen == 99,
               "vcpu-up-resumes", "up %ld, counting %d, restarted %d", ru2, moves,
               ap_cpu_seen != 99);
}

static long mop(unsigned long cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, (unsigned long)arg);
}

static long resv(unsigned op, uint64_t *gfns, uint64_t n, uint32_t order, domid_t dom)
{
    struct xen_memory_reservation r = { .extent_start = (uint64_t)(uintptr_t)gfns,
        .nr_extents = n, .extent_order = order, .domid = dom };
    return mop(op, &r);
}

static long held(void)
{
    domid_t self = DOMID_SELF;
    return mop(XENMEM_current_reservation, &self);
}

static void check_reservation(void)
{
    domid_t self = DOMID_SELF;
    long max = mop(XENMEM_maximum_reservation, &self);
    long cur = held();
    uint64_t above = (guest_ram_bytes() + 0x400000ul) >> 12;   /* a GFN above all RAM */
    uint64_t g[2] = { (uintptr_t)victim[0] >> 12, (uintptr_t)victim[1] >> 12 };

    long full = resv(XENMEM_populate_physmap, &above, 1, 0, DOMID_SELF);
    test_check(cur == max && full == 0 && held() == cur, "mem-populate-at-limit",
               "held %ld of %ld, populate above RAM did %ld", cur, max, full);

    victim[0][0] = victim[1][0] = 0x77;
    long dec = resv(XENMEM_decrease_reservation, g, 2, 0, DOMID_SELF);
    long after = held();
    long pop = resv(XENMEM_populate_physmap, g, 1, 0, DOMID_SELF);
    int zero = pop == 1 && victim[0][0] == 0;
    victim[0][0] = 1;                                  /* and writable */
    long pop_above = resv(XENMEM_populate_physmap, &above, 1, 0, DOMID_SELF);
    volatile uint8_t *hi = (volatile uint8_t *)(uintptr_t)(above << 12);
    int hi_ok = pop_above == 1 && hi[0] == 0 && (hi[1] = 5, hi[1] == 5);
    long pop_full = resv(XENMEM_populate_physmap, &g[1], 1, 0, DOMID_SELF);
    test_check(dec == 2 && after == cur - 2 && zero && victim[0][0] == 1 && hi_ok &&
               pop_full == 0 && held() == max, "mem-give-back-populate",
               "decrease %ld (held %ld -> %ld), populate back %ld zeroed %d, above RAM %ld "
               "ok %d, past the limit %ld, held %ld of %ld", dec, cur, after, pop, zero,
               pop_above, hi_ok, pop_full, held(), max);
    /* Give the page above RAM back so victim[1] can come home. */
    long back = resv(XENMEM_decrease_reservation, &above, 1, 0, DOMID_SELF);
    long home = resv(XENMEM_populate_physmap, &g[1], 1, 0, DOMID_SELF);
    test_check(back == 1 && home == 1 && held() == max, "mem-refill", "%ld %ld", back, home);

    /* What cannot go: shared_info, the console ring, twice the same page, a bad list. */
    uint64_t console_pfn = 0, si = (uintptr_t)shinfo >> 12;
    xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &console_pfn);
    long s1 = xen_map_shared_info(shinfo);
    long e1 = resv(XENMEM_decrease_reservation, &si, 1, 0, DOMID_SELF);
    long e2 = resv(XENMEM_decrease_reservation, &console_pfn, 1, 0, DOMID_SELF);
    long e3 = resv(XENMEM_decrease_reservation, g, 1, 1, DOMID_SELF);
    long e4 = resv(XENMEM_decrease_reservation, (uint64_t *)UNMAPPED, 1, 0, DOMID_SELF);
    long e5 = mop(XENMEM_decrease_reservation, (void *)UNMAPPED);
    long e6 = resv(XENMEM_decrease_reservation, g, 1, 0, 0x1234);
    long e7 = resv(XENMEM_populate_physmap, g, 1, 0, DOMID_SELF);     /* present */
    test_check(s1 == 0 && e1 == 0 && e2 == 0 && e3 == -XEN_EINVAL && e4 == -XEN_EFAULT &&
               e5 == -XEN_EFAULT && e6 == -XEN_ESRCH && e7 == 0 && held() == max - 1,
               "mem-reservation-errors", "shared_info %ld, console %ld, order 1 %ld, bad list "
               "%ld, bad arg %ld, no domain %ld, populate present %ld (shinfo map %ld, held %ld)",
               e1, e2, e3, e4, e5, e6, e7, s1, held());
}

void guest_main(void)
{
    check_vcpu_updown();
    check_reservation();
}
