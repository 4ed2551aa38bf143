/*
 * Host unit tests of mm/memmap.c: memmap_sanitize, memmap_free_ranges, memmap_type_of,
 * mem_type_name. Besides the hand-written cases, random maps are checked against a simple
 * page-by-page model.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <keel/memmap.h>

#define P(n) ((uint64_t)(n) * PAGE_SIZE)

static struct mem_range map[BOOT_MAX_MEM_RANGES];
static struct phys_range out[512];

static uint32_t set_map(const struct mem_range *r, uint32_t n)
{
    memset(map, 0xcc, sizeof(map));
    memcpy(map, r, n * sizeof(*r));
    return n;
}

static void assert_range(uint32_t i, uint64_t base, uint64_t len, uint32_t type)
{
    if (map[i].base != base || map[i].len != len || map[i].type != type)
        fail_msg("map[%u] is %#llx+%#llx %s; expected %#llx+%#llx %s", i,
                 (unsigned long long)map[i].base, (unsigned long long)map[i].len,
                 mem_type_name(map[i].type), (unsigned long long)base,
                 (unsigned long long)len, mem_type_name(type));
}

static void assert_out(uint32_t i, paddr_t start, paddr_t end)
{
    if (out[i].start != start || out[i].end != end)
        fail_msg("out[%u] is [%#llx, %#llx); expected [%#llx, %#llx)", i,
                 (unsigned long long)out[i].start, (unsigned long long)out[i].end,
                 (unsigned long long)start, (unsigned long long)end);
}

/* ---- mem_type_name ---- */

static void type_names(void **state)
{
    (void)state;
    assert_string_equal(mem_type_name(MEM_USABLE), "usable");
    assert_string_equal(mem_type_name(MEM_RESERVED), "reserved");
    assert_string_equal(mem_type_name(MEM_ACPI_RECLAIM), "ACPI");
    assert_string_equal(mem_type_name(MEM_ACPI_NVS), "ACPI NVS");
    assert_string_equal(mem_type_name(MEM_BAD), "bad");
    assert_string_equal(mem_type_name(MEM_FIRMWARE_RUNTIME), "firmware runtime");
    assert_string_equal(mem_type_name(0), "unknown");
    assert_string_equal(mem_type_name(MEM_TYPE_COUNT), "unknown");
    assert_string_equal(mem_type_name(0xffffffffu), "unknown");
}

/* ---- memmap_sanitize ---- */

static void sanitize_empty(void **state)
{
    (void)state;
    assert_int_equal(memmap_sanitize(map, 0), 0);
}

static void sanitize_sorts(void **state)
{
    static const struct mem_range in[] = {
        { 0x300000, 0x100000, MEM_USABLE },
        { 0x0, 0x9f000, MEM_USABLE },
        { 0xfec00000, 0x1000, MEM_RESERVED },
        { 0x100000, 0x100000, MEM_ACPI_RECLAIM },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 4);
    assert_range(0, 0x0, 0x9f000, MEM_USABLE);
    assert_range(1, 0x100000, 0x100000, MEM_ACPI_RECLAIM);
    assert_range(2, 0x300000, 0x100000, MEM_USABLE);
    assert_range(3, 0xfec00000, 0x1000, MEM_RESERVED);
}

static void sanitize_merges_adjacent_same_type(void **state)
{
    static const struct mem_range in[] = {
        { 0x200000, 0x100000, MEM_USABLE },
        { 0x100000, 0x100000, MEM_USABLE },
        { 0x300000, 0x100000, MEM_USABLE },
        { 0x400000, 0x1000, MEM_RESERVED },
        { 0x401000, 0x1000, MEM_RESERVED },
        { 0x402000, 0x1000, MEM_USABLE },   /* touches reserved: not merged with it */
        { 0x500000, 0x1000, MEM_USABLE },   /* a gap before: not merged */
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 4);
    assert_range(0, 0x100000, 0x300000, MEM_USABLE);
    assert_range(1, 0x400000, 0x2000, MEM_RESERVED);
    assert_range(2, 0x402000, 0x1000, MEM_USABLE);
    assert_range(3, 0x500000, 0x1000, MEM_USABLE);
}

