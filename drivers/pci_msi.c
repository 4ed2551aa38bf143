/*
 * MSI of passthrough devices, delivered to their owner domain.
 *
 * The owner programs the MSI capability as on bare metal, but its address and data never
 * reach the device: they would let it make the device write anywhere (the address is a
 * plain bus write) or hit any host vector. Keel keeps them in a shadow the owner reads
 * back, and when the owner sets MSI enable it programs the device with a host vector of
 * its own, aimed at the boot CPU's local APIC (physical destination, fixed, edge) — with
 * interrupt remapping on, through the IOMMU's remapping entry for that vector, the device
 * being programmed with the message that names the entry (drivers/vtd_irq.c,
 * drivers/amd_iommu_irq.c), so it cannot raise anything else. On that
 * host vector it injects the owner's vector (data bits 7:0) into the owner's vCPU whose
 * x2APIC id the owner's address names (bits 19:12); the host LAPIC is EOI'd by
 * trap_dispatch. Clearing enable, or the domain's teardown, turns the device's MSI off
 * first and then frees the vector. Single message only (Multiple Message Enable reads 0);
 * per-vector mask bits go to the device. MSI-X and INTx are not delivered.
 */
#include <keel/domain.h>
#include <keel/iommu.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <keel/vlapic.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#define MSI_VEC_FIRST 0x40
#define MSI_VEC_LAST  0xdf          /* below the hypervisor's own 0xf0+ */
#define MSI_CTRL_EN   1u
#define MSI_CTRL_MME  (7u << 4)
#define MSI_CTRL_64   (1u << 7)

static spinlock_t msi_lock = SPINLOCK_INIT;
static struct pci_dev *by_vector[256];

void pci_msi_probe(struct pci_dev *pd)
{
    pd->msi_cap = 0;
    if (!(pci_read(pd->bdf, 6, 2) & (1u << 4)))
        return;
    unsigned p = pci_read(pd->bdf, 0x34, 1) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        if (pci_read(pd->bdf, p, 1) == 0x05) {
            pd->msi_cap = (uint8_t)p;
            pd->msi_64 = !!(pci_read(pd->bdf, p + 2, 2) & MSI_CTRL_64);
            return;
        }
        p = pci_read(pd->bdf, p + 1, 1) & 0xfc;
    }
}

/* The shadowed dwords: address (and its high half), data and the reserved half after it. */
static unsigned shadow_end(const struct pci_dev *pd)
{
    return pd->msi_cap + (pd->msi_64 ? 16 : 12);
}

static void msi_host_irq(struct trap_frame *tf)
{
    spin_lock(&msi_lock);
    struct pci_dev *pd = by_vector[(uint8_t)tf->vector];
    struct domain *d = pd ? pd->owner : NULL;
    if (d) {
        uint32_t addr, data;
        memcpy(&addr, pd->msi_shadow, 4);
        memcpy(&data, pd->msi_shadow + (pd->msi_64 ? 8 : 4), 4);
        uint32_t dest = (addr >> 12) & 0xff;
        struct vcpu *t = NULL;
        for (unsigned i = 0; i < d->nr_vcpus && !t; i++)
            if (d->vcpus[i]->id == dest)
                t = d->vcpus[i];
        if ((addr >> 20) == 0xfee && t)
            vlapic_raise(t, (uint8_t)data);
        else if (!pd->msi_said++)
            pr_warn("pci: %02x:%02x.%x MSI dropped: domain %u's address %#x names no vCPU\n",
                    PCI_BUS(pd->bdf), PCI_DEV(pd->bdf), PCI_FN(pd->bdf), d->id, addr);
    }
    spin_unlock(&msi_lock);
}

/* Device MSI off, then its host vector back to the pool. msi_lock held. */
static void msi_off_locked(struct pci_dev *pd)
{
    unsigned ctl = pd->msi_cap + 2;
    pci_write(pd->bdf, ctl, 2, pci_read(pd->bdf, ctl, 2) & ~(MSI_CTRL_EN | MSI_CTRL_MME));
    if (pd->msi_hvec) {
        iommu_msi_unroute(pd->bdf, pd->msi_hvec);
        by_vector[pd->msi_hvec] = NULL;
        pr_info("pci: %02x:%02x.%x MSI off, host vector %#x freed\n", PCI_BUS(pd->bdf),
                PCI_DEV(pd->bdf), PCI_FN(pd->bdf), pd->msi_hvec);
        pd->msi_hvec = 0;
    }
}

