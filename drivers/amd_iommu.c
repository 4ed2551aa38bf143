/*
 * AMD-Vi, from the ACPI IVRS table: the device table (one 32-byte entry per requester id,
 * all 65536 of them, so no device id can fall outside it), the command buffer
 * (COMPLETION_WAIT, INVALIDATE_DEVTAB_ENTRY, INVALIDATE_IOMMU_PAGES) and the event log,
 * polled by drivers/iommu.c. Every device starts with an entry that blocks its DMA
 * (translation valid, paging mode 0, no read or write permission); set_device points one
 * at its owner's I/O page tables (built by drivers/iommu.c in this format).
 * One IOMMU (the first IVHD) covering PCI segment 0; a second unit is reported, unused.
 * Interrupt remapping (the entries' other half) is in drivers/amd_iommu_irq.c.
 */
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <arch/acpi.h>
#include <arch/paging.h>
#include "amd_iommu.h"
#include "iommu_unit.h"

/* MMIO registers */
#define REG_DEVTAB    0x0000
#define REG_CMDBUF    0x0008
#define REG_EVTLOG    0x0010
#define REG_CONTROL   0x0018
#define REG_CMD_HEAD  0x2000
#define REG_CMD_TAIL  0x2008
#define REG_EVT_HEAD  0x2010
#define REG_EVT_TAIL  0x2018
#define REG_STATUS    0x2020

#define CTRL_IOMMU_EN   (1ull << 0)
#define CTRL_EVTLOG_EN  (1ull << 2)
#define CTRL_CMDBUF_EN  (1ull << 12)
#define STATUS_EVT_OVERFLOW (1ull << 0)

#define DTE_V   (1ull << 0)
#define DTE_TV  (1ull << 1)
#define DTE_MODE(m) ((uint64_t)(m) << 9)

#define CMD_COMPLETION_WAIT  1ull
#define CMD_INV_DEVTAB_ENTRY 2ull
#define CMD_INV_IOMMU_PAGES  3ull

/* Page table entries (and the first quadword of a device table entry). */
#define AMDVI_PR          (1ull << 0)
#define AMDVI_NEXT(l)     ((uint64_t)(l) << 9)     /* level of the table pointed to; 0: leaf */
#define AMDVI_IR          (1ull << 61)
#define AMDVI_IW          (1ull << 62)
/* A not-present entry. Hardware ignores every other bit when PR is 0; the next-level
 * field is set anyway because QEMU's model only reports an IO_PAGE_FAULT for a
 * not-present entry that is not all zeros (it silently drops the access otherwise). */
#define AMDVI_ABSENT      AMDVI_NEXT(1)
#define AMDVI_LEVELS      4                        /* 48-bit I/O virtual addresses */

#define EVT_IO_PAGE_FAULT    2
#define RING_BYTES  4096               /* 256 entries of 16 bytes */
#define RING_LEN_256 (8ull << 56)      /* log2(entries) in bits 59:56 of the base */

static volatile uint8_t *mmio;
static uint16_t unit_bdf;
uint64_t *amdvi_devtab;
static uint8_t *cmdbuf, *evtlog;
static uint32_t cmd_tail, evt_head;
static volatile uint64_t wait_word __aligned(8);
static uint64_t wait_seq;
static spinlock_t lock;
static uint64_t faults;

static uint64_t rd(unsigned reg) { return *(volatile uint64_t *)(mmio + reg); }
static void wr(unsigned reg, uint64_t v) { *(volatile uint64_t *)(mmio + reg) = v; }

void amdvi_submit(uint64_t c0, uint64_t c1)
{
    uint64_t *slot = (uint64_t *)(cmdbuf + cmd_tail);
    uint32_t next = (cmd_tail + 16) % RING_BYTES;
    for (uint64_t spins = 0; (uint32_t)rd(REG_CMD_HEAD) == next; spins++)
        if (spins > 100000000) {
            pr_err("error: amd-iommu: command buffer stuck\n");
            return;
        }
    slot[0] = c0;
    slot[1] = c1;
    __asm__ volatile("sfence" ::: "memory");
    cmd_tail = next;
    wr(REG_CMD_TAIL, cmd_tail);
}

