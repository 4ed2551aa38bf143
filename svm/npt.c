/*
 * The nested page table format for the generic p2m: ordinary x86-64 long-mode entries.
 * Every level needs the U bit (guest accesses count as user accesses in the nested walk),
 * execute permission is the absence of NX, and bit 52 (ignored by hardware) marks frames
 * the domain owns.
 */
#include <keel/hvm.h>
#include "svm.h"

#define NPT_P    (1ull << 0)
#define NPT_RW   (1ull << 1)
#define NPT_US   (1ull << 2)
#define NPT_PS   (1ull << 7)
#define NPT_OWNED (1ull << 52)
#define NPT_NX   (1ull << 63)
#define NPT_ADDR 0x000ffffffffff000ull

static uint64_t npt_leaf(paddr_t hpa, unsigned perms, int level, bool owned)
{
    uint64_t e = hpa | NPT_P | NPT_US;     /* readable whenever present */
    if (perms & P2M_W)
        e |= NPT_RW;
    if (!(perms & P2M_X))
        e |= NPT_NX;
    if (level > 1)
        e |= NPT_PS;
    if (owned)
        e |= NPT_OWNED;
    return e;
}

static uint64_t npt_table(paddr_t next) { return next | NPT_P | NPT_RW | NPT_US; }
static bool npt_present(uint64_t e) { return e & NPT_P; }
static bool npt_is_leaf(uint64_t e, int level) { return level == 1 || (level <= 3 && (e & NPT_PS)); }

static paddr_t npt_addr(uint64_t e, int level)
{
    /* In large leaves bit 12 is the PAT bit, not an address bit. */
    uint64_t a = e & NPT_ADDR;
    return npt_is_leaf(e, level) && level > 1 ? a & ~((1ull << (12 + 9 * (level - 1))) - 1) : a;
}

static unsigned npt_perms(uint64_t e)
{
    return P2M_R | ((e & NPT_RW) ? P2M_W : 0) | ((e & NPT_NX) ? 0 : P2M_X);
}

static bool npt_owned(uint64_t e) { return e & NPT_OWNED; }

struct p2m_format npt_format = {
    .leaf = npt_leaf, .table = npt_table, .present = npt_present, .is_leaf = npt_is_leaf,
    .addr = npt_addr, .perms = npt_perms, .owned = npt_owned, .huge_1g = false,   /* set from CPUID by svm_init */
};
