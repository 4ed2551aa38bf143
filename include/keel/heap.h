/* The hypervisor heap (mm/heap.c) for small kernel objects. */
#ifndef KEEL_HEAP_H
#define KEEL_HEAP_H

#include <keel/types.h>

void *kmalloc(size_t size);      /* 16-byte aligned; NULL when memory is exhausted */
void *kzalloc(size_t size);      /* zeroed */
void kfree(void *p);             /* NULL is fine */

#endif