/* COMPLETION_WAIT with a store: when the word changes, every earlier command is done. */
void amdvi_wait_done(void)
{
    uint64_t seq = ++wait_seq;
    paddr_t pa = virt_to_phys((const void *)&wait_word);
    amdvi_submit(pa | (1ull << 0) | (CMD_COMPLETION_WAIT << 60), seq);
    for (uint64_t spins = 0; READ_ONCE(wait_word) != seq; spins++) {
        if (spins > 100000000) {
            pr_err("error: amd-iommu: COMPLETION_WAIT never completed\n");
            return;
        }
        cpu_relax();
    }
}

void amdvi_lock(unsigned long *flags) { *flags = spin_lock_irqsave(&lock); }
void amdvi_unlock(unsigned long flags) { spin_unlock_irqrestore(&lock, flags); }

static void inv_devtab_entry(uint16_t devid)
{
    amdvi_submit(devid | (CMD_INV_DEVTAB_ENTRY << 60), 0);
}

/* All pages of a domain: S=1 with every address bit set, PDE=1 for the tables too. */
static void inv_domain_pages(uint16_t domid)
{
    amdvi_submit(((uint64_t)domid << 32) | (CMD_INV_IOMMU_PAGES << 60),
           0x7ffffffffffff000ull | (1ull << 1) | (1ull << 0));
}

static void flush_domain(uint16_t domid)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    inv_domain_pages(domid);
    amdvi_wait_done();
    spin_unlock_irqrestore(&lock, fl);
}

/* Writes the DMA half of a device table entry, the valid bit last (the interrupt half,
 * quadword 2, stays), then makes the IOMMU reread it and forget the translations of both
 * the old and the new domain. */
static void set_dte(uint16_t devid, uint64_t q0, uint16_t domid)
{
    uint64_t *e = &amdvi_devtab[(size_t)devid * 4];
    uint16_t old = (uint16_t)e[1];
    unsigned long fl = spin_lock_irqsave(&lock);
    WRITE_ONCE(e[0], DTE_V | DTE_TV);      /* blocked while the entry changes */
    e[1] = domid;
    e[3] = 0;
    __asm__ volatile("sfence" ::: "memory");
    WRITE_ONCE(e[0], q0);
    inv_devtab_entry(devid);
    inv_domain_pages(old);
    inv_domain_pages(domid);
    amdvi_wait_done();
    spin_unlock_irqrestore(&lock, fl);
}

static int set_device(uint16_t bdf, paddr_t root, uint16_t domid)
{
    set_dte(bdf, root ? root | DTE_MODE(AMDVI_LEVELS) | DTE_V | DTE_TV | AMDVI_IR | AMDVI_IW
                      : DTE_V | DTE_TV, domid);
    return 0;
}

static const char *evt_name(unsigned code)
{
    static const char *names[] = { "?", "ILLEGAL_DEV_TABLE_ENTRY", "IO_PAGE_FAULT",
                                   "DEV_TAB_HARDWARE_ERROR", "PAGE_TAB_HARDWARE_ERROR",
                                   "ILLEGAL_COMMAND_ERROR", "COMMAND_HARDWARE_ERROR",
                                   "IOTLB_INV_TIMEOUT", "INVALID_DEVICE_REQUEST" };
    return code < ARRAY_SIZE(names) ? names[code] : "unknown event";
}

/* One event: device id in bits 15:0, flags in 59:48 (bit 53: write), code in 63:60, the
 * address in the second quadword. The first faults are logged one by one, then counted. */
