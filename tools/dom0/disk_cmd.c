/*
 * The shell's disk commands, to exercise a disk driver end to end:
 *   disk-test <disk> <sector> <count> [seed]   write a pattern, flush, read it back into
 *                                              another buffer, compare, print a checksum
 *   disk-sum <disk> <sector> <count> [seed]    read only: the checksum and, with a seed,
 *                                              whether the data is that seed's pattern
 *   disk-dma-escape <disk> <MiB>               a virtio disk reads a sector into Dom0's
 *                                              GPA <MiB> MiB, beyond its RAM: the IOMMU
 *                                              must block it (and the driver recover)
 *   disk-msi-forge <disk> <sector> <vector>    writes a sector of 32-bit MSI data words
 *                                              (that vector, fixed, edge), then has a
 *                                              virtio disk read it to 0xFEE00000: the
 *                                              device's DMA lands in the interrupt window
 *                                              as 128 forged MSIs, which interrupt
 *                                              remapping must block
 * The pattern is checkable from the host too: each sector starts with the text
 * "keel sector <10-digit number> seed <seed>\n". The checksum is FNV-1a (64-bit) over
 * the bytes read, in order.
 */
#include <guest/guest.h>

#include "disk.h"
#include "disk_cmd.h"
#include "virtio_blk.h"

#define CHUNK 128                              /* sectors per transfer: 64 KiB */

static uint8_t wbuf[CHUNK * 512] __attribute__((aligned(4096)));
static uint8_t rbuf[CHUNK * 512] __attribute__((aligned(4096)));

static void pattern(uint8_t *p, uint64_t sector, unsigned seed)
{
    int n = gsnprintf((char *)p, 512, "keel sector %010lu seed %u\n", (unsigned long)sector, seed);
    for (unsigned i = (unsigned)n; i < 512; i++)
        p[i] = (uint8_t)(i * 31u + sector * 7u + seed * 13u);
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int number(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 1000000000000ull)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

/* write: 1 for disk-test. Returns after printing one result line. */
static void run(struct disk *d, const char *verb, uint64_t sector, uint64_t count,
                int have_seed, unsigned seed, int write)
{
    uint64_t sum = 0xcbf29ce484222325ull, bad = ~0ull;
    int rc = 0;
    const char *what = "read";

    for (uint64_t done = 0; done < count && !rc;) {
        uint32_t n = count - done < CHUNK ? (uint32_t)(count - done) : CHUNK;
        uint64_t s = sector + done;
        if (write || have_seed)
            for (uint32_t i = 0; i < n; i++)
                pattern(wbuf + i * 512, s + i, seed);
        if (write && (rc = d->write(d, s, wbuf, n))) {
            what = "write";
            break;
        }
        if (write && (rc = d->flush(d))) {
            what = "flush";
            break;
        }
        memset(rbuf, 0, n * 512u);             /* what we compare must come from the disk */
        if ((rc = d->read(d, s, rbuf, n)))
            break;
        sum = fnv1a(sum, rbuf, n * 512u);
        if ((write || have_seed) && bad == ~0ull)
            for (uint32_t i = 0; i < n; i++)
                if (memcmp(rbuf + i * 512, wbuf + i * 512, 512)) {
                    bad = s + i;
                    break;
                }
        done += n;
    }
    if (rc) {
        gprintf("dom0: %s %s: %s error %d\n", verb, d->name, what, rc);
        return;
    }
    gprintf("dom0: %s %s %lu+%lu: checksum 0x%016lx", verb, d->name, (unsigned long)sector,
            (unsigned long)count, (unsigned long)sum);
    if (!write && !have_seed)
        gprintf("\n");
    else if (bad == ~0ull)
        gprintf(", pattern (seed %u) ok\n", seed);
    else
        gprintf(", pattern (seed %u) DIFFERS from sector %lu\n", seed, (unsigned long)bad);
}

static void dma_escape(const char *name, const char *mib_s)
{
    uint64_t mib;
    struct disk *d = disk_find(name);
    if (!d || !number(mib_s, &mib) || mib >= 4096) {
        gprintf("usage: disk-dma-escape <virtio disk> <MiB below 4096>\n");
        return;
    }
    uint64_t gpa = mib << 20;
    if (guest_is_ram(gpa, 512)) {
        gprintf("dom0: disk-dma-escape: 0x%lx is our own RAM\n", (unsigned long)gpa);
        return;
    }
    int rc = virtio_blk_read_to(d, 0, gpa);
    /* What the device then reports depends on it: QEMU's virtio drops the blocked bytes
     * and reports success. The test looks at the IOMMU's side (scenario dom0-virtio-blk). */
    gprintf("dom0: disk-dma-escape %s to 0x%lx: request ended, status %d\n", name,
            (unsigned long)gpa, rc);
}

static void msi_forge(const char *name, const char *sector_s, const char *vector_s)
{
    uint64_t sector, vector;
    struct disk *d = disk_find(name);
    if (!d || !number(sector_s, &sector) || !number(vector_s, &vector) || vector > 255) {
        gprintf("usage: disk-msi-forge <virtio disk> <sector> <vector 0-255>\n");
        return;
    }
    for (unsigned i = 0; i < 512; i += 4)
        memcpy(wbuf + i, &(uint32_t){ (uint32_t)vector }, 4);
    int rc = d->write(d, sector, wbuf, 1);
    if (rc) {
        gprintf("dom0: disk-msi-forge %s: write error %d\n", name, rc);
        return;
    }
    rc = virtio_blk_read_to(d, sector, 0xfee00000u);
    gprintf("dom0: disk-msi-forge %s: 128 MSI words of vector 0x%02lx sent to 0xfee00000: "
            "request ended, status %d\n", name, (unsigned long)vector, rc);
}

int disk_cmd(int argc, char **argv)
{
    if (!strcmp(argv[0], "disk-msi-forge")) {
        if (argc == 4)
            msi_forge(argv[1], argv[2], argv[3]);
        else
            gprintf("usage: disk-msi-forge <virtio disk> <sector> <vector 0-255>\n");
        return 1;
    }
    if (!strcmp(argv[0], "disk-dma-escape")) {
        if (argc == 3)
            dma_escape(argv[1], argv[2]);
        else
            gprintf("usage: disk-dma-escape <virtio disk> <MiB>\n");
        return 1;
    }
    int test = !strcmp(argv[0], "disk-test");
    if (!test && strcmp(argv[0], "disk-sum"))
        return 0;
    uint64_t sector, count, seed = 0;
    if ((argc != 4 && argc != 5) || !number(argv[2], &sector) || !number(argv[3], &count) ||
        (argc == 5 && (!number(argv[4], &seed) || seed > 0xffffffffull))) {
        gprintf("usage: %s <disk> <sector> <count> [seed]\n", argv[0]);
        return 1;
    }
    struct disk *d = disk_find(argv[1]);
    if (!d)                                    /* the driver checks the range itself */
        gprintf("dom0: %s: no disk %s\n", argv[0], argv[1]);
    else
        run(d, argv[0], sector, count, argc == 5, (unsigned)seed, test);
    return 1;
}
