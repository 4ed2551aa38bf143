/*
 * guest-xen-fuzz: random hypercalls, reproducible from a seed (command line seed=N,
 * rounds=N; defaults 1, 200000). Numbers are mostly the implemented ones, commands mostly
 * small, arguments a mix of small integers, random 64-bit values, ports, domain ids, and
 * pointers: into a scratch area filled with random bytes, into unmapped memory, non-
 * canonical, or NULL. The hypervisor must answer every one (any result) and survive.
 *
 * What the guest must keep to stay alive itself, not to spare the hypervisor: interrupts
 * stay off (a random callback vector must not hit us), sched_op is only yield (no
 * shutdown, no blocking forever), VCPUOP_initialise/up/down never name our own vCPU
 * (down would stop us for good), console_io is left out (it would print noise), and
 * every address the hypervisor may write to later — shared_info's GFN, a vcpu_info, a
 * runstate area, the hypercall page, a grant-table frame — is inside the scratch area or
 * not ours, and so is everything grant_table_op writes (operation results, frame lists,
 * copy destinations; see grant_args, which keeps grant_table_op's array out of page 0).
 * At the end, a few calls must still work as they should.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>

/* Pointers land in the first SCRATCH_PAGES pages; the last page is slack for the longest
 * thing the hypervisor writes (1 KiB of capabilities). */
#define SCRATCH_PAGES 16
static uint8_t scratch[(SCRATCH_PAGES + 1) * 4096] __attribute__((aligned(4096)));
static uint64_t seed, mem_top;
/* Grant-table frame 3 (refs 1536..2047) stays here, out of the scrambled area, so that
 * the guest can keep some plausible grants (of scratch pages, to itself) for the crafted
 * operations to use; the random add_to_physmap calls never move it (see one()). */
#define GREF0 1536
static uint8_t gtable[4096] __attribute__((aligned(4096)));
static domid_t self;
static uint64_t window;                      /* GPAs above our RAM where maps may go */
static struct { uint64_t gpa; uint32_t handle; } made[16];   /* recent maps, for unmaps */
static unsigned long gnt_calls, gnt_ok, gnt_maps, gnt_copies;   /* what grant fuzzing reached */

static uint64_t rnd(void)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return seed * 0x2545F4914F6CDD1Dull;
}

/* A pointer argument: mostly somewhere in the scratch area, never elsewhere in our RAM
 * (page 0 aside, which we do not use). */
static unsigned long ptr_arg(void)
{
    switch (rnd() % 8) {
    case 0: return 0x40000000ul + (rnd() % 0x100000);             /* unmapped */
    case 1: return 0x8000000000000000ul | rnd();                  /* non-canonical */
    case 2: return 0;
    case 3: return mem_top - (rnd() % 64);       /* straddling the end of our memory */
    default: return (unsigned long)scratch + rnd() % (SCRATCH_PAGES * 4096);
    }
}

/* Integers; the ones that could pass for a pointer are small (page 0), ours, or far
 * above our memory. */
static unsigned long int_arg(void)
{
    switch (rnd() % 6) {
    case 0: return rnd() | (1ul << 62);
    case 1: return rnd() % 16;
    case 2: return rnd() % 80;                                     /* ports */
    case 3: return (rnd() & 1) ? 0x7ff0 : rnd() % 5;               /* domain ids */
    case 4: return ptr_arg();
    default: return (uint32_t)rnd() | 0x80000000u;
    }
}

/* Structures in the scratch area get random contents, with fields that are pointers or
 * GFNs the hypervisor may keep steered into the scratch area (or out of our memory). */
static void scramble(void)
{
    for (unsigned i = 0; i < 64; i++)
        ((uint64_t *)scratch)[rnd() % (sizeof(scratch) / 8)] = rnd() % 3 ? int_arg() : rnd();
}

static unsigned long safe_gfn(void)
{
    return rnd() % 4 ? ((unsigned long)scratch >> 12) + rnd() % SCRATCH_PAGES
                     : 0x40000 + rnd() % 0x10000;                  /* outside RAM */
}

/* grant_table_op: the operations are written back (status, handle), so an array in
 * scratch must end inside it; a huge count only with an array we do not have. A copy's
 * destination frame is a page of scratch or none of ours. (A destination named by one
 * of our own grants is whatever the scrambled table says: frame 0, which we do not use,
 * or far outside our memory, but for a 2^-20 chance per entry of a random frame.) */
/* Re-grants (or revokes, or spoils) one of our 16 plausible refs, mapped or not. */
static void regrant(void)
{
    volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)gtable + rnd() % 16;
    e->frame = (uint32_t)(((unsigned long)scratch >> 12) + rnd() % SCRATCH_PAGES);
    e->domid = rnd() % 8 ? self : (domid_t)int_arg();
    e->flags = (uint16_t)(rnd() % 8 ? GTF_permit_access | (rnd() % 3 ? 0 : GTF_readonly) : rnd());
}

