/*
 * The device-owner domain's view of PCI. It gets every function nobody else keeps:
 *  - DMA: the IOMMU translates the device's addresses through the domain's own I/O page
 *    tables. With no IOMMU, DMA-capable functions are refused unless the command line
 *    says iommu=off-unsafe: nothing would stop them from reaching any memory.
 *  - MMIO: memory BARs mapped into its p2m at their host address, uncached.
 *  - Configuration space through 0xCF8/0xCFC, intercepted: its own functions' registers
 *    are passed to the real ones, every other function reads as absent (all ones). Writes
 *    that could hurt the hypervisor are dropped: BARs (except the all-ones sizing probe
 *    and writing back the address the hypervisor mapped), the expansion ROM BAR, a
 *    bridge's bus numbers and windows. The MSI capability is Keel's (drivers/pci_msi.c):
 *    the owner's address and data are shadowed, the device gets a host vector.
 *  - Port I/O to its functions' I/O BARs: opened in its I/O permission map (hvm io_allow),
 *    so those accesses do not exit at all. Should the map be unavailable (no memory, no
 *    I/O bitmaps on VT-x), they exit and are performed for it here. Never the
 *    hypervisor's UART (0x2f8-0x2ff, 0x3f8-0x3ff), never 0xCF8-0xCFF.
 */
#include <keel/cmdline.h>
#include <keel/domain.h>
#include <keel/hvm.h>
#include <keel/iommu.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <arch/io.h>
#include <public/xen.h>

#define MAX_OWNERS 4
static struct { struct domain *d; uint32_t cf8; bool said_emulated; } owners[MAX_OWNERS];

/* Ports no guest reaches even inside its own I/O BAR: the console's COM2 and COM1, and
 * the configuration mechanism Keel intercepts. */
static bool port_reserved(unsigned port, unsigned size)
{
    return (port + size > 0x2f8 && port < 0x300) || (port + size > 0x3f8 && port < 0x400) ||
           (port + size > 0xcf8 && port < 0xd00);
}

/* Opens an I/O BAR's ports in the domain's permission map, reserved ports excepted. */
static void open_io_bar(struct domain *d, const char *n, unsigned b, const struct pci_bar *bar)
{
    unsigned opened = 0;
    bool emulate = !strcmp(keel_opts.selftest, "no-io-bitmap");   /* tests the fallback */
    for (uint64_t p = bar->base; p < bar->base + bar->size && p <= 0xffff && !emulate; p++)
        if (!port_reserved((unsigned)p, 1) && hvm->io_allow(d, (uint16_t)p, 1) == 0)
            opened++;
    pr_info("pci: %s bar%u ports %#llx-%#llx: %u opened to domain %u%s\n", n, b,
            (unsigned long long)bar->base, (unsigned long long)(bar->base + bar->size - 1),
            opened, d->id, opened ? "" : " (emulated instead)");
}

static uint32_t *cf8_of(struct domain *d)
{
    for (unsigned i = 0; i < MAX_OWNERS; i++)
        if (owners[i].d == d)
            return &owners[i].cf8;
    return NULL;
}

/* Functions that cannot master the bus: host, ISA and PCI-PCI bridges. Everything else
 * may do DMA as far as Keel can tell. */
static bool dma_capable(const struct pci_dev *pd)
{
    return pd->class >> 8 != 0x0600 && pd->class >> 8 != 0x0601 && pd->hdr_type != 1;
}

static void name_bdf(char *buf, uint16_t bdf)
{
    static const char hex[] = "0123456789abcdef";
    buf[0] = hex[PCI_BUS(bdf) >> 4]; buf[1] = hex[PCI_BUS(bdf) & 15]; buf[2] = ':';
    buf[3] = hex[PCI_DEV(bdf) >> 4]; buf[4] = hex[PCI_DEV(bdf) & 15]; buf[5] = '.';
    buf[6] = hex[PCI_FN(bdf)]; buf[7] = '\0';
}

