/*
 * The reader's side of a console ring, pure (also built for host unit tests). Indexes run
 * freely (uint32_t, wrapping); the byte of index i is out[i % XENCONS_OUT_SIZE]. A guest
 * that claims more bytes than the ring holds gets them skipped (out_cons := out_prod)
 * rather than read twice or past the ring.
 */
#include <keel/xen_console.h>

#define CHUNK 128

enum xencons_result xencons_drain(struct xencons_interface *ring, xencons_sink sink, void *ctx,
                                  size_t *taken)
{
    return xencons_read(ring, sink, ctx, XENCONS_OUT_SIZE, taken);
}

enum xencons_result xencons_read(struct xencons_interface *ring, xencons_sink sink, void *ctx,
                                 size_t max, size_t *taken)
{
    XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED);
    XENCONS_RING_IDX prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX avail = prod - cons;
    char buf[CHUNK];

    *taken = 0;
    if (avail > XENCONS_OUT_SIZE) {
        __atomic_store_n(&ring->out_cons, prod, __ATOMIC_RELEASE);
        return XENCONS_CORRUPT;
    }
    if (avail > max)
        avail = (XENCONS_RING_IDX)max;
    while (*taken < avail) {
        size_t n = 0;
        /* Copy first: the guest may change the bytes while we look at them. */
        while (n < CHUNK && *taken + n < avail) {
            buf[n] = __atomic_load_n(&ring->out[(cons + (XENCONS_RING_IDX)(*taken + n)) %
                                                XENCONS_OUT_SIZE], __ATOMIC_RELAXED);
            n++;
        }
        sink(ctx, buf, n);
        *taken += n;
    }
    /* The bytes are read before the guest may reuse their slots. */
    __atomic_store_n(&ring->out_cons, cons + avail, __ATOMIC_RELEASE);
    return XENCONS_OK;
}

size_t xencons_put_in(struct xencons_interface *ring, const char *s, size_t n)
{
    XENCONS_RING_IDX cons = __atomic_load_n(&ring->in_cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_RELAXED);
    XENCONS_RING_IDX used = prod - cons;
    if (used > XENCONS_IN_SIZE)
        return 0;                      /* the guest broke its indexes: no room to trust */
    size_t room = XENCONS_IN_SIZE - used, k = n < room ? n : room;
    for (size_t i = 0; i < k; i++)
        __atomic_store_n(&ring->in[(prod + (XENCONS_RING_IDX)i) % XENCONS_IN_SIZE], s[i],
                         __ATOMIC_RELAXED);
    /* The bytes before the index that publishes them. */
    __atomic_store_n(&ring->in_prod, prod + (XENCONS_RING_IDX)k, __ATOMIC_RELEASE);
    return k;
}
