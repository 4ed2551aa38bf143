/*
 * PCI configuration space from a device owner (Dom0, or a test guest with devices=all),
 * through ports 0xCF8/0xCFC (tools/guest/pci_cfg.c).
 * Keel intercepts these ports: the owner's own functions read and write for real (writes
 * filtered), every other function reads as all ones (docs/ARCHITECTURE.md, "Devices,
 * ownership and the IOMMU"). Bus 0 only: QEMU's q35 and pc put everything there.
 */
#ifndef GUEST_PCI_CFG_H
#define GUEST_PCI_CFG_H

#include <stdint.h>

#define PCI_BDF(bus, dev, fn) (((bus) << 8) | ((dev) << 3) | (fn))

uint32_t pci_cfg_read32(unsigned bdf, unsigned reg);
uint16_t pci_cfg_read16(unsigned bdf, unsigned reg);
uint8_t pci_cfg_read8(unsigned bdf, unsigned reg);
void pci_cfg_write32(unsigned bdf, unsigned reg, uint32_t v);
void pci_cfg_write16(unsigned bdf, unsigned reg, uint16_t v);

/* Calls fn for each present function of bus 0 (vendor:device as vendor | device << 16). */
void pci_cfg_each(void (*fn)(unsigned bdf, uint32_t id));

/* The address of memory BAR `bar` (64-bit BARs read whole), 0 if it is an I/O BAR. */
uint64_t pci_cfg_bar(unsigned bdf, unsigned bar);

#endif
