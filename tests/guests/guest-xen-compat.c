/*
 * guest-xen-compat: the 32-bit ("compat") side of the ABI, through hypercalls made from
 * compatibility mode (tools/guest/xen_compat.c).
 *  - arguments come from EBX, ECX, ...; xen_version answers as to 64-bit code, and
 *    platform_parameters writes a 4-byte word;
 *  - the structures whose layout differs: memory_map (8 bytes), add_to_physmap (16),
 *    SCHEDOP_poll (16, a 4-aligned 64-bit timeout), runstate (44 bytes, packed);
 *  - HVM_PARAM_CALLBACK_IRQ set from 32-bit code latches the 32-bit shared_info layout:
 *    the wall clock moves to offset 2304, the mask bitmap is at 2176, the selector is a
 *    4-byte word at offset 4 of vcpu_info (bytes 8-15 untouched); event delivery follows
 *    it whatever mode later calls come from;
 *  - errors from 32-bit code.
 * Interrupts stay off throughout (no upcall handler: one would be an unexpected IRQ).
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#define UNMAPPED 0x40000000u
#define MS       1000000ull

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t runstate_area[64] __attribute__((aligned(64)));

static uint32_t p32(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

static void calls_and_layouts(void)
{
    long v64 = hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
    long v32 = xen_hypercall32(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    test_check(v32 == v64 && v32 == ((4 << 16) | 17), "compat-version", "%lx %lx", v32, v64);

    uint8_t pp[8];
    memset(pp, 0x55, sizeof(pp));
    long rc = xen_hypercall32(__HYPERVISOR_xen_version, XENVER_platform_parameters, p32(pp), 0, 0, 0);
    test_check(rc == 0 && pp[0] == 0 && pp[3] == 0 && pp[4] == 0x55 && pp[7] == 0x55,
               "compat-platform-parameters", "%ld %02x %02x", rc, pp[0], pp[4]);

    struct xen_e820_entry e[4];
    struct { uint32_t nr, buffer; } mm = { 4, p32(e) };
    rc = xen_hypercall32(__HYPERVISOR_memory_op, XENMEM_memory_map, p32(&mm), 0, 0, 0);
    test_check(rc == 0 && mm.nr == 2 && e[0].addr == 0 && e[0].type == 1 && e[1].type == 2,
               "compat-memory-map", "%ld nr %u", rc, mm.nr);

    struct { uint16_t domid, size; uint32_t space, idx, gpfn; } xatp = {
        DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, p32(shinfo) >> 12 };
    rc = xen_hypercall32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, p32(&xatp), 0, 0, 0);
    test_check(rc == 0, "compat-add-to-physmap", "%ld", rc);
    xen_shinfo = (void *)shinfo;
    uint32_t wc64 = *(volatile uint32_t *)(shinfo + 3072);

    struct xen_hvm_param hp = { DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(0xf3) };
    rc = xen_hypercall32(__HYPERVISOR_hvm_op, HVMOP_set_param, p32(&hp), 0, 0, 0);
    uint32_t wc32 = *(volatile uint32_t *)(shinfo + 2304);
    test_check(rc == 0 && wc64 >= 2 && !(wc64 & 1) && wc32 >= 2 && !(wc32 & 1),
               "compat-latch-wallclock", "%ld: wc_version 64-bit place %u, 32-bit place %u",
               rc, wc64, wc32);
}

static int bit(const uint8_t *base, unsigned n)
{
    return (base[n / 8] >> (n % 8)) & 1;
}

static void bitmaps(void)
{
    volatile uint8_t *vi = shinfo;               /* vcpu_info[0] */
    uint32_t p = 0;
    /* A port in the second 32-bit word, to tell a 32-bit selector from a 64-bit one. */
    for (int i = 0; i < 34; i++)
        xen_evtchn_bind_ipi(0, &p);
    test_check(p >= 32 && p < 64, "compat-port", "port %u", p);
    vi[0] = 0;
    memset((void *)(vi + 4), 0, 12);
    long rc = xen_evtchn_send(p);                /* from 64-bit code: the latch decides */
    uint32_t sel32 = *(volatile uint32_t *)(vi + 4);
    int upper_clean = 1;
    for (int i = 8; i < 16; i++)
        upper_clean &= vi[i] == 0;
    test_check(rc == 0 && bit(shinfo + 2048, p) && vi[0] == 1 && sel32 == (1u << (p / 32)) &&
               upper_clean, "compat-deliver", "rc %ld pending %d flag %u sel %x clean %d",
               rc, bit(shinfo + 2048, p), vi[0], sel32, upper_clean);

    /* Masked through the 32-bit mask bitmap (at 2176): pending, no selector. */
    vi[0] = 0;
    *(volatile uint32_t *)(vi + 4) = 0;
    shinfo[2048 + p / 8] &= (uint8_t)~(1u << (p % 8));
    shinfo[2176 + p / 8] |= (uint8_t)(1u << (p % 8));
    xen_evtchn_send(p);
    int masked_ok = bit(shinfo + 2048, p) && *(volatile uint32_t *)(vi + 4) == 0 && vi[0] == 0;
    struct { uint32_t port; } um = { p };
    rc = xen_hypercall32(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, p32(&um), 0, 0, 0);
    test_check(masked_ok && rc == 0 && !bit(shinfo + 2176, p) &&
               *(volatile uint32_t *)(vi + 4) == (1u << (p / 32)) && vi[0] == 1,
               "compat-mask", "masked_ok %d rc %ld", masked_ok, rc);

    /* SCHEDOP_poll, 32-bit layout: a pending port returns at once; none, the timeout. */
    uint32_t ports[1] = { p };
    uint64_t t0 = xen_clock_ns(0);
    struct { uint32_t ports, nr, tlo, thi; } sp = { p32(ports), 1, 0, 0 };
    rc = xen_hypercall32(__HYPERVISOR_sched_op, SCHEDOP_poll, p32(&sp), 0, 0, 0);
    test_check(rc == 0, "compat-poll-pending", "%ld", rc);
    shinfo[2048 + p / 8] &= (uint8_t)~(1u << (p % 8));
    uint64_t deadline = xen_clock_ns(0) + 3 * MS;
    sp.tlo = (uint32_t)deadline, sp.thi = (uint32_t)(deadline >> 32);
    rc = xen_hypercall32(__HYPERVISOR_sched_op, SCHEDOP_poll, p32(&sp), 0, 0, 0);
    uint64_t t1 = xen_clock_ns(0);
    test_check(rc == 0 && t1 >= deadline && t0 < deadline, "compat-poll-timeout",
               "%ld, %ld ns past the deadline", rc, (long)(t1 - deadline));
    vi[0] = 0;                                   /* nothing for an upcall to find */
}