int pci_give_devices(struct domain *d)
{
    unsigned slot = MAX_OWNERS, given = 0, refused = 0;
    for (unsigned i = 0; i < MAX_OWNERS && slot == MAX_OWNERS; i++)
        if (!owners[i].d)
            slot = i;
    if (slot == MAX_OWNERS)
        return -XEN_ENOSPC;
    owners[slot].d = d;
    owners[slot].cf8 = 0;
    owners[slot].said_emulated = false;

    bool unsafe = !iommu_present();
    if (unsafe)
        pr_warn("pci: no IOMMU: %s\n", keel_opts.iommu_off_unsafe
                ? "iommu=off-unsafe: DMA-capable devices are given away UNCONFINED"
                : "DMA-capable devices are given to no domain (iommu=off-unsafe overrides)");
    for (unsigned i = 0; i < pci_nr_devs; i++) {
        struct pci_dev *pd = &pci_devs[i];
        char n[8];
        name_bdf(n, pd->bdf);
        if (pd->kind != PCI_OWNER_DOMAIN || pd->owner)
            continue;
        if (unsafe && dma_capable(pd) && !keel_opts.iommu_off_unsafe) {
            pr_warn("pci: %s %04x:%04x refused to domain %u (%s): DMA-capable and no IOMMU\n",
                    n, pd->vendor, pd->device, d->id, d->name);
            refused++;
            continue;
        }
        if (!unsafe && iommu_assign(pd->bdf, d) < 0) {
            pr_err("error: pci: %s: no memory for I/O page tables; not given\n", n);
            continue;
        }
        for (unsigned b = 0; b < 6; b++) {
            struct pci_bar *bar = &pd->bar[b];
            if (bar->size && bar->io)
                open_io_bar(d, n, b, bar);
            if (!bar->size || bar->io)
                continue;
            uint64_t sz = (bar->size + PAGE_SIZE - 1) & PAGE_MASK;
            /* Only BARs clear of the domain's RAM and page aligned (small BARs can share
             * a page with another device's registers: not mapped). */
            if (bar->base < d->mem_bytes || (bar->base & ~PAGE_MASK) || bar->size < PAGE_SIZE ||
                p2m_map(&d->p2m, bar->base, bar->base, sz, P2M_R | P2M_W | P2M_UC, false) < 0)
                pr_warn("pci: %s bar%u %#llx not mapped into domain %u\n", n, b,
                        (unsigned long long)bar->base, d->id);
        }
        pd->owner = d;
        pci_msi_probe(pd);
        given++;
        pr_info("pci: %s %04x:%04x given to domain %u (%s)%s\n", n, pd->vendor, pd->device,
                d->id, d->name, unsafe ? (dma_capable(pd) ? ", DMA UNCONFINED" : "")
                                       : ", DMA confined by the IOMMU");
    }
    pr_info("pci: domain %u (%s) owns %u functions (%u refused)\n", d->id, d->name, given,
            refused);
    return 0;
}

void pci_release_devices(struct domain *d)
{
    uint32_t *cf8 = cf8_of(d);
    if (!cf8)
        return;
    for (unsigned i = 0; i < pci_nr_devs; i++) {
        struct pci_dev *pd = &pci_devs[i];
        if (pd->owner != d)
            continue;
        /* Stop the device first: no more DMA, decoding or interrupts. */
        pci_write(pd->bdf, 4, 2, (uint16_t)pci_read(pd->bdf, 4, 2) & ~7u);
        pci_msi_release(pd);
        iommu_block(pd->bdf);
        pd->owner = NULL;
    }
    iommu_domain_release(d);
    for (unsigned i = 0; i < MAX_OWNERS; i++)
        if (owners[i].d == d)
            owners[i].d = NULL;
}