static void log_event(const uint64_t *e)
{
    unsigned code = (unsigned)(e[0] >> 60);
    uint16_t devid = (uint16_t)e[0];
    faults++;
    if (faults > 32) {
        if (faults == 33)
            pr_warn("amd-iommu: more events; counting them only\n");
        return;
    }
    if (code == EVT_IO_PAGE_FAULT) {
        struct pci_dev *pd = pci_find(devid);
        const struct domain *owner = pd ? pd->owner : NULL;
        pr_warn("amd-iommu: IO_PAGE_FAULT device %02x:%02x.%x (%s) address %#llx %s%s; "
                "blocked\n", PCI_BUS(devid), PCI_DEV(devid), PCI_FN(devid),
                owner ? owner->name : "no owner", (unsigned long long)e[1],
                (e[0] >> 53) & 1 ? "write" : "read",
                (e[0] >> 52) & 1 ? " (not permitted)" : " (not mapped)");
    } else {
        pr_warn("amd-iommu: event %s device %02x:%02x.%x address %#llx (raw %#llx %#llx)\n",
                evt_name(code), PCI_BUS(devid), PCI_DEV(devid), PCI_FN(devid),
                (unsigned long long)e[1], (unsigned long long)e[0], (unsigned long long)e[1]);
    }
}

static void poll(void)
{
    unsigned long fl = spin_lock_irqsave(&lock);
    uint32_t tail = (uint32_t)rd(REG_EVT_TAIL) % RING_BYTES;
    bool any = false;
    while (evt_head != tail) {
        uint64_t e[2];
        memcpy(e, evtlog + evt_head, 16);
        memset(evtlog + evt_head, 0, 16);
        log_event(e);
        evt_head = (evt_head + 16) % RING_BYTES;
        any = true;
    }
    if (any)
        wr(REG_EVT_HEAD, evt_head);
    /* QEMU 7.2's model never writes an event (its overflow test is always true) but does
     * set Signaled Target Abort in the unit's PCI status for each blocked access: report
     * that, without the details only an event carries. */
    if (!any && (pci_read(unit_bdf, 6, 2) & (1u << 11))) {
        pci_write(unit_bdf, 6, 2, 1u << 11);
        faults++;
        if (faults <= 32)
            pr_warn("amd-iommu: IO_PAGE_FAULT: a DMA was blocked (the unit signaled a target "
                    "abort but logged no event: device and address unknown)\n");
    }
    if (rd(REG_STATUS) & STATUS_EVT_OVERFLOW) {
        /* The spec's restart: log off, clear the overflow, reset the pointers, log on. */
        pr_warn("amd-iommu: event log overflowed; events were lost\n");
        uint64_t ctl = rd(REG_CONTROL);
        wr(REG_CONTROL, ctl & ~CTRL_EVTLOG_EN);
        wr(REG_STATUS, STATUS_EVT_OVERFLOW);
        wr(REG_EVT_HEAD, 0);
        wr(REG_EVT_TAIL, 0);
        evt_head = 0;
        wr(REG_CONTROL, ctl);
    }
    spin_unlock_irqrestore(&lock, fl);
}

static uint64_t table_entry(paddr_t next, unsigned level)
{
    return next | AMDVI_PR | AMDVI_NEXT(level - 1) | AMDVI_IR | AMDVI_IW;
}

static uint64_t leaf_entry(paddr_t hpa, unsigned perms)
{
    return hpa | AMDVI_PR | AMDVI_NEXT(0) | ((perms & P2M_R) ? AMDVI_IR : 0) |
           ((perms & P2M_W) ? AMDVI_IW : 0);
}

static struct iommu_ops amdvi_ops = {
    .name = "amd-iommu", .levels = AMDVI_LEVELS, .nr_domids = 0xffff,
    .absent = AMDVI_ABSENT, .table = table_entry, .leaf = leaf_entry,
    .set_device = set_device, .flush_domain = flush_domain, .poll = poll,
};

/* IVRS: 48 bytes of header, then IVHD blocks (type 0x10, 0x11 or 0x40) giving the unit's
 * requester id (offset 4) and register base (offset 8). */
