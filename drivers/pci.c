/*
 * PCI configuration access and enumeration. ECAM (memory-mapped configuration space,
 * from the ACPI MCFG table, segment 0) when the firmware describes it, else the legacy
 * mechanism #1 (address to 0xCF8, data at 0xCFC). Enumeration walks bus 0 and every bus
 * behind a PCI-PCI bridge, sizes the BARs (decoding off while probing) and logs one line
 * per function. Ownership: every function is for the device-owner domain unless
 * `pci-hide=` keeps it from it or the hypervisor keeps it (the IOMMUs).
 */
#include <keel/pci.h>
#include <keel/cmdline.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <arch/acpi.h>
#include <arch/io.h>
#include <arch/paging.h>

struct pci_dev pci_devs[PCI_MAX_DEVS];
unsigned pci_nr_devs;

static paddr_t ecam_base;                    /* 0: use 0xCF8/0xCFC */
static uint8_t ecam_bus_lo, ecam_bus_hi;
static uint8_t ecam_mapped[256 / 8];         /* buses whose 1 MiB window is mapped UC */
static spinlock_t cf8_lock;

static volatile void *ecam_addr(uint16_t bdf, unsigned reg)
{
    unsigned bus = PCI_BUS(bdf);
    paddr_t pa = ecam_base + ((paddr_t)(bus - ecam_bus_lo) << 20) + ((paddr_t)(bdf & 0xff) << 12) + reg;
    if (!(ecam_mapped[bus / 8] & (1u << (bus % 8)))) {
        ioremap(ecam_base + ((paddr_t)(bus - ecam_bus_lo) << 20), MiB(1));
        ecam_mapped[bus / 8] |= (uint8_t)(1u << (bus % 8));
    }
    return phys_to_virt(pa);
}

static bool use_ecam(uint16_t bdf)
{
    return ecam_base && PCI_BUS(bdf) >= ecam_bus_lo && PCI_BUS(bdf) <= ecam_bus_hi;
}

uint32_t pci_read(uint16_t bdf, unsigned reg, unsigned size)
{
    if (reg + size > 256 || (reg & (size - 1)))
        return 0xffffffffu;
    if (use_ecam(bdf)) {
        volatile void *p = ecam_addr(bdf, reg);
        return size == 1 ? *(volatile uint8_t *)p : size == 2 ? *(volatile uint16_t *)p
                                                              : *(volatile uint32_t *)p;
    }
    unsigned long fl = spin_lock_irqsave(&cf8_lock);
    outl(0xcf8, 0x80000000u | ((uint32_t)bdf << 8) | (reg & 0xfc));
    uint32_t v = size == 1 ? inb(0xcfc + (reg & 3)) : size == 2 ? inw(0xcfc + (reg & 2))
                                                                : inl(0xcfc);
    spin_unlock_irqrestore(&cf8_lock, fl);
    return v;
}

void pci_write(uint16_t bdf, unsigned reg, unsigned size, uint32_t val)
{
    if (reg + size > 256 || (reg & (size - 1)))
        return;
    if (use_ecam(bdf)) {
        volatile void *p = ecam_addr(bdf, reg);
        if (size == 1)
            *(volatile uint8_t *)p = (uint8_t)val;
        else if (size == 2)
            *(volatile uint16_t *)p = (uint16_t)val;
        else
            *(volatile uint32_t *)p = val;
        return;
    }
    unsigned long fl = spin_lock_irqsave(&cf8_lock);
    outl(0xcf8, 0x80000000u | ((uint32_t)bdf << 8) | (reg & 0xfc));
    if (size == 1)
        outb(0xcfc + (reg & 3), (uint8_t)val);
    else if (size == 2)
        outw(0xcfc + (reg & 2), (uint16_t)val);
    else
        outl(0xcfc, val);
    spin_unlock_irqrestore(&cf8_lock, fl);
}

struct pci_dev *pci_find(uint16_t bdf)
{
    for (unsigned i = 0; i < pci_nr_devs; i++)
        if (pci_devs[i].bdf == bdf)
            return &pci_devs[i];
    return NULL;
}

/* MCFG: a 44-byte header, then 16-byte entries (base, segment, first and last bus). */
static void mcfg_init(void)
{
    const struct acpi_header *t = acpi_find_table("MCFG", 0);
    if (!t)
        return;
    const uint8_t *p = (const uint8_t *)t + 44, *end = (const uint8_t *)t + t->length;
    for (; p + 16 <= end; p += 16) {
        uint64_t base;
        uint16_t seg;
        memcpy(&base, p, 8);
        memcpy(&seg, p + 8, 2);
        if (seg != 0 || p[10] > p[11] || !base || (base & (MiB(1) - 1)))
            continue;
        ecam_base = base + ((paddr_t)p[10] << 20);   /* so that bus lo is at offset 0 */
        ecam_bus_lo = p[10];
        ecam_bus_hi = p[11];
        pr_info("pci: ECAM at %#llx for buses %02x-%02x (MCFG)\n",
                (unsigned long long)ecam_base, ecam_bus_lo, ecam_bus_hi);
        return;
    }
}

