/*
 * Host unit tests of Dom0's store (tools/dom0/xs_store.c): the wire operations with their
 * replies, implicit parents, directories, watches (the first event at once, events for
 * writes below and removals above, relative paths shown relative), the fixed permission
 * rules for DomUs, malformed payloads, and a domain's cleanup.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include <public/xs_wire.h>
#include "../../tools/dom0/xs_store.h"

struct msg { unsigned dom; uint32_t type, req; char data[512]; uint32_t len; };
static struct msg out[64];
static unsigned nout;

static void capture(void *ctx, unsigned dom, uint32_t type, uint32_t req, uint32_t tx,
                    const char *p, uint32_t len)
{
    (void)ctx, (void)tx;
    assert_true(nout < 64 && len <= sizeof(out[0].data));
    out[nout] = (struct msg){ .dom = dom, .type = type, .req = req, .len = len };
    memcpy(out[nout].data, p, len);
    nout++;
}

/* A request whose payload is the strings given, each with its NUL, placed against a guard
 * page; returns the reply (the first message sent). */
static struct msg *req(unsigned dom, uint32_t type, const char *a, const char *b, int b_nul)
{
    char buf[600];
    size_t n = strlen(a) + 1;
    memcpy(buf, a, n);
    if (b) {
        memcpy(buf + n, b, strlen(b) + (b_nul ? 1 : 0));
        n += strlen(b) + (b_nul ? 1 : 0);
    }
    char *g = guarded_copy(buf, n);
    nout = 0;
    xs_request(dom, type, 7, 0, g, (uint32_t)n);
    guarded_free(g);
    assert_true(nout >= 1);
    return &out[0];
}

static void assert_reply(struct msg *m, uint32_t type, const char *data, uint32_t len)
{
    if (m->type != type || m->len != len || memcmp(m->data, data, len))
        fail_msg("reply type %u len %u \"%.*s\", expected type %u \"%.*s\"", m->type, m->len,
                 (int)m->len, m->data, type, (int)len, data);
    assert_int_equal(m->req, 7);
}

static int setup(void **state)
{
    (void)state;
    xs_init(capture, NULL);
    return 0;
}

static void read_write_directory(void **state)
{
    (void)state;
    assert_reply(req(0, XS_WRITE, "/local/domain/3/name", "web", 0), XS_WRITE, "OK", 3);
    assert_reply(req(0, XS_READ, "/local/domain/3/name", NULL, 0), XS_READ, "web", 3);
    assert_reply(req(3, XS_READ, "name", NULL, 0), XS_READ, "web", 3);        /* relative */
    assert_reply(req(0, XS_DIRECTORY, "/local/domain", NULL, 0), XS_DIRECTORY, "3", 2);
    assert_reply(req(3, XS_WRITE, "device/vbd/768/state", "1", 0), XS_WRITE, "OK", 3);
    assert_reply(req(3, XS_DIRECTORY, "device", NULL, 0), XS_DIRECTORY, "vbd", 4);
    assert_reply(req(3, XS_MKDIR, "data", NULL, 0), XS_MKDIR, "OK", 3);
    assert_reply(req(0, XS_DIRECTORY, "/local/domain/3", NULL, 0), XS_DIRECTORY,
                 "name\0device\0data", 17);
    assert_reply(req(3, XS_RM, "device", NULL, 0), XS_RM, "OK", 3);
    assert_reply(req(3, XS_READ, "device/vbd/768/state", NULL, 0), XS_ERROR, "ENOENT", 7);
    assert_reply(req(3, XS_GET_DOMAIN_PATH, "3", NULL, 0), XS_GET_DOMAIN_PATH,
                 "/local/domain/3", 16);
    assert_reply(req(3, XS_TRANSACTION_START, "", NULL, 0), XS_TRANSACTION_START, "1", 2);
    assert_reply(req(3, XS_TRANSACTION_END, "T", NULL, 0), XS_TRANSACTION_END, "OK", 3);
    assert_string_equal(xs_read("/local/domain/3/name"), "web");
}