static void msi_on_locked(struct pci_dev *pd, uint16_t ctrl)
{
    if (!pd->msi_hvec) {
        unsigned v = MSI_VEC_FIRST;
        while (v <= MSI_VEC_LAST && by_vector[v])
            v++;
        if (v > MSI_VEC_LAST) {
            pr_warn("pci: no host vector left for MSI; left off\n");
            return;
        }
        by_vector[v] = pd;
        pd->msi_hvec = (uint8_t)v;
        irq_register((uint8_t)v, msi_host_irq);
    }
    bool is64 = pd->msi_64;
    uint16_t bdf = pd->bdf;
    unsigned cap = pd->msi_cap;
    uint32_t apic = percpu_area[0].apic_id, addr = 0xfee00000u | (apic & 0xff) << 12;
    uint32_t data = pd->msi_hvec;                              /* fixed, edge */
    bool remapped = iommu_irq_remapping();
    if (remapped && iommu_msi_route(bdf, pd->msi_hvec, apic, &addr, &data) < 0) {
        pr_warn("pci: %02x:%02x.%x: no interrupt remapping entry for CPU 0 (APIC id %u); "
                "MSI left off\n", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf), apic);
        by_vector[pd->msi_hvec] = NULL;
        pd->msi_hvec = 0;
        return;
    }
    pci_write(bdf, cap + 4, 4, addr);
    if (is64)
        pci_write(bdf, cap + 8, 4, 0);
    pci_write(bdf, cap + (is64 ? 12 : 8), 2, data);
    pci_write(bdf, cap + 2, 2, (ctrl & ~MSI_CTRL_MME) | MSI_CTRL_EN);
    uint32_t gaddr;
    memcpy(&gaddr, pd->msi_shadow, 4);
    pr_info("pci: %02x:%02x.%x MSI on: host vector %#x on CPU 0%s, device writes %#x data %#x; "
            "domain %u asked %#x data %#x\n", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf),
            pd->msi_hvec, remapped ? " through interrupt remapping" : "",
            pci_read(bdf, cap + 4, 4), pci_read(bdf, cap + (is64 ? 12 : 8), 2),
            pd->owner->id, gaddr, pd->msi_shadow[is64 ? 8 : 4] | pd->msi_shadow[is64 ? 9 : 5] << 8);
}

bool pci_msi_access(struct pci_dev *pd, unsigned reg, unsigned size, bool write, uint32_t *val)
{
    unsigned cap = pd->msi_cap;
    if (!cap || reg < cap || reg >= shadow_end(pd))
        return false;
    unsigned dw = reg & ~3u, sh = (reg & 3) * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << (size * 8)) - 1) << sh;
    unsigned long f = spin_lock_irqsave(&msi_lock);
    if (dw == cap) {
        /* Header and control: the enable bit is Keel's to act on; the rest is the device's. */
        uint32_t now = pci_read(pd->bdf, cap, 4);
        if (!write) {
            *val = (now & mask) >> sh;
        } else if (mask >> 16) {
            uint16_t ctrl = (uint16_t)(((now & ~mask) | ((*val << sh) & mask)) >> 16);
            if (ctrl & MSI_CTRL_EN)
                msi_on_locked(pd, ctrl);
            else
                msi_off_locked(pd);
        }
    } else {
        /* Address and data: the guest's own copy, never the device's. */
        uint8_t *s = pd->msi_shadow + (dw - cap - 4);
        uint32_t cur;
        memcpy(&cur, s, 4);
        if (write) {
            cur = (cur & ~mask) | ((*val << sh) & mask);
            memcpy(s, &cur, 4);
        } else {
            *val = (cur & mask) >> sh;
        }
    }
    spin_unlock_irqrestore(&msi_lock, f);
    return true;
}

/* Domain teardown, before its vCPUs go: no interrupt finds it afterwards. */
void pci_msi_release(struct pci_dev *pd)
{
    if (!pd->msi_cap)
        return;
    unsigned long f = spin_lock_irqsave(&msi_lock);
    msi_off_locked(pd);
    memset(pd->msi_shadow, 0, sizeof(pd->msi_shadow));
    spin_unlock_irqrestore(&msi_lock, f);
}