/* Sizes BAR i (and its upper half if 64-bit); returns how many BAR slots it used. */
static unsigned size_bar(struct pci_dev *pd, unsigned i)
{
    unsigned reg = 0x10 + 4 * i;
    uint32_t lo = pci_read(pd->bdf, reg, 4);
    struct pci_bar *b = &pd->bar[i];

    pci_write(pd->bdf, reg, 4, 0xffffffffu);
    uint32_t mask_lo = pci_read(pd->bdf, reg, 4);
    pci_write(pd->bdf, reg, 4, lo);
    if (!mask_lo || mask_lo == 0xffffffffu)
        return 1;                                   /* the device has no such BAR */
    b->io = lo & 1;
    if (b->io) {
        b->base = lo & ~3u;
        b->size = (uint16_t)~(mask_lo & ~3u) + 1u;
        return 1;
    }
    b->is64 = ((lo >> 1) & 3) == 2;
    uint64_t mask = mask_lo & ~0xfull, base = lo & ~0xfull;
    if (b->is64 && i < 5) {
        uint32_t hi = pci_read(pd->bdf, reg + 4, 4);
        pci_write(pd->bdf, reg + 4, 4, 0xffffffffu);
        mask |= (uint64_t)pci_read(pd->bdf, reg + 4, 4) << 32;
        pci_write(pd->bdf, reg + 4, 4, hi);
        base |= (uint64_t)hi << 32;
    } else {
        mask |= 0xffffffff00000000ull;
    }
    b->base = base;
    b->size = ~mask + 1;
    return b->is64 ? 2 : 1;
}

static bool hidden_by_cmdline(uint16_t bdf)
{
    const char *s = keel_opts.pci_hide;
    while (*s) {
        unsigned b = 0, d = 0, f = 0, n = 0;
        /* BB:DD.F in hex; anything malformed is skipped to the next comma. */
        for (; *s && *s != ':' && *s != ','; s++, n++)
            b = b * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
        if (*s == ':')
            for (s++; *s && *s != '.' && *s != ','; s++)
                d = d * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
        if (*s == '.')
            for (s++; *s && *s != ','; s++)
                f = f * 16 + (unsigned)(*s - '0');
        if (n && b < 256 && d < 32 && f < 8 && PCI_BDF(b, d, f) == bdf)
            return true;
        if (*s == ',')
            s++;
    }
    return false;
}

static void add_function(uint16_t bdf)
{
    if (pci_nr_devs == PCI_MAX_DEVS) {
        pr_warn("warning: pci: more than %u functions; %02x:%02x.%x and later ignored\n",
                PCI_MAX_DEVS, PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf));
        return;
    }
    struct pci_dev *pd = &pci_devs[pci_nr_devs++];
    uint32_t id = pci_read(bdf, 0, 4);
    memset(pd, 0, sizeof(*pd));
    pd->bdf = bdf;
    pd->vendor = (uint16_t)id;
    pd->device = (uint16_t)(id >> 16);
    pd->class = pci_read(bdf, 8, 4) >> 8;
    pd->hdr_type = pci_read(bdf, 0x0e, 1) & 0x7f;
    pd->kind = hidden_by_cmdline(bdf) ? PCI_OWNER_NONE : PCI_OWNER_DOMAIN;

    unsigned nbars = pd->hdr_type == 0 ? 6 : pd->hdr_type == 1 ? 2 : 0;
    uint16_t cmd = (uint16_t)pci_read(bdf, 4, 2);
    pci_write(bdf, 4, 2, cmd & ~3u);             /* no decoding while BARs hold all-ones */
    for (unsigned i = 0; i < nbars;)
        i += size_bar(pd, i);
    pci_write(bdf, 4, 2, cmd);

    pr_info("pci: %02x:%02x.%x %04x:%04x class %06x%s", PCI_BUS(bdf), PCI_DEV(bdf),
            PCI_FN(bdf), pd->vendor, pd->device, pd->class,
            pd->kind == PCI_OWNER_NONE ? " (hidden: pci-hide)" : "");
    for (unsigned i = 0; i < 6; i++)
        if (pd->bar[i].size)
            pr_info(" bar%u %s %#llx+%#llx", i, pd->bar[i].io ? "io" : "mem",
                    (unsigned long long)pd->bar[i].base, (unsigned long long)pd->bar[i].size);
    pr_info("\n");
}

static void scan_bus(unsigned bus, unsigned depth)
{
    for (unsigned dev = 0; dev < 32; dev++) {
        if ((uint16_t)pci_read(PCI_BDF(bus, dev, 0), 0, 2) == 0xffff)
            continue;
        unsigned nfn = (pci_read(PCI_BDF(bus, dev, 0), 0x0e, 1) & 0x80) ? 8 : 1;
        for (unsigned fn = 0; fn < nfn; fn++) {
            uint16_t bdf = PCI_BDF(bus, dev, fn);
            if ((uint16_t)pci_read(bdf, 0, 2) == 0xffff)
                continue;
            add_function(bdf);
            /* A PCI-PCI bridge: its secondary bus, if the firmware numbered it sanely. */
            unsigned sec = pci_read(bdf, 0x19, 1);
            if ((pci_read(bdf, 0x0e, 1) & 0x7f) == 1 && sec > bus && depth < 16)
                scan_bus(sec, depth + 1);
        }
    }
}

void pci_claim_for_hv(uint16_t bdf)
{
    struct pci_dev *pd = pci_find(bdf);
    if (pd) {
        pd->kind = PCI_OWNER_HV;
        pr_info("pci: %02x:%02x.%x kept by the hypervisor\n", PCI_BUS(bdf), PCI_DEV(bdf),
                PCI_FN(bdf));
    }
}

void pci_init(void)
{
    mcfg_init();
    if (!ecam_base) {
        /* Mechanism #1 present? Write a pattern to 0xCF8 and read it back. */
        outl(0xcf8, 0x80000000u);
        if (inl(0xcf8) != 0x80000000u) {
            pr_info("pci: no configuration mechanism; no PCI devices\n");
            return;
        }
        pr_info("pci: configuration through ports 0xCF8/0xCFC (no MCFG)\n");
    }
    scan_bus(0, 0);
    pr_info("pci: %u functions\n", pci_nr_devs);
}
