/*
 * The hypervisor heap: power-of-two size classes from 16 bytes to 2 KiB, each carved out
 * of whole frames; bigger objects get their own run of frames. Every object carries a
 * 16-byte header naming its class, so kfree needs no size and catches stray pointers.
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
#define HEAP_MAGIC 0x4b45454c48454150ull  /* "KEELHEAP" */

struct header {
    uint32_t cls;                     /* size class, or NR_CLASSES for a frame run */
    uint32_t pages;                   /* frame runs: how many frames */
    uint64_t magic;
};
BUILD_BUG_ON(sizeof(struct header) != 16);

struct free_obj { struct free_obj *next; };

static struct free_obj *free_list[NR_CLASSES];
static spinlock_t heap_lock = SPINLOCK_INIT;

static bool refill(unsigned cls)
{
    paddr_t pa = frame_alloc();
    if (!pa)
        return false;
    size_t sz = (size_t)1 << (cls + MIN_SHIFT);
    uint8_t *page = phys_to_virt(pa);
    for (size_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
        struct free_obj *o = (void *)(page + off);
        o->next = free_list[cls];
        free_list[cls] = o;
    }
    return true;
}

void *kmalloc(size_t size)
{
    size_t need = size + sizeof(struct header);
    struct header *h;

    if (size == 0 || need < size)
        return NULL;
    if (need > ((size_t)1 << MAX_SHIFT)) {
        uint64_t pages = ALIGN_UP(need, PAGE_SIZE) >> PAGE_SHIFT;
        paddr_t pa = frame_alloc_contig(pages, PAGE_SIZE);
        if (!pa)
            return NULL;
        h = phys_to_virt(pa);
        h->cls = NR_CLASSES;
        h->pages = (uint32_t)pages;
    } else {
        unsigned cls = 0;
        while (((size_t)1 << (cls + MIN_SHIFT)) < need)
            cls++;
        unsigned long f = spin_lock_irqsave(&heap_lock);
        if (!free_list[cls] && !refill(cls)) {
            spin_unlock_irqrestore(&heap_lock, f);
            return NULL;
        }
        h = (struct header *)free_list[cls];
        free_list[cls] = free_list[cls]->next;
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
    if (h->magic != HEAP_MAGIC || h->cls > NR_CLASSES)
        panic("kfree(%p): not a heap object, or freed twice", p);
    h->magic = 0;
    if (h->cls == NR_CLASSES) {
        frame_free(virt_to_phys(h), h->pages);
        return;
    }
    unsigned cls = h->cls;            /* the free-list link overwrites the header */
    unsigned long f = spin_lock_irqsave(&heap_lock);
    struct free_obj *o = (void *)h;
    o->next = free_list[cls];
    free_list[cls] = o;
    spin_unlock_irqrestore(&heap_lock, f);
}
