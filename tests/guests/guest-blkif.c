/*
 * guest-blkif: a DomU on Dom0's block backend (tools/dom0/blkback.c) through the runtime's
 * blkfront, on virtual device xvda (tests/dom0/blkif.rc). What it does is `mode=`:
 *   write  writes 4 MiB of a seeded pattern (each sector starts with its number), in
 *          requests whose segments start at varying sectors of a page; prints the
 *          checksum; flushes; closes.
 *   read   (a later domain, the same disk, read-only) reads the 4 MiB back: every sector's
 *          number and the checksum must match the pattern, the next sector must still be
 *          zero, and a write must be refused (info says read-only).
 *   neg    requests beyond the disk's end, with bad grant references, malformed ones,
 *          garbage in ring slots, then ring indexes that make no sense: each bad request
 *          gets BLKIF_RSP_ERROR (or EOPNOTSUPP) and changes nothing on the disk; the
 *          corrupt ring gets us disconnected, and a new connection works.
 *   bench  BENCH <vendor>/blkif_read_4k and blkif_write_4k: one 4 KiB request's round trip
 *          (grant, request, Dom0 serving it by grant copy, response, grant ended),
 *          averaged over 200 rounds after 10 of warm-up.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>
#include <guest/xen_grant.h>
#include <guest/xenbus.h>
#include <guest/blkfront.h>

#include "../../include/public/blkif.h"

#define XVDA 51712
#define FIRST_REF 8
#define SECTOR 512
#define TOTAL_SECTORS 8192                 /* 4 MiB */
#define CHUNK 48                           /* sectors per blkfront_io */
#define BENCH_ROUNDS 200
#define SEED 0x6b65656cull

static uint8_t ring_page[4096] __attribute__((aligned(4096)));
static uint8_t buf[(CHUNK + 8) * SECTOR] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static struct blkfront bf;

static const char *vendor(void)
{
    return guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm";
}

/* Sector s of the pattern: its number, then xorshift64 words from the seed and s. */
static void fill_sector(uint64_t *q, uint64_t s)
{
    uint64_t x = (SEED ^ (s * 0x9e3779b97f4a7c15ull)) | 1;
    q[0] = s;
    for (int i = 1; i < SECTOR / 8; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        q[i] = x;
    }
}

static uint64_t checksum(uint64_t c, const uint64_t *q, unsigned words)
{
    for (unsigned i = 0; i < words; i++)
        c = (c ^ q[i]) * 0x100000001b3ull;    /* FNV-1a over 64-bit words */
    return c;
}

#define FNV_START 0xcbf29ce484222325ull

static int open_xvda(void)
{
    long rc = blkfront_open(&bf, XVDA, ring_page, FIRST_REF);
    return test_check(rc == 0 && bf.sectors == 16384 && bf.sector_size == SECTOR, "blk-connect",
                      "open %ld, %lu sectors of %u bytes (want 16384 of 512)", rc,
                      (unsigned long)bf.sectors, bf.sector_size);
}

/* The chunk's buffer starts at a varying sector of a page: segments with first_sect 0-7. */
static uint8_t *chunk_buf(uint64_t s)
{
    return buf + (s / CHUNK % 8) * SECTOR;
}

static void do_write(void)
{
    uint64_t sum = FNV_START;
    long rc = 0;
    unsigned chunks = 0;
    for (uint64_t s = 0; s < TOTAL_SECTORS && !rc; s += CHUNK, chunks++) {
        uint32_t n = TOTAL_SECTORS - s < CHUNK ? (uint32_t)(TOTAL_SECTORS - s) : CHUNK;
        uint8_t *b = chunk_buf(s);
        for (uint32_t i = 0; i < n; i++)
            fill_sector((uint64_t *)(b + i * SECTOR), s + i);
        sum = checksum(sum, (const uint64_t *)b, n * SECTOR / 8);
        rc = blkfront_io(&bf, 1, s, b, n);
    }
    test_check(rc == 0, "blk-write", "4 MiB in %u writes: %ld (status %d)", chunks, rc,
               bf.last_status);
    gprintf("blkif: wrote 4 MiB, checksum 0x%016lx\n", (unsigned long)sum);
    struct blkif_request fl = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .handle = XVDA };
    int16_t st = 1;
    long rc2 = blkfront_submit(&bf, &fl, &st);
    test_check(rc2 == 0 && st == BLKIF_RSP_OKAY, "blk-flush", "flush: %ld, status %d", rc2, st);
}

