/*
 * Guest memory access. The hypervisor never dereferences a guest pointer: every access is
 * translated page by page (guest page tables for virtual addresses, then the p2m) with
 * permission checks, and copied through the hypervisor's direct map of the host frame.
 */
#include <keel/domain.h>
#include <keel/hvm.h>
#include <keel/string.h>
#include <arch/paging.h>
#include <arch/cpu.h>
#include <public/xen.h>

enum copy_dir { TO_GUEST, FROM_GUEST, CLEAR_GUEST };

/* `c`: a vCPU's lookup cache, or NULL. */
static int phys_copy(struct domain *d, struct p2m_cache *c, uint64_t gpa, void *buf, size_t len,
                     enum copy_dir dir)
{
    uint8_t *b = buf;
    while (len) {
        paddr_t hpa;
        unsigned perms;
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & ~PAGE_MASK));
        if (c ? !p2m_lookup_cached(&d->p2m, c, gpa, &hpa, &perms)
              : !p2m_lookup(&d->p2m, gpa, &hpa, &perms))
            return -XEN_EFAULT;
        if (dir == FROM_GUEST ? !(perms & P2M_R) : !(perms & P2M_W))
            return -XEN_EFAULT;
        void *h = phys_to_virt(hpa);
        if (dir == TO_GUEST)
            memcpy(h, b, chunk);
        else if (dir == FROM_GUEST)
            memcpy(b, h, chunk);
        else
            memset(h, 0, chunk);
        if (b)
            b += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return phys_copy(d, NULL, gpa, (void *)src, len, TO_GUEST);
}

int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return phys_copy(d, NULL, gpa, dst, len, FROM_GUEST);
}

int clear_guest_phys(struct domain *d, uint64_t gpa, size_t len)
{
    return phys_copy(d, NULL, gpa, NULL, len, CLEAR_GUEST);
}

/* Reads one guest page-table entry (8 or 4 bytes, naturally aligned, so never across a
 * page) at a guest-physical address. */
static bool read_pte(struct vcpu *v, uint64_t gpa, bool wide, uint64_t *e)
{
    paddr_t hpa;
    unsigned perms;
    if (!p2m_lookup_cached(&v->dom->p2m, &v->p2m_cache, gpa, &hpa, &perms) || !(perms & P2M_R))
        return false;
    *e = wide ? READ_ONCE(*(uint64_t *)phys_to_virt(hpa)) : READ_ONCE(*(uint32_t *)phys_to_virt(hpa));
    return true;
}

#define GPTE_P  (1ull << 0)
#define GPTE_W  (1ull << 1)
#define GPTE_PS (1ull << 7)
#define GPTE_ADDR 0x000ffffffffff000ull

bool guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    uint64_t cr0 = hvm->get_reg(v, GREG_CR0), cr4 = hvm->get_reg(v, GREG_CR4);
    uint64_t efer = hvm->get_reg(v, GREG_EFER), cr3 = hvm->get_reg(v, GREG_CR3);
    bool wp = cr0 & CR0_WP;
    uint64_t e;

    if (!(cr0 & CR0_PG)) {
        *gpa = gva & 0xffffffffull;
        return true;
    }
    if (efer & EFER_LMA) {
        if (cr4 & (1ul << 12))          /* LA57: five levels, not supported yet */
            return false;
        /* Canonical check: bits 63..47 all equal. */
        if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
            return false;
        uint64_t t = cr3 & GPTE_ADDR;
        for (int l = 4; l >= 1; l--) {
            if (!read_pte(v, t + ((gva >> (12 + 9 * (l - 1))) & 511) * 8, true, &e) || !(e & GPTE_P))
                return false;
            if (write && wp && !(e & GPTE_W))
                return false;
            if (l == 1 || (l <= 3 && (e & GPTE_PS))) {
                uint64_t size = 1ull << (12 + 9 * (l - 1));
                *gpa = (e & GPTE_ADDR & ~(size - 1)) | (gva & (size - 1));
                return true;
            }
            t = e & GPTE_ADDR;
        }
        return false;
    }
    gva &= 0xffffffffull;
    if (cr4 & CR4_PAE) {
        /* PAE: four PDPTEs at CR3[31:5], then two levels of 8-byte entries. */
        if (!read_pte(v, (cr3 & 0xffffffe0ull) + (gva >> 30) * 8, true, &e) || !(e & GPTE_P))
            return false;
        uint64_t t = e & GPTE_ADDR;
        for (int l = 2; l >= 1; l--) {
            if (!read_pte(v, t + ((gva >> (12 + 9 * (l - 1))) & 511) * 8, true, &e) || !(e & GPTE_P))
                return false;
            if (write && wp && !(e & GPTE_W))
                return false;
            if (l == 1 || (e & GPTE_PS)) {
                uint64_t size = 1ull << (12 + 9 * (l - 1));
                *gpa = (e & GPTE_ADDR & ~(size - 1)) | (gva & (size - 1));
                return true;
            }
            t = e & GPTE_ADDR;
        }
        return false;
    }
    /* Legacy 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
    if (!read_pte(v, (cr3 & 0xfffff000ull) + (gva >> 22) * 4, false, &e) || !(e & GPTE_P))
        return false;
    if (write && wp && !(e & GPTE_W))
        return false;
    if ((e & GPTE_PS) && (cr4 & (1ul << 4))) {
        *gpa = (e & 0xffc00000ull) | (gva & 0x3fffff);
        return true;
    }
    if (!read_pte(v, (e & 0xfffff000ull) + ((gva >> 12) & 1023) * 4, false, &e) || !(e & GPTE_P))
        return false;
    if (write && wp && !(e & GPTE_W))
        return false;
    *gpa = (e & 0xfffff000ull) | (gva & 0xfff);
    return true;
}

static int virt_copy(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool to_guest)
{
    uint8_t *b = buf;
    while (len) {
        uint64_t gpa;
        size_t chunk = MIN(len, PAGE_SIZE - (gva & ~PAGE_MASK));
        if (!guest_translate(v, gva, to_guest, &gpa))
            return -XEN_EFAULT;
        int r = phys_copy(v->dom, &v->p2m_cache, gpa, b, chunk, to_guest ? TO_GUEST : FROM_GUEST);
        if (r)
            return r;
        b += chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return virt_copy(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return virt_copy(v, gva, (void *)src, len, true);
}
