/*
 * VT-d invalidation: making the units forget cached context entries, translations and
 * interrupt remapping entries after Keel changed them in memory.
 *
 * Register-based invalidation (the context command and IOTLB registers) is what every
 * unit has. The queued interface — a ring of 16-byte descriptors in memory, consumed from
 * the head the unit keeps up to the tail Keel writes — is the only way to invalidate the
 * interrupt entry cache, so interrupt remapping needs it; once a unit's queue is on, the
 * registers must not be used for invalidation any more. Each request here ends with a wait
 * descriptor that makes the unit store a sequence number into Keel's memory, polled, so
 * every invalidation is complete when the call returns. Callers hold the VT-d lock.
 */
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <arch/paging.h>
#include "vtd.h"

#define CCMD_ICC        (1ull << 63)
#define CCMD_GLOBAL     (1ull << 61)
#define CCMD_DEVICE     (3ull << 61)
#define IOTLB_IVT       (1ull << 63)
#define IOTLB_GLOBAL    (1ull << 60)
#define IOTLB_DOMAIN    (2ull << 60)
#define IOTLB_DRAIN     (3ull << 48)    /* DR, DW */
#define CAP_RWBF        (1ull << 4)
#define CAP_DRAIN       (3ull << 54)    /* DWD, DRD */

/* Descriptors (low quadword; granularity in bits 5:4 unless said) */
#define QD_CONTEXT          1ull
#define QD_IOTLB            2ull
#define QD_IEC              4ull
#define QD_WAIT             5ull
#define QD_GLOBAL           (1ull << 4)
#define QD_DOMAIN           (2ull << 4)
#define QD_DEVICE           (3ull << 4)
#define QD_IOTLB_DRAIN      (3ull << 6)     /* DW, DR */
#define QD_IEC_INDEX        (1ull << 4)     /* one entry, not all */
#define QD_WAIT_STATUS      (1ull << 5)     /* store the status data at the address */
#define QUEUE_BYTES         4096            /* 256 descriptors; IQA.QS 0 */

static volatile uint32_t wait_word __aligned(8);
static uint32_t wait_seq;

bool vtd_queue_enable(struct vtd_unit *u)
{
    if (!(u->ecap & ECAP_QI))
        return false;
    paddr_t q = frame_alloc_zeroed();
    if (!q)
        return false;
    u->queue = phys_to_virt(q);
    u->queue_tail = 0;
    vtd_wr64(u, REG_IQT, 0);
    vtd_wr64(u, REG_IQA, q);                 /* 128-bit descriptors, one page */
    if (!vtd_command(u, GCMD_QIE)) {
        u->queue = NULL;                     /* the registers stay in use */
        frame_free(q, 1);
        return false;
    }
    return true;
}

static void queue_put(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
    unsigned next = (u->queue_tail + 16) % QUEUE_BYTES;
    for (uint64_t spins = 0; (vtd_rd64(u, REG_IQH) & 0x7fff0) == next; spins++)
        if (spins > 100000000) {
            pr_err("error: vt-d: unit at %#llx: invalidation queue stuck\n",
                   (unsigned long long)u->base);
            return;
        }
    uint64_t *d = (uint64_t *)((uint8_t *)u->queue + u->queue_tail);
    d[0] = lo;
    d[1] = hi;
    u->queue_tail = next;
}

/* Queues a wait descriptor, hands the queue over and waits for its store. */
static void queue_run(struct vtd_unit *u)
{
    uint32_t seq = ++wait_seq;
    queue_put(u, QD_WAIT | QD_WAIT_STATUS | (uint64_t)seq << 32,
              virt_to_phys((const void *)&wait_word));
    __asm__ volatile("sfence" ::: "memory");   /* descriptors in memory before the tail */
    vtd_wr64(u, REG_IQT, u->queue_tail);
    for (uint64_t spins = 0; READ_ONCE(wait_word) != seq; spins++) {
        if ((vtd_rd32(u, REG_FSTS) & FSTS_IQE) || spins > 100000000) {
            pr_err("error: vt-d: unit at %#llx: %s (head %#llx)\n", (unsigned long long)u->base,
                   spins > 100000000 ? "an invalidation wait never completed"
                                     : "it refused an invalidation descriptor",
                   (unsigned long long)vtd_rd64(u, REG_IQH));
            return;
        }
        cpu_relax();
    }
}

void vtd_invalidate(int bdf, int domid)
{
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        if (u->cap & CAP_RWBF)          /* its write buffer must reach memory first */
            vtd_command(u, GCMD_WBF);
        bool all = bdf < 0 && domid < 0, ctx = bdf >= 0 || all;
        if (u->queue) {
            if (ctx)
                queue_put(u, QD_CONTEXT | (all ? QD_GLOBAL : QD_DEVICE |
                          (uint64_t)(uint16_t)domid << 16 | (uint64_t)(uint16_t)bdf << 32), 0);
            queue_put(u, QD_IOTLB | (u->cap & CAP_DRAIN ? QD_IOTLB_DRAIN : 0) |
                      (domid < 0 ? QD_GLOBAL : QD_DOMAIN | (uint64_t)(uint16_t)domid << 16), 0);
            queue_run(u);
            continue;
        }
        if (ctx) {
            vtd_wr64(u, REG_CCMD, CCMD_ICC | (all ? CCMD_GLOBAL : CCMD_DEVICE |
                     (uint64_t)(uint16_t)bdf << 16 | (uint16_t)domid));
            vtd_wait_reg(u, REG_CCMD, true, CCMD_ICC, 0);
        }
        vtd_wr64(u, u->iotlb, IOTLB_IVT | (u->cap & CAP_DRAIN ? IOTLB_DRAIN : 0) |
                 (domid < 0 ? IOTLB_GLOBAL : IOTLB_DOMAIN | (uint64_t)(uint16_t)domid << 32));
        vtd_wait_reg(u, u->iotlb, true, IOTLB_IVT, 0);
    }
}

void vtd_invalidate_irq(int index)
{
    for (unsigned i = 0; i < vtd_nr_units; i++) {
        struct vtd_unit *u = &vtd_units[i];
        if (!u->queue)
            continue;
        queue_put(u, QD_IEC | (index < 0 ? 0 : QD_IEC_INDEX | (uint64_t)(uint16_t)index << 32), 0);
        queue_run(u);
    }
}