static void runstate(void)
{
    memset(runstate_area, 0x5a, sizeof(runstate_area));
    struct { uint64_t addr; } area = { (uintptr_t)runstate_area };
    long rc = xen_hypercall32(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
                              p32(&area), 0, 0);
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
    uint32_t none = 900;
    xen_sched_poll(&none, 1, xen_clock_ns(0) + 2 * MS);     /* out and back in: rewritten */
    int32_t state;
    uint64_t entry, running;
    memcpy(&state, runstate_area, 4);
    memcpy(&entry, runstate_area + 4, 8);
    memcpy(&running, runstate_area + 12, 8);
    test_check(rc == 0 && state == RUNSTATE_running && entry > 0 && entry <= xen_clock_ns(0) &&
               running > 0 && runstate_area[44] == 0x5a, "compat-runstate-area",
               "%ld state %d entry %lu running %lu byte44 %02x", rc, state, entry, running,
               runstate_area[44]);
    uint8_t info[48];
    memset(info, 0x5a, sizeof(info));
    rc = xen_hypercall32(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, p32(info), 0, 0);
    memcpy(&state, info, 4);
    test_check(rc == 0 && state == RUNSTATE_running && info[44] == 0x5a && info[43] != 0x5a,
               "compat-runstate-info", "%ld state %d", rc, state);
}

static void errors(void)
{
    long e1 = xen_hypercall32(__HYPERVISOR_xen_version, XENVER_capabilities, UNMAPPED, 0, 0, 0);
    long e2 = xen_hypercall32(99, 0, 0, 0, 0, 0);
    long e3 = xen_hypercall32(__HYPERVISOR_memory_op, XENMEM_memory_map, UNMAPPED, 0, 0, 0);
    struct { uint32_t ports, nr, tlo, thi; } sp = { 0, 129, 0, 0 };
    long e4 = xen_hypercall32(__HYPERVISOR_sched_op, SCHEDOP_poll, p32(&sp), 0, 0, 0);
    long e5 = xen_hypercall32(__HYPERVISOR_event_channel_op, EVTCHNOP_send, UNMAPPED, 0, 0, 0);
    test_check(e1 == -XEN_EFAULT && e2 == -XEN_ENOSYS && e3 == -XEN_EFAULT &&
               e4 == -XEN_EINVAL && e5 == -XEN_EFAULT, "compat-errors",
               "%ld %ld %ld %ld %ld", e1, e2, e3, e4, e5);
}

void guest_main(void)
{
    calls_and_layouts();
    bitmaps();
    runstate();
    errors();
}
