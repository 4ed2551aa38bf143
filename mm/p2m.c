/*
 * Generic p2m: a four-level tree of 512-entry tables, 4 KiB / 2 MiB / 1 GiB leaves. The
 * backend's p2m_format encodes entries; this file decides the shape. Callers flush guest
 * TLBs (hvm->flush_guest_tlb) after narrowing or removing mappings of a running domain.
 */
#include <keel/p2m.h>
#include <keel/frame.h>
#include <keel/string.h>
#include <keel/panic.h>
#include <arch/paging.h>
#include <public/xen.h>

#define LEVEL_SIZE(l) (1ull << (12 + 9 * ((l) - 1)))
#define INDEX(gpa, l) (((gpa) >> (12 + 9 * ((l) - 1))) & 511)

static uint64_t *table(paddr_t pa) { return phys_to_virt(pa); }

/* Entry decoding from the format's masks. */
static inline bool present(const struct p2m_format *f, uint64_t e) { return e & f->present_mask; }

static inline bool is_leaf(const struct p2m_format *f, uint64_t e, int l)
{
    return l == 1 || (l <= 3 && (e & f->large_bit));
}

/* The address an entry points to: a table, or the first frame of a leaf (in large
 * leaves the low address bits are flags, e.g. the PAT bit, and are masked off). */
static inline paddr_t addr_of(const struct p2m_format *f, uint64_t e, int l)
{
    uint64_t a = e & f->addr_mask;
    return l > 1 && (e & f->large_bit) ? a & ~(LEVEL_SIZE(l) - 1) : a;
}

static inline unsigned perms_of(const struct p2m_format *f, uint64_t e)
{
    unsigned p = (!f->r_bit || (e & f->r_bit)) ? P2M_R : 0;
    if (e & f->w_bit)
        p |= P2M_W;
    if (!(e & f->x_bit) == f->x_is_nx)
        p |= P2M_X;
    return p;
}

static inline bool owned_of(const struct p2m_format *f, uint64_t e) { return e & f->owned_bit; }

static paddr_t new_table(struct p2m *p)
{
    paddr_t pa = frame_alloc_zeroed();
    if (pa)
        p->nr_tables++;
    return pa;
}

int p2m_init(struct p2m *p, const struct p2m_format *fmt)
{
    memset(p, 0, sizeof(*p));
    p->fmt = fmt;
    p->root = new_table(p);
    return p->root ? 0 : -XEN_ENOMEM;
}

/* Splits the large leaf *e (at `level`) into a table of leaves one level down. */
static int split(struct p2m *p, uint64_t *e, int level)
{
    const struct p2m_format *f = p->fmt;
    paddr_t t = new_table(p);
    if (!t)
        return -XEN_ENOMEM;
    paddr_t base = addr_of(f, *e, level);
    unsigned perms = perms_of(f, *e);
    bool owned = owned_of(f, *e);
    uint64_t *nt = table(t);
    for (int i = 0; i < 512; i++)
        nt[i] = f->leaf(base + (uint64_t)i * LEVEL_SIZE(level - 1), perms, level - 1, owned);
    *e = f->table(t);
    return 0;
}

/* The entry for gpa at `level`, creating (or splitting into) tables above it. */
static uint64_t *walk_create(struct p2m *p, uint64_t gpa, int level, int *err)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *t = table(p->root);
    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[INDEX(gpa, l)];
        if (!present(f, *e)) {
            paddr_t nt = new_table(p);
            if (!nt) {
                *err = -XEN_ENOMEM;
                return NULL;
            }
            *e = f->table(nt);
        } else if (is_leaf(f, *e, l)) {
            if ((*err = split(p, e, l)) < 0)
                return NULL;
        }
        t = table(addr_of(f, *e, l));
    }
    return &t[INDEX(gpa, level)];
}

/* The leaf entry mapping gpa and its level, or NULL with *level the level of the absent
 * entry (so that callers can skip the whole unmapped region). */
static uint64_t *walk(struct p2m *p, uint64_t gpa, int *level)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *t = table(p->root);
    for (int l = 4; l >= 1; l--) {
        uint64_t *e = &t[INDEX(gpa, l)];
        if (!present(f, *e)) {
            *level = l;
            return NULL;
        }
        if (l == 1 || is_leaf(f, *e, l)) {
            *level = l;
            return e;
        }
        t = table(addr_of(f, *e, l));
    }
    return NULL;
}

/* True if nothing is mapped below table t (a table at `level`). */
static bool subtree_empty(struct p2m *p, paddr_t t, int level)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *tab = table(t);
    for (int i = 0; i < 512; i++) {
        if (!present(f, tab[i]))
            continue;
        if (level == 1 || is_leaf(f, tab[i], level) ||
            !subtree_empty(p, addr_of(f, tab[i], level), level - 1))
            return false;
    }
    return true;
}