static void sanitize_overlapping_same_type(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0x200000, MEM_USABLE },
        { 0x180000, 0x200000, MEM_USABLE },
        { 0x100000, 0x200000, MEM_USABLE },   /* a duplicate */
        { 0x120000, 0x1000, MEM_USABLE },     /* contained */
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 1);
    assert_range(0, 0x100000, 0x280000, MEM_USABLE);
}

static void sanitize_reserved_inside_usable_splits(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0x1000000, MEM_USABLE },
        { 0x800000, 0x10000, MEM_RESERVED },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 3);
    assert_range(0, 0x100000, 0x700000, MEM_USABLE);
    assert_range(1, 0x800000, 0x10000, MEM_RESERVED);
    assert_range(2, 0x810000, 0x8f0000, MEM_USABLE);
}

static void sanitize_partial_overlap(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0x100000, MEM_ACPI_RECLAIM },
        { 0x180000, 0x100000, MEM_USABLE },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 2);
    assert_range(0, 0x100000, 0x100000, MEM_ACPI_RECLAIM);
    assert_range(1, 0x200000, 0x80000, MEM_USABLE);
}

/* Every pair of types, fully overlapping, in both orders: the stronger one wins. */
static void sanitize_priority_order(void **state)
{
    /* weakest first */
    static const uint32_t order[] = { MEM_USABLE, MEM_ACPI_RECLAIM, MEM_RESERVED,
                                      MEM_FIRMWARE_RUNTIME, MEM_ACPI_NVS, MEM_BAD };
    (void)state;
    for (size_t a = 0; a < ARRAY_SIZE(order); a++)
        for (size_t b = 0; b < ARRAY_SIZE(order); b++) {
            struct mem_range in[2] = {
                { 0x100000, 0x100000, order[a] },
                { 0x100000, 0x100000, order[b] },
            };
            uint32_t want = order[a > b ? a : b];
            uint32_t n = memmap_sanitize(map, set_map(in, 2));
            assert_int_equal(n, 1);
            assert_range(0, 0x100000, 0x100000, want);
        }
}

static void sanitize_bad_beats_everything(void **state)
{
    static const struct mem_range in[] = {
        { 0x0, 0x400000, MEM_USABLE },
        { 0x0, 0x400000, MEM_ACPI_NVS },
        { 0x0, 0x400000, MEM_RESERVED },
        { 0x0, 0x400000, MEM_FIRMWARE_RUNTIME },
        { 0x100000, 0x1000, MEM_BAD },
        { 0x0, 0x400000, MEM_ACPI_RECLAIM },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 3);
    assert_range(0, 0x0, 0x100000, MEM_ACPI_NVS);
    assert_range(1, 0x100000, 0x1000, MEM_BAD);
    assert_range(2, 0x101000, 0x2ff000, MEM_ACPI_NVS);
}

static void sanitize_nvs_beats_reserved(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0x200000, MEM_RESERVED },
        { 0x180000, 0x200000, MEM_ACPI_NVS },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 2);
    assert_range(0, 0x100000, 0x80000, MEM_RESERVED);
    assert_range(1, 0x180000, 0x200000, MEM_ACPI_NVS);
}

