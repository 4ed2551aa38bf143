/*
 * Host unit tests of Dom0's xl disk specification parser (tools/dom0/xldisk.c): the
 * positional, legacy and named forms, Xen's virtual device numbers, and an error for
 * everything it does not take. Specs are placed against a guard page.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "../../tools/dom0/xldisk.h"

static int parse(const char *spec, struct xl_disk *d, char *err)
{
    char *g = guarded_copy(spec, strlen(spec) + 1);
    int rc = xl_disk_parse(g, d, err, 120);
    guarded_free(g);
    return rc;
}

static void expect_disk(const char *spec, const char *target, const char *vdev, unsigned devid,
                        int ro)
{
    struct xl_disk d;
    char err[120] = "";
    if (parse(spec, &d, err))
        fail_msg("\"%s\" refused: %s", spec, err);
    assert_string_equal(d.target, target);
    assert_string_equal(d.vdev, vdev);
    assert_int_equal(d.devid, devid);
    assert_int_equal(d.readonly, ro);
}

static void forms(void **state)
{
    (void)state;
    expect_disk("ram0,xvda,w", "ram0", "xvda", 51712, 0);              /* legacy */
    expect_disk("phy:ram0,xvdb,r", "ram0", "xvdb", 51728, 1);
    expect_disk("ram0,,xvda", "ram0", "xvda", 51712, 0);                /* positional */
    expect_disk("ram0,raw,xvdc,ro", "ram0", "xvdc", 51744, 1);
    expect_disk("format=raw, vdev=xvda, access=rw, target=ram0", "ram0", "xvda", 51712, 0);
    expect_disk(" vdev=xvdp ,target=virtio0,devtype=disk", "virtio0", "xvdp", (202u << 8) | 0xf0, 0);
    expect_disk("ram0,xvdq,w", "ram0", "xvdq", (1u << 28) | (16u << 8), 0);   /* extended */
}

static void expect_error(const char *spec, const char *want)
{
    struct xl_disk d;
    char err[120] = "";
    assert_int_equal(parse(spec, &d, err), -1);
    if (!strstr(err, want))
        fail_msg("\"%s\": error \"%s\" lacks \"%s\"", spec, err, want);
}

static void errors(void **state)
{
    (void)state;
    expect_error("", "no target");
    expect_error("ram0", "no vdev");
    expect_error("ram0,qcow2,xvda", "only format raw");
    expect_error("ram0,hda,w", "vdev must be xvd<a-z>: hda");
    expect_error("ram0,xvda,rw,extra", "too many fields");
    expect_error("ram0,xvda,x", "access must be");
    expect_error("ram0,xvda,w,target=ram1", "given twice: target");
    expect_error("colour=blue,ram0,xvda", "unknown key: colour");
    expect_error("ram0,xvda,w,devtype=cdrom", "only devtype=disk");
    expect_error("ram000000000000000000000000000000000,xvda", "value too long");
    expect_error("ram0000000000000000000000000000000000000000000000,xvda", "field too long");
}

/* Random bytes: never a crash or a read past the end. */
static void mutations(void **state)
{
    (void)state;
    uint64_t seed = 7;
    char buf[48];
    struct xl_disk d;
    char err[120];
    for (int i = 0; i < 20000; i++) {
        size_t n = unit_rand(&seed) % sizeof(buf);
        for (size_t k = 0; k < n; k++)
            buf[k] = "ram0,xvd=a rw,:"[unit_rand(&seed) % 15];
        buf[n] = '\0';
        (void)parse(buf, &d, err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
        cmocka_unit_test(errors),
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
