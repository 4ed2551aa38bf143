/*
 * Intel VT-d DMA remapping, from the ACPI DMAR table (numbers from Intel's "Virtualization
 * Technology for Directed I/O" specification). Legacy-mode tables: a root table (one
 * entry per bus) pointing at context tables (one 16-byte entry per device and function);
 * a present context entry sends the device's untranslated requests through a domain's
 * second-level page tables (built by drivers/iommu.c in the format below). A device
 * without a present context entry is blocked: its DMA faults. Every DRHD unit is enabled
 * with the same tables, so a device is confined whichever unit it sits behind.
 * Invalidation in drivers/vtd_inval.c, interrupt remapping in drivers/vtd_irq.c; faults
 * (DMA and interrupt) are read from the fault recording registers, polled (the fault
 * event interrupt stays masked).
 */
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <arch/acpi.h>
#include <arch/paging.h>
#include "iommu_unit.h"
#include "vtd.h"

#define CAP_PLMR_PHMR   (3ull << 5)
#define CAP_SAGAW(c)    (((c) >> 8) & 0x1f)     /* bit 1: 3-level (39-bit), bit 2: 4-level */
#define CAP_FRO(c)      ((unsigned)((c) >> 24) & 0x3ff)   /* fault records at 16 * FRO */
#define CAP_NFR(c)      ((unsigned)((c) >> 40) & 0xff)    /* number of records - 1 */
#define CAP_ND(c)       ((unsigned)(c) & 7)               /* 2^(4 + 2*ND) domain ids */
#define ECAP_IRO(e)     ((unsigned)((e) >> 8) & 0x3ff)    /* IOTLB registers at 16 * IRO */

#define GSTS_ONESHOT 0x96ffffffu        /* the status bits a command write must echo */

#define FSTS_PFO    (1u << 0)
#define FSTS_PPF    (1u << 1)
#define FSTS_CLEAR  0x7du               /* the write-1-to-clear bits */
#define FRCD_F      (1ull << 63)        /* in the record's high quadword */
#define FRCD_READ   (1ull << 62)
#define FR_IR_FIRST 0x20                /* reasons from here on are interrupt requests */

/* Second-level entries, and the present bits of root and context entries */
#define SL_R        (1ull << 0)
#define SL_W        (1ull << 1)
#define ENTRY_P     (1ull << 0)

#define MAX_UNITS 8

struct vtd_unit vtd_units[MAX_UNITS];
unsigned vtd_nr_units;
static uint64_t *root;                  /* 256 root entries of 2 quadwords */
static spinlock_t lock;
static uint64_t faults;
static struct iommu_ops vtd_ops;

bool vtd_wait_reg(struct vtd_unit *u, unsigned r, bool wide, uint64_t mask, uint64_t want)
{
    for (uint64_t spins = 0; spins < 100000000; spins++) {
        if (((wide ? vtd_rd64(u, r) : vtd_rd32(u, r)) & mask) == want)
            return true;
        cpu_relax();
    }
    pr_err("error: vt-d: unit at %#llx did not answer (register %#x)\n",
           (unsigned long long)u->base, r);
    return false;
}

/* A global command: echo the persistent status bits, set `bit`; the status bit at the
 * same position says it is done (set) or, for a write-buffer flush, (clear). */
bool vtd_command(struct vtd_unit *u, uint32_t bit)
{
    vtd_wr32(u, REG_GCMD, (vtd_rd32(u, REG_GSTS) & GSTS_ONESHOT) | bit);
    return vtd_wait_reg(u, REG_GSTS, false, bit, bit == GCMD_WBF ? 0 : bit);
}

static void flush_domain(uint16_t domid)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    vtd_invalidate(-1, domid);
    spin_unlock_irqrestore(&lock, fl);
}

void vtd_written(const void *p, size_t len)
{
    if (vtd_ops.flush_cpu_cache)
        iommu_clflush(p, len);
}

/* The context entry of a device; its bus's context table is made at boot if the bus
 * had devices then, else on first use. */
static uint64_t *context_entry(uint16_t bdf, bool make)
{
    uint64_t *re = &root[PCI_BUS(bdf) * 2];
    if (!(*re & ENTRY_P)) {
        paddr_t ct = make ? frame_alloc_zeroed() : 0;
        if (!ct)
            return NULL;
        vtd_written(phys_to_virt(ct), PAGE_SIZE);
        re[1] = 0;
        WRITE_ONCE(re[0], ct | ENTRY_P);
        vtd_written(re, 16);
    }
    return (uint64_t *)phys_to_virt(re[0] & IOPT_ADDR) + (bdf & 0xff) * 2;
}

