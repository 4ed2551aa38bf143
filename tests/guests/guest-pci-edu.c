/*
 * guest-pci-edu: the device owner (module option devices=all) drives QEMU's `edu` device
 * behind the IOMMU.
 * Command line: edu=absent (no IOMMU: edu must have been refused to us), dma=0 (stop
 * before any DMA: with iommu=off-unsafe it would land anywhere in host memory).
 *  1. Enumerates bus 0 through ports 0xCF8/0xCFC; finds edu (1234:11e8); sees no IOMMU
 *     function (the hypervisor keeps it: it must read as absent).
 *  2. A BAR write pointing BAR0 at host RAM (1 MiB, the hypervisor's image) is refused:
 *     BAR0 reads back unchanged.
 *  3. Maps nothing itself (Keel put BAR0 in its p2m at the BAR address): identification
 *     and liveness registers (0x04 returns ~value).
 *  4. DMA round trip: a page of its RAM -> device buffer (0x40000) -> another page; the
 *     data must come back right.
 *  5. DMA aimed at host address 1 MiB (the hypervisor's image on the host) reads this
 *     guest's own GPA 1 MiB instead: the IOMMU translates, the hypervisor is not there.
 *  6. DMA aimed at host addresses outside its RAM (attack=<MiB>,<MiB>... below 256 MiB,
 *     edu's DMA mask; guest-dma-victim's RAM on the host): device reads, then writes;
 *     Keel must log an IO_PAGE_FAULT for each, and what comes back must not be the
 *     victim's secret (guest-dma-victim checks its memory itself afterwards).
 *  7. (msi=on, before the DMA steps) MSI: programs edu's MSI capability with its vector
 *     MSI_VEC to its own x2APIC id; reads back what it wrote; first with an address that
 *     is no interrupt address (host 1 MiB, Keel's image): a raise delivers nothing (Keel
 *     logs that the device itself writes Keel's address); then its real address: each of
 *     MSI_RAISES raises runs the handler exactly once; after MSI is disabled a raise
 *     delivers nothing. Leaves MSI on for the teardown to turn off.
 */
#include <guest/guest.h>
#include <guest/pci_cfg.h>
#include <guest/apic.h>
#include <guest/smp.h>
#include <stdbool.h>

#include "secret.h"

#define EDU_ID       0x00
#define EDU_LIVENESS 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC  0x80
#define EDU_DMA_DST  0x88
#define EDU_DMA_CNT  0x90
#define EDU_DMA_CMD  0x98
#define EDU_BUF      0x40000ull
#define DMA_RUN      1u
#define DMA_TO_RAM   2u              /* direction: device buffer -> RAM */
#define MB2_HEADER_MAGIC 0xe85250d6u
/* QEMU 7.2's edu rejects (aborts QEMU on) a transfer that ends exactly at the end of its
 * 4 KiB buffer: an off-by-one in its range check. Half a page per transfer. */
#define XFER         2048

static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;


static uint32_t r32(unsigned off) { return *(volatile uint32_t *)(edu + off); }
static void w32(unsigned off, uint32_t v) { *(volatile uint32_t *)(edu + off) = v; }
static void w64(unsigned off, uint64_t v) { *(volatile uint64_t *)(edu + off) = v; }
static uint64_t r64(unsigned off) { return *(volatile uint64_t *)(edu + off); }

/* One DMA; false if the engine never finished (edu runs it from a 100 ms timer). */
static bool dma(uint64_t src, uint64_t dst, uint64_t len, uint32_t dir)
{
    w64(EDU_DMA_SRC, src);
    w64(EDU_DMA_DST, dst);
    w64(EDU_DMA_CNT, len);
    w64(EDU_DMA_CMD, DMA_RUN | dir);
    for (uint64_t t0 = rdtsc(); r64(EDU_DMA_CMD) & DMA_RUN;)
        if (rdtsc() - t0 > 10000000000ull)
            return false;
    return true;
}

static bool has_secret(const uint8_t *p, size_t len)
{
    uint64_t w[2], key = pattern_key();
    pattern_words(secret_enc, w);
    for (size_t i = 0; i + 16 <= len; i++) {
        uint64_t m[2];
        memcpy(m, p + i, 16);
        if ((m[0] ^ key) == w[0] && (m[1] ^ key) == w[1])
            return true;
    }
    return false;
}

