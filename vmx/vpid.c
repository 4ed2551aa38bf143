/*
 * VPIDs: the tag of a vCPU's linear translations in the TLB, one per vCPU for its life,
 * 1..65535 (VPID 0 is the host's). A freed VPID may still tag stale translations on any
 * CPU where its last owner ran: vmx.c flushes a vCPU's VPID with INVVPID the first time
 * it runs on each CPU, which covers reuse.
 */
#include "vmx.h"
#include <keel/spinlock.h>

#define NR_VPIDS 65536

static uint64_t vpid_used[NR_VPIDS / 64] = { 1 };   /* VPID 0 is never handed out */
static unsigned vpid_next = 1;                     /* round robin: reuse as late as possible */
static spinlock_t vpid_lock = SPINLOCK_INIT;

uint16_t vpid_alloc(void)
{
    uint16_t found = 0;
    unsigned long f = spin_lock_irqsave(&vpid_lock);
    for (unsigned n = 0; n < NR_VPIDS; n++) {
        unsigned id = (vpid_next + n) % NR_VPIDS;
        if (!(vpid_used[id / 64] & (1ull << (id % 64)))) {
            vpid_used[id / 64] |= 1ull << (id % 64);
            vpid_next = id + 1;
            found = (uint16_t)id;
            break;
        }
    }
    spin_unlock_irqrestore(&vpid_lock, f);
    return found;                                  /* 0: all in use */
}

void vpid_free(uint16_t vpid)
{
    if (!vpid)
        return;
    unsigned long f = spin_lock_irqsave(&vpid_lock);
    vpid_used[vpid / 64] &= ~(1ull << (vpid % 64));
    spin_unlock_irqrestore(&vpid_lock, f);
}
