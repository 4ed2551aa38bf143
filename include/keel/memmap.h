/* Memory-map arithmetic (mm/memmap.c): pure functions, built for the host too. */
#ifndef KEEL_MEMMAP_H
#define KEEL_MEMMAP_H

#include <keel/boot_info.h>

/*
 * Sorts the ranges, resolves overlaps (the more restrictive type wins: bad > NVS >
 * firmware runtime > reserved > ACPI reclaim > usable) and merges neighbours of one type.
 * Returns the new count. `n` may be at most BOOT_MAX_MEM_RANGES.
 */
uint32_t memmap_sanitize(struct mem_range *r, uint32_t n);

/* A half-open physical interval [start, end). */
struct phys_range {
    paddr_t start, end;
};

/*
 * The free memory: every usable range of the (sanitized) map, shrunk to whole pages, with
 * every interval of `holes` cut out. Writes at most `max` ranges to `out` and returns how
 * many it wrote (sorted, disjoint). Ranges that do not fit are dropped (and counted in
 * *dropped, if given).
 */
uint32_t memmap_free_ranges(const struct mem_range *map, uint32_t n,
                            const struct phys_range *holes, uint32_t nholes,
                            struct phys_range *out, uint32_t max, uint32_t *dropped);

/* The type the map gives to all of [start, end), or 0 if it is not one type throughout
 * (e.g. partly usable, partly reserved, or partly absent). */
uint32_t memmap_type_of(const struct mem_range *map, uint32_t n, paddr_t start, paddr_t end);

#endif
