/*
 * Grant tables inside Keel (kernel/grant_table.c: the table, its frames, setup/query and
 * teardown; kernel/grant_map.c: map, unmap, copy; kernel/grant_entry.c: the pure rules for
 * pinning a granter's entry, unit-tested on the host).
 *
 * Locking: one global lock (gnttab_lock in grant_table.c) covers every table's active
 * entries and maptrack and every cross-domain step; it is taken after a domain pause and
 * before the p2m lock. Grant operations are short (4 KiB at most per copy).
 */
#ifndef KEEL_GRANT_TABLE_H
#define KEEL_GRANT_TABLE_H

#include <keel/types.h>
#include <public/grant_table.h>

struct domain;
struct vcpu;

#define GNTTAB_MAX_FRAMES      4       /* table frames per domain: 2048 v1 entries */
#define GNTTAB_PER_FRAME       (4096 / sizeof(struct grant_entry_v1))
#define GNTTAB_MAX_REFS        (GNTTAB_MAX_FRAMES * GNTTAB_PER_FRAME)
#define GNTTAB_MAPTRACK        256     /* mappings one domain may hold at once */
#define GNTTAB_MAP_WINDOW      (1ull << 28)   /* GPAs for maps: below RAM end + 256 MiB */
#define GNTTAB_PIN_MAX         0xffffu
#define GNTTAB_GFN_NONE        (~0ull)

/* Xen's "active entry": the granter-side state of a ref while someone uses it. */
struct gnt_active {
    uint16_t rd_pins, wr_pins;         /* read-only and writable uses (maps, copies) */
    uint16_t domid;                    /* the user, fixed while pinned */
    paddr_t frame;                     /* the granter's frame, fixed while pinned */
    uint64_t gfn;                      /* where the granter has it (it cannot move it) */
};

/* A mapping this domain holds (maptrack); the handle is the index. */
struct gnt_map {
    struct domain *granter;            /* NULL: the granter died (orphan) or slot free */
    bool orphan;                       /* the granter died: the frame outlived it, and goes
                                        * when the last mapping of it does */
    uint32_t ref;
    bool readonly;
    uint64_t gpa;                      /* where it is in this domain's p2m */
    paddr_t frame;
};

static inline bool gnt_map_used(const struct gnt_map *m) { return m->granter || m->orphan; }

struct gnttab {
    struct domain *d;
    struct gnttab *next;               /* every table, for teardown of the mappers' side */
    bool dying;
    unsigned nr_frames;
    paddr_t frame_pa[GNTTAB_MAX_FRAMES];
    uint64_t frame_gfn[GNTTAB_MAX_FRAMES];     /* GNTTAB_GFN_NONE: not mapped */
    struct gnt_active act[GNTTAB_MAX_REFS];
    struct gnt_map maptrack[GNTTAB_MAPTRACK];
    unsigned nr_maps;
};

/* ---- the pure rules (grant_entry.c) */
/* Checks entry e for a use by `domid` (write unless `readonly`) given its active state,
 * and sets GTF_reading (and GTF_writing) in it; counts the pin. GNTST_okay or the error. */
int gnt_entry_pin(volatile struct grant_entry_v1 *e, struct gnt_active *a, uint16_t domid,
                  bool readonly);
/* Drops one pin; clears GTF_writing / GTF_reading in e when the last such use ends. */
void gnt_entry_unpin(volatile struct grant_entry_v1 *e, struct gnt_active *a, bool readonly);

/* ---- life cycle and frames (grant_table.c) */
int gnttab_domain_init(struct domain *d);
void gnttab_domain_destroy(struct domain *d);  /* unlisted, vCPUs stopped */
unsigned long gnttab_lock_all(void);
void gnttab_unlock_all(unsigned long flags);
struct grant_entry_v1 *gnttab_entry(struct gnttab *gt, uint32_t ref);  /* NULL: out of range */
/* Lock held: is `frame` of d in use by a grant (mapped or being copied)? */
bool gnttab_frame_pinned(struct domain *d, paddr_t frame);
/* Lock held: Keel-owned table frame `idx` for XENMAPSPACE_grant_table (grows the table),
 * or 0 if idx is beyond the maximum; *gfn_slot records where it is mapped. */
paddr_t gnttab_frame_for_map(struct domain *d, unsigned idx, uint64_t **gfn_slot);
/* Lock held: an orphan frame lost one mapping; freed when no maptrack holds it. */
void gnttab_orphan_unmapped(paddr_t frame);
/* Is frame one of d's table frames? */
bool gnttab_is_table_frame(struct domain *d, paddr_t frame);
/* Lock held: forgets a table frame's GFN when something else replaces it. */
void gnttab_forget_gfn(struct domain *d, uint64_t gfn);

/* ---- operations (grant_map.c), lock held */
int16_t gnttab_map_one(struct vcpu *v, struct gnttab_map_grant_ref *op);
int16_t gnttab_unmap_one(struct vcpu *v, struct gnttab_unmap_grant_ref *op);
int16_t gnttab_copy_one(struct vcpu *v, struct gnttab_copy *op);
/* Removes mapping m of domain d (p2m entry if it still points at the frame; the pin, or
 * for an orphan the frame itself once no mapping of it is left). The caller has d's
 * other vCPUs paused (or d is dead) and flushes d's TLBs before they run. */
void gnttab_drop_map(struct domain *d, struct gnt_map *m);

long do_grant_table_op(struct vcpu *v, const uint64_t a[5]);

#endif