static unsigned find_edu(void)
{
    unsigned found = 0xffff, iommus = 0, n = 0;
    for (unsigned dev = 0; dev < 32; dev++)
        for (unsigned fn = 0; fn < 8; fn++) {
            unsigned bdf = (dev << 3) | fn;
            uint32_t id = pci_cfg_read32(bdf, 0);
            if ((id & 0xffff) == 0xffff)
                continue;
            uint32_t cls = pci_cfg_read32(bdf, 8) >> 8;
            gprintf("pci 00:%02x.%x %04x:%04x class %06x\n", dev, fn, id & 0xffff, id >> 16, cls);
            n++;
            if (id == 0x11e81234u)
                found = bdf;
            if (cls >> 8 == 0x0806)
                iommus++;
        }
    char want[8];
    if (guest_cmdline_get("edu", want, sizeof(want)) && !strcmp(want, "absent")) {
        /* No IOMMU: Keel must have refused the DMA-capable edu to us. */
        test_check(found == 0xffff && n > 0, "pci-edu-refused",
                   "%u functions visible, edu %s", n, found == 0xffff ? "absent" : "visible");
        return 0xffff;
    }
    test_check(found != 0xffff, "pci-enumerate", "edu 1234:11e8 not among %u functions", n);
    test_check(iommus == 0, "pci-iommu-hidden", "%u IOMMU functions visible to a guest", iommus);
    return found;
}

#define MSI_VEC    0x61
#define MSI_RAISES 100

static volatile uint32_t msi_taken, msi_status;

static void on_msi(unsigned vector)
{
    (void)vector;
    msi_status = r32(EDU_IRQ_STATUS);
    w32(EDU_IRQ_ACK, msi_status);
    msi_taken++;
    lapic_eoi();
}

static unsigned find_msi_cap(unsigned bdf)
{
    unsigned p = pci_cfg_read32(bdf, 0x34) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t h = pci_cfg_read32(bdf, p);
        if ((h & 0xff) == 0x05)
            return p;
        p = (h >> 8) & 0xfc;
    }
    return 0;
}

/* Raise once; wait (interrupts on) until `want` handler runs in all, or a while. */
static void raise_and_wait(uint32_t want)
{
    w32(EDU_IRQ_RAISE, 1);
    sti();
    for (uint64_t t0 = rdtsc(); msi_taken < want && rdtsc() - t0 < 200000000ull;)
        __asm__ volatile("pause");
    for (uint64_t t0 = rdtsc(); rdtsc() - t0 < 2000000ull;)   /* a second one would be here */
        __asm__ volatile("pause");
    cli();
}

static void msi(unsigned bdf)
{
    char on[8];
    if (!guest_cmdline_get("msi", on, sizeof(on)) || strcmp(on, "on"))
        return;
    unsigned cap = find_msi_cap(bdf);
    if (!test_check(cap != 0, "msi-cap", "edu has no MSI capability"))
        return;
    uint32_t ctrl = pci_cfg_read32(bdf, cap);
    bool is64 = ctrl & (1u << 23);
    unsigned data_reg = cap + (is64 ? 12 : 8);
    lapic_enable();
    irq_register(MSI_VEC, on_msi);

    /* An address that is no interrupt address: Keel keeps it, the device never sees it. */
    pci_cfg_write32(bdf, cap + 4, 0x00100000u);
    if (is64)
        pci_cfg_write32(bdf, cap + 8, 0);
    pci_cfg_write32(bdf, data_reg, MSI_VEC);
    pci_cfg_write32(bdf, cap, ctrl | (1u << 16));
    uint32_t a = pci_cfg_read32(bdf, cap + 4), dt = pci_cfg_read32(bdf, data_reg) & 0xffff;
    test_check(a == 0x00100000u && dt == MSI_VEC && (pci_cfg_read32(bdf, cap) & (1u << 16)),
               "msi-readback", "address 0x%x data 0x%x control 0x%x", a, dt, pci_cfg_read32(bdf, cap));
    raise_and_wait(1);
    test_check(msi_taken == 0 && irq_unexpected == 0, "msi-bad-address-nothing",
               "%u handler runs, %u unexpected interrupts", msi_taken, irq_unexpected);
    w32(EDU_IRQ_ACK, r32(EDU_IRQ_STATUS));

    /* Its own LAPIC: each raise, one handler run. */
    pci_cfg_write32(bdf, cap + 4, 0xfee00000u | (lapic_id() & 0xff) << 12);
    unsigned late = 0;
    for (uint32_t i = 1; i <= MSI_RAISES; i++) {
        raise_and_wait(i);
        late += msi_taken != i;
    }
    test_check(msi_taken == MSI_RAISES && !late && msi_status == 1, "msi-delivered",
               "%u handler runs for %u raises (%u rounds off), last status 0x%x", msi_taken,
               MSI_RAISES, late, msi_status);

    /* Disabled: a raise delivers nothing. */
    pci_cfg_write32(bdf, cap, pci_cfg_read32(bdf, cap) & ~(1u << 16));
    raise_and_wait(MSI_RAISES + 1);
    test_check(msi_taken == MSI_RAISES && !(pci_cfg_read32(bdf, cap) & (1u << 16)), "msi-disabled-nothing",
               "%u handler runs after %u raises and one while disabled", msi_taken, MSI_RAISES);
    w32(EDU_IRQ_ACK, r32(EDU_IRQ_STATUS));
    test_check(irq_unexpected == 0, "msi-no-stray", "%u unexpected interrupts", irq_unexpected);
    /* Left on: the domain's teardown must turn it off and free the host vector. */
    pci_cfg_write32(bdf, cap, pci_cfg_read32(bdf, cap) | (1u << 16));
}

