/*
 * Access to the pages Keel shares with a guest — shared_info, vcpu_info — through the
 * hypervisor's direct map. The guest writes them concurrently, so every bit Keel changes
 * there is changed with an atomic read-modify-write, on 32-bit words (the bitmaps are
 * little-endian arrays of machine words, so bit n is bit n % 32 of word n / 32 whatever
 * the guest's word size). Offsets depend on the layout the domain latched (d->xen.compat).
 */
#ifndef KEEL_XEN_SHARED_H
#define KEEL_XEN_SHARED_H

#include <keel/domain.h>

static inline uint32_t *xbit_word(uint8_t *base, unsigned bit)
{
    return (uint32_t *)(void *)base + bit / 32;
}

static inline bool xbit_test(uint8_t *base, unsigned bit)
{
    return __atomic_load_n(xbit_word(base, bit), __ATOMIC_SEQ_CST) & (1u << (bit % 32));
}

/* Returns the old value of the bit. */
static inline bool xbit_test_and_set(uint8_t *base, unsigned bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_or(xbit_word(base, bit), m, __ATOMIC_SEQ_CST) & m;
}

static inline bool xbit_test_and_clear(uint8_t *base, unsigned bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_and(xbit_word(base, bit), ~m, __ATOMIC_SEQ_CST) & m;
}

static inline uint8_t *shinfo_pending(const struct domain *d)
{
    return d->xen.shared_info + SHINFO_EVTCHN_PENDING_OFFSET;
}

static inline uint8_t *shinfo_mask(const struct domain *d)
{
    return d->xen.shared_info +
           (d->xen.compat ? COMPAT_SHINFO_EVTCHN_MASK_OFFSET : SHINFO_EVTCHN_MASK_OFFSET);
}

/* The selector word of a vcpu_info: 8 bytes at 8 (64-bit) or 4 bytes at 4 (32-bit). */
static inline uint8_t *vcpu_info_sel(const struct domain *d, uint8_t *vi)
{
    return vi + (d->xen.compat ? COMPAT_VCPU_INFO_SEL_OFFSET : 8);
}

/* Ports per selector bit: the guest's word size. */
static inline unsigned evtchn_word_bits(const struct domain *d)
{
    return d->xen.compat ? 32 : 64;
}

/* Ports the guest's bitmaps can address. */
static inline unsigned evtchn_abi_ports(const struct domain *d)
{
    return d->xen.compat ? COMPAT_EVTCHN_2L_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS;
}

#endif