/* Usable never takes anything away from another type, even when it comes last and larger. */
static void sanitize_usable_never_wins(void **state)
{
    static const struct mem_range in[] = {
        { 0x200000, 0x1000, MEM_ACPI_RECLAIM },
        { 0x300000, 0x1000, MEM_RESERVED },
        { 0x400000, 0x1000, MEM_FIRMWARE_RUNTIME },
        { 0x0, 0x1000000, MEM_USABLE },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 7);
    assert_range(1, 0x200000, 0x1000, MEM_ACPI_RECLAIM);
    assert_range(3, 0x300000, 0x1000, MEM_RESERVED);
    assert_range(5, 0x400000, 0x1000, MEM_FIRMWARE_RUNTIME);
    uint64_t usable = 0;
    for (uint32_t i = 0; i < n; i++)
        if (map[i].type == MEM_USABLE)
            usable += map[i].len;
    assert_int_equal(usable, 0x1000000 - 0x3000);
}

static void sanitize_drops_empty_and_wrapping(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0, MEM_RESERVED },
        { 0x100000, 0x100000, MEM_USABLE },
        { 0xfffffffffff00000ull, 0x200000, MEM_USABLE },   /* wraps past 2^64 */
        { 0x180000, 0, MEM_BAD },
        { 0x1000, 0xffffffffffffffffull, MEM_BAD },        /* wraps */
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 1);
    assert_range(0, 0x100000, 0x100000, MEM_USABLE);
}

static void sanitize_only_garbage(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0, MEM_USABLE },
        { 0xffffffffffffff00ull, 0x1000, MEM_USABLE },
    };
    (void)state;
    assert_int_equal(memmap_sanitize(map, set_map(in, ARRAY_SIZE(in))), 0);
}

static void sanitize_unknown_type_is_reserved_strength(void **state)
{
    static const struct mem_range in[] = {
        { 0x100000, 0x300000, MEM_USABLE },
        { 0x200000, 0x1000, 77 },
        { 0x300000, 0x1000, 77 },
        { 0x300000, 0x1000, MEM_ACPI_NVS },
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 5);
    assert_range(1, 0x200000, 0x1000, 77);
    assert_range(3, 0x300000, 0x1000, MEM_ACPI_NVS);
}

/* A full table (BOOT_MAX_MEM_RANGES entries) in reverse order: sorted, nothing lost. */
static void sanitize_full_table_reversed(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < BOOT_MAX_MEM_RANGES; i++) {
        uint32_t k = BOOT_MAX_MEM_RANGES - 1 - i;
        map[i] = (struct mem_range){ (uint64_t)k << 21, 0x100000, (k & 1) ? MEM_RESERVED : MEM_USABLE };
    }
    uint32_t n = memmap_sanitize(map, BOOT_MAX_MEM_RANGES);
    assert_int_equal(n, BOOT_MAX_MEM_RANGES);
    for (uint32_t i = 0; i < n; i++)
        assert_range(i, (uint64_t)i << 21, 0x100000, (i & 1) ? MEM_RESERVED : MEM_USABLE);
}

/*
 * A full input whose resolved map needs more than BOOT_MAX_MEM_RANGES entries (each usable
 * range split in three by a reserved one): the output is cut at BOOT_MAX_MEM_RANGES, stays
 * sorted and disjoint, and never calls usable what the input said was not.
 */
static void sanitize_output_overflow_is_safe(void **state)
{
    static struct mem_range in[BOOT_MAX_MEM_RANGES];
    (void)state;
    for (uint32_t i = 0; i < BOOT_MAX_MEM_RANGES / 2; i++) {
        in[2 * i] = (struct mem_range){ (uint64_t)i << 24, 1u << 20, MEM_USABLE };
        in[2 * i + 1] = (struct mem_range){ ((uint64_t)i << 24) + 0x40000, 0x1000,
                                            (i & 1) ? MEM_RESERVED : MEM_BAD };
    }
    memcpy(map, in, sizeof(in));
    uint32_t n = memmap_sanitize(map, BOOT_MAX_MEM_RANGES);
    assert_int_equal(n, BOOT_MAX_MEM_RANGES);
    for (uint32_t i = 0; i < n; i++) {
        assert_true(map[i].len > 0);
        if (i)
            assert_true(map[i - 1].base + map[i - 1].len <= map[i].base);
        if (map[i].type != MEM_USABLE)
            continue;
        for (uint32_t k = 0; k < BOOT_MAX_MEM_RANGES; k++)
            if (in[k].type != MEM_USABLE && in[k].base < map[i].base + map[i].len &&
                map[i].base < in[k].base + in[k].len)
                fail_msg("usable [%#llx, +%#llx) covers input %s range at %#llx",
                         (unsigned long long)map[i].base, (unsigned long long)map[i].len,
                         mem_type_name(in[k].type), (unsigned long long)in[k].base);
    }
    /* what is kept is the low part of the map, exactly */
    assert_range(0, 0, 0x40000, MEM_USABLE);
    assert_range(1, 0x40000, 0x1000, MEM_BAD);
    assert_range(2, 0x41000, (1u << 20) - 0x41000, MEM_USABLE);
}

