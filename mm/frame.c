/*
 * Physical frame allocator: a bitmap over [0, limit), bit set = free. Only pages that
 * memmap_free_ranges() found free are ever set, so the hypervisor image, boot modules,
 * ACPI tables and firmware ranges can never be handed out. First fit from the bottom,
 * which also keeps early page tables below 4 GiB, where the boot identity map reaches.
 */
#include <keel/frame.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <arch/paging.h>

static uint64_t *bitmap;
static uint64_t nr_frames;          /* frames the bitmap covers */
static uint64_t free_frames, total_frames;
static uint64_t search_hint;        /* no free frame below this index */
static spinlock_t frame_lock = SPINLOCK_INIT;

static inline bool is_free(uint64_t f) { return bitmap[f / 64] & (1ull << (f % 64)); }
static inline void set_free(uint64_t f) { bitmap[f / 64] |= 1ull << (f % 64); }
static inline void set_used(uint64_t f) { bitmap[f / 64] &= ~(1ull << (f % 64)); }

bool frame_init(const struct phys_range *free, uint32_t n)
{
    if (!n)
        return false;
    paddr_t limit = free[n - 1].end;
    nr_frames = limit >> PAGE_SHIFT;
    uint64_t bytes = ALIGN_UP(ALIGN_UP(nr_frames, 64) / 8, PAGE_SIZE);

    /* The bitmap lives in the first free range big enough, below 4 GiB (boot map). */
    int where = -1;
    for (uint32_t i = 0; i < n; i++)
        if (free[i].end - free[i].start >= bytes && free[i].start + bytes <= GiB(4)) {
            where = (int)i;
            break;
        }
    if (where < 0)
        return false;
    bitmap = phys_to_virt(free[where].start);
    memset(bitmap, 0, bytes);

    for (uint32_t i = 0; i < n; i++) {
        paddr_t s = free[i].start, e = free[i].end;
        if ((int)i == where)
            s += bytes;              /* the bitmap's own pages stay used */
        for (paddr_t pa = s; pa < e; pa += PAGE_SIZE)
            set_free(pa >> PAGE_SHIFT);
        if (e > s)
            free_frames += (e - s) >> PAGE_SHIFT;
    }
    set_used(0);                     /* 0 means "no frame" */
    if (free[0].start == 0)
        free_frames--;
    total_frames = free_frames;
    search_hint = 1;
    return true;
}

static paddr_t alloc_locked(uint64_t count, uint64_t align_frames)
{
    uint64_t f = ALIGN_UP(search_hint, align_frames);
    while (f + count <= nr_frames) {
        uint64_t run = 0;
        while (run < count && is_free(f + run))
            run++;
        if (run == count) {
            for (uint64_t i = 0; i < count; i++)
                set_used(f + i);
            free_frames -= count;
            if (count == 1 && f == search_hint)
                search_hint = f + 1;
            return f << PAGE_SHIFT;
        }
        /* Skip past the used frame that broke the run. */
        f = ALIGN_UP(f + run + 1, align_frames);
        /* Whole used words go fast. */
        while (f + count <= nr_frames && (f % 64) == 0 && bitmap[f / 64] == 0)
            f = ALIGN_UP(f + 64, align_frames);
    }
    return 0;
}

paddr_t frame_alloc_contig(uint64_t count, uint64_t align)
{
    if (!count || align < PAGE_SIZE || (align & (align - 1)))
        return 0;
    unsigned long fl = spin_lock_irqsave(&frame_lock);
    paddr_t pa = alloc_locked(count, align >> PAGE_SHIFT);
    spin_unlock_irqrestore(&frame_lock, fl);
    return pa;
}

paddr_t frame_alloc(void)
{
    return frame_alloc_contig(1, PAGE_SIZE);
}

paddr_t frame_alloc_zeroed(void)
{
    paddr_t pa = frame_alloc();
    if (pa)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

void frame_free(paddr_t pa, uint64_t count)
{
    uint64_t f = pa >> PAGE_SHIFT;

    if ((pa & ~PAGE_MASK) || f == 0 || f + count > nr_frames)
        panic("frame_free(%#llx, %llu): not a frame this allocator handed out",
              (unsigned long long)pa, (unsigned long long)count);
    unsigned long fl = spin_lock_irqsave(&frame_lock);
    for (uint64_t i = 0; i < count; i++) {
        if (is_free(f + i))
            panic("frame_free: frame %#llx is already free (double free)",
                  (unsigned long long)((f + i) << PAGE_SHIFT));
        set_free(f + i);
    }
    free_frames += count;
    if (f < search_hint)
        search_hint = f;
    spin_unlock_irqrestore(&frame_lock, fl);
}

uint64_t frame_free_count(void) { return free_frames; }
uint64_t frame_total_count(void) { return total_frames; }
paddr_t frame_limit(void) { return nr_frames << PAGE_SHIFT; }