/* Frees a subtree of tables that maps nothing. */
static void free_tables(struct p2m *p, paddr_t t, int level)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *tab = table(t);
    if (level > 1)
        for (int i = 0; i < 512; i++)
            if (present(f, tab[i]))
                free_tables(p, addr_of(f, tab[i], level), level - 1);
    frame_free(t, 1);
    p->nr_tables--;
}

/* Clears the leaves of [gpa, gpa+size) without freeing frames (undoing a failed map). */
static void clear_range(struct p2m *p, uint64_t gpa, uint64_t size)
{
    const struct p2m_format *f = p->fmt;
    int level;
    while (size) {
        uint64_t *e = walk(p, gpa, &level);
        uint64_t ls = LEVEL_SIZE(level);
        if (e) {
            if (owned_of(f, *e))
                p->nr_owned -= ls >> PAGE_SHIFT;
            WRITE_ONCE(*e, 0);
        }
        gpa += ls;
        size = size > ls ? size - ls : 0;
    }
    p->gen++;
}

static bool range_ok(uint64_t gpa, uint64_t size)
{
    return size && !(gpa & ~PAGE_MASK) && !(size & ~PAGE_MASK) && gpa < P2M_MAX_GPA &&
           size <= P2M_MAX_GPA - gpa;
}

int p2m_map(struct p2m *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms, bool owned)
{
    const struct p2m_format *f = p->fmt;
    int err = 0;

    /* The host range must fit the entry's address bits, or it would spill into flags
     * (the ownership bit among them). */
    if (!range_ok(gpa, size) || (hpa & ~PAGE_MASK) || hpa + size < hpa ||
        (hpa & ~f->addr_mask) || ((hpa + size - 1) & ~f->addr_mask & PAGE_MASK))
        return -XEN_EINVAL;
    unsigned long fl = spin_lock_irqsave(&p->lock);
    uint64_t start = gpa, done = 0;
    while (size) {
        int level = 1;
        if (f->huge_1g && !((gpa | hpa) & (GiB(1) - 1)) && size >= GiB(1))
            level = 3;
        else if (!((gpa | hpa) & (MiB(2) - 1)) && size >= MiB(2))
            level = 2;
        uint64_t *e = walk_create(p, gpa, level, &err);
        if (!e)
            break;
        if (level > 1 && present(f, *e) && !is_leaf(f, *e, level) &&
            subtree_empty(p, addr_of(f, *e, level), level - 1)) {
            /* Tables left behind by earlier unmaps: reclaim them for the large leaf. */
            free_tables(p, addr_of(f, *e, level), level - 1);
            *e = 0;
        }
        if (present(f, *e)) {
            err = -XEN_EEXIST;     /* never silently replace a mapping */
            break;
        }
        *e = f->leaf(hpa, perms, level, owned);
        if (owned)
            p->nr_owned += LEVEL_SIZE(level) >> PAGE_SHIFT;
        if (owned && p->io_sync)
            p->io_sync(p, gpa, hpa, LEVEL_SIZE(level), perms);
        gpa += LEVEL_SIZE(level);
        hpa += LEVEL_SIZE(level);
        size -= LEVEL_SIZE(level);
        done += LEVEL_SIZE(level);
    }
    if (err && done)
        clear_range(p, start, done);     /* all or nothing: the caller keeps its frames */
    spin_unlock_irqrestore(&p->lock, fl);
    return err;
}

int p2m_unmap(struct p2m *p, uint64_t gpa, uint64_t size)
{
    const struct p2m_format *f = p->fmt;
    int err = 0, level;

    if (!range_ok(gpa, size))
        return -XEN_EINVAL;
    unsigned long fl = spin_lock_irqsave(&p->lock);
    while (size) {
        uint64_t *e = walk(p, gpa, &level);
        if (!e) {
            /* Nothing mapped in this whole level-sized region: skip to its end. */
            uint64_t skip = LEVEL_SIZE(level) - (gpa & (LEVEL_SIZE(level) - 1));
            if (skip >= size)
                break;
            gpa += skip;
            size -= skip;
            continue;
        }
        uint64_t ls = LEVEL_SIZE(level);
        if ((gpa & (ls - 1)) || size < ls) {        /* part of a large page: split it */
            if ((err = split(p, e, level)) < 0)
                break;
            continue;
        }
        uint64_t old = *e;
        WRITE_ONCE(*e, 0);
        p->gen++;                     /* cached translations die before the frame is reused */
        if (owned_of(f, old) && p->io_sync)
            p->io_sync(p, gpa, 0, ls, 0);      /* devices lose it before it is freed */
        if (owned_of(f, old)) {
            frame_free(addr_of(f, old, level), ls >> PAGE_SHIFT);
            p->nr_owned -= ls >> PAGE_SHIFT;
        }
        gpa += ls;
        size -= ls;
    }
    spin_unlock_irqrestore(&p->lock, fl);
    return err;
}