/* Operations that mostly make sense: our refs, our window, small handles. */
static void craft(unsigned cmd, uint8_t *op)
{
    uint32_t ref = rnd() % 8 ? GREF0 + rnd() % 16 : (uint32_t)int_arg();
    domid_t dom = rnd() % 8 ? self : rnd() & 1 ? DOMID_SELF : (domid_t)int_arg();
    uint64_t gpa = window + 4096 * (rnd() % 64) + (rnd() % 16 ? 0 : rnd() % 4096);
    if (cmd == GNTTABOP_map_grant_ref) {
        *(struct gnttab_map_grant_ref *)op = (struct gnttab_map_grant_ref){
            .host_addr = gpa, .ref = ref, .dom = dom,
            .flags = rnd() % 8 ? GNTMAP_host_map | (rnd() & 1 ? GNTMAP_readonly : 0) : (uint32_t)rnd() };
    } else if (cmd == GNTTABOP_unmap_grant_ref) {
        unsigned k = rnd() % 16;
        *(struct gnttab_unmap_grant_ref *)op = rnd() % 4 ?
            (struct gnttab_unmap_grant_ref){ .host_addr = made[k].gpa, .handle = made[k].handle } :
            (struct gnttab_unmap_grant_ref){ .host_addr = gpa,
                                             .handle = rnd() % 8 ? rnd() % 16 : (uint32_t)int_arg() };
    } else if (cmd == GNTTABOP_copy) {
        struct gnttab_copy *c = (struct gnttab_copy *)op;
        uint16_t len = (uint16_t)(rnd() % 4 ? 4096 - rnd() % 4096 : rnd() % 8192);
        *c = (struct gnttab_copy){ .len = len, .flags = (uint16_t)(rnd() % 4) };
        c->source.offset = (uint16_t)(rnd() % 2 ? 0 : rnd() % (4097 - (len > 4096 ? 4096 : len)));
        c->dest.offset = (uint16_t)(rnd() % 2 ? 0 : rnd() % (4097 - (len > 4096 ? 4096 : len)));
        c->source.domid = c->flags & GNTCOPY_source_gref ? dom : DOMID_SELF;
        c->dest.domid = c->flags & GNTCOPY_dest_gref ? dom : DOMID_SELF;
        if (c->flags & GNTCOPY_source_gref)
            c->source.u.ref = ref;
        else
            c->source.u.gmfn = rnd() % 2 ? safe_gfn() : rnd() % 4096;   /* reading is fine */
        if (c->flags & GNTCOPY_dest_gref)
            c->dest.u.ref = GREF0 + rnd() % 16;
        else
            c->dest.u.gmfn = safe_gfn();
    }
}

static void grant_args(unsigned long a[5])
{
    unsigned long end = (unsigned long)scratch + sizeof(scratch);
    a[0] = rnd() % 4 ? rnd() % 13 : a[0];
    a[2] = rnd() % 4 ? rnd() % 6 : int_arg();
    /* Not page 0 or the top of our memory: what earlier calls left there would make
     * copies into our own pages. */
    a[1] = rnd() % 8 ? (unsigned long)scratch + rnd() % (SCRATCH_PAGES * 4096)
                     : rnd() & 1 ? 0x40000000ul + (rnd() % 0x100000) : 0x8000000000000000ul | rnd();
    if (a[1] >= (unsigned long)scratch && a[1] < end) {
        if (a[2] > (end - a[1]) / 40)
            a[2] = (end - a[1]) / 40;
        for (unsigned long i = 0; rnd() % 2 && i < a[2]; i++)
            craft((unsigned)a[0], (uint8_t *)(a[1] + 40 * i) - (a[0] == 0 ? 8 * i : a[0] == 1 ? 16 * i : 0));
        if (a[0] == 5)
            for (unsigned long i = 0; i < a[2]; i++) {
                uint8_t *op = (uint8_t *)(a[1] + 40 * i);
                if (!(op[34] & 2))                 /* dest by frame number */
                    *(uint64_t *)(op + 16) = safe_gfn();
            }
    }
}

