/*
 * guest-pci-iobar: the device owner (devices=all, iommu=off-unsafe: the IDE function is
 * DMA-capable) does port I/O on an I/O BAR of its own: the PIIX IDE function's bus-master
 * registers (class 0101, BAR4, 16 ports). Keel opens those ports in the domain's I/O
 * permission map, so the accesses must not exit.
 * Command line: bitmap=0 (the control run, Keel told to emulate those ports instead:
 * selftest=no-io-bitmap) flips the expectation of the cost test. owner=0 (the default in
 * guest-pci-iobar-peer): this domain is not the owner (a second module): it only checks that ports 0xc000-0xc0ff, where the
 * firmware put the owner's I/O BARs, all read as all ones (they exit and are refused:
 * the owner's permission map is not shared).
 *  1. Finds the IDE function through 0xCF8/0xCFC, turns on its I/O decoding.
 *  2. Status register (BAR4+2): bits 5 and 6 (drive DMA capable) set, read back, cleared,
 *     read back. Command register (BAR4+0): bit 3 (direction; bit 0, start, stays 0: no
 *     DMA) written and read back. Both channels' PRD table addresses (BAR4+4, +12:
 *     dwords) written and read back.
 *  3. No exit: a BAR port read costs far less than a read of a port that exits (COM1's
 *     LSR). The scenario also rejects Keel's "emulated (no I/O bitmap)" line.
 *  4. Refused: COM1 (0x3f8-0x3ff, Keel's console) reads all ones, writes never reach the
 *     console; a dword read that straddles the end of BAR4 (the last two ports are ours,
 *     the next two are not) reads all ones instead of the PRD address's upper half.
 */
#include <guest/guest.h>
#include <guest/pci_cfg.h>
#include <stdbool.h>

#define BM_CMD    0
#define BM_STATUS 2
#define BM_PRD    4
#define BM_PRD1   12                 /* the secondary channel's PRD table address */
#define ST_DMA_CAPABLE 0x60u         /* drive 0 and drive 1 DMA capable */
#define CMD_READ  0x08u
#define COST_READS 200
#ifndef IOBAR_OWNER_DEFAULT
#define IOBAR_OWNER_DEFAULT 1
#endif

static const char leak_probe[] = "IOBAR-SERIAL-LEAK";


/* Is `port` in an I/O BAR of any function other than (ide, bar 4)? */
static bool in_other_bar(unsigned ide, unsigned port)
{
    for (unsigned bdf = 0; bdf < 256; bdf++) {
        if ((pci_cfg_read32(bdf, 0) & 0xffff) == 0xffff || (pci_cfg_read32(bdf, 0x0c) >> 16 & 0x7f))
            continue;                                  /* absent, or not a type 0 header */
        for (unsigned b = 0; b < 6; b++) {
            uint32_t bar = pci_cfg_read32(bdf, 0x10 + 4 * b);
            if (!(bar & 1) || (bdf == ide && b == 4))
                continue;
            pci_cfg_write32(bdf, 0x10 + 4 * b, 0xffffffffu);
            uint32_t size = ~(pci_cfg_read32(bdf, 0x10 + 4 * b) & 0xfffcu & 0xffffu) + 1;
            pci_cfg_write32(bdf, 0x10 + 4 * b, bar);
            if (port >= (bar & ~3u) && port < (bar & ~3u) + (size & 0xffffu))
                return true;
        }
    }
    return false;
}

/* The cheapest of COST_READS single reads: the emulator's thread being descheduled, or an
 * unrelated exit, can only make some reads dearer, never the cheapest one. */
static uint64_t cost(uint16_t port)
{
    uint64_t best = UINT64_MAX;
    for (unsigned i = 0; i < COST_READS; i++) {
        uint64_t t = rdtsc();
        (void)inb(port);
        t = rdtsc() - t;
        best = t < best ? t : best;
    }
    return best;
}

static void not_owner(void)
{
    unsigned seen = 0;
    for (unsigned port = 0xc000; port < 0xc100; port++)
        if (inb((uint16_t)port) != 0xff || (!(port & 3) && inl((uint16_t)port) != 0xffffffffu))
            seen++;
    test_check(seen == 0, "iobar-unowned-refused",
               "%u ports in 0xc000-0xc0ff answered a domain that owns no device", seen);
    guest_done();
}

