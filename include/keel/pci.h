/*
 * PCI devices as the hypervisor sees them (drivers/pci*.c): configuration space access
 * (ECAM from the ACPI MCFG table, else the legacy 0xCF8/0xCFC ports), the list of
 * functions found at boot, and who owns each one. Owners: the hypervisor (the IOMMUs,
 * its UART), nobody (hidden with pci-hide=: DMA blocked), or the device-owner domain.
 */
#ifndef KEEL_PCI_H
#define KEEL_PCI_H

#include <keel/types.h>

struct domain;
struct vcpu;
struct vm_exit;

#define PCI_BDF(b, d, f) ((uint16_t)(((b) << 8) | ((d) << 3) | (f)))
#define PCI_BUS(bdf) ((bdf) >> 8)
#define PCI_DEV(bdf) (((bdf) >> 3) & 31)
#define PCI_FN(bdf)  ((bdf) & 7)

#define PCI_MAX_DEVS 64

enum pci_owner_kind { PCI_OWNER_DOMAIN, PCI_OWNER_HV, PCI_OWNER_NONE };

struct pci_bar {
    uint64_t base, size;      /* size 0: the device has no such BAR */
    bool io, is64;
};

struct pci_dev {
    uint16_t bdf;
    uint16_t vendor, device;
    uint32_t class;           /* class << 16 | subclass << 8 | prog-if */
    uint8_t hdr_type;         /* 0: device, 1: PCI-PCI bridge */
    struct pci_bar bar[6];
    enum pci_owner_kind kind;
    struct domain *owner;     /* PCI_OWNER_DOMAIN: the domain it is given to, or NULL */
    /* MSI (drivers/pci_msi.c): capability offset (0: none), 64-bit address, the host vector
     * while enabled, the owner's address/data as it wrote them. */
    uint8_t msi_cap, msi_hvec;
    bool msi_64;
    uint8_t msi_said;
    uint8_t msi_shadow[12];
};

extern struct pci_dev pci_devs[PCI_MAX_DEVS];
extern unsigned pci_nr_devs;

uint32_t pci_read(uint16_t bdf, unsigned reg, unsigned size);
void pci_write(uint16_t bdf, unsigned reg, unsigned size, uint32_t val);
struct pci_dev *pci_find(uint16_t bdf);

/* Boot: config access, enumeration (one line per function), ownership. */
void pci_init(void);
/* The hypervisor keeps this function (an IOMMU found in ACPI, say). */
void pci_claim_for_hv(uint16_t bdf);

/* The device-owner domain (Dom0; with dom0=off, the boot module with `devices=all`): gets every
 * function not hidden or kept by the hypervisor: IOMMU translation of its RAM, BAR MMIO
 * in its p2m, its config space through 0xCF8/0xCFC. 0 or -XEN_E*. */
int pci_give_devices(struct domain *d);
/* Domain teardown: its devices lose DMA before its memory is freed. */
void pci_release_devices(struct domain *d);
/* MSI: find the capability (given devices); an owner's config access to its first 16
 * bytes (true: handled, *val read or written); teardown (device MSI off, vector freed). */
void pci_msi_probe(struct pci_dev *pd);
bool pci_msi_access(struct pci_dev *pd, unsigned reg, unsigned size, bool write, uint32_t *val);
void pci_msi_release(struct pci_dev *pd);
/* Port I/O of a guest: true if it was PCI config space or a port of a device it owns. */
bool pci_guest_io(struct vcpu *v, const struct vm_exit *x);

#endif
