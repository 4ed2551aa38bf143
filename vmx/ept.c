/*
 * The EPT entry format for the generic p2m (SDM "EPT Translation Mechanism"):
 *  - bits 0-2: read, write, execute. An entry with all three clear is not present; one
 *    that is writable but not readable is a misconfiguration, so every present leaf is
 *    readable (as NPT leaves are).
 *  - leaves: memory type in bits 3-5 (write-back: guest RAM is ordinary memory; the
 *    guest's own PAT still combines with it), bit 7 for 2 MiB / 1 GiB leaves.
 *  - tables: R/W/X all set (the leaf decides), bits 3-7 zero.
 *  - bit 52: software "owned" mark. Bits 52-56 are ignored by the CPU in every EPT
 *    paging-structure entry (57+ may mean something with newer features; 63 is "suppress
 *    #VE" only when EPT-violation #VE is enabled, which Keel does not enable).
 * Accessed/dirty flags (bits 8/9) are enabled in the EPTP when the CPU offers them (for
 * dirty tracking later); the p2m never reads or writes those two bits, so the CPU
 * setting them changes nothing for it.
 */
#include "vmx.h"

#define EPT_R       (1ull << 0)
#define EPT_W       (1ull << 1)
#define EPT_X       (1ull << 2)
#define EPT_RWX     (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_LARGE   (1ull << 7)
#define EPT_OWNED   (1ull << 52)
#define EPT_ADDR    0x000ffffffffff000ull

static uint64_t ept_leaf(paddr_t hpa, unsigned perms, int level, bool owned)
{
    /* Device MMIO is uncached whatever the guest's PAT says: UC in EPT wins. */
    uint64_t mt = (perms & P2M_UC) ? MEMTYPE_UC : MEMTYPE_WB;
    uint64_t e = hpa | EPT_R | (mt << EPT_MT_SHIFT);
    if (perms & P2M_W)
        e |= EPT_W;
    if (perms & P2M_X)
        e |= EPT_X;
    if (level > 1)
        e |= EPT_LARGE;
    if (owned)
        e |= EPT_OWNED;
    return e;
}

static uint64_t ept_table(paddr_t next) { return next | EPT_RWX; }

struct p2m_format ept_format = {
    .leaf = ept_leaf,
    .table = ept_table,
    .present_mask = EPT_RWX,
    .large_bit = EPT_LARGE,
    .addr_mask = EPT_ADDR,
    .owned_bit = EPT_OWNED,
    .r_bit = EPT_R,
    .w_bit = EPT_W,
    .x_bit = EPT_X,
    .x_is_nx = false,
    .huge_1g = false,     /* set from IA32_VMX_EPT_VPID_CAP by vmx_global_init */
};
