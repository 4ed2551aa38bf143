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
#define NPT_PWT  (1ull << 3)
#define NPT_PCD  (1ull << 4)
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
    if (perms & P2M_UC)
        e |= NPT_PCD | NPT_PWT;         /* PAT entry 3: UC with the reset PAT */
    return e;
}

static uint64_t npt_table(paddr_t next) { return next | NPT_P | NPT_RW | NPT_US; }

struct p2m_format npt_format = {
    .leaf = npt_leaf,
    .table = npt_table,
    .present_mask = NPT_P,
    .large_bit = NPT_PS,
    .addr_mask = NPT_ADDR,
    .owned_bit = NPT_OWNED,
    .r_bit = 0,                       /* present means readable */
    .w_bit = NPT_RW,
    .x_bit = NPT_NX,
    .x_is_nx = true,
    .huge_1g = false,                 /* set from CPUID by svm_global_init */
};
