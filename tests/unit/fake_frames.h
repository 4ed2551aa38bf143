/*
 * A fake physical frame allocator for host unit tests (tests/unit/fake_frames.c): it
 * implements include/keel/frame.h's frame_alloc / frame_alloc_zeroed / frame_alloc_contig /
 * frame_free, and arch/paging.h's phys_to_virt / virt_to_phys for KEEL_HOST_TEST.
 *
 * Frames are 4 KiB-aligned host allocations and a frame's "physical address" is its host
 * pointer value (phys_to_virt is the identity cast, after checking the frame is live).
 * Every allocation is a block in a registry that tracks each of its 4 KiB frames, so a
 * block may be freed as a whole or frame by frame, in any order (the host memory goes back
 * when its last frame is freed). The registry counts live frames and reports (without
 * crashing) frees of frames never allocated and double frees.
 */
#ifndef UNIT_FAKE_FRAMES_H
#define UNIT_FAKE_FRAMES_H

#include <keel/types.h>

/* Frees every block still live and forgets errors and fault injection. */
void fake_frames_reset(void);

/* 4 KiB frames now live (allocated and not yet freed), over every block. */
uint64_t fake_frames_live(void);
/* Whether the frame holding `pa` is live. */
bool fake_frames_is_live(paddr_t pa);

/* How many bad frees (never allocated, double free, bad argument) were seen, and the
 * first one's description ("" when none). */
unsigned fake_frames_errors(void);
const char *fake_frames_first_error(void);

/* `count` frames aligned to `align` bytes (a power of two >= 4 KiB), for the test's own
 * use (e.g. guest RAM it hands to the code under test). Never fails, ignores fault
 * injection, contents undefined. Free with frame_free. */
paddr_t fake_frames_alloc_run(uint64_t count, uint64_t align);
/* Registers [pa, pa + count * 4 KiB) as live frames without any host memory behind them:
 * fake addresses (keep them above 2^47, where no host pointer lives) that the code under
 * test may own and free but must never dereference (phys_to_virt on them fails the test). */
void fake_frames_reserve(paddr_t pa, uint64_t count);

/* Fault injection: the next `n` calls of frame_alloc* succeed, then they all fail (return
 * 0) until fake_frames_fail_after(-1). */
void fake_frames_fail_after(long n);

#endif