/* ---- memmap_free_ranges ---- */

static uint32_t free_ranges(uint32_t n, const struct phys_range *holes, uint32_t nh,
                            uint32_t max, uint32_t *dropped)
{
    memset(out, 0xcc, sizeof(out));
    assert_true(max <= ARRAY_SIZE(out));
    return memmap_free_ranges(map, n, holes, nh, out, max, dropped);
}

static void free_aligns_inward(void **state)
{
    static const struct mem_range in[] = {
        { 0x1234, 0x5678 - 0x1234, MEM_USABLE },
        { 0x10000, 0x3000, MEM_USABLE },          /* already aligned */
        { 0x20001, 0xffe, MEM_USABLE },           /* less than a page once aligned */
        { 0x30800, 0x1000, MEM_USABLE },          /* straddles a boundary, no whole page */
    };
    uint32_t dropped = 99;
    (void)state;
    uint32_t n = free_ranges(set_map(in, ARRAY_SIZE(in)), NULL, 0, 16, &dropped);
    assert_int_equal(n, 2);
    assert_out(0, 0x2000, 0x5000);
    assert_out(1, 0x10000, 0x13000);
    assert_int_equal(dropped, 0);
}

static void free_ignores_other_types(void **state)
{
    static const struct mem_range in[] = {
        { P(0), P(16), MEM_RESERVED }, { P(16), P(16), MEM_ACPI_RECLAIM },
        { P(32), P(16), MEM_ACPI_NVS }, { P(48), P(16), MEM_BAD },
        { P(64), P(16), MEM_FIRMWARE_RUNTIME }, { P(80), P(16), MEM_USABLE },
    };
    (void)state;
    uint32_t n = free_ranges(set_map(in, ARRAY_SIZE(in)), NULL, 0, 16, NULL);
    assert_int_equal(n, 1);
    assert_out(0, P(80), P(96));
}

static const struct mem_range one_usable[] = { { P(16), P(64), MEM_USABLE } };   /* [16, 80) */

static void free_hole_covers_range(void **state)
{
    static const struct phys_range h[] = { { P(8), P(100) } };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 1, 16, NULL), 0);
    static const struct phys_range exact[] = { { P(16), P(80) } };
    assert_int_equal(free_ranges(set_map(one_usable, 1), exact, 1, 16, NULL), 0);
}

static void free_hole_at_start(void **state)
{
    static const struct phys_range h[] = { { P(10), P(20) } };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 1, 16, NULL), 1);
    assert_out(0, P(20), P(80));
}

static void free_hole_at_end(void **state)
{
    static const struct phys_range h[] = { { P(70), P(90) } };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 1, 16, NULL), 1);
    assert_out(0, P(16), P(70));
}

static void free_hole_in_middle(void **state)
{
    static const struct phys_range h[] = { { P(30), P(40) } };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 1, 16, NULL), 2);
    assert_out(0, P(16), P(30));
    assert_out(1, P(40), P(80));
}

