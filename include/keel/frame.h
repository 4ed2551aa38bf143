/* The physical frame allocator (mm/frame.c): 4 KiB frames, one bit each. */
#ifndef KEEL_FRAME_H
#define KEEL_FRAME_H

#include <keel/memmap.h>

/* Hands every page of `free` (sorted, disjoint) to the allocator. Returns false if no
 * room could be found for the allocator's own bitmap. */
bool frame_init(const struct phys_range *free, uint32_t n);

/* One frame, or 0 when memory is exhausted (frame 0 is never handed out). Not zeroed. */
paddr_t frame_alloc(void);
/* `count` contiguous frames aligned to `align` bytes (a power of two >= 4 KiB), or 0. */
paddr_t frame_alloc_contig(uint64_t count, uint64_t align);
/* A zeroed frame, or 0. */
paddr_t frame_alloc_zeroed(void);
void frame_free(paddr_t pa, uint64_t count);

uint64_t frame_free_count(void);
uint64_t frame_total_count(void);
/* Highest physical address the allocator manages (exclusive). */
paddr_t frame_limit(void);

#endif