static void do_read(void)
{
    uint64_t sum = FNV_START, want = FNV_START;
    uint64_t expect[SECTOR / 8];
    long rc = 0;
    unsigned bad = 0;
    for (uint64_t s = 0; s < TOTAL_SECTORS && !rc; s += CHUNK) {
        uint32_t n = TOTAL_SECTORS - s < CHUNK ? (uint32_t)(TOTAL_SECTORS - s) : CHUNK;
        uint8_t *b = chunk_buf(s);
        memset(b, 0xee, n * SECTOR);
        rc = blkfront_io(&bf, 0, s, b, n);
        for (uint32_t i = 0; i < n; i++) {
            fill_sector(expect, s + i);
            want = checksum(want, expect, SECTOR / 8);
            if (((uint64_t *)(b + i * SECTOR))[0] != s + i)
                bad++;
        }
        sum = checksum(sum, (const uint64_t *)b, n * SECTOR / 8);
    }
    gprintf("blkif: read 4 MiB, checksum 0x%016lx (the pattern's: 0x%016lx)\n",
            (unsigned long)sum, (unsigned long)want);
    test_check(rc == 0 && sum == want && !bad, "blk-readback",
               "read %ld (status %d), checksum %s, %u sectors misplaced", rc, bf.last_status,
               sum == want ? "matches" : "differs", bad);

    /* Past what the writer wrote: still zero. */
    memset(page, 0xee, sizeof(page));
    rc = blkfront_io(&bf, 0, TOTAL_SECTORS, page, 8);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < sizeof(page); i++)
        nonzero += page[i] != 0;
    test_check(rc == 0 && !nonzero, "blk-untouched", "read %ld, %u non-zero bytes", rc, nonzero);

    /* access=ro: the backend says so and refuses writes. */
    rc = blkfront_io(&bf, 1, 0, page, 1);
    test_check((bf.info & VDISK_READONLY) && rc == -XEN_EIO && bf.last_status == BLKIF_RSP_ERROR,
               "blk-readonly", "info %u, write %ld status %d", bf.info, rc, bf.last_status);
}

/* A request as built: the response's status, or the transport's negative errno - 100. */
static long submit(struct blkif_request *rq)
{
    int16_t st;
    long rc = blkfront_submit(&bf, rq, &st);
    return rc ? rc - 100 : st;
}

/* One read or write of one segment, as built: the response's status. */
static long one(uint8_t op, uint64_t sector, uint32_t gref, uint8_t first, uint8_t last)
{
    struct blkif_request rq = { .operation = op, .nr_segments = 1, .handle = XVDA,
                                .sector_number = sector,
                                .seg[0] = { .gref = gref, .first_sect = first, .last_sect = last } };
    return submit(&rq);
}

static long backend_state(void)
{
    char path[128], v[8];
    gsnprintf(path, sizeof(path), "%s/state", bf.be);
    return xenbus_read(path, v, sizeof(v)) > 0 ? v[0] - '0' : -1;
}

