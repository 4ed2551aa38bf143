/* Host unit tests of kernel/cmdline.c: cmdline_parse and cmdline_get. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <keel/cmdline.h>
#include <keel/printk.h>

static struct keel_options o;

/* Parses a copy that ends at a guard page, so no read past the terminating NUL goes unseen. */
static int parse(const char *s)
{
    char *p = guarded_copy(s, strlen(s) + 1);
    memset(&o, 0x5a, sizeof(o));
    clear_log();
    int bad = cmdline_parse(p, &o);
    guarded_free(p);
    return bad;
}

static bool get(const char *s, const char *name, char *val, size_t len)
{
    char *p = guarded_copy(s, strlen(s) + 1);
    bool r = cmdline_get(p, name, val, len);
    guarded_free(p);
    return r;
}

static void assert_defaults_except(const char *which)
{
    if (strcmp(which, "console"))
        assert_string_equal(o.console, "com1");
    if (strcmp(which, "loglvl"))
        assert_int_equal(o.loglvl, LOG_INFO);
    if (strcmp(which, "smp"))
        assert_int_equal(o.smp, 0);
    if (strcmp(which, "selftest"))
        assert_string_equal(o.selftest, "");
    if (strcmp(which, "test_exit"))
        assert_false(o.test_exit);
    if (strcmp(which, "bench"))
        assert_false(o.bench);
}

/* ---- cmdline_parse ---- */

static void defaults(void **state)
{
    static const char *empties[] = { "", " ", "\t", "  \t \t  " };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(empties); i++) {
        assert_int_equal(parse(empties[i]), 0);
        assert_defaults_except("");
        assert_log_empty();
    }
}

static void console_option(void **state)
{
    (void)state;
    assert_int_equal(parse("console=com2"), 0);
    assert_string_equal(o.console, "com2");
    assert_defaults_except("console");
    assert_int_equal(parse("console=none"), 0);
    assert_string_equal(o.console, "none");
    assert_int_equal(parse("console=123456789012345"), 0);         /* 15: the most that fits */
    assert_string_equal(o.console, "123456789012345");
    assert_log_empty();
}

static void console_bad_values(void **state)
{
    static const char *bad[] = { "console=", "console", "console=1234567890123456" };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(parse(bad[i]), 1);
        assert_defaults_except("");
        assert_log_contains("bad value");
        assert_log_contains("for console");
    }
}

static void loglvl_by_name(void **state)
{
    static const struct { const char *s; int v; } m[] = {
        { "loglvl=err", LOG_ERR }, { "loglvl=warn", LOG_WARN },
        { "loglvl=info", LOG_INFO }, { "loglvl=debug", LOG_DEBUG },
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        assert_int_equal(parse(m[i].s), 0);
        assert_int_equal(o.loglvl, m[i].v);
        assert_defaults_except("loglvl");
    }
}

static void loglvl_by_number(void **state)
{
    char s[32];
    (void)state;
    for (int v = 0; v <= 3; v++) {
        snprintf(s, sizeof(s), "loglvl=%d", v);
        assert_int_equal(parse(s), 0);
        assert_int_equal(o.loglvl, v);
    }
    assert_int_equal(parse("loglvl=003"), 0);
    assert_int_equal(o.loglvl, 3);
}

static void loglvl_bad_values(void **state)
{
    static const char *bad[] = { "loglvl=4", "loglvl=-1", "loglvl=verbose", "loglvl=",
                                 "loglvl", "loglvl=DEBUG", "loglvl=2x", "loglvl=4294967299",
                                 "loglvl=infox" };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(parse(bad[i]), 1);
        assert_int_equal(o.loglvl, LOG_INFO);
        assert_log_contains("for loglvl");
    }
    assert_int_equal(parse("loglvl=verbose"), 1);
    assert_log_contains("bad value 'verbose' for loglvl");
}

static void smp_option(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=4"), 0);
    assert_int_equal(o.smp, 4);
    assert_defaults_except("smp");
    assert_int_equal(parse("smp=1"), 0);
    assert_int_equal(o.smp, 1);
    assert_int_equal(parse("smp=4294967295"), 0);
    assert_int_equal(o.smp, 4294967295u);
}