static void one(void)
{
    static const unsigned long nrs[] = { 12, 17, 20, 24, 29, 32, 34, 18 };
    unsigned long nr = rnd() % 4 ? nrs[rnd() % 7] : rnd() % 70;
    unsigned long a[5] = { rnd() % 3 ? rnd() % 16 : int_arg(), int_arg(), int_arg(),
                           int_arg(), int_arg() };

    if (nr == 18 || nr == 23)
        return;                                    /* console_io: noise; iret: PV */
    if (nr == 29)
        a[0] = 0;                                  /* sched_op: yield only */
    if (nr == 24) {                                /* vcpu_op: keep written areas safe */
        a[1] = rnd() % 3;
        if (a[0] <= 2)                             /* initialise/up/down: not ourselves */
            a[1] = 1 + rnd() % 2;
        a[2] = ptr_arg();
        if (a[0] == 5 || a[0] == 10)               /* its argument: in scratch */
            a[2] = (unsigned long)scratch + 8 * (rnd() % 512);
        if (a[0] == 5)                             /* runstate area: in scratch or not ours */
            *(uint64_t *)a[2] = rnd() % 4 ? (unsigned long)scratch + rnd() % (SCRATCH_PAGES * 4096)
                                          : ptr_arg() | 0x40000000ul;
        if (a[0] == 10) {                          /* vcpu_info: a GFN in scratch, or none */
            *(uint64_t *)a[2] = safe_gfn();
            *(uint32_t *)(a[2] + 8) = (uint32_t)(rnd() % 4200);
        }
    }
    if (nr == 20)
        grant_args(a);
    if (nr == 12 && (a[0] & 0x3f) == 7 && a[1] >= (unsigned long)scratch &&
        a[1] < (unsigned long)scratch + sizeof(scratch) - 24 && *(uint32_t *)(a[1] + 4) == 1 &&
        *(uint64_t *)(a[1] + 8) == 3)
        *(uint64_t *)(a[1] + 8) = 0;               /* grant frame 3 stays at gtable */
    if (nr == 12 && (a[0] & 0x3f) == 7 && a[1] >= (unsigned long)scratch &&
        a[1] < (unsigned long)scratch + sizeof(scratch) - 24)
        /* add_to_physmap: one page of scratch or none of ours (moving shared_info between
         * scratch pages would leave holes our own scrambling would fall into) */
        *(uint64_t *)(a[1] + 16) = rnd() % 2 ? ((unsigned long)scratch >> 12) + SCRATCH_PAGES - 1
                                             : 0x40000 + rnd() % 0x10000;
    if (nr == 12 && (a[0] & 0x3f) == 7 && !(a[1] >= (unsigned long)scratch &&
        a[1] < (unsigned long)scratch + sizeof(scratch) - 24))
        a[1] = 0x40000000ul;                       /* otherwise an unmapped argument */
    long rc = hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
    if (nr == 20) {
        gnt_calls++;
        gnt_ok += rc == 0;
        for (unsigned long i = 0; rc == 0 && (a[0] == 0 || a[0] == 5) && i < a[2]; i++) {
            if (a[0] == 0 && *(int16_t *)(a[1] + 32 * i + 18) == 0) {
                struct gnttab_map_grant_ref *m = (void *)(a[1] + 32 * i);
                made[gnt_maps % 16].gpa = m->host_addr;
                made[gnt_maps % 16].handle = m->handle;
                gnt_maps++;
            }
            else
                gnt_copies += *(int16_t *)(a[1] + 40 * i + 36) == 0;
        }
    }
}

static void msr_fuzz(void *arg)
{
    (void)arg;
    /* Not ours (at or above 1 GiB), a page index, or a page of scratch. */
    uint64_t v = rnd() % 3 ? (rnd() & ~0xfffull) | 0x40000000ull : safe_gfn() << 12;
    wrmsr(0x40000000u, v | (rnd() % 4 == 0));
}

void guest_main(void)
{
    const struct hvm_memmap_table_entry *m;
    for (unsigned i = 0, n = guest_memmap(&m); i < n; i++)
        if (m[i].addr + m[i].size > mem_top)
            mem_top = m[i].addr + m[i].size;
    seed = guest_cmdline_num("seed", 1) * 0x9e3779b97f4a7c15ull + 1;
    self = (domid_t)xen_domid();
    window = (mem_top + (1ull << 22)) & ~((1ull << 21) - 1);
    if (!test_check(xen_gnttab_map_frame(3, gtable) == 0, "fuzz-grant-table", "frame 3 refused"))
        return;
    unsigned long rounds = guest_cmdline_num("rounds", 200000);
    gprintf("fuzz: seed %lu, %lu hypercalls\n", guest_cmdline_num("seed", 1), rounds);

    for (unsigned long i = 0; i < rounds; i++) {
        if (i % 64 == 0)
            scramble();
        if (i % 16 == 0)
            regrant();
        if (i % 4096 == 0)
            guest_try(msr_fuzz, 0, 0);             /* the hypercall-page MSR, #GP or not */
        one();
    }
    /* Still a working hypervisor. */
    long v = hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
    uint32_t p;
    long b = xen_evtchn_bind_ipi(0, &p);
    long s = b == 0 ? xen_evtchn_send(p) : b;
    test_check(v == ((4 << 16) | 17) && (b == 0 || b == -XEN_ENOSPC) && s == (b ? b : 0),
               "fuzz-survived", "version %lx, bind %ld, send %ld", v, b, s);
    gprintf("fuzz: grant_table_op: %lu calls, %lu returned 0, %lu maps and %lu copies made\n",
            gnt_calls, gnt_ok, gnt_maps, gnt_copies);
    gprintf("fuzz: done\n");
}