bool p2m_take_leaf(struct p2m *p, uint64_t gpa, paddr_t *base, uint64_t *size)
{
    const struct p2m_format *f = p->fmt;
    int level;

    if (gpa >= P2M_MAX_GPA)
        return false;
    unsigned long fl = spin_lock_irqsave(&p->lock);
    uint64_t *e = walk(p, gpa, &level);
    bool taken = e && owned_of(f, *e);
    if (taken) {
        uint64_t ls = LEVEL_SIZE(level), old = *e;
        gpa &= ~(ls - 1);
        WRITE_ONCE(*e, 0);
        p->gen++;
        if (p->io_sync)
            p->io_sync(p, gpa, 0, ls, 0);      /* devices lose it before it changes hands */
        p->nr_owned -= ls >> PAGE_SHIFT;
        *base = addr_of(f, old, level);
        *size = ls;
    }
    spin_unlock_irqrestore(&p->lock, fl);
    return taken;
}

int p2m_protect(struct p2m *p, uint64_t gpa, uint64_t size, unsigned perms)
{
    const struct p2m_format *f = p->fmt;
    int err = 0, level;

    if (!range_ok(gpa, size))
        return -XEN_EINVAL;
    unsigned long fl = spin_lock_irqsave(&p->lock);
    while (size) {
        uint64_t *e = walk(p, gpa, &level);
        if (!e) {
            err = -XEN_ENOENT;
            break;
        }
        uint64_t ls = LEVEL_SIZE(level);
        if ((gpa & (ls - 1)) || size < ls) {
            if ((err = split(p, e, level)) < 0)
                break;
            continue;
        }
        *e = f->leaf(addr_of(f, *e, level), perms, level, owned_of(f, *e));
        p->gen++;
        if (owned_of(f, *e) && p->io_sync)
            p->io_sync(p, gpa, addr_of(f, *e, level), ls, perms);
        gpa += ls;
        size -= ls;
    }
    spin_unlock_irqrestore(&p->lock, fl);
    return err;
}

bool p2m_lookup_cached(struct p2m *p, struct p2m_cache *c, uint64_t gpa, paddr_t *hpa,
                       unsigned *perms)
{
    /* Keys are gfn + 1, so that a zero-filled cache (a new vCPU) holds nothing. */
    uint64_t key = (gpa >> PAGE_SHIFT) + 1, gen = p->gen;

    if (c->gen != gen) {
        for (unsigned i = 0; i < P2M_CACHE_ENTRIES; i++)
            c->e[i].gfn = 0;
        c->gen = gen;
    }
    for (unsigned i = 0; i < P2M_CACHE_ENTRIES; i++)
        if (c->e[i].gfn == key) {
            *hpa = c->e[i].hpa + (gpa & ~PAGE_MASK);
            *perms = c->e[i].perms;
            return true;
        }
    if (!p2m_lookup(p, gpa, hpa, perms))
        return false;
    unsigned i = c->next++ % P2M_CACHE_ENTRIES;
    c->e[i].gfn = key;
    c->e[i].hpa = *hpa & PAGE_MASK;
    c->e[i].perms = *perms;
    return true;
}

/* Lock-free: entries change atomically (a split installs a complete table in one store)
 * and tables are freed only when the whole p2m is destroyed, when no vCPU runs. This is on
 * the exit path (every guest memory access of a hypercall).
 * Invariant this relies on: a mapping is removed from a live domain only while no other
 * vCPU of it runs (kernel/domain_pause.c: add_to_physmap replacing RAM, giving pages
 * back, grant unmap), and every vCPU's TLB is flushed before it runs again; a frame a
 * hypercall may still be copying is never freed under it. A dying domain's pages that
 * other domains map through grants are not freed with it (kernel/grant_table.c). */
bool p2m_lookup(struct p2m *p, uint64_t gpa, paddr_t *hpa, unsigned *perms)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *t = table(p->root);

    if (gpa >= P2M_MAX_GPA)
        return false;
    for (int l = 4; l >= 1; l--) {
        uint64_t e = READ_ONCE(t[INDEX(gpa, l)]);
        if (!present(f, e))
            return false;
        if (l == 1 || is_leaf(f, e, l)) {
            *hpa = addr_of(f, e, l) + (gpa & (LEVEL_SIZE(l) - 1));
            *perms = perms_of(f, e) | (owned_of(f, e) ? P2M_OWNED : 0);
            return true;
        }
        t = table(addr_of(f, e, l));
    }
    return false;
}

static void destroy_level(struct p2m *p, paddr_t t, int level)
{
    const struct p2m_format *f = p->fmt;
    uint64_t *tab = table(t);
    for (int i = 0; i < 512; i++) {
        uint64_t e = tab[i];
        if (!present(f, e))
            continue;
        if (level == 1 || is_leaf(f, e, level)) {
            if (owned_of(f, e))
                frame_free(addr_of(f, e, level), LEVEL_SIZE(level) >> PAGE_SHIFT);
        } else {
            destroy_level(p, addr_of(f, e, level), level - 1);
        }
    }
    frame_free(t, 1);
}

void p2m_destroy(struct p2m *p)
{
    if (p->root)
        destroy_level(p, p->root, 4);
    p->root = 0;
    p->nr_tables = p->nr_owned = 0;
}
