/* What guest-xen-granter and guest-xen-grantee agree on: the refs and the page layout. */
#ifndef GRANT_PAIR_H
#define GRANT_PAIR_H

#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>

#define PAIR_REF_PAGE   8          /* the shared page, writable */
#define PAIR_REF_BUF    16         /* 256 read-only refs: the 1 MiB buffer */
#define PAIR_MAGIC      0x544e5247u
#define MS              1000000ull

struct pair_page {
    volatile uint32_t magic;       /* granter: the page is ready */
    volatile uint32_t ack;         /* granter: saw the mapping, tried to revoke */
    volatile uint32_t done;        /* grantee: pattern and checksum written */
    volatile uint32_t checksum;    /* grantee: of the 1 MiB it copied */
    volatile uint8_t pattern[256];
};

/* Sleeps 1 ms at a time until cond holds or 20 s have passed; true if it held. cond is
 * evaluated once per try (it may be a hypercall). */
#define pair_wait(cond) ({                                              \
    uint64_t give_up_ = xen_clock_ns(0) + 20000 * MS;                   \
    int ok_;                                                            \
    while (!(ok_ = !!(cond)) && xen_clock_ns(0) < give_up_) {           \
        uint32_t none_ = 1000;                                          \
        xen_sched_poll(&none_, 1, xen_clock_ns(0) + MS);                \
    }                                                                   \
    ok_; })

/* The 1 MiB buffer's contents and checksum (the same generator on both sides). */
static inline uint32_t pair_checksum(const volatile uint8_t *p, unsigned long n)
{
    uint32_t s = 0;
    for (unsigned long i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

#endif