static void attacks(void)
{
    char list[64], *p = list;
    if (!guest_cmdline_get("attack", list, sizeof(list)))
        return;
    int leaks = 0, stuck = 0, tries = 0;
    while (*p) {
        uint64_t mib = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            mib = mib * 10 + (uint64_t)(*p - '0');
        if (*p == ',')
            p++;
        uint64_t target = mib << 20;
        if (guest_is_ram(target, 4096)) {
            test_fail("dma-attack", "target %lu MiB is this guest's own RAM", mib);
            continue;
        }
        /* Read first (target -> device -> page_b: the secret must not come back), then
         * write junk over the target (device -> target: the victim checks). */
        memset(page_a, 0xa5, sizeof(page_a));
        memset(page_b, 0, sizeof(page_b));
        gprintf("DMA attack: read and write host address 0x%lx\n", target);
        stuck += !dma(target, EDU_BUF, XFER, 0);
        stuck += !dma(EDU_BUF, (uint64_t)(uintptr_t)page_b, XFER, DMA_TO_RAM);
        leaks += has_secret(page_b, sizeof(page_b));
        stuck += !dma((uint64_t)(uintptr_t)page_a, EDU_BUF, XFER, 0);
        stuck += !dma(EDU_BUF, target, XFER, DMA_TO_RAM);
        tries++;
    }
    test_check(tries > 0 && !stuck, "dma-attack-ran", "%d tries, %d DMAs never finished", tries, stuck);
    test_check(!leaks, "dma-attack-no-leak", "%d reads brought back the victim's secret", leaks);
    gprintf("DMA attacks done\n");
}

void guest_main(void)
{
    unsigned bdf = find_edu();
    if (bdf == 0xffff)
        return;
    uint32_t bar0 = pci_cfg_read32(bdf, 0x10);
    pci_cfg_write32(bdf, 0x10, 0x00100000u);            /* at the hypervisor's image: refused */
    test_check(pci_cfg_read32(bdf, 0x10) == bar0, "pci-bar-write-refused",
               "BAR0 0x%x became 0x%x", bar0, pci_cfg_read32(bdf, 0x10));
    pci_cfg_write32(bdf, 0x04, pci_cfg_read32(bdf, 0x04) | 0x6);   /* memory decoding, bus master */
    edu = (volatile uint8_t *)(uintptr_t)(bar0 & ~0xfu);
    gprintf("edu at 00:%02x.%x, BAR0 %p\n", bdf >> 3, bdf & 7, (void *)edu);

    uint32_t id = r32(EDU_ID);
    w32(EDU_LIVENESS, 0x12345678u);
    uint32_t live = r32(EDU_LIVENESS);
    test_check((id & 0xff) == 0xed && live == ~0x12345678u, "edu-mmio",
               "id 0x%x, liveness 0x%x", id, live);
    msi(bdf);
    char dma_on[8];
    if (guest_cmdline_get("dma", dma_on, sizeof(dma_on)) && !strcmp(dma_on, "0"))
        return;                   /* iommu=off-unsafe: unconfined DMA would hit the host */

    /* Round trip through the device's buffer. */
    for (unsigned i = 0; i < sizeof(page_a); i++)
        page_a[i] = (uint8_t)(i * 7 + 3);
    memset(page_b, 0, sizeof(page_b));
    bool ok = dma((uint64_t)(uintptr_t)page_a, EDU_BUF, XFER, 0) &&
              dma(EDU_BUF, (uint64_t)(uintptr_t)page_b, XFER, DMA_TO_RAM);
    test_check(ok && !memcmp(page_a, page_b, XFER), "dma-roundtrip",
               "%s; first bytes %02x %02x %02x", ok ? "data differs" : "DMA never finished",
               page_b[0], page_b[1], page_b[2]);

    /* Host 1 MiB holds the hypervisor's image; for this device it is our GPA 1 MiB. */
    memset(page_b, 0, sizeof(page_b));
    ok = dma(0x100000, EDU_BUF, XFER, 0) &&
         dma(EDU_BUF, (uint64_t)(uintptr_t)page_b, XFER, DMA_TO_RAM);
    uint32_t magic;
    memcpy(&magic, page_b, 4);
    test_check(ok && !memcmp(page_b, (const void *)0x100000, XFER) && magic != MB2_HEADER_MAGIC,
               "dma-hv-image-unreachable", "%s; first word 0x%x",
               ok ? "the device read something other than our GPA 1 MiB" : "DMA never finished",
               magic);
    attacks();
}