/* Through not-present, as the specification asks for a change of a present entry. */
static int set_device(uint16_t bdf, paddr_t pt_root, uint16_t domid)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    uint64_t *ce = context_entry(bdf, pt_root != 0);
    if (ce && (ce[0] & ENTRY_P)) {
        uint16_t old = (uint16_t)(ce[1] >> 8);
        WRITE_ONCE(ce[0], 0);
        vtd_written(ce, 16);
        vtd_invalidate(bdf, old);
    }
    if (ce && pt_root) {
        /* AW 1: 3-level (39-bit), 2: 4-level (48-bit); translation type 0: untranslated
         * requests through the second-level tables; FPD clear: faults are recorded. */
        ce[1] = (vtd_ops.levels - 2) | (uint64_t)domid << 8;
        WRITE_ONCE(ce[0], pt_root | ENTRY_P);
        vtd_written(ce, 16);
        vtd_invalidate(bdf, 0);     /* a unit with CAP.CM caches not-present as domain 0 */
    }
    spin_unlock_irqrestore(&lock, fl);
    return ce || !pt_root ? 0 : -1;
}

static const char *reason(unsigned r)
{
    static const char *dma[] = { "?", "root entry not present", "context entry not present",
        "invalid context entry", "address beyond the tables", "write not permitted",
        "read not permitted", "bad page-table address", "bad root table address",
        "bad context table address", "reserved bits in a root entry",
        "reserved bits in a context entry", "reserved bits in a page-table entry" };
    static const char *irq[] = { "reserved bits in the request", "index beyond the table",
        "remapping entry not present", "bad table address", "reserved bits in the entry",
        "compatibility format blocked", "not the entry's device" };
    if (r >= FR_IR_FIRST)
        return r - FR_IR_FIRST < ARRAY_SIZE(irq) ? irq[r - FR_IR_FIRST] : "other";
    return r < ARRAY_SIZE(dma) ? dma[r] : "other";
}

/* A DMA fault names the page and the access; an interrupt fault the remapping index
 * (bits 63:48 of the record's first quadword; meaningless for compatibility format). */
static void log_fault(uint64_t lo, uint64_t hi)
{
    uint16_t sid = (uint16_t)hi;
    unsigned why = (unsigned)(hi >> 32) & 0xff;
    if (++faults > 32) {
        if (faults == 33)
            pr_warn("vt-d: more faults; counting them only\n");
        return;
    }
    struct pci_dev *pd = pci_find(sid);
    const char *owner = pd && pd->owner ? pd->owner->name : "no owner";
    if (why >= FR_IR_FIRST)
        pr_warn("vt-d: interrupt fault device %02x:%02x.%x (%s) index %#x: %s (reason %#x); "
                "blocked\n", PCI_BUS(sid), PCI_DEV(sid), PCI_FN(sid), owner,
                (unsigned)(lo >> 48), reason(why), why);
    else
        pr_warn("vt-d: DMA fault device %02x:%02x.%x (%s) address %#llx %s: %s (reason %#x); "
                "blocked\n", PCI_BUS(sid), PCI_DEV(sid), PCI_FN(sid), owner,
                (unsigned long long)(lo & ~0xfffull), hi & FRCD_READ ? "read" : "write",
                reason(why), why);
}

/* Reads and clears the fault records from the one the status names, then the status. */
static void poll(void)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        uint32_t fsts = vtd_rd32(u, REG_FSTS);
        if (fsts & FSTS_PPF)
            for (unsigned n = 0, k = (fsts >> 8) & 0xff; n < u->nfr; n++, k = (k + 1) % u->nfr) {
                unsigned r = u->fro + k * 16;
                uint64_t hi = vtd_rd64(u, r + 8);
                if (!(hi & FRCD_F))
                    break;
                log_fault(vtd_rd64(u, r), hi);
                vtd_wr32(u, r + 12, (uint32_t)(FRCD_F >> 32));
            }
        if (fsts & FSTS_PFO)
            pr_warn("vt-d: fault records overflowed; faults were lost\n");
        if (fsts & FSTS_CLEAR)
            vtd_wr32(u, REG_FSTS, fsts & FSTS_CLEAR);
    }
    spin_unlock_irqrestore(&lock, fl);
}

static uint64_t table_entry(paddr_t next, unsigned level)
{
    (void)level;
    return next | SL_R | SL_W;
}

static uint64_t leaf_entry(paddr_t hpa, unsigned perms)
{
    return hpa | ((perms & P2M_R) ? SL_R : 0) | ((perms & P2M_W) ? SL_W : 0);
}

static int irq_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr, uint32_t *data)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    int rc = vtd_irq_route(bdf, vector, apic_id, addr, data);
    spin_unlock_irqrestore(&lock, fl);
    return rc;
}

static void irq_unroute(uint16_t bdf, uint8_t vector)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    vtd_irq_unroute(bdf, vector);
    spin_unlock_irqrestore(&lock, fl);
}

static struct iommu_ops vtd_ops = {
    .name = "vt-d", .absent = 0, .table = table_entry, .leaf = leaf_entry,
    .set_device = set_device, .flush_domain = flush_domain, .poll = poll,
};

/* DMAR: 48 bytes of header, then remapping structures (type, length); a DRHD (type 0)
 * gives flags (bit 0: it covers every device not claimed by another unit), the PCI
 * segment and the register base. Returns the number of segment-0 units found. */