static void permissions(void **state)
{
    (void)state;
    xs_write("/local/domain/0/backend/vbd/3/768/state", "2");
    xs_write("/local/domain/0/backend/vbd/4/768/state", "2");
    xs_write("/local/domain/4/secret", "x");
    assert_reply(req(3, XS_READ, "/local/domain/0/backend/vbd/3/768/state", NULL, 0), XS_READ, "2", 1);
    assert_reply(req(3, XS_READ, "/local/domain/0/backend/vbd/4/768/state", NULL, 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_READ, "/local/domain/4/secret", NULL, 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_WRITE, "/local/domain/4/secret", "y", 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_WRITE, "/local/domain/0/backend/vbd/3/768/state", "4", 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_RM, "/local/domain/3", NULL, 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_DIRECTORY, "/local/domain", NULL, 0), XS_ERROR, "EACCES", 7);
    assert_reply(req(3, XS_WATCH, "/local/domain/4", "t", 1), XS_WATCH, "OK", 3);
    nout = 0;
    xs_write("/local/domain/4/secret", "z");
    assert_int_equal(nout, 0);                        /* no event: it may not read there */
    assert_string_equal(xs_read("/local/domain/4/secret"), "z");
}

static void watches(void **state)
{
    (void)state;
    struct msg *m = req(3, XS_WATCH, "device", "tok", 1);
    assert_int_equal(nout, 2);                        /* OK, then the first event */
    assert_reply(m, XS_WATCH, "OK", 3);
    assert_int_equal(out[1].type, XS_WATCH_EVENT);
    assert_memory_equal(out[1].data, "device\0tok", 11);
    nout = 0;
    xs_write("/local/domain/3/device/vbd/1/state", "3");
    assert_true(nout >= 1);
    assert_int_equal(out[nout - 1].type, XS_WATCH_EVENT);
    assert_memory_equal(out[nout - 1].data, "device/vbd/1/state\0tok", 23);
    nout = 0;
    xs_rm("/local/domain/3");                          /* removal above the watch fires it */
    assert_true(nout >= 1);
    assert_reply(req(3, XS_UNWATCH, "device", "tok", 1), XS_UNWATCH, "OK", 3);
    assert_reply(req(3, XS_UNWATCH, "device", "tok", 1), XS_ERROR, "ENOENT", 7);
}

static void malformed(void **state)
{
    (void)state;
    char nonul[4] = { 'a', 'b', 'c', 'd' };
    char *g = guarded_copy(nonul, 4);
    nout = 0;
    xs_request(3, XS_READ, 7, 0, g, 4);               /* no NUL: never read past it */
    guarded_free(g);
    assert_reply(&out[0], XS_ERROR, "EINVAL", 7);
    assert_reply(req(3, XS_READ, "/a//b", NULL, 0), XS_ERROR, "EINVAL", 7);
    assert_reply(req(3, XS_READ, "/a b", NULL, 0), XS_ERROR, "EINVAL", 7);
    assert_reply(req(3, XS_WATCH, "device", "tok", 0), XS_ERROR, "EINVAL", 7);  /* no token NUL */
    assert_reply(req(3, XS_GET_DOMAIN_PATH, "3x", NULL, 0), XS_ERROR, "EINVAL", 7);
    assert_reply(req(3, 99, "x", NULL, 0), XS_ERROR, "ENOSYS", 7);
    char big[300];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_reply(req(3, XS_WRITE, "v", big, 0), XS_ERROR, "EINVAL", 7);       /* value too long */
}

static void forget_domain(void **state)
{
    (void)state;
    xs_write("/local/domain/5/device/vbd/1/state", "4");
    xs_write("/local/domain/0/backend/vbd/5/1/state", "4");
    xs_write("/local/domain/0/backend/vbd/50/1/state", "4");
    req(5, XS_WATCH, "device", "t", 1);
    unsigned before = xs_nr_nodes();
    xs_forget_domain(5);
    assert_null(xs_read("/local/domain/5/device/vbd/1/state"));
    assert_null(xs_read("/local/domain/0/backend/vbd/5"));
    assert_string_equal(xs_read("/local/domain/0/backend/vbd/50/1/state"), "4");
    assert_true(xs_nr_nodes() < before);
    nout = 0;
    xs_write("/local/domain/5/device", "");
    assert_int_equal(nout, 0);                        /* its watch is gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(read_write_directory, setup),
        cmocka_unit_test_setup(permissions, setup),
        cmocka_unit_test_setup(watches, setup),
        cmocka_unit_test_setup(malformed, setup),
        cmocka_unit_test_setup(forget_domain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