void guest_main(void)
{
    bool bitmap = guest_cmdline_num("bitmap", 1);
    if (!guest_cmdline_num("owner", IOBAR_OWNER_DEFAULT))
        not_owner();
    unsigned ide = 0x100;
    for (unsigned bdf = 0; bdf < 256 && ide == 0x100; bdf++)
        if ((pci_cfg_read32(bdf, 0) & 0xffff) != 0xffff && pci_cfg_read32(bdf, 8) >> 16 == 0x0101)
            ide = bdf;
    if (!test_check(ide != 0x100, "iobar-find-ide", "no IDE function (class 0101) on bus 0"))
        guest_done();
    uint32_t bar4 = pci_cfg_read32(ide, 0x20);
    uint16_t base = (uint16_t)(bar4 & 0xfffc);
    if (!test_check((bar4 & 1) && base, "iobar-bar4", "BAR4 0x%x: not an assigned I/O BAR", bar4))
        guest_done();
    gprintf("IDE at 00:%02x.%x, bus-master registers at 0x%x\n", ide >> 3, ide & 7, base);
    pci_cfg_write32(ide, 4, (pci_cfg_read32(ide, 4) & 0xffff) | 1);          /* I/O space decoding */

    uint8_t st = inb(base + BM_STATUS);
    outb(base + BM_STATUS, (uint8_t)((st & ~7u) | ST_DMA_CAPABLE));  /* bits 1,2 are W1C */
    uint8_t set = inb(base + BM_STATUS);
    outb(base + BM_STATUS, (uint8_t)(st & ~7u & ~ST_DMA_CAPABLE));
    uint8_t clr = inb(base + BM_STATUS);
    test_check((set & ST_DMA_CAPABLE) == ST_DMA_CAPABLE && !(clr & ST_DMA_CAPABLE),
               "iobar-status-rw", "status 0x%x, after setting bits 5,6: 0x%x, after clearing: 0x%x",
               st, set, clr);
    outb(base + BM_STATUS, (uint8_t)(st & ~7u));

    outb(base + BM_CMD, CMD_READ);
    uint8_t cmd = inb(base + BM_CMD);
    outb(base + BM_CMD, 0);
    uint8_t cmd0 = inb(base + BM_CMD);
    test_check((cmd & 0x09) == CMD_READ && !(cmd0 & 0x09), "iobar-command-rw",
               "command after writing 0x%x: 0x%x, after writing 0: 0x%x", CMD_READ, cmd, cmd0);

    outl(base + BM_PRD, 0x00abcd00u);
    uint32_t prd = inl(base + BM_PRD);
    outl(base + BM_PRD1, 0x12345670u);
    uint32_t prd1 = inl(base + BM_PRD1);
    test_check(prd == 0x00abcd00u && prd1 == 0x12345670u, "iobar-prd-dword",
               "PRD addresses read back 0x%x and 0x%x (wrote 0x00abcd00, 0x12345670)", prd,
               prd1);

    /* Keel's console UART: every access exits and is refused. */
    uint64_t direct = cost(base + BM_STATUS), exiting = cost(0x3fd);
    gprintf("cheapest of %u reads: BAR port %llu TSC ticks, COM1 LSR %llu\n", COST_READS,
            (unsigned long long)direct, (unsigned long long)exiting);
    if (bitmap)
        test_check(direct * 4 < exiting, "iobar-no-exit",
                   "BAR port reads cost %llu, exiting reads %llu: not 4 times cheaper",
                   (unsigned long long)direct, (unsigned long long)exiting);
    else
        test_check(direct * 4 >= exiting, "iobar-emulated-control",
                   "BAR port reads cost %llu, exiting reads %llu: emulated reads too cheap",
                   (unsigned long long)direct, (unsigned long long)exiting);

    uint8_t lsr = inb(0x3fd);
    test_check(lsr == 0xff, "iobar-com1-refused", "inb(0x3fd) = 0x%x, expected 0xff", lsr);
    for (const char *p = leak_probe; *p; p++)
        outb(0x3f8, (uint8_t)*p);
    outb(0x3f8, '\n');
    test_pass("iobar-com1-write-dropped");             /* the scenario checks the console */

    if (in_other_bar(ide, base + 16u)) {
        test_note("iobar-straddle", "port 0x%x is in another BAR of ours", base + 16u);
    } else {
        uint32_t s = inl(base + 14);
        test_check(s == 0xffffffffu, "iobar-straddle-refused",
                   "inl(0x%x) across the end of BAR4 = 0x%x, expected 0xffffffff", base + 14, s);
    }
    outl(base + BM_PRD, 0);
    outl(base + BM_PRD1, 0);
    guest_done();
}
