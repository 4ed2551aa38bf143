/*
 * Host unit tests of Dom0's configuration parser (tools/dom0/xlcfg.c): the keys and value
 * forms it knows, xl's defaults, command-line overrides, and for every malformed input an
 * error that names the line and what is wrong. Inputs are placed against a guard page (not
 * NUL-terminated), so a read past the end faults.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "../../tools/dom0/xlcfg.h"

static int parse(const char *text, struct xlcfg *c, char *err)
{
    size_t n = strlen(text);
    char *g = guarded_copy(text, n);
    int rc = xlcfg_parse(g, n, c, err, 160);
    guarded_free(g);
    return rc;
}

static void full_config(void **state)
{
    (void)state;
    struct xlcfg c;
    char err[160] = "";
    const char *t = "# a comment\n"
                    "name = \"web1\"\n"
                    "type=\"pvh\"\n"
                    "  memory   =  64 ; \n"
                    "maxmem = 128\n"
                    "vcpus = 2   # two\n"
                    "kernel = \"vmlinux\"\n"
                    "ramdisk = \"initrd.img\"\n"
                    "extra = \"console=hvc0 root=/dev/xvda\"\n"
                    "on_crash = \"preserve\"\n"
                    "disk = [ \"phy:/dev/sda,xvda,w\", \"file:/x.img,xvdb,r\" ]\n"
                    "\n";
    assert_int_equal(parse(t, &c, err), 0);
    assert_string_equal(c.name, "web1");
    assert_int_equal(c.memory_mb, 64);
    assert_int_equal(c.maxmem_mb, 128);
    assert_int_equal(c.vcpus, 2);
    assert_string_equal(c.kernel, "vmlinux");
    assert_string_equal(c.ramdisk, "initrd.img");
    assert_string_equal(c.cmdline, "console=hvc0 root=/dev/xvda");
    assert_int_equal(c.on_crash, XL_PRESERVE);
    assert_int_equal(c.on_poweroff, XL_DESTROY);
    assert_int_equal(c.on_reboot, XL_RESTART);
    assert_int_equal(c.nr_disks, 2);
    assert_string_equal(c.disk[1], "file:/x.img,xvdb,r");
    assert_int_equal(xlcfg_finish(&c, err, sizeof(err)), 0);
}

static void defaults_and_overrides(void **state)
{
    (void)state;
    struct xlcfg c;
    char err[160] = "";
    assert_int_equal(parse("name=\"a\"\nkernel=\"k.elf\"", &c, err), 0);   /* no final newline */
    assert_int_equal(xlcfg_set(&c, "name=b2", err, sizeof(err)), 0);
    assert_int_equal(xlcfg_set(&c, "memory=32", err, sizeof(err)), 0);
    assert_int_equal(xlcfg_set(&c, "cmdline=\"x y\"", err, sizeof(err)), 0);
    assert_int_equal(xlcfg_finish(&c, err, sizeof(err)), 0);
    assert_string_equal(c.name, "b2");
    assert_int_equal(c.memory_mb, 32);
    assert_int_equal(c.vcpus, 1);
    assert_string_equal(c.cmdline, "x y");
    assert_int_not_equal(xlcfg_set(&c, "nonsense", err, sizeof(err)), 0);
    assert_string_equal(err, "expected key=value: nonsense");
}

static void expect_error(const char *text, const char *msg)
{
    struct xlcfg c;
    char err[160] = "";
    if (parse(text, &c, err) == 0 && xlcfg_finish(&c, err, sizeof(err)) == 0)
        fail_msg("accepted: %s", text);
    if (strcmp(err, msg))
        fail_msg("for %s: error \"%s\", expected \"%s\"", text, err, msg);
}

static void errors(void **state)
{
    (void)state;
    expect_error("name = \"a\"\ncolour = \"blue\"\n", "line 2: unknown key: colour");
    expect_error("name = \"a\nkernel=\"k\"\n", "line 1: unterminated string for: name");
    expect_error("memory = \"16\"\n", "line 1: expected a number for: memory");
    expect_error("name = a\n", "line 1: expected a \"quoted string\" for: name");
    expect_error("memory 16\n", "line 1: expected '=' after: memory");
    expect_error("memory = 16 17\n", "line 1: unexpected text after the value");
    expect_error("memory = 99999999999\n", "line 1: number too large for: memory");
    expect_error("on_crash = \"explode\"\n",
                 "line 1: expected \"destroy\", \"restart\" or \"preserve\" for: on_crash");
    expect_error("type = \"hvm\"\n", "line 1: only type = \"pvh\" is supported:: hvm");
    expect_error("disk = [ \"a\", \"b\", \"c\", \"d\", \"e\" ]\n", "line 1: too many entries in: disk");
    expect_error("disk = \"a\"\n", "line 1: expected a [ list ] for: disk");
    expect_error("= 3\n", "line 1: expected key = value");
    expect_error("kernel = \"k\"\n", "no name = \"...\"");
    expect_error("name = \"a\"\n", "no kernel = \"...\"");
    expect_error("name = \"a b\"\nkernel = \"k\"\n",
                 "name \"a b\": only printable characters, no spaces or []");
    expect_error("name = \"a\"\nkernel = \"k\"\nvcpus = 9\n", "vcpus = 9: at most 8");
    expect_error("name = \"a\"\nkernel = \"k\"\nmemory = 64\nmaxmem = 32\n",
                 "maxmem = 32 is below memory = 64");
    char longname[80];
    snprintf(longname, sizeof(longname), "name = \"%040d\"\n", 0);
    expect_error(longname, "line 1: value too long for: name");
}

/* Random mutations of a good file: never a crash or a read past the end. */
static void mutations(void **state)
{
    (void)state;
    const char *good = "name = \"web1\"\nmemory = 64\nkernel = \"vmlinux\"\n"
                       "disk = [ \"a\", \"b\" ]\non_crash = \"restart\"\n";
    uint64_t seed = 42;
    char buf[128], err[160];
    struct xlcfg c;
    size_t n = strlen(good);
    for (int i = 0; i < 20000; i++) {
        memcpy(buf, good, n);
        for (int k = 0; k < 3; k++)
            buf[unit_rand(&seed) % n] = (char)(unit_rand(&seed) & 0xff);
        size_t len = unit_rand(&seed) % (n + 1);
        char *g = guarded_copy(buf, len);
        (void)xlcfg_parse(g, len, &c, err, sizeof(err));
        guarded_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_config),
        cmocka_unit_test(defaults_and_overrides),
        cmocka_unit_test(errors),
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
