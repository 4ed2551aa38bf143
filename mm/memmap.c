/*
 * Memory-map arithmetic: the firmware's map is untrusted input (overlaps, unsorted,
 * zero-length or absurd entries), so it is normalised before anything allocates from it.
 */
#include <keel/memmap.h>

const char *mem_type_name(uint32_t type)
{
    switch (type) {
    case MEM_USABLE: return "usable";
    case MEM_RESERVED: return "reserved";
    case MEM_ACPI_RECLAIM: return "ACPI";
    case MEM_ACPI_NVS: return "ACPI NVS";
    case MEM_BAD: return "bad";
    case MEM_FIRMWARE_RUNTIME: return "firmware runtime";
    default: return "unknown";
    }
}

/* Higher wins an overlap. */
static int type_priority(uint32_t t)
{
    switch (t) {
    case MEM_USABLE: return 1;
    case MEM_ACPI_RECLAIM: return 2;
    case MEM_RESERVED: return 3;
    case MEM_FIRMWARE_RUNTIME: return 4;
    case MEM_ACPI_NVS: return 5;
    case MEM_BAD: return 6;
    default: return 3;          /* unknown types are treated as reserved */
    }
}

static void sort_u64(uint64_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {           /* insertion sort: n is small */
        uint64_t v = a[i];
        uint32_t j = i;
        while (j && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

uint32_t memmap_sanitize(struct mem_range *r, uint32_t n)
{
    /* Sweep over every boundary; each elementary interval takes the strongest type that
     * covers it. O(n^2), fine for the few hundred entries a firmware gives. */
    static uint64_t bounds[2 * BOOT_MAX_MEM_RANGES];
    static struct mem_range out[BOOT_MAX_MEM_RANGES];
    uint32_t nb = 0, no = 0;

    if (n > BOOT_MAX_MEM_RANGES)
        n = BOOT_MAX_MEM_RANGES;
    for (uint32_t i = 0; i < n; i++) {
        if (r[i].len == 0 || r[i].base + r[i].len < r[i].base)
            continue;
        bounds[nb++] = r[i].base;
        bounds[nb++] = r[i].base + r[i].len;
    }
    sort_u64(bounds, nb);

    for (uint32_t b = 0; b + 1 < nb; b++) {
        uint64_t s = bounds[b], e = bounds[b + 1];
        if (s == e)
            continue;
        uint32_t best = 0;
        int bestp = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (r[i].len == 0 || r[i].base + r[i].len < r[i].base)
                continue;
            if (r[i].base <= s && r[i].base + r[i].len >= e && type_priority(r[i].type) > bestp) {
                bestp = type_priority(r[i].type);
                best = r[i].type;
            }
        }
        if (!best)
            continue;                  /* a gap in the map */
        if (no && out[no - 1].type == best && out[no - 1].base + out[no - 1].len == s) {
            out[no - 1].len += e - s;  /* merge with the previous one */
        } else if (no < BOOT_MAX_MEM_RANGES) {
            out[no].base = s;
            out[no].len = e - s;
            out[no].type = best;
            no++;
        }
    }
    for (uint32_t i = 0; i < no; i++)
        r[i] = out[i];
    return no;
}

uint32_t memmap_free_ranges(const struct mem_range *map, uint32_t n,
                            const struct phys_range *holes, uint32_t nholes,
                            struct phys_range *out, uint32_t max, uint32_t *dropped)
{
    uint32_t no = 0, drop = 0;

    for (uint32_t i = 0; i < n; i++) {
        if (map[i].type != MEM_USABLE)
            continue;
        paddr_t s = ALIGN_UP(map[i].base, PAGE_SIZE);
        paddr_t e = ALIGN_DOWN(map[i].base + map[i].len, PAGE_SIZE);
        if (s < map[i].base || map[i].base + map[i].len < map[i].base)
            continue;                 /* rounding wrapped past 2^64: nothing usable */
        /* Cut the holes out of [s, e): take the leftmost hole each time. */
        while (s < e) {
            paddr_t cut_s = e, cut_e = e;
            for (uint32_t h = 0; h < nholes; h++) {
                paddr_t hs = ALIGN_DOWN(holes[h].start, PAGE_SIZE);
                paddr_t he = ALIGN_UP(holes[h].end, PAGE_SIZE);
                if (he < holes[h].end)
                    he = ~0ull & PAGE_MASK;   /* a hole up to the top: keep it a hole */
                if (hs >= he || he <= s || hs >= e)
                    continue;
                if (hs < cut_s || (hs == cut_s && he > cut_e)) {
                    cut_s = hs;
                    cut_e = he;
                }
            }
            if (cut_s > s) {
                if (no < max) {
                    out[no].start = s;
                    out[no].end = cut_s;
                    no++;
                } else {
                    drop++;
                }
            }
            s = cut_e;
        }
    }
    if (dropped)
        *dropped = drop;
    /* Input maps are sorted by memmap_sanitize and pieces come out left to right. */
    return no;
}

uint32_t memmap_type_of(const struct mem_range *map, uint32_t n, paddr_t start, paddr_t end)
{
    uint32_t type = 0;
    paddr_t at = start;

    if (start >= end)
        return 0;
    /* The map is sorted and disjoint (sanitized): walk it across [start, end). */
    for (uint32_t i = 0; i < n && at < end; i++) {
        paddr_t s = map[i].base, e = map[i].base + map[i].len;
        if (e <= at)
            continue;
        if (s > at)
            return 0;               /* a gap */
        if (type && map[i].type != type)
            return 0;
        type = map[i].type;
        at = e;
    }
    return at >= end ? type : 0;
}
