/*
 * The fake frame allocator for host unit tests: see fake_frames.h. The registry is an
 * array of blocks sorted by base address; each block has one state byte per 4 KiB frame.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <keel/frame.h>
#include <arch/paging.h>
#include "fake_frames.h"

struct block {
    uint64_t base;        /* first frame's address */
    uint64_t n;           /* frames */
    uint64_t live;        /* frames not yet freed */
    uint8_t *st;          /* per frame: 1 live, 0 freed */
    void *mem;            /* host memory (NULL for fake_frames_reserve) */
};

static struct block **blocks;
static size_t nblocks, capblocks;
static uint64_t live_frames;
static unsigned nerrors;
static char first_err[256];
static long fail_left = -1;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!nerrors++)
        snprintf(first_err, sizeof(first_err), "%s", msg);
    fprintf(stderr, "fake_frames: %s\n", msg);
}

/* Index of the first block whose base is above pa. */
static size_t upper(uint64_t pa)
{
    size_t lo = 0, hi = nblocks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (blocks[mid]->base <= pa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct block *find(uint64_t pa)
{
    size_t i = upper(pa);
    if (!i)
        return NULL;
    struct block *b = blocks[i - 1];
    return pa - b->base < b->n * PAGE_SIZE ? b : NULL;
}

static struct block *add_block(uint64_t base, uint64_t n, void *mem)
{
    struct block *b = calloc(1, sizeof(*b));
    if (!b || !(b->st = malloc(n))) {
        perror("fake_frames");
        abort();
    }
    memset(b->st, 1, n);
    b->base = base;
    b->n = b->live = n;
    b->mem = mem;
    if (nblocks == capblocks) {
        capblocks = capblocks ? 2 * capblocks : 256;
        blocks = realloc(blocks, capblocks * sizeof(*blocks));
        if (!blocks) {
            perror("fake_frames");
            abort();
        }
    }
    size_t i = upper(base);
    memmove(&blocks[i + 1], &blocks[i], (nblocks - i) * sizeof(*blocks));
    blocks[i] = b;
    nblocks++;
    live_frames += n;
    return b;
}

static void drop_block(struct block *b)
{
    size_t i = upper(b->base) - 1;
    memmove(&blocks[i], &blocks[i + 1], (nblocks - i - 1) * sizeof(*blocks));
    nblocks--;
    live_frames -= b->live;
    free(b->mem);
    free(b->st);
    free(b);
}

static paddr_t host_block(uint64_t n, uint64_t align)
{
    void *mem;
    if (align < PAGE_SIZE || (align & (align - 1)) || !n || posix_memalign(&mem, align, n * PAGE_SIZE)) {
        fprintf(stderr, "fake_frames: cannot allocate %llu frames aligned to %#llx\n",
                (unsigned long long)n, (unsigned long long)align);
        abort();
    }
    add_block((uintptr_t)mem, n, mem);
    return (uintptr_t)mem;
}

static bool fail_now(void)
{
    if (fail_left < 0)
        return false;
    if (fail_left == 0)
        return true;
    fail_left--;
    return false;
}

paddr_t frame_alloc(void)
{
    if (fail_now())
        return 0;
    paddr_t pa = host_block(1, PAGE_SIZE);
    memset((void *)(uintptr_t)pa, 0xa5, PAGE_SIZE);   /* not zeroed: say so loudly */
    return pa;
}

paddr_t frame_alloc_zeroed(void)
{
    if (fail_now())
        return 0;
    paddr_t pa = host_block(1, PAGE_SIZE);
    memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
    return pa;
}

paddr_t frame_alloc_contig(uint64_t count, uint64_t align)
{
    if (fail_now())
        return 0;
    return host_block(count, align);
}

void frame_free(paddr_t pa, uint64_t count)
{
    if (!count || (pa & ~PAGE_MASK)) {
        bad("frame_free(%#llx, %llu): bad arguments", (unsigned long long)pa,
            (unsigned long long)count);
        return;
    }
    struct block *b = NULL;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t f = pa + i * PAGE_SIZE;
        if (!b || f - b->base >= b->n * PAGE_SIZE)
            b = find(f);
        if (!b) {
            bad("frame_free(%#llx, %llu): frame %#llx was never allocated",
                (unsigned long long)pa, (unsigned long long)count, (unsigned long long)f);
            continue;
        }
        uint64_t idx = (f - b->base) / PAGE_SIZE;
        if (!b->st[idx]) {
            bad("frame_free(%#llx, %llu): frame %#llx freed twice", (unsigned long long)pa,
                (unsigned long long)count, (unsigned long long)f);
            continue;
        }
        b->st[idx] = 0;
        b->live--;
        live_frames--;
        if (!b->live) {
            drop_block(b);
            b = NULL;
        }
    }
}

void *phys_to_virt(paddr_t pa)
{
    struct block *b = find(pa);
    if (!b || !b->mem || !b->st[(pa - b->base) / PAGE_SIZE])
        fail_msg("phys_to_virt(%#llx): not a live frame with memory behind it",
                 (unsigned long long)pa);
    return (void *)(uintptr_t)pa;
}

paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)(uintptr_t)va;
}

void fake_frames_reset(void)
{
    while (nblocks)
        drop_block(blocks[nblocks - 1]);
    live_frames = 0;
    nerrors = 0;
    first_err[0] = '\0';
    fail_left = -1;
}

uint64_t fake_frames_live(void)
{
    return live_frames;
}

bool fake_frames_is_live(paddr_t pa)
{
    struct block *b = find(pa);
    return b && b->st[(pa - b->base) / PAGE_SIZE];
}

unsigned fake_frames_errors(void)
{
    return nerrors;
}

const char *fake_frames_first_error(void)
{
    return first_err;
}

paddr_t fake_frames_alloc_run(uint64_t count, uint64_t align)
{
    return host_block(count, align);
}

void fake_frames_reserve(paddr_t pa, uint64_t count)
{
    if ((pa & ~PAGE_MASK) || !count || pa < (1ull << 47)) {
        fprintf(stderr, "fake_frames_reserve(%#llx, %llu): bad arguments\n",
                (unsigned long long)pa, (unsigned long long)count);
        abort();
    }
    size_t i = upper(pa + count * PAGE_SIZE - 1);
    if (i && blocks[i - 1]->base + blocks[i - 1]->n * PAGE_SIZE > pa) {
        fprintf(stderr, "fake_frames_reserve(%#llx): overlaps a live block\n",
                (unsigned long long)pa);
        abort();
    }
    add_block(pa, count, NULL);
}

void fake_frames_fail_after(long n)
{
    fail_left = n;
}
