/*
 * Host unit tests of the console ring reader (kernel/xencons_ring.c): what the guest
 * wrote comes out once, in order, across the wrap of the ring and of the 32-bit indexes;
 * a hostile guest's indexes (more than a ring's worth, prod behind cons) never make the
 * reader touch anything outside `out` — the ring sits at the end of a page followed by an
 * inaccessible one, so a stray read faults.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include <keel/xen_console.h>

struct sink {
    char buf[8192];
    size_t len;
    unsigned calls;
};

static void collect(void *ctx, const char *s, size_t n)
{
    struct sink *k = ctx;
    assert_true(n > 0 && n <= 128);
    assert_true(k->len + n <= sizeof(k->buf));
    memcpy(k->buf + k->len, s, n);
    k->len += n;
    k->calls++;
}

static struct xencons_interface *new_ring(void)
{
    struct xencons_interface zero;
    memset(&zero, 0, sizeof(zero));
    return guarded_copy(&zero, sizeof(zero));
}

/* The guest's side: append bytes at out_prod. */
static void produce(struct xencons_interface *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        r->out[(r->out_prod + i) % XENCONS_OUT_SIZE] = s[i];
    r->out_prod += (XENCONS_RING_IDX)n;
}

static void simple(void **state)
{
    (void)state;
    struct xencons_interface *r = new_ring();
    struct sink k = { .len = 0 };
    size_t taken;
    produce(r, "hello\n", 6);
    assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_OK);
    assert_int_equal(taken, 6);
    assert_memory_equal(k.buf, "hello\n", 6);
    assert_int_equal(r->out_cons, 6);
    assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_OK);   /* nothing new */
    assert_int_equal(taken, 0);
    assert_int_equal(k.calls, 1);
    guarded_free(r);
}

static void wraps(void **state)
{
    (void)state;
    struct xencons_interface *r = new_ring();
    char msg[3000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (char)('a' + i % 26);
    /* Indexes near the 32-bit wrap and the ring's end at once. */
    r->out_cons = r->out_prod = 0xffffffffu - 700;
    size_t done = 0;
    struct sink k = { .len = 0 };
    while (done < sizeof(msg)) {
        size_t n = sizeof(msg) - done < 1500 ? sizeof(msg) - done : 1500;
        produce(r, msg + done, n);
        size_t taken;
        assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_OK);
        assert_int_equal(taken, n);
        done += n;
    }
    assert_int_equal(k.len, sizeof(msg));
    assert_memory_equal(k.buf, msg, sizeof(msg));
    assert_int_equal(r->out_cons, r->out_prod);
    guarded_free(r);
}

static void full_ring(void **state)
{
    (void)state;
    struct xencons_interface *r = new_ring();
    char msg[XENCONS_OUT_SIZE];
    memset(msg, 'x', sizeof(msg));
    r->out_cons = r->out_prod = 100;
    produce(r, msg, sizeof(msg));                  /* exactly full: valid */
    struct sink k = { .len = 0 };
    size_t taken;
    assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_OK);
    assert_int_equal(taken, XENCONS_OUT_SIZE);
    assert_int_equal(k.calls, XENCONS_OUT_SIZE / 128);
    guarded_free(r);
}

static void hostile_indexes(void **state)
{
    (void)state;
    struct xencons_interface *r = new_ring();
    struct sink k = { .len = 0 };
    size_t taken;
    const XENCONS_RING_IDX bad[][2] = {
        { 0, XENCONS_OUT_SIZE + 1 },               /* one more than the ring holds */
        { 0, 0xffffffffu },                        /* prod "behind" cons */
        { 5000, 4999 },
        { 0x80000000u, 0 },
        { 12345, 12345 + 1000000 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r->out_cons = bad[i][0];
        r->out_prod = bad[i][1];
        assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_CORRUPT);
        assert_int_equal(taken, 0);
        assert_int_equal(r->out_cons, bad[i][1]);  /* skipped: in step with the guest again */
        /* and the next good write comes through */
        produce(r, "ok", 2);
        assert_int_equal(xencons_drain(r, collect, &k, &taken), XENCONS_OK);
        assert_int_equal(taken, 2);
    }
    assert_int_equal(k.len, 2 * (sizeof(bad) / sizeof(bad[0])));
    /* Random indexes: never a read outside the ring (the guard page would fault). */
    uint64_t seed = 99;
    for (int i = 0; i < 100000; i++) {
        r->out_cons = (XENCONS_RING_IDX)unit_rand(&seed);
        r->out_prod = (XENCONS_RING_IDX)(unit_rand(&seed) & 1 ? unit_rand(&seed)
                                         : r->out_cons + unit_rand(&seed) % 4000);
        k.len = 0;
        XENCONS_RING_IDX avail = r->out_prod - r->out_cons;
        enum xencons_result res = xencons_drain(r, collect, &k, &taken);
        assert_int_equal(res, avail <= XENCONS_OUT_SIZE ? XENCONS_OK : XENCONS_CORRUPT);
        assert_int_equal(taken, res == XENCONS_OK ? avail : 0);
        assert_int_equal(taken, k.len);
        assert_int_equal(r->out_cons, r->out_prod);
    }
    guarded_free(r);
}

/* xencons_read takes at most `max` bytes and leaves the rest for the next call. */
static void bounded_read(void **state)
{
    (void)state;
    struct xencons_interface *r = new_ring();
    struct sink k = { .len = 0 };
    size_t taken;
    produce(r, "0123456789", 10);
    assert_int_equal(xencons_read(r, collect, &k, 4, &taken), XENCONS_OK);
    assert_int_equal(taken, 4);
    assert_int_equal(r->out_cons, 4);
    assert_int_equal(xencons_read(r, collect, &k, 100, &taken), XENCONS_OK);
    assert_int_equal(taken, 6);
    assert_memory_equal(k.buf, "0123456789", 10);
    assert_int_equal(xencons_read(r, collect, &k, 0, &taken), XENCONS_OK);
    assert_int_equal(taken, 0);
    guarded_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple),
        cmocka_unit_test(bounded_read),
        cmocka_unit_test(wraps),
        cmocka_unit_test(full_ring),
        cmocka_unit_test(hostile_indexes),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
