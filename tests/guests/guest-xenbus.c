/*
 * guest-xenbus: the store from a DomU created by Dom0 (tests/dom0/xenbus.rc): its home
 * directory holds its name and id; it writes, reads back, lists and removes its own
 * nodes; a watch fires at once and again when Dom0 writes the watched node; Dom0's and
 * other domains' nodes are refused (EACCES), missing ones are ENOENT.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xenbus.h>

#define XEN_EACCES 13
#define MS 1000000ull

void guest_main(void)
{
    char buf[128], path[128], tok[32], want[16];
    long rc = xenbus_init();
    if (!test_check(rc == 0, "xs-init", "no store: %ld", rc))
        return;

    long r1 = xenbus_read("name", buf, sizeof(buf));
    int name_ok = r1 > 0 && !strcmp(buf, "xsguest");
    long r2 = xenbus_read("domid", buf, sizeof(buf));
    gsnprintf(want, sizeof(want), "%d", xen_domid());
    test_check(name_ok && r2 > 0 && !strcmp(buf, want), "xs-home", "name %ld, domid %ld \"%s\" (want %s)",
               r1, r2, buf, want);

    long w = xenbus_write("data/hello", "world");
    long r = xenbus_read("data/hello", buf, sizeof(buf));
    int same = r == 5 && !strcmp(buf, "world");
    long m = xenbus_mkdir("data/sub");
    long d = xenbus_directory("data", buf, sizeof(buf));
    int listed = d == 10 && !memcmp(buf, "hello\0sub", 10);
    long rm = xenbus_rm("data/sub");
    long gone = xenbus_read("data/sub", buf, sizeof(buf));
    test_check(w == 0 && same && m == 0 && listed && rm == 0 && gone == -XEN_ENOENT, "xs-rw",
               "write %ld, read %ld, mkdir %ld, directory %ld (%d), rm %ld, read removed %ld", w,
               r, m, d, listed, rm, gone);

    gsnprintf(path, sizeof(path), "/local/domain/%d/name", xen_domid() + 1);
    long e1 = xenbus_read("/local/domain/0/name", buf, sizeof(buf));
    long e2 = xenbus_write("/local/domain/0/evil", "1");
    long e3 = xenbus_write(path, "x");
    long e4 = xenbus_directory("/local/domain", buf, sizeof(buf));
    long e5 = xenbus_read("nothing/here", buf, sizeof(buf));
    long e6 = xenbus_write("name", "renamed");   /* its own home: allowed, as on Xen */
    test_check(e1 == -XEN_EACCES && e2 == -XEN_EACCES && e3 == -XEN_EACCES && e4 == -XEN_EACCES &&
               e5 == -XEN_ENOENT && e6 == 0, "xs-permissions",
               "dom0 read %ld, dom0 write %ld, other write %ld, list all %ld, missing %ld, own %ld",
               e1, e2, e3, e4, e5, e6);

    long wa = xenbus_watch("data/cmd", "t1");
    long ev0 = xenbus_wait_watch(path, sizeof(path), tok, sizeof(tok), 1000 * MS);
    int first = ev0 == 0 && !strcmp(path, "data/cmd") && !strcmp(tok, "t1");
    xenbus_write("data/ready", "1");                 /* Dom0's script waits for this */
    long ev1 = xenbus_wait_watch(path, sizeof(path), tok, sizeof(tok), 60000 * MS);
    long rc2 = xenbus_read("data/cmd", buf, sizeof(buf));
    test_check(wa == 0 && first && ev1 == 0 && !strcmp(tok, "t1") && rc2 == 2 && !strcmp(buf, "go"),
               "xs-watch", "watch %ld, first event %d, second %ld (%s %s), cmd %ld \"%s\"", wa,
               first, ev1, path, tok, rc2, buf);
    long uw = xenbus_unwatch("data/cmd", "t1");
    long uw2 = xenbus_unwatch("data/cmd", "t1");
    test_check(uw == 0 && uw2 == -XEN_ENOENT, "xs-unwatch", "%ld %ld", uw, uw2);
}