/* May the owner write `size` bytes at `reg` of this function? */
static bool write_allowed(const struct pci_dev *pd, unsigned reg, unsigned size, uint32_t val)
{
    unsigned nbars = pd->hdr_type == 0 ? 6 : 2;
    if (reg >= 0x10 && reg < 0x10 + 4 * nbars) {
        /* BARs: the sizing probe and restoring what it was; nothing else moves them. */
        unsigned b = (reg - 0x10) / 4;
        if (size != 4)
            return false;
        if (val == 0xffffffffu)
            return true;
        uint32_t now = b > 0 && pd->bar[b - 1].is64 ? (uint32_t)(pd->bar[b - 1].base >> 32)
                                                      : (uint32_t)pd->bar[b].base;
        return (val & ~0xfu) == (now & ~0xfu);
    }
    if (reg >= 0x10 && reg < 0x40)
        return reg == 0x3c;      /* only the interrupt line; ROM BAR, bridge buses/windows no */
    if (reg < 0x10)
        return reg == 4 || reg == 6 || reg == 0x0c || reg == 0x0d;  /* command/status, cacheline */
    return true;
}

static void note_refused(struct domain *d, uint16_t bdf, unsigned reg, uint32_t val)
{
    static unsigned said;
    if (said++ < 16)
        pr_warn("pci: domain %u (%s): write %#x to %02x:%02x.%x register %#x refused\n",
                d->id, d->name, val, PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf), reg);
}

bool pci_guest_io(struct vcpu *v, const struct vm_exit *x)
{
    uint32_t *cf8 = cf8_of(v->dom);
    unsigned port = x->io.port, size = x->io.size;
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    uint32_t out = (uint32_t)v->regs.rax & mask, in = 0xffffffffu;

    if (!cf8 || x->io.string)
        return false;
    if (port == 0xcf8 && size == 4) {
        if (x->io.in)
            in = *cf8;
        else
            *cf8 = out;
    } else if (port >= 0xcfc && port + size <= 0xd00) {
        uint16_t bdf = (uint16_t)(*cf8 >> 8);
        unsigned reg = (*cf8 & 0xfc) + (port - 0xcfc);
        struct pci_dev *pd = pci_find(bdf);
        bool mine = (*cf8 & 0x80000000u) && pd && pd->owner == v->dom;
        if (mine && pci_msi_access(pd, reg, size, !x->io.in, x->io.in ? &in : &out))
            ;
        else if (mine && x->io.in)
            in = pci_read(bdf, reg, size);
        else if (mine && write_allowed(pd, reg, size, out))
            pci_write(bdf, reg, size, out);
        else if (mine)
            note_refused(v->dom, bdf, reg, out);
    } else {
        /* An I/O BAR of one of its functions? */
        const struct pci_dev *hit = NULL;
        for (unsigned i = 0; i < pci_nr_devs && !hit; i++)
            for (unsigned b = 0; b < 6 && !hit; b++) {
                const struct pci_bar *bar = &pci_devs[i].bar[b];
                if (pci_devs[i].owner == v->dom && bar->io && bar->size &&
                    port >= bar->base && port + size <= bar->base + bar->size &&
                    !port_reserved(port, size))
                    hit = &pci_devs[i];
            }
        if (!hit)
            return false;
        /* Normally the permission map lets these through without an exit: say once
         * that it did not (tests reject this line where the map must work). */
        for (unsigned i = 0; i < MAX_OWNERS; i++)
            if (owners[i].d == v->dom && !owners[i].said_emulated) {
                owners[i].said_emulated = true;
                pr_info("pci: domain %u: port %#x emulated (no I/O bitmap)\n", v->dom->id, port);
            }
        if (x->io.in)
            in = size == 1 ? inb((uint16_t)port) : size == 2 ? inw((uint16_t)port)
                                                             : inl((uint16_t)port);
        else if (size == 1)
            outb((uint16_t)port, (uint8_t)out);
        else if (size == 2)
            outw((uint16_t)port, (uint16_t)out);
        else
            outl((uint16_t)port, out);
    }
    if (x->io.in) {
        in &= mask;
        v->regs.rax = size == 4 ? in : (v->regs.rax & ~(uint64_t)mask) | in;
    }
    return true;
}
