/*
 * The hypervisor heap: a small slab allocator. Objects of 16 B to 2 KiB (power-of-two
 * classes, header included) are carved out of single frames ("slabs"); a slab whose
 * objects are all free goes straight back to the frame allocator, so destroying what was
 * created returns every frame (tests compare free-frame counts). Bigger objects get their
 * own run of frames. Every object carries a 16-byte header, so kfree needs no size and
 * catches stray or double frees.
 */
#include <keel/heap.h>
#include <keel/frame.h>
#include <keel/panic.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <arch/paging.h>

#define MIN_SHIFT 4                   /* 16 bytes */
#define MAX_SHIFT 11                  /* 2 KiB */
#define NR_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define BIG NR_CLASSES                /* class of a frame run */
#define HEAP_MAGIC 0x4b45454c48454150ull  /* "KEELHEAP" */

struct header {
    uint32_t cls;
    uint32_t pages;                   /* frame runs: how many frames */
    uint64_t magic;
};
BUILD_BUG_ON(sizeof(struct header) != 16);

struct free_obj { struct free_obj *next; };

/* At the start of each slab frame; objects follow, aligned to their size. */
struct slab {
    struct slab *next, *prev;         /* in its class's list while it has free objects */
    struct free_obj *free;
    uint32_t inuse, total;
    uint32_t cls;
};

static struct slab *partial[NR_CLASSES];
static spinlock_t heap_lock = SPINLOCK_INIT;

static size_t class_size(unsigned cls) { return (size_t)1 << (cls + MIN_SHIFT); }

static void list_add(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

static void list_del(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

static struct slab *new_slab(unsigned cls)
{
    paddr_t pa = frame_alloc();
    if (!pa)
        return NULL;
    struct slab *s = phys_to_virt(pa);
    size_t sz = class_size(cls);
    size_t first = ALIGN_UP(sizeof(*s), sz);
    s->free = NULL;
    s->inuse = 0;
    s->total = 0;
    s->cls = cls;
    for (size_t off = PAGE_SIZE - sz; off >= first && off < PAGE_SIZE; off -= sz) {
        struct free_obj *o = (void *)((uint8_t *)s + off);
        o->next = s->free;
        s->free = o;
        s->total++;
    }
    list_add(s);
    return s;
}

void *kmalloc(size_t size)
{
    size_t need = size + sizeof(struct header);
    struct header *h;

    if (size == 0 || need < size)
        return NULL;
    if (need > class_size(NR_CLASSES - 1)) {
        uint64_t pages = ALIGN_UP(need, PAGE_SIZE) >> PAGE_SHIFT;
        paddr_t pa = frame_alloc_contig(pages, PAGE_SIZE);
        if (!pa)
            return NULL;
        h = phys_to_virt(pa);
        h->cls = BIG;
        h->pages = (uint32_t)pages;
    } else {
        unsigned cls = 0;
        while (class_size(cls) < need)
            cls++;
        unsigned long f = spin_lock_irqsave(&heap_lock);
        struct slab *s = partial[cls] ? partial[cls] : new_slab(cls);
        if (!s) {
            spin_unlock_irqrestore(&heap_lock, f);
            return NULL;
        }
        h = (struct header *)s->free;
        s->free = s->free->next;
        if (++s->inuse == s->total)
            list_del(s);                  /* full: off the list until something is freed */
        spin_unlock_irqrestore(&heap_lock, f);
        h->cls = cls;
        h->pages = 0;
    }
    h->magic = HEAP_MAGIC;
    return h + 1;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct header *h = (struct header *)p - 1;
    if (h->magic != HEAP_MAGIC || h->cls > BIG)
        panic("kfree(%p): not a heap object, or freed twice", p);
    h->magic = 0;
    if (h->cls == BIG) {
        frame_free(virt_to_phys(h), h->pages);
        return;
    }
    struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)h, PAGE_SIZE);
    unsigned long f = spin_lock_irqsave(&heap_lock);
    struct free_obj *o = (void *)h;
    o->next = s->free;
    s->free = o;
    if (s->inuse-- == s->total)
        list_add(s);                      /* it was full: has room again */
    if (s->inuse == 0) {
        list_del(s);
        frame_free(virt_to_phys(s), 1);
    }
    spin_unlock_irqrestore(&heap_lock, f);
}
