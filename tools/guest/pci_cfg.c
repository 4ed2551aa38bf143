/*
 * PCI configuration space through ports 0xCF8/0xCFC (guest/pci_cfg.h): the port pair the
 * hypervisor intercepts and filters for its device owner. Used by Dom0's drivers and by
 * the test guests that own devices.
 */
#include <guest/guest.h>
#include <guest/pci_cfg.h>

static void select(unsigned bdf, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (bdf << 8) | (reg & 0xfc));
}

uint32_t pci_cfg_read32(unsigned bdf, unsigned reg)
{
    select(bdf, reg);
    return inl(0xcfc);
}

uint16_t pci_cfg_read16(unsigned bdf, unsigned reg)
{
    select(bdf, reg);
    return inw((uint16_t)(0xcfc + (reg & 2)));
}

uint8_t pci_cfg_read8(unsigned bdf, unsigned reg)
{
    select(bdf, reg);
    return inb((uint16_t)(0xcfc + (reg & 3)));
}

void pci_cfg_write32(unsigned bdf, unsigned reg, uint32_t v)
{
    select(bdf, reg);
    outl(0xcfc, v);
}

void pci_cfg_write16(unsigned bdf, unsigned reg, uint16_t v)
{
    select(bdf, reg);
    outw((uint16_t)(0xcfc + (reg & 2)), v);
}

void pci_cfg_each(void (*fn)(unsigned bdf, uint32_t id))
{
    for (unsigned dev = 0; dev < 32; dev++)
        for (unsigned f = 0; f < 8; f++) {
            uint32_t id = pci_cfg_read32(PCI_BDF(0, dev, f), 0);
            if ((id & 0xffff) == 0xffff)
                continue;                  /* absent, or kept from us by Keel */
            fn(PCI_BDF(0, dev, f), id);
            if (f == 0 && !(pci_cfg_read8(PCI_BDF(0, dev, 0), 0x0e) & 0x80))
                break;                     /* not multi-function */
        }
}

uint64_t pci_cfg_bar(unsigned bdf, unsigned bar)
{
    uint32_t lo = pci_cfg_read32(bdf, 0x10 + bar * 4);
    if (lo & 1)
        return 0;
    uint64_t a = lo & ~0xfull;
    if ((lo & 6) == 4 && bar < 5)
        a |= (uint64_t)pci_cfg_read32(bdf, 0x14 + bar * 4) << 32;
    return a;
}
