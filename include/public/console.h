/*
 * The console ring shared between a guest and its console reader (Xen's io/console.h, in
 * Keel's words). Indexes run freely; a byte's place is index % size. The guest writes
 * `out` and advances out_prod, the reader advances out_cons; `in` goes the other way.
 * The same layout for 32- and 64-bit guests.
 */
#ifndef KEEL_PUBLIC_CONSOLE_H
#define KEEL_PUBLIC_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;
#define XENCONS_IN_SIZE  1024
#define XENCONS_OUT_SIZE 2048

struct xencons_interface {
    char in[XENCONS_IN_SIZE];
    char out[XENCONS_OUT_SIZE];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

#endif