static void free_overlapping_holes(void **state)
{
    /* unsorted, overlapping, nested, and one touching another */
    static const struct phys_range h[] = {
        { P(50), P(60) }, { P(30), P(40) }, { P(35), P(45) }, { P(31), P(33) },
        { P(45), P(47) }, { P(55), P(58) },
    };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, ARRAY_SIZE(h), 16, NULL), 3);
    assert_out(0, P(16), P(30));
    assert_out(1, P(47), P(50));
    assert_out(2, P(60), P(80));
}

static void free_unaligned_holes_round_outward(void **state)
{
    static const struct phys_range h[] = {
        { P(30) + 1, P(31) - 1 },        /* inside one page: that page goes */
        { P(40) + 0x800, P(42) + 1 },    /* pages 40, 41, 42 */
        { P(60), P(60) },                /* empty: nothing */
    };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, ARRAY_SIZE(h), 16, NULL), 3);
    assert_out(0, P(16), P(30));
    assert_out(1, P(31), P(40));
    assert_out(2, P(43), P(80));
}

static void free_holes_outside_ram(void **state)
{
    static const struct phys_range h[] = {
        { P(0), P(16) },               /* touches the start from below */
        { P(80), P(200) },             /* touches the end from above */
        { P(1000), P(2000) },
        { P(50), P(40) },              /* inverted: ignored */
    };
    (void)state;
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, ARRAY_SIZE(h), 16, NULL), 1);
    assert_out(0, P(16), P(80));
}

static void free_hole_spans_two_ranges(void **state)
{
    static const struct mem_range in[] = {
        { P(0), P(10), MEM_USABLE }, { P(10), P(2), MEM_RESERVED }, { P(12), P(10), MEM_USABLE },
    };
    static const struct phys_range h[] = { { P(8), P(14) } };
    (void)state;
    assert_int_equal(free_ranges(set_map(in, ARRAY_SIZE(in)), h, 1, 16, NULL), 2);
    assert_out(0, P(0), P(8));
    assert_out(1, P(14), P(22));
}

static void free_respects_max(void **state)
{
    static const struct phys_range h[] = { { P(20), P(21) }, { P(30), P(31) }, { P(40), P(41) } };
    uint32_t dropped = 0;
    (void)state;
    /* four pieces: [16,20) [21,30) [31,40) [41,80) */
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 3, 2, &dropped), 2);
    assert_out(0, P(16), P(20));
    assert_out(1, P(21), P(30));
    assert_true(out[2].start == 0xccccccccccccccccull);     /* nothing past max written */
    assert_int_equal(dropped, 2);

    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 3, 0, &dropped), 0);
    assert_int_equal(dropped, 4);
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 3, 4, &dropped), 4);
    assert_int_equal(dropped, 0);
    assert_int_equal(free_ranges(set_map(one_usable, 1), h, 3, 1, NULL), 1);
}

/* A usable range that contains the hypervisor image (and the boot information and a
 * module, as main.c passes them): none of their pages may ever be free. */