static bool ivrs_find(paddr_t *base, uint16_t *devid)
{
    const struct acpi_header *t = acpi_find_table("IVRS", 0);
    if (!t)
        return false;
    const uint8_t *p = (const uint8_t *)t + 48, *end = (const uint8_t *)t + t->length;
    bool found = false;
    while (p + 24 <= end) {
        uint16_t len;
        memcpy(&len, p + 2, 2);
        if (len < 24 || p + len > end)
            break;
        if (p[0] == 0x10 || p[0] == 0x11 || p[0] == 0x40) {
            uint64_t b;
            uint16_t id, seg;
            memcpy(&b, p + 8, 8);
            memcpy(&id, p + 4, 2);
            memcpy(&seg, p + 16, 2);
            if (!found && seg == 0 && b) {
                *base = b;
                *devid = id;
                found = true;
            } else if (b != *base) {
                pr_warn("warning: amd-iommu: another unit at %#llx (segment %u) is not "
                        "used\n", (unsigned long long)b, seg);
            }
        }
        p += len;
    }
    return found;
}

const struct iommu_ops *amdvi_probe(bool intremap)
{
    paddr_t base = 0;
    uint16_t self = 0;
    if (!ivrs_find(&base, &self))
        return NULL;
    paddr_t dt = frame_alloc_contig(AMDVI_NR_DEVIDS * 32 / PAGE_SIZE, PAGE_SIZE);
    paddr_t cb = frame_alloc_zeroed(), el = frame_alloc_zeroed();
    if (!dt || !cb || !el) {
        pr_err("error: amd-iommu: no memory for its tables; not enabled\n");
        return NULL;
    }
    amdvi_devtab = phys_to_virt(dt);
    for (size_t i = 0; i < AMDVI_NR_DEVIDS; i++) {
        amdvi_devtab[i * 4] = DTE_V | DTE_TV;         /* blocked: mode 0, no IR/IW */
        amdvi_devtab[i * 4 + 1] = amdvi_devtab[i * 4 + 2] = amdvi_devtab[i * 4 + 3] = 0;
    }
    if (!intremap)
        pr_warn("warning: amd-iommu: iommu=no-intremap-unsafe: interrupt remapping off; a "
                "device can raise any vector on any CPU\n");
    else if (amdvi_irq_init()) {
        amdvi_ops.irq_route = amdvi_irq_route;
        amdvi_ops.irq_unroute = amdvi_irq_unroute;
    }
    cmdbuf = phys_to_virt(cb);
    evtlog = phys_to_virt(el);
    mmio = ioremap(base, 0x4000);

    wr(REG_CONTROL, 0);
    wr(REG_DEVTAB, dt | (AMDVI_NR_DEVIDS * 32 / PAGE_SIZE - 1));
    wr(REG_CMDBUF, cb | RING_LEN_256);
    wr(REG_EVTLOG, el | RING_LEN_256);
    wr(REG_CMD_HEAD, 0);
    wr(REG_CMD_TAIL, 0);
    wr(REG_EVT_HEAD, 0);
    wr(REG_EVT_TAIL, 0);
    wr(REG_CONTROL, CTRL_IOMMU_EN | CTRL_EVTLOG_EN | CTRL_CMDBUF_EN);

    unsigned long fl = spin_lock_irqsave(&lock);
    for (unsigned i = 0; i < pci_nr_devs; i++)
        inv_devtab_entry(pci_devs[i].bdf);
    amdvi_wait_done();
    spin_unlock_irqrestore(&lock, fl);
    bool ok = wait_word == wait_seq;
    pr_info("amd-iommu: unit %02x:%02x.%x at %#llx enabled%s; all %u device ids blocked\n",
            PCI_BUS(self), PCI_DEV(self), PCI_FN(self), (unsigned long long)base,
            ok ? ", command buffer answers" : " BUT THE COMMAND BUFFER DOES NOT ANSWER",
            AMDVI_NR_DEVIDS);
    pci_claim_for_hv(self);
    unit_bdf = self;
    pci_write(self, 6, 2, 1u << 11);        /* clear a stale Signaled Target Abort */
    return &amdvi_ops;
}
