/*
 * The rules for using a granter's v1 entry, as Xen applies them. The entry lives in the
 * granter's memory and the granter may change it at any moment, so flags and domid are
 * read and updated together as one 32-bit word with compare-exchange: the check and the
 * setting of GTF_reading/GTF_writing see the same entry. An entry that keeps changing
 * under us is refused (GNTST_general_error) rather than retried forever.
 *
 * While a ref is in use (pinned), the first user's domid and frame are kept in the active
 * entry: later uses must come from the same domain, and get the same frame even if the
 * granter rewrote the entry meanwhile.
 */
#include <keel/grant_table.h>

#define ENTRY_RETRIES 4

static inline uint32_t combo(uint16_t flags, uint16_t domid)
{
    return (uint32_t)flags | ((uint32_t)domid << 16);
}

int gnt_entry_pin(volatile struct grant_entry_v1 *e, struct gnt_active *a, uint16_t domid,
                  bool readonly)
{
    uint32_t *word = (uint32_t *)(uintptr_t)&e->flags;    /* flags, then domid */
    bool pinned = a->rd_pins || a->wr_pins;

    if (pinned && a->domid != domid)
        return GNTST_general_error;
    if ((readonly ? a->rd_pins : a->wr_pins) >= GNTTAB_PIN_MAX)
        return GNTST_general_error;
    for (int i = 0; i < ENTRY_RETRIES; i++) {
        uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        uint16_t flags = (uint16_t)old, edom = (uint16_t)(old >> 16);
        if (!pinned && ((flags & GTF_type_mask) != GTF_permit_access || edom != domid))
            return GNTST_general_error;
        uint16_t nflags = flags | GTF_reading;
        if (!readonly) {
            if (flags & GTF_readonly)
                return GNTST_general_error;     /* a write use of a read-only grant */
            nflags |= GTF_writing;
        }
        if (nflags == flags ||
            __atomic_compare_exchange_n(word, &old, combo(nflags, edom), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            if (!pinned)
                a->domid = domid;
            if (readonly)
                a->rd_pins++;
            else
                a->wr_pins++;
            return GNTST_okay;
        }
    }
    return GNTST_general_error;                 /* the granter keeps changing it */
}

void gnt_entry_unpin(volatile struct grant_entry_v1 *e, struct gnt_active *a, bool readonly)
{
    uint16_t *flags = (uint16_t *)(uintptr_t)&e->flags;

    if (readonly ? !a->rd_pins : !a->wr_pins)
        return;                                 /* nothing to drop: a caller bug, harmless */
    if (readonly)
        a->rd_pins--;
    else
        a->wr_pins--;
    if (!a->wr_pins)
        __atomic_fetch_and(flags, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
    if (!a->wr_pins && !a->rd_pins) {
        __atomic_fetch_and(flags, (uint16_t)~GTF_reading, __ATOMIC_SEQ_CST);
        a->frame = 0;
    }
}