static void smp_bad_values(void **state)
{
    static const char *bad[] = { "smp=0", "smp=", "smp", "smp=abc", "smp=12x", "smp=-2",
                                 "smp=4294967296", "smp=99999999999999999999999", "smp= 2" };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int r = parse(bad[i]);
        if (!strcmp(bad[i], "smp= 2")) {
            /* two words: "smp=" (bad value) and "2" (unknown) */
            assert_int_equal(r, 2);
        } else {
            assert_int_equal(r, 1);
        }
        assert_int_equal(o.smp, 0);
        assert_log_contains("for smp");
    }
}

static void selftest_option(void **state)
{
    (void)state;
    assert_int_equal(parse("selftest=fault"), 0);
    assert_string_equal(o.selftest, "fault");
    assert_defaults_except("selftest");
    assert_int_equal(parse("selftest="), 1);
    assert_string_equal(o.selftest, "");
    assert_int_equal(parse("selftest=0123456789abcdef"), 1);      /* 16 does not fit */
    assert_string_equal(o.selftest, "");
    assert_log_contains("for selftest");
}

static void bool_option(const char *name, bool *field)
{
    static const char *yes[] = { "", "=1", "=on", "=yes", "=true" };
    static const char *no[] = { "=0", "=off", "=no", "=false" };
    static const char *bad[] = { "=2", "=maybe", "=", "=TRUE", "=onn" };
    char s[64];

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        snprintf(s, sizeof(s), "%s%s", name, yes[i]);
        assert_int_equal(parse(s), 0);
        assert_true(*field);
        assert_defaults_except(name);
    }
    for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
        snprintf(s, sizeof(s), "%s=1 %s%s", name, name, no[i]);
        assert_int_equal(parse(s), 0);
        assert_false(*field);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        snprintf(s, sizeof(s), "%s%s", name, bad[i]);
        if (!strcmp(bad[i], "=")) {
            /* "name=" is an empty value, which a flag takes as on, like the bare name */
            assert_int_equal(parse(s), 0);
            assert_true(*field);
            continue;
        }
        assert_int_equal(parse(s), 1);
        assert_false(*field);
        char want[64];
        snprintf(want, sizeof(want), "for %s", name);
        assert_log_contains(want);
    }
}

static void test_exit_option(void **state)
{
    (void)state;
    bool_option("test_exit", &o.test_exit);
}

static void bench_option(void **state)
{
    (void)state;
    bool_option("bench", &o.bench);
}

static void all_options_together(void **state)
{
    (void)state;
    assert_int_equal(parse("console=com2 loglvl=debug smp=2 selftest=fault test_exit bench=1"), 0);
    assert_string_equal(o.console, "com2");
    assert_int_equal(o.loglvl, LOG_DEBUG);
    assert_int_equal(o.smp, 2);
    assert_string_equal(o.selftest, "fault");
    assert_true(o.test_exit);
    assert_true(o.bench);
    assert_log_empty();
}

static void bad_value_keeps_earlier_value(void **state)
{
    (void)state;
    assert_int_equal(parse("loglvl=debug loglvl=bogus"), 1);
    assert_int_equal(o.loglvl, LOG_DEBUG);
    assert_int_equal(parse("console=com2 console="), 1);
    assert_string_equal(o.console, "com2");
    assert_int_equal(parse("selftest=fault selftest=waytoolongforthefield"), 1);
    assert_string_equal(o.selftest, "fault");
    assert_int_equal(parse("bench bench=perhaps"), 1);
    assert_true(o.bench);
    assert_int_equal(parse("smp=4 smp=x"), 1);
    assert_int_equal(o.smp, 4);
}

/*
 * Regression test (fixed bug, kernel/cmdline.c, cmdline_parse, the "smp" branch): `ok = parse_uint(val,
 * &o->smp) && o->smp > 0;` stores the value before rejecting 0, so "smp=4 smp=0" warns
 * "bad value '0' for smp; ignored" yet leaves smp = 0 (all CPUs) instead of 4.
 */
static void smp_zero_keeps_earlier_value(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=4 smp=0"), 1);
    assert_log_contains("bad value '0' for smp");
    assert_int_equal(o.smp, 4);
}