static void free_never_hands_out_image(void **state)
{
    static const struct mem_range in[] = {
        { 0x0, 0x9fc00, MEM_USABLE },
        { 0x9fc00, 0x400, MEM_RESERVED },
        { 0x100000, 0x7ee0000, MEM_USABLE },
    };
    const paddr_t img_s = 0x200000 + 0x123, img_e = 0x3a7000 + 0x456;
    const struct phys_range h[] = {
        { 0, MiB(1) },
        { img_s, img_e },
        { 0x10000, 0x10000 + 0x6a8 },          /* boot information, below 1 MiB */
        { 0x3a8000, 0x3b0000 },                /* a module right after the image */
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    uint32_t nf = free_ranges(n, h, ARRAY_SIZE(h), 16, NULL);
    uint64_t total = 0;
    assert_true(nf > 0);
    for (uint32_t i = 0; i < nf; i++) {
        assert_true(out[i].start < out[i].end);
        assert_true(out[i].start % PAGE_SIZE == 0 && out[i].end % PAGE_SIZE == 0);
        for (size_t k = 0; k < ARRAY_SIZE(h); k++) {
            paddr_t hs = ALIGN_DOWN(h[k].start, PAGE_SIZE), he = ALIGN_UP(h[k].end, PAGE_SIZE);
            if (out[i].start < he && hs < out[i].end)
                fail_msg("free range [%#llx, %#llx) overlaps hole [%#llx, %#llx)",
                         (unsigned long long)out[i].start, (unsigned long long)out[i].end,
                         (unsigned long long)hs, (unsigned long long)he);
        }
        if (i)
            assert_true(out[i - 1].end <= out[i].start);
        total += out[i].end - out[i].start;
    }
    assert_int_equal(nf, 2);
    assert_out(0, MiB(1), 0x200000);
    assert_out(1, 0x3b0000, 0x7fe0000);
    assert_int_equal(total, 0x7fe0000 - MiB(1) - (0x3b0000 - 0x200000));
}

/*
 * A usable range near the top of the address space whose start, rounded up to a page,
 * wraps to 0. Firmware maps are untrusted: such an entry must give no free memory at all.
 *
 * Regression test (fixed bug, mm/memmap.c, memmap_free_ranges): `s = ALIGN_UP(map[i].base, PAGE_SIZE)`
 * wraps to 0 for base > 2^64 - 4096, while `e = ALIGN_DOWN(base + len)` is
 * 0xfffffffffffff000, so [0, 0xfffffffffffff000) -- all of memory, firmware, MMIO and the
 * hypervisor's own ACPI tables included (holes excepted) -- is reported free.
 */
static void free_top_of_address_space(void **state)
{
    static const struct mem_range in[] = {
        { 0xfffffffffffff001ull, 0xffe, MEM_USABLE },    /* ends at 2^64 - 1 */
    };
    (void)state;
    uint32_t n = memmap_sanitize(map, set_map(in, ARRAY_SIZE(in)));
    assert_int_equal(n, 1);      /* a legal range: it does not wrap */
    uint32_t nf = free_ranges(n, NULL, 0, 16, NULL);
    for (uint32_t i = 0; i < nf; i++)
        if (out[i].start < 0xfffffffffffff000ull)
            fail_msg("free range [%#llx, %#llx) from a usable entry at %#llx",
                     (unsigned long long)out[i].start, (unsigned long long)out[i].end,
                     (unsigned long long)in[0].base);
    assert_int_equal(nf, 0);
}

/* ---- memmap_type_of ---- */

static const struct mem_range typed[] = {
    { P(0), P(10), MEM_USABLE },
    { P(10), P(5), MEM_RESERVED },
    /* gap [15, 20) */
    { P(20), P(10), MEM_USABLE },
    { P(30), P(10), MEM_USABLE },       /* same type, not merged: still one type */
    { P(40), P(1), MEM_ACPI_NVS },
};

static void type_of_inside_one(void **state)
{
    (void)state;
    uint32_t n = set_map(typed, ARRAY_SIZE(typed));
    assert_int_equal(memmap_type_of(map, n, P(1), P(2)), MEM_USABLE);
    assert_int_equal(memmap_type_of(map, n, P(0), P(10)), MEM_USABLE);
    assert_int_equal(memmap_type_of(map, n, 0x1, 0x2), MEM_USABLE);
    assert_int_equal(memmap_type_of(map, n, P(10), P(15)), MEM_RESERVED);
    assert_int_equal(memmap_type_of(map, n, P(40), P(41)), MEM_ACPI_NVS);
    assert_int_equal(memmap_type_of(map, n, P(22), P(38)), MEM_USABLE);
}

static void type_of_spanning_two_types(void **state)
{
    (void)state;
    uint32_t n = set_map(typed, ARRAY_SIZE(typed));
    assert_int_equal(memmap_type_of(map, n, P(9), P(11)), 0);
    assert_int_equal(memmap_type_of(map, n, P(0), P(15)), 0);
    assert_int_equal(memmap_type_of(map, n, P(39), P(41)), 0);
}

static void type_of_gap(void **state)
{
    (void)state;
    uint32_t n = set_map(typed, ARRAY_SIZE(typed));
    assert_int_equal(memmap_type_of(map, n, P(16), P(17)), 0);        /* inside the gap */
    assert_int_equal(memmap_type_of(map, n, P(14), P(16)), 0);        /* into the gap */
    assert_int_equal(memmap_type_of(map, n, P(19), P(21)), 0);        /* out of the gap */
    assert_int_equal(memmap_type_of(map, n, P(40), P(42)), 0);        /* past the end */
    assert_int_equal(memmap_type_of(map, n, P(50), P(60)), 0);        /* beyond the map */
    assert_int_equal(memmap_type_of(map, 0, P(0), P(1)), 0);          /* empty map */
    static const struct mem_range late[] = { { P(10), P(10), MEM_USABLE } };
    assert_int_equal(memmap_type_of(late, 1, P(5), P(12)), 0);        /* before the map */
}

static void type_of_empty_range(void **state)
{
    (void)state;
    uint32_t n = set_map(typed, ARRAY_SIZE(typed));
    assert_int_equal(memmap_type_of(map, n, P(1), P(1)), 0);
    assert_int_equal(memmap_type_of(map, n, P(2), P(1)), 0);
}

/* ---- random maps against a page-by-page model ---- */

#define MODEL_PAGES 256

static int prio(uint32_t t)
{
    static const int p[] = { 0, 1, 3, 2, 5, 6, 4 };   /* indexed by enum mem_type */
    return t < ARRAY_SIZE(p) ? p[t] : 3;
}

static void random_maps_against_model(void **state)
{
    uint64_t seed = 0x6d656d6d61702121ull;
    (void)state;

    for (int iter = 0; iter < 3000; iter++) {
        struct mem_range in[24];
        struct phys_range holes[8];
        uint32_t model[MODEL_PAGES];          /* type of each page (0: absent) */
        uint8_t freep[MODEL_PAGES];
        uint32_t n = (uint32_t)(unit_rand(&seed) % ARRAY_SIZE(in));
        uint32_t nh = (uint32_t)(unit_rand(&seed) % ARRAY_SIZE(holes));

        memset(model, 0, sizeof(model));
        for (uint32_t i = 0; i < n; i++) {
            uint32_t s = (uint32_t)(unit_rand(&seed) % MODEL_PAGES);
            uint32_t len = (uint32_t)(unit_rand(&seed) % 40);
            if (s + len > MODEL_PAGES)
                len = MODEL_PAGES - s;
            uint32_t t = 1 + (uint32_t)(unit_rand(&seed) % (MEM_TYPE_COUNT - 1));
            if (unit_rand(&seed) % 3)
                t = MEM_USABLE;
            in[i] = (struct mem_range){ P(s), P(len), t };
            for (uint32_t p = s; p < s + len; p++)
                if (prio(t) > prio(model[p]) || !model[p])
                    model[p] = t;
        }
        for (uint32_t h = 0; h < nh; h++) {
            uint64_t s = unit_rand(&seed) % P(MODEL_PAGES), len = 1 + unit_rand(&seed) % P(30);
            holes[h] = (struct phys_range){ s, s + len };
        }
        memset(freep, 0, sizeof(freep));
        for (uint32_t p = 0; p < MODEL_PAGES; p++)
            freep[p] = model[p] == MEM_USABLE;
        for (uint32_t h = 0; h < nh; h++)
            if (holes[h].start < holes[h].end)
                for (uint64_t p = holes[h].start / PAGE_SIZE;
                     p < ALIGN_UP(holes[h].end, PAGE_SIZE) / PAGE_SIZE && p < MODEL_PAGES; p++)
                    freep[p] = 0;

        uint32_t m = memmap_sanitize(map, set_map(in, n));

        /* sanitized: sorted, disjoint, non-empty, merged, and page types as in the model */
        for (uint32_t i = 0; i < m; i++) {
            assert_true(map[i].len > 0);
            if (i) {
                assert_true(map[i - 1].base + map[i - 1].len <= map[i].base);
                assert_false(map[i - 1].base + map[i - 1].len == map[i].base &&
                             map[i - 1].type == map[i].type);
            }
        }
        for (uint32_t p = 0; p < MODEL_PAGES; p++) {
            uint32_t t = memmap_type_of(map, m, P(p), P(p + 1));
            if (t != model[p])
                fail_msg("iteration %d: page %u is %s after sanitize; expected %s", iter, p,
                         mem_type_name(t), model[p] ? mem_type_name(model[p]) : "absent");
        }

        uint32_t nf = free_ranges(m, holes, nh, ARRAY_SIZE(out), NULL);
        uint8_t got[MODEL_PAGES];
        memset(got, 0, sizeof(got));
        for (uint32_t i = 0; i < nf; i++) {
            assert_true(out[i].start < out[i].end);
            assert_true(out[i].end <= P(MODEL_PAGES));
            if (i)
                assert_true(out[i - 1].end <= out[i].start);
            for (uint64_t p = out[i].start / PAGE_SIZE; p < out[i].end / PAGE_SIZE; p++)
                got[p] = 1;
        }
        for (uint32_t p = 0; p < MODEL_PAGES; p++)
            if (got[p] != freep[p])
                fail_msg("iteration %d: page %u is %s; expected %s", iter, p,
                         got[p] ? "free" : "not free", freep[p] ? "free" : "not free");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names),
        cmocka_unit_test(sanitize_empty),
        cmocka_unit_test(sanitize_sorts),
        cmocka_unit_test(sanitize_merges_adjacent_same_type),
        cmocka_unit_test(sanitize_overlapping_same_type),
        cmocka_unit_test(sanitize_reserved_inside_usable_splits),
        cmocka_unit_test(sanitize_partial_overlap),
        cmocka_unit_test(sanitize_priority_order),
        cmocka_unit_test(sanitize_bad_beats_everything),
        cmocka_unit_test(sanitize_nvs_beats_reserved),
        cmocka_unit_test(sanitize_usable_never_wins),
        cmocka_unit_test(sanitize_drops_empty_and_wrapping),
        cmocka_unit_test(sanitize_only_garbage),
        cmocka_unit_test(sanitize_unknown_type_is_reserved_strength),
        cmocka_unit_test(sanitize_full_table_reversed),
        cmocka_unit_test(sanitize_output_overflow_is_safe),
        cmocka_unit_test(free_aligns_inward),
        cmocka_unit_test(free_ignores_other_types),
        cmocka_unit_test(free_hole_covers_range),
        cmocka_unit_test(free_hole_at_start),
        cmocka_unit_test(free_hole_at_end),
        cmocka_unit_test(free_hole_in_middle),
        cmocka_unit_test(free_overlapping_holes),
        cmocka_unit_test(free_unaligned_holes_round_outward),
        cmocka_unit_test(free_holes_outside_ram),
        cmocka_unit_test(free_hole_spans_two_ranges),
        cmocka_unit_test(free_respects_max),
        cmocka_unit_test(free_never_hands_out_image),
        cmocka_unit_test(free_top_of_address_space),
        cmocka_unit_test(type_of_inside_one),
        cmocka_unit_test(type_of_spanning_two_types),
        cmocka_unit_test(type_of_gap),
        cmocka_unit_test(type_of_empty_range),
        cmocka_unit_test(random_maps_against_model),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
