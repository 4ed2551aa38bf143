/* Small string helpers for keel.efi (it has no C library). Pure. */
#include "keel_efi.h"

size_t kefi_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t kefi_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int kefi_memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

void kefi_cat(char *buf, size_t len, const char *s)
{
    size_t n = kefi_strnlen(buf, len);
    if (n >= len)
        return;
    while (*s && n + 1 < len)
        buf[n++] = *s++;
    buf[n] = '\0';
}

static void cat_num(char *buf, size_t len, uint64_t v, unsigned base)
{
    char tmp[24];
    int i = (int)sizeof(tmp) - 1;
    tmp[i] = '\0';
    do {
        tmp[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && i > 0);
    kefi_cat(buf, len, tmp + i);
}

void kefi_cat_dec(char *buf, size_t len, uint64_t v)
{
    cat_num(buf, len, v, 10);
}

void kefi_cat_hex(char *buf, size_t len, uint64_t v)
{
    kefi_cat(buf, len, "0x");
    cat_num(buf, len, v, 16);
}

bool kefi_has_word(const char *s, const char *word)
{
    size_t n = kefi_strlen(word);
    while (*s) {
        while (*s == ' ')
            s++;
        size_t len = 0;
        while (s[len] && s[len] != ' ')
            len++;
        if (len == n && !kefi_memcmp(s, word, n))
            return true;
        s += len;
    }
    return false;
}