static unsigned dmar_units(void)
{
    const struct acpi_header *t = acpi_find_table("DMAR", 0);
    if (!t)
        return 0;
    const uint8_t *p = (const uint8_t *)t + 48, *end = (const uint8_t *)t + t->length;
    while (p + 4 <= end) {
        uint16_t type, len, seg;
        memcpy(&type, p, 2);
        memcpy(&len, p + 2, 2);
        if (len < 4 || p + len > end)
            break;
        if (type == 0 && len >= 16) {
            uint64_t base;
            memcpy(&seg, p + 6, 2);
            memcpy(&base, p + 8, 8);
            if (seg != 0 || vtd_nr_units == MAX_UNITS)
                pr_warn("warning: vt-d: unit at %#llx (segment %u) not used: the devices "
                        "behind it are not confined\n", (unsigned long long)base, seg);
            else
                vtd_units[vtd_nr_units++].base = base;
        } else if (type == 1) {
            pr_warn("warning: vt-d: the firmware reserves memory for device DMA (RMRR); "
                    "not mapped: such a device may fail once given to a domain\n");
        }
        p += len;
    }
    return vtd_nr_units;
}

const struct iommu_ops *vtd_probe(bool intremap)
{
    if (!dmar_units())
        return NULL;
    unsigned sagaw = 0x1f, nd = 7;
    bool coherent = true;
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        u->mmio = ioremap(u->base, PAGE_SIZE);
        u->cap = vtd_rd64(u, REG_CAP);
        u->ecap = vtd_rd64(u, REG_ECAP);
        u->iotlb = ECAP_IRO(u->ecap) * 16 + 8;
        u->fro = CAP_FRO(u->cap) * 16;
        u->nfr = CAP_NFR(u->cap) + 1;
        if (u->iotlb + 8 > PAGE_SIZE || u->fro + u->nfr * 16 > PAGE_SIZE)
            u->mmio = ioremap(u->base, 4 * PAGE_SIZE);
        sagaw &= CAP_SAGAW(u->cap);
        nd = nd < CAP_ND(u->cap) ? nd : CAP_ND(u->cap);
        coherent &= (u->ecap & ECAP_C) != 0;
    }
    vtd_ops.levels = (sagaw & 4) ? 4 : (sagaw & 2) ? 3 : 0;
    vtd_ops.nr_domids = nd >= 6 ? 0xffff : (uint16_t)(1u << (4 + 2 * nd));
    vtd_ops.flush_cpu_cache = !coherent;
    paddr_t rt = frame_alloc_zeroed();
    if (!vtd_ops.levels || !rt) {
        pr_err("error: vt-d: %s; not enabled\n", rt ? "no 3- or 4-level page tables "
               "supported by every unit" : "no memory for the root table");
        vtd_nr_units = 0;
        return NULL;
    }
    root = phys_to_virt(rt);
    vtd_written(root, PAGE_SIZE);
    /* The context tables of the buses that have devices now: never freed, and not made
     * while a domain runs (where they would count as that domain's leak). */
    for (unsigned i = 0; i < pci_nr_devs; i++)
        context_entry(pci_devs[i].bdf, true);
    bool ok = true;
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        vtd_wr32(u, REG_FECTL, 1u << 31);               /* fault interrupts masked: polled */
        if (u->cap & CAP_PLMR_PHMR) {               /* protected memory regions off */
            vtd_wr32(u, REG_PMEN, 0);
            ok &= vtd_wait_reg(u, REG_PMEN, false, 1, 0);
        }
        vtd_wr64(u, REG_RTADDR, rt);                    /* legacy mode (TTM 0) */
        ok &= vtd_command(u, GCMD_SRTP);
    }
    for (unsigned i = 0; i < vtd_nr_units; i++)
        vtd_queue_enable(&vtd_units[i]);            /* where the unit has a queue */
    vtd_invalidate(-1, -1);
    if (!intremap)
        pr_warn("warning: vt-d: iommu=no-intremap-unsafe: interrupt remapping off; a device "
                "can raise any vector on any CPU\n");
    else if (vtd_irq_enable()) {
        vtd_ops.irq_route = irq_route;
        vtd_ops.irq_unroute = irq_unroute;
    }
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        ok &= vtd_command(&vtd_units[i], GCMD_TE);
        pr_info("vt-d: unit at %#llx (cap %#llx ecap %#llx) translating, %s invalidation%s\n",
                (unsigned long long)vtd_units[i].base, (unsigned long long)vtd_units[i].cap,
                (unsigned long long)vtd_units[i].ecap, vtd_units[i].queue ? "queued" : "register",
                ok ? "" : " BUT IT DOES NOT ANSWER");
    }
    pr_info("vt-d: %u unit(s), %u-level page tables, %u domain ids, %s; every device "
            "blocked\n", vtd_nr_units, vtd_ops.levels, vtd_ops.nr_domids,
            coherent ? "coherent" : "not coherent: entries are flushed from the CPU caches");
    poll();                                         /* stale faults from before */
    return &vtd_ops;
}