static void last_one_wins(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=2 loglvl=err smp=8 loglvl=warn console=com2 console=none"), 0);
    assert_int_equal(o.smp, 8);
    assert_int_equal(o.loglvl, LOG_WARN);
    assert_string_equal(o.console, "none");
}

static void unknown_options_counted(void **state)
{
    (void)state;
    assert_int_equal(parse("foo smp=2 bar=1 =3 SMP=4 smpx=5"), 5);
    assert_int_equal(o.smp, 2);
    assert_log_contains("unknown option 'foo'");
    assert_log_contains("unknown option 'bar'");
    assert_log_contains("unknown option ''");
    assert_log_contains("unknown option 'SMP'");
    assert_log_contains("unknown option 'smpx'");
    assert_int_equal(captured_messages(), 5);
}

static void unknown_and_bad_counted_together(void **state)
{
    (void)state;
    assert_int_equal(parse("nope smp=zero loglvl=9 bench=2 also_nope"), 5);
    assert_defaults_except("");
}

static void overlong_word(void **state)
{
    char s[400];
    (void)state;
    memset(s, 0, sizeof(s));
    strcpy(s, "smp=3 ");
    memset(s + 6, 'x', 200);
    strcpy(s + 206, " loglvl=err");
    assert_int_equal(parse(s), 1);
    assert_int_equal(o.smp, 3);
    assert_int_equal(o.loglvl, LOG_ERR);
    assert_log_contains("too long");
    assert_log_contains("'xxxxxxxxxxxxxxxxxxxx...'");    /* the first 20 characters */
}

static void overlong_known_option(void **state)
{
    char s[200];
    (void)state;
    strcpy(s, "console=");
    memset(s + 8, 'c', 150);
    s[158] = '\0';
    assert_int_equal(parse(s), 1);
    assert_string_equal(o.console, "com1");
    assert_log_contains("too long");
}

/* The word buffer is 128 bytes: 127 characters are one word, 128 are too long. */
static void word_length_limit(void **state)
{
    char s[200];
    (void)state;
    memset(s, 0, sizeof(s));
    memset(s, 'w', 127);
    assert_int_equal(parse(s), 1);
    assert_log_contains("unknown option");
    memset(s, 'w', 128);
    assert_int_equal(parse(s), 1);
    assert_log_contains("too long");
}

static void spaces_and_tabs(void **state)
{
    (void)state;
    assert_int_equal(parse("  smp=2\t\tloglvl=err   bench \t"), 0);
    assert_int_equal(o.smp, 2);
    assert_int_equal(o.loglvl, LOG_ERR);
    assert_true(o.bench);
    assert_int_equal(parse("\tselftest=fault\t"), 0);
    assert_string_equal(o.selftest, "fault");
}

static void value_with_equals(void **state)
{
    (void)state;
    assert_int_equal(parse("console=a=b"), 0);
    assert_string_equal(o.console, "a=b");
    assert_int_equal(parse("smp=2=3"), 1);
    assert_int_equal(o.smp, 0);
}

static void global_options_exist(void **state)
{
    (void)state;
    memset(&keel_opts, 0, sizeof(keel_opts));
    assert_int_equal(cmdline_parse("smp=6", &keel_opts), 0);
    assert_int_equal(keel_opts.smp, 6);
}

/* ---- cmdline_get ---- */

static void get_name_value(void **state)
{
    char v[64];
    (void)state;
    assert_true(get("a=1 dom0_mem=512M b", "dom0_mem", v, sizeof(v)));
    assert_string_equal(v, "512M");
    assert_true(get("dom0_mem=512M", "dom0_mem", v, sizeof(v)));
    assert_string_equal(v, "512M");
    assert_true(get("x\tkey=v=w\t", "key", v, sizeof(v)));
    assert_string_equal(v, "v=w");
}

static void get_bare_name(void **state)
{
    char v[16] = "untouched";
    (void)state;
    assert_true(get("quiet", "quiet", v, sizeof(v)));
    assert_string_equal(v, "");
    strcpy(v, "untouched");
    assert_true(get("a quiet b", "quiet", v, sizeof(v)));
    assert_string_equal(v, "");
    strcpy(v, "untouched");
    assert_true(get("key=", "key", v, sizeof(v)));
    assert_string_equal(v, "");
}

