/*
 * Host unit tests of kernel/vsnprintf.c, built with its functions renamed keel_vsnprintf
 * and keel_snprintf (see unit.mk), compared with the host C library's snprintf for every
 * format the project's formatter documents (include/keel/printk.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "unit.h"

/* Some tests feed formats on purpose that the compiler's format checker frowns upon. */
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#define ODD_FORMATS_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wformat\"")
#define ODD_FORMATS_END   _Pragma("GCC diagnostic pop")

int keel_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int keel_snprintf(char *buf, size_t size, const char *fmt, ...);

static void compare(const char *fmt, const char *keel, int kn, const char *host, int hn,
                    int line)
{
    if (kn != hn || strcmp(keel, host))
        fail_msg("line %d: format \"%s\": keel gave \"%s\" (%d), host gave \"%s\" (%d)",
                 line, fmt, keel, kn, host, hn);
}

/* Formats with both and compares text and return value. */
#define SAME(fmt, ...)                                                                  \
    do {                                                                                \
        char kb_[512], hb_[512];                                                        \
        int kn_ = keel_snprintf(kb_, sizeof(kb_), fmt, ##__VA_ARGS__);                  \
        int hn_ = snprintf(hb_, sizeof(hb_), fmt, ##__VA_ARGS__);                       \
        compare(fmt, kb_, kn_, hb_, hn_, __LINE__);                                     \
    } while (0)

/* Formats with keel only and checks against a literal. */
#define GIVES(want, fmt, ...)                                                           \
    do {                                                                                \
        char kb_[512];                                                                  \
        int kn_ = keel_snprintf(kb_, sizeof(kb_), fmt, ##__VA_ARGS__);                  \
        compare(fmt, kb_, kn_, want, (int)strlen(want), __LINE__);                      \
    } while (0)

static void plain_text(void **state)
{
    (void)state;
    SAME("");
    SAME("hello, world");
    SAME("100%% sure");
    SAME("%%");
    SAME("%%%%d");
    SAME("a\tb\nc");
}

static void signed_decimal(void **state)
{
    (void)state;
    SAME("%d", 0);
    SAME("%d", 42);
    SAME("%d", -42);
    SAME("%i", 12345);
    SAME("%i", -7);
    SAME("%d", INT_MAX);
    SAME("%d", INT_MIN);
    SAME("[%d|%d|%d]", 1, -2, 3);
}

static void unsigned_conversions(void **state)
{
    (void)state;
    SAME("%u", 0u);
    SAME("%u", 3000000000u);
    SAME("%u", UINT_MAX);
    SAME("%x", 0u);
    SAME("%x", 0xdeadbeefu);
    SAME("%X", 0xdeadbeefu);
    SAME("%x", UINT_MAX);
    SAME("%o", 0u);
    SAME("%o", 8u);
    SAME("%o", 0755u);
    SAME("%o", UINT_MAX);
    SAME("%u", (unsigned)-1);
}

static void char_conversion(void **state)
{
    (void)state;
    SAME("%c", 'a');
    SAME("[%c%c%c]", 'x', 'y', 'z');
    SAME("%c", 0xff);
    SAME("%c", 0x141);           /* converted to unsigned char */
    /* a NUL character counts and is written */
    char kb[8], hb[8];
    memset(kb, 1, sizeof(kb));
    memset(hb, 1, sizeof(hb));
    int kn = keel_snprintf(kb, sizeof(kb), "a%cb", 0);
    int hn = snprintf(hb, sizeof(hb), "a%cb", 0);
    assert_int_equal(kn, 3);
    assert_int_equal(hn, 3);
    assert_memory_equal(kb, hb, 4);
}

static void string_conversion(void **state)
{
    (void)state;
    SAME("%s", "");
    SAME("%s", "abc");
    SAME("<%s|%s>", "one", "two");
    SAME("%s%%%s", "x", "y");
}

static void null_string(void **state)
{
    const char *volatile nul = NULL;      /* volatile: keeps the compiler out of it */
    (void)state;
    GIVES("(null)", "%s", nul);
    GIVES("[(null)]", "[%s]", nul);
    GIVES("  (null)", "%8s", nul);
    GIVES("(nu", "%.3s", nul);
}

static void pointer_conversion(void **state)
{
    int x;
    (void)state;
    SAME("%p", (void *)&x);
    SAME("%p", (void *)0x1);
    SAME("%p", (void *)0xffffffff80000000ull);
    SAME("%p", (void *)UINTPTR_MAX);
    SAME("%20p|", (void *)0x1234);
    SAME("%-20p|", (void *)0x1234);
    /* glibc prints "(nil)"; Keel prints the number */
    GIVES("0x0", "%p", (void *)0);
}

static void widths_and_flags(void **state)
{
    (void)state;
    SAME("%5d|", 42);
    SAME("%5d|", -42);
    SAME("%-5d|", 42);
    SAME("%-5d|", -42);
    SAME("%05d|", 42);
    SAME("%05d|", -42);
ODD_FORMATS_BEGIN
    SAME("%-05d|", 42);           /* '-' overrides '0' */
    SAME("%0-5d|", 42);
ODD_FORMATS_END
    SAME("%1d|", 12345);          /* width smaller than the number */
    SAME("%2d|", -1);
    SAME("%20d|", INT_MIN);
    SAME("%020d|", INT_MIN);
    SAME("%8x|", 0xabcu);
    SAME("%08x|", 0xabcu);
    SAME("%-8X|", 0xabcu);
    SAME("%016llx|", 0xfee00000ull);
    SAME("%3u|%-3u|%03u", 7u, 8u, 9u);
    SAME("%6o|", 8u);
    SAME("%06o|", 8u);
    SAME("%5s|", "ab");
    SAME("%-5s|", "ab");
    SAME("%2s|", "abcdef");
    SAME("%*d|", 6, 42);
    SAME("%-*d|", 6, 42);
    SAME("%*s|", 4, "a");
    SAME("%100d|", 1);
}

static void alternate_form(void **state)
{
    (void)state;
    SAME("%#x", 0x1fu);
    SAME("%#X", 0x1fu);
    SAME("%#o", 8u);
    SAME("%#o", 0u);
    SAME("%#08x|", 0x1fu);
    SAME("%#10x|", 0x1fu);
    SAME("%#-10x|", 0x1fu);
    SAME("%#lx", 0xffffffff80000000ul);
    SAME("%#llX", 0xabcdefull);
    SAME("%#06o|", 8u);
}

static void string_precision(void **state)
{
    (void)state;
    SAME("%.2s|", "abcdef");
    SAME("%.0s|", "abcdef");
    SAME("%.10s|", "abc");
    SAME("%10.3s|", "abcdef");
    SAME("%-10.3s|", "abcdef");
    SAME("%.*s|", 4, "abcdefgh");
    SAME("%.*s|", -1, "abcdefgh");        /* a negative precision is no precision */
    SAME("%.3s|", "ab");
    /* the precision bounds the read: the string need not be terminated */
    char unterminated[4] = { 'w', 'x', 'y', 'z' };
    char *g = guarded_copy(unterminated, sizeof(unterminated));
    SAME("%.4s|", g);
    SAME("%.2s|", g);
    guarded_free(g);
}

static void length_modifiers(void **state)
{
    (void)state;
    SAME("%ld", 0L);
    SAME("%ld", LONG_MAX);
    SAME("%ld", LONG_MIN);
    SAME("%li", -1L);
    SAME("%lu", ULONG_MAX);
    SAME("%lx", ULONG_MAX);
    SAME("%lX", 0xabcdef0123456789ul);
    SAME("%lo", ULONG_MAX);
    SAME("%lld", 0LL);
    SAME("%lld", LLONG_MAX);
    SAME("%lld", LLONG_MIN);
    SAME("%lli", -123456789012345LL);
    SAME("%llu", ULLONG_MAX);
    SAME("%llx", ULLONG_MAX);
    SAME("%llo", ULLONG_MAX);
    SAME("%zu", (size_t)0);
    SAME("%zu", SIZE_MAX);
    SAME("%zx", SIZE_MAX);
    SAME("%zd", (ssize_t)-5);
    SAME("%zd", (ssize_t)SSIZE_MAX);
    SAME("%d %ld %lld %u %lu %llu", -1, -2L, -3LL, 4u, 5ul, 6ull);
    SAME("%-22lld|", LLONG_MIN);
    SAME("%025llu|", ULLONG_MAX);
    /* the argument size is honoured: an int is not read as a long */
    SAME("%d %lld %d", -1, (long long)INT_MAX + 1, 7);
}

/* Keel's choices where C leaves the result undefined or where Keel has no equivalent. */
static void keel_specific(void **state)
{
    (void)state;
ODD_FORMATS_BEGIN
    GIVES("abc", "abc%");                /* a lone % at the end prints nothing */
    GIVES("x", "x%-");
    GIVES("x", "x%5");
    GIVES("x", "x%l");
    GIVES("%q", "%q");                   /* an unknown conversion shows as written */
    GIVES("%y1", "%y%d", 1);
ODD_FORMATS_END
}

/* ---- truncation and return value ---- */

static void size_zero(void **state)
{
    char buf[4] = "zzz";
    (void)state;
    assert_int_equal(keel_snprintf(buf, 0, "hello %d", 1234), 10);
    assert_string_equal(buf, "zzz");      /* untouched */
    assert_int_equal(keel_snprintf(NULL, 0, "hello %s", "world"), 11);
}

static void size_one(void **state)
{
    char buf[4] = "zzz";
    (void)state;
    assert_int_equal(keel_snprintf(buf, 1, "hello"), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'z');
    assert_int_equal(keel_snprintf(buf, 1, ""), 0);
    assert_int_equal(buf[0], '\0');
}

static void exact_fit(void **state)
{
    char buf[16];
    (void)state;
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(keel_snprintf(buf, 6, "%s", "hello"), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(buf[6], 'z');
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(keel_snprintf(buf, 5, "%s", "hello"), 5);
    assert_string_equal(buf, "hell");
    assert_int_equal(buf[5], 'z');
}

/* Every output size from 0 to past the end, against the host, with a guard page right
 * after the buffer: never a byte written past `size`, always terminated, same result. */
static void truncation_every_size(void **state)
{
    static const char fmt[] = "%s=%08x %-6d|%lld %p %c%%";
    char full[256];
    (void)state;
    int n = snprintf(full, sizeof(full), fmt, "key", 0xbeefu, -12, LLONG_MIN, (void *)0x1000, 'Q');
    assert_true(n > 0 && n < (int)sizeof(full));
    for (size_t size = 0; size <= (size_t)n + 2; size++) {
        char host[256];
        memset(host, 0x7e, sizeof(host));
        int hn = snprintf(host, size, fmt, "key", 0xbeefu, -12, LLONG_MIN, (void *)0x1000, 'Q');
        char init[256];
        memset(init, 0x7e, sizeof(init));
        char *g = guarded_copy(init, size);
        int kn = keel_snprintf(size ? g : NULL, size, fmt, "key", 0xbeefu, -12, LLONG_MIN,
                               (void *)0x1000, 'Q');
        assert_int_equal(kn, n);
        assert_int_equal(hn, n);
        if (size)
            assert_memory_equal(g, host, size);
        guarded_free(g);
    }
}

static void return_value_is_full_length(void **state)
{
    char buf[8];
    (void)state;
    assert_int_equal(keel_snprintf(buf, sizeof(buf), "%1000d", 5), 1000);
    assert_string_equal(buf, "       ");
    assert_int_equal(keel_snprintf(buf, sizeof(buf), "%s%s%s", "0123456789", "abc", "de"), 15);
    assert_string_equal(buf, "0123456");
    assert_int_equal(keel_snprintf(buf, sizeof(buf), "%llu", ULLONG_MAX), 20);
    assert_string_equal(buf, "1844674");
}

static int via_va_list(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = keel_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void vsnprintf_entry(void **state)
{
    char buf[32];
    (void)state;
    assert_int_equal(via_va_list(buf, sizeof(buf), "%s-%d-%x", "v", -3, 255u), 7);
    assert_string_equal(buf, "v--3-ff");
}

/*
 * Regression test (fixed bug, kernel/vsnprintf.c, case 'x'/'X'): the "0x" prefix of '#' is added for 0 too,
 * "%#x" of 0 gives "0x0"; C (and the octal case right above it, `alt && u`) gives "0".
 */
static void alternate_form_zero(void **state)
{
    (void)state;
    SAME("%#x", 0u);
    SAME("%#X", 0u);
    SAME("%#5x|", 0u);
}

/*
 * Regression test (fixed bug, kernel/vsnprintf.c, case 'c'): width and '-' are ignored for %c although
 * printk.h documents width for every conversion: "%3c" of 'a' gives "a", not "  a".
 */
static void char_width(void **state)
{
    (void)state;
    SAME("%3c|", 'a');
    SAME("%-3c|", 'a');
}

/*
 * Regression test (fixed bug, kernel/vsnprintf.c, width from '*'): a negative width argument means '-' and
 * its absolute value in C; Keel drops the padding: "%*d" with -5, 42 gives "42", not "42   ".
 */
static void negative_star_width(void **state)
{
    (void)state;
    SAME("%*d|", -5, 42);
    SAME("%*s|", -4, "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_text),
        cmocka_unit_test(signed_decimal),
        cmocka_unit_test(unsigned_conversions),
        cmocka_unit_test(char_conversion),
        cmocka_unit_test(string_conversion),
        cmocka_unit_test(null_string),
        cmocka_unit_test(pointer_conversion),
        cmocka_unit_test(widths_and_flags),
        cmocka_unit_test(alternate_form),
        cmocka_unit_test(string_precision),
        cmocka_unit_test(length_modifiers),
        cmocka_unit_test(keel_specific),
        cmocka_unit_test(size_zero),
        cmocka_unit_test(size_one),
        cmocka_unit_test(exact_fit),
        cmocka_unit_test(truncation_every_size),
        cmocka_unit_test(return_value_is_full_length),
        cmocka_unit_test(vsnprintf_entry),
        cmocka_unit_test(alternate_form_zero),
        cmocka_unit_test(char_width),
        cmocka_unit_test(negative_star_width),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