static void do_neg(void)
{
    uint64_t end = bf.sectors;
    const uint32_t ref = FIRST_REF + 1;

    /* Beyond the end: partly, wholly, and a sector number that wraps. */
    memset(page, 0x5a, sizeof(page));
    long e1 = blkfront_io(&bf, 1, end - 4, page, 8);
    int16_t s1 = bf.last_status;
    long e2 = blkfront_io(&bf, 0, end, page, 1);
    xen_grant_access(ref, 0, page, 0);
    long e3 = one(BLKIF_OP_READ, ~0ull - 2, ref, 0, 7);
    xen_grant_end(ref);
    memset(page, 0xee, sizeof(page));
    long r = blkfront_io(&bf, 0, end - 4, page, 4);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 4 * SECTOR; i++)
        nonzero += page[i] != 0;
    test_check(e1 == -XEN_EIO && s1 == BLKIF_RSP_ERROR && e2 == -XEN_EIO && e3 == BLKIF_RSP_ERROR &&
               r == 0 && !nonzero, "blk-beyond-end",
               "straddling write %ld (%d), read at end %ld, wrapping %ld; last sectors read %ld, "
               "%u bytes changed", e1, s1, e2, e3, r, nonzero);

    /* Grant references: never granted, past the table, read-only for a read into it. */
    long g1 = one(BLKIF_OP_WRITE, 0, ref, 0, 7);
    long g2 = one(BLKIF_OP_READ, 0, 100000, 0, 7);
    xen_grant_access(ref, 0, page, 1);
    long g3 = one(BLKIF_OP_READ, 0, ref, 0, 7);
    long g4 = one(BLKIF_OP_WRITE, 16, ref, 0, 0);   /* read-only is enough for a write */
    int ended = xen_grant_end(ref) == 0;
    test_check(g1 == BLKIF_RSP_ERROR && g2 == BLKIF_RSP_ERROR && g3 == BLKIF_RSP_ERROR &&
               g4 == BLKIF_RSP_OKAY && ended, "blk-bad-gref",
               "ungranted %ld, past the table %ld, read into read-only %ld, write from it %ld, "
               "ended %d", g1, g2, g3, g4, ended);

    /* Malformed requests. */
    xen_grant_access(ref, 0, page, 0);
    long m1 = one(99, 0, ref, 0, 7);
    long m2 = one(BLKIF_OP_READ, 0, ref, 5, 2);
    long m3 = one(BLKIF_OP_READ, 0, ref, 0, 8);
    struct blkif_request rq = { .operation = BLKIF_OP_READ, .nr_segments = 12, .handle = XVDA };
    for (int i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        rq.seg[i] = (struct blkif_request_segment){ .gref = ref, .last_sect = 7 };
    long m4 = submit(&rq);
    rq.nr_segments = 0;
    long m5 = submit(&rq);
    xen_grant_end(ref);
    test_check(m1 == BLKIF_RSP_EOPNOTSUPP && m2 == BLKIF_RSP_ERROR && m3 == BLKIF_RSP_ERROR &&
               m4 == BLKIF_RSP_ERROR && m5 == BLKIF_RSP_ERROR, "blk-bad-request",
               "op 99 %ld, first>last %ld, last_sect 8 %ld, 12 segments %ld, none %ld", m1, m2,
               m3, m4, m5);

    /* Garbage in five slots, published; then a good request behind them is still served. */
    struct blkif_sring *sr = bf.ring;
    uint64_t x = SEED;
    for (int i = 0; i < 5; i++) {
        uint64_t *w = (uint64_t *)(void *)&sr->ring[(bf.req_prod + (uint32_t)i) % BLKIF_RING_SIZE].req;
        for (unsigned j = 0; j < sizeof(struct blkif_request) / 8; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w[j] = x;
        }
    }
    bf.req_prod += 5;
    long ok = blkfront_io(&bf, 0, 0, page, 8);
    test_check(ok == 0, "blk-garbage-slots", "a read after five garbage requests: %ld", ok);

    /* Indexes that make no sense: the backend disconnects us, and lives on. */
    atomic_store_release(&sr->req_prod, bf.req_prod + 1000);
    xen_evtchn_send(bf.port);
    long st = -1;
    for (int i = 0; i < 500 && st != XENBUS_CLOSING; i++) {
        xen_sched_poll(&bf.port, 1, xen_clock_ns(0) + 10000000ull);
        st = backend_state();
    }
    long cl = blkfront_close(&bf);
    long op = blkfront_open(&bf, XVDA, ring_page, FIRST_REF);
    memset(page, 0x33, sizeof(page));
    long w = op ? op : blkfront_io(&bf, 1, 100, page, 8);
    memset(page, 0, sizeof(page));
    long rd = op ? op : blkfront_io(&bf, 0, 100, page, 8);
    test_check(st == XENBUS_CLOSING && cl == 0 && op == 0 && w == 0 && rd == 0 && page[0] == 0x33 &&
               page[4095] == 0x33, "blk-corrupt-ring",
               "backend state %ld, close %ld, reconnect %ld, write %ld, read %ld (0x%x)", st, cl,
               op, w, rd, page[0]);
}

static void do_bench(void)
{
    uint64_t total = 0;
    long rc = 0;
    memset(page, 0x42, sizeof(page));
    for (int i = 0; i < BENCH_ROUNDS + 10 && !rc; i++) {
        uint64_t t0 = rdtsc();
        rc = blkfront_io(&bf, 1, 8, page, 8);
        uint64_t t1 = rdtsc();
        if (i >= 10)
            total += t1 - t0;
    }
    if (test_check(rc == 0, "blk-bench-write", "%ld", rc))
        gprintf("BENCH %s/blkif_write_4k %lu insns\n", vendor(), (unsigned long)(total / BENCH_ROUNDS));
    total = 0;
    for (int i = 0; i < BENCH_ROUNDS + 10 && !rc; i++) {
        uint64_t t0 = rdtsc();
        rc = blkfront_io(&bf, 0, 8, page, 8);
        uint64_t t1 = rdtsc();
        if (i >= 10)
            total += t1 - t0;
    }
    if (test_check(rc == 0, "blk-bench-read", "%ld", rc))
        gprintf("BENCH %s/blkif_read_4k %lu insns\n", vendor(), (unsigned long)(total / BENCH_ROUNDS));
}

void guest_main(void)
{
    char mode[16];
    if (!guest_cmdline_get("mode", mode, sizeof(mode))) {
        test_fail("blk-mode", "no mode= on the command line");
        return;
    }
    if (!open_xvda())
        return;
    if (!strcmp(mode, "write"))
        do_write();
    else if (!strcmp(mode, "read"))
        do_read();
    else if (!strcmp(mode, "neg"))
        do_neg();
    else if (!strcmp(mode, "bench"))
        do_bench();
    else
        test_fail("blk-mode", "unknown mode %s", mode);
    long rc = blkfront_close(&bf);
    test_check(rc == 0, "blk-close", "%ld", rc);
}