static void get_absent(void **state)
{
    char v[16] = "untouched";
    (void)state;
    assert_false(get("", "smp", v, sizeof(v)));
    assert_false(get("   ", "smp", v, sizeof(v)));
    assert_false(get("loglvl=info", "smp", v, sizeof(v)));
    assert_string_equal(v, "untouched");
}

static void get_no_prefix_match(void **state)
{
    char v[16] = "untouched";
    (void)state;
    assert_false(get("smpx=1", "smp", v, sizeof(v)));
    assert_false(get("smpx", "smp", v, sizeof(v)));
    assert_false(get("xsmp=1", "smp", v, sizeof(v)));
    assert_false(get("sm=1", "smp", v, sizeof(v)));
    assert_false(get("sm", "smp", v, sizeof(v)));
    assert_false(get("SMP=1", "smp", v, sizeof(v)));
    assert_string_equal(v, "untouched");
    assert_true(get("smpx=1 smp=2", "smp", v, sizeof(v)));
    assert_string_equal(v, "2");
}

static void get_last_one_wins(void **state)
{
    char v[16];
    (void)state;
    assert_true(get("smp=1 smp=2 smp=3", "smp", v, sizeof(v)));
    assert_string_equal(v, "3");
    assert_true(get("smp=1 smp", "smp", v, sizeof(v)));
    assert_string_equal(v, "");
    assert_true(get("smp=1 smpx=2", "smp", v, sizeof(v)));
    assert_string_equal(v, "1");
}

static void get_truncates(void **state)
{
    char v[8];
    (void)state;
    memset(v, '#', sizeof(v));
    assert_true(get("k=abcdefghij", "k", v, 4));
    assert_string_equal(v, "abc");
    assert_int_equal(v[4], '#');              /* nothing past len written */
    assert_true(get("k=abcdefg", "k", v, 8));
    assert_string_equal(v, "abcdefg");
    assert_true(get("k=abcdefgh", "k", v, 8));
    assert_string_equal(v, "abcdefg");
    assert_true(get("k=xyz", "k", v, 1));
    assert_string_equal(v, "");
}

static void get_len_zero(void **state)
{
    char v[4] = "abc";
    (void)state;
    assert_true(get("k=xyz", "k", v, 0));
    assert_string_equal(v, "abc");
    assert_true(get("k=xyz", "k", NULL, 0));
}

/* The output buffer exactly `len` bytes long and followed by a guard page. */
static void get_exact_buffer(void **state)
{
    char zero[5] = { 0 };
    (void)state;
    char *v = guarded_copy(zero, sizeof(zero));
    assert_true(get("name=0123456789", "name", v, sizeof(zero)));
    assert_string_equal(v, "0123");
    guarded_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(console_option),
        cmocka_unit_test(console_bad_values),
        cmocka_unit_test(loglvl_by_name),
        cmocka_unit_test(loglvl_by_number),
        cmocka_unit_test(loglvl_bad_values),
        cmocka_unit_test(smp_option),
        cmocka_unit_test(smp_bad_values),
        cmocka_unit_test(selftest_option),
        cmocka_unit_test(test_exit_option),
        cmocka_unit_test(bench_option),
        cmocka_unit_test(all_options_together),
        cmocka_unit_test(bad_value_keeps_earlier_value),
        cmocka_unit_test(smp_zero_keeps_earlier_value),
        cmocka_unit_test(last_one_wins),
        cmocka_unit_test(unknown_options_counted),
        cmocka_unit_test(unknown_and_bad_counted_together),
        cmocka_unit_test(overlong_word),
        cmocka_unit_test(overlong_known_option),
        cmocka_unit_test(word_length_limit),
        cmocka_unit_test(spaces_and_tabs),
        cmocka_unit_test(value_with_equals),
        cmocka_unit_test(global_options_exist),
        cmocka_unit_test(get_name_value),
        cmocka_unit_test(get_bare_name),
        cmocka_unit_test(get_absent),
        cmocka_unit_test(get_no_prefix_match),
        cmocka_unit_test(get_last_one_wins),
        cmocka_unit_test(get_truncates),
        cmocka_unit_test(get_len_zero),
        cmocka_unit_test(get_exact_buffer),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
