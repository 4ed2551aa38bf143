/*
 * Keel's management hypercall (include/public/domctl.h, docs/MANAGEMENT.md): what Dom0's
 * toolstack uses to create, load, start, pause, stop, list and destroy other domains.
 * Policy — configuration files, where a kernel goes, the start info — lives in Dom0; the
 * hypervisor only checks and carries out.
 *
 * Only Dom0 may call it: anyone else gets -EPERM and a log line. One operation at a time
 * (domctl_lock, like Xen's): the only place a domain is destroyed while Dom0 runs is
 * here, so a domain found under the lock stays valid until the lock is dropped.
 * Every call does bounded work (load copies at most KEEL_DOMCTL_LOAD_MAX).
 * Destroying waits for the domain's vCPUs to leave every CPU: until they have, the call
 * is retried (the caller gives up its CPU meanwhile, in case one of them queues there).
 */
#include <keel/vcpu.h>
#include <keel/sched.h>
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <keel/xen_console.h>
#include <keel/evtchn.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <public/domctl.h>
#include <keel/grant_table.h>
#include <public/vcpu.h>

BUILD_BUG_ON(sizeof(struct keel_domctl) != 112);

static spinlock_t domctl_lock = SPINLOCK_INIT;

static bool printable_name(const char *n)
{
    size_t len = strnlen(n, KEEL_NAME_MAX);
    if (!len || len == KEEL_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (n[i] <= ' ' || n[i] >= 0x7f || n[i] == '[' || n[i] == ']')
            return false;
    return true;
}

static long create(struct keel_domctl *op)
{
    struct keel_domctl_create *c = &op->u.create;
    uint64_t bytes = c->mem_kb << 10;

    if (!printable_name(c->name) || c->flags || !c->vcpus || c->vcpus > MAX_VCPUS_PER_DOMAIN ||
        (c->mem_kb & 3) || c->mem_kb < 1024 || c->mem_kb > (1ull << 30))
        return -XEN_EINVAL;
    if (bytes >> PAGE_SHIFT > frame_free_count())
        return -XEN_ENOMEM;
    struct domain *d = domain_create(c->name, bytes, c->vcpus);
    if (!d)
        return -XEN_ENOMEM;
    /* The console ring on the last page, reserved in its memory map (as Keel lays out
     * every domain; the toolstack reads where it is from getinfo). */
    long rc = xen_domain_set_layout(d, bytes, bytes - PAGE_SIZE);
    if (rc) {
        domain_destroy(d);
        return rc;
    }
    op->domid = d->id;
    pr_info("domctl: domain %u (%s) created: %llu MiB, %u vCPU%s\n", d->id, d->name,
            (unsigned long long)(bytes >> 20), c->vcpus, c->vcpus == 1 ? "" : "s");
    return 0;
}

/* vCPUs of d still queued or running somewhere. */
static bool vcpus_busy(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (!sched_vcpu_idle(d->vcpus[i]))
            return true;
    return false;
}

static long destroy(struct domain *d)
{
    if (d->state < DOM_SHUTDOWN)
        domain_shutdown(d, SHUTDOWN_poweroff, "destroyed by Dom0");
    d->state = DOM_DYING;
    if (vcpus_busy(d)) {
        sched_yield();
        return HYPERCALL_RETRY;
    }
    unsigned id = d->id;
    domain_destroy(d);
    pr_info("domctl: domain %u destroyed\n", id);
    if (dom0)
        evtchn_send_virq(dom0->vcpus[0], VIRQ_DOM_EXC);
    return 0;
}

static void fill_info(struct domain *d, struct keel_domctl_info *i)
{
    struct xen_runstate rs;
    bool blocked = true;

    memset(i, 0, sizeof(*i));
    i->domid = d->id;
    i->flags = (d->state == DOM_CREATED || d->state == DOM_PAUSED ? KEEL_DOMFLAG_PAUSED : 0) |
               (d->state >= DOM_SHUTDOWN ? KEEL_DOMFLAG_SHUTDOWN : 0) |
               (d->state == DOM_DYING ? KEEL_DOMFLAG_DYING : 0) |
               (d->privileged ? KEEL_DOMFLAG_PRIV : 0);
    i->shutdown_reason = (uint32_t)d->shutdown_reason;
    i->nr_vcpus = d->nr_vcpus;
    i->mem_kb = d->p2m.nr_owned << 2;
    i->max_kb = READ_ONCE(d->max_pages) << 2;
    for (unsigned k = 0; k < d->nr_vcpus; k++) {
        runstate_get(d->vcpus[k], &rs);
        i->cpu_ns += rs.time[RUNSTATE_running];
        blocked &= d->vcpus[k]->state != VCPU_RUNNABLE;
    }
    if (blocked && d->state == DOM_RUNNING)
        i->flags |= KEEL_DOMFLAG_BLOCKED;
    i->console_gfn = d->xen.params[HVM_PARAM_CONSOLE_PFN];
    i->console_port = d->xen.console_port;
    strlcpy(i->name, d->name, sizeof(i->name));
}

/* Dom0 memory -> the domain's, through a bounce page: both sides are checked by the
 * copy routines (the domain's side against its p2m, so only its own RAM is reached). */
static long load(struct vcpu *v, struct domain *d, const struct keel_domctl_load *l)
{
    static uint8_t bounce[MAX_CPUS][512];
    uint8_t *b = bounce[smp_processor_id()];

    if (d->state != DOM_CREATED && d->state != DOM_PAUSED)
        return -XEN_EBUSY;                     /* not while it runs */
    if (l->len > KEEL_DOMCTL_LOAD_MAX || l->gpa + l->len < l->gpa)
        return -XEN_EINVAL;                    /* bounded work per call */
    for (uint64_t done = 0; done < l->len;) {
        size_t n = MIN((uint64_t)sizeof(bounce[0]), l->len - done);
        if (copy_from_guest(v, b, l->src + done, n) ||
            copy_to_guest_phys(d, l->gpa + done, b, n))
            return -XEN_EFAULT;
        done += n;
    }
    return 0;
}

static long set_start(struct domain *d, const struct keel_domctl_start *s)
{
    if (d->state != DOM_CREATED)
        return -XEN_EBUSY;
    if (s->entry >> 32 || s->ebx >> 32)
        return -XEN_EINVAL;                    /* 32-bit PVH entry */
    struct vcpu *v = d->vcpus[0];
    hvm->vcpu_set_start(v, START_PVH32, s->entry, d->p2m.root);
    v->regs.rbx = s->ebx;
    return 0;
}

/* The store ring page: a page of its RAM that becomes reserved in its memory map, an
 * unbound port whose other end is Dom0's, both in its HVM params for its xenbus driver,
 * and grant reference 1 (Xen's reserved xenstore entry) granting the page to Dom0, which
 * maps it from there. */
static long set_store(struct domain *d, struct keel_domctl_store *st)
{
    paddr_t hpa;
    unsigned perms;
    uint64_t gpa = st->gfn << PAGE_SHIFT;

    if (d->state != DOM_CREATED)
        return -XEN_EBUSY;
    if (d->xen.params[HVM_PARAM_STORE_PFN] || st->gfn >= d->mem_bytes >> PAGE_SHIFT ||
        !p2m_lookup(&d->p2m, gpa, &hpa, &perms) || !(perms & P2M_OWNED) ||
        (hpa & PAGE_MASK) == d->xen.console_ring_pa)
        return -XEN_EINVAL;
    long rc = xen_domain_reserve_page(d, gpa);
    if (rc)
        return rc;
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
    if ((rc = evtchn_alloc_unbound(d, &a)))
        return rc;
    /* Grant reference 1 for Dom0: frame and domid first, then the flags (the ABI's order;
     * the domain has not run yet, and the entry is its own to change later, as on Xen). */
    struct grant_entry_v1 *e = d->xen.gnt ? gnttab_entry(d->xen.gnt, GNTTAB_RESERVED_XENSTORE) : NULL;
    if (!e)
        return -XEN_EINVAL;
    e->frame = (uint32_t)st->gfn;
    e->domid = 0;
    __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
    d->xen.params[HVM_PARAM_STORE_PFN] = st->gfn;
    d->xen.params[HVM_PARAM_STORE_EVTCHN] = a.port;
    st->port = a.port;
    return 0;
}

struct console_sink { uint8_t buf[256]; size_t n; };

static void to_buf(void *ctx, const char *s, size_t n)
{
    struct console_sink *k = ctx;
    memcpy(k->buf + k->n, s, n);
    k->n += n;
}

static long read_console_ring(struct vcpu *v, struct domain *d, const struct keel_domctl_console *c)
{
    struct console_sink k = { .n = 0 };
    struct xencons_interface *ring = (void *)d->xen.console_ring;

    if (!ring)
        return 0;
    unsigned long f = spin_lock_irqsave(&d->xen.console_lock);
    size_t taken;
    enum xencons_result r = xencons_read(ring, to_buf, &k, MIN((size_t)c->size, sizeof(k.buf)),
                                         &taken);
    spin_unlock_irqrestore(&d->xen.console_lock, f);
    if (r == XENCONS_CORRUPT)
        pr_warn("domain %u (%s): console ring indexes out of range; skipped\n", d->id, d->name);
    if (k.n && copy_to_guest(v, c->buf, k.buf, k.n))
        return -XEN_EFAULT;
    return (long)k.n;
}

static long op_on(struct vcpu *v, struct domain *d, struct keel_domctl *op, bool *copy_back)
{
    switch (op->cmd) {
    case KEEL_DOMCTL_destroy:
        return destroy(d);
    case KEEL_DOMCTL_pause:
        return domain_pause(d);
    case KEEL_DOMCTL_unpause:
        return domain_unpause_mgmt(d);
    case KEEL_DOMCTL_shutdown:
        if (op->u.shutdown.reason > SHUTDOWN_watchdog)
            return -XEN_EINVAL;
        domain_shutdown(d, (int)op->u.shutdown.reason, "Dom0 asked for it");
        return 0;
    case KEEL_DOMCTL_load:
        return load(v, d, &op->u.load);
    case KEEL_DOMCTL_set_start:
        return set_start(d, &op->u.start);
    case KEEL_DOMCTL_set_max_mem: {
        uint64_t pages = op->u.max_mem.max_kb >> 2;
        if (pages < d->p2m.nr_owned)
            return -XEN_EINVAL;                /* below what it holds: balloon it first */
        WRITE_ONCE(d->max_pages, pages);
        return 0;
    }
    case KEEL_DOMCTL_pin_vcpu: {
        if (op->u.pin.vcpu >= d->nr_vcpus)
            return -XEN_ENOENT;
        if (op->u.pin.cpu >= nr_cpus)
            return -XEN_EINVAL;
        struct vcpu *t = d->vcpus[op->u.pin.vcpu];
        if (d->state == DOM_CREATED) {
            t->cpu = op->u.pin.cpu;
            t->pinned = true;
        } else {
            sched_migrate(t, op->u.pin.cpu);
        }
        return 0;
    }
    case KEEL_DOMCTL_console_read:
        return read_console_ring(v, d, &op->u.console);
    case KEEL_DOMCTL_set_store: {
        long rc = set_store(d, &op->u.store);
        *copy_back = !rc;
        return rc;
    }
    default:
        return -XEN_ENOSYS;
    }
}

long do_domctl(struct vcpu *v, const uint64_t a[5])
{
    struct keel_domctl op;
    struct domain *me = v->dom;
    long rc;

    if (!me->privileged) {
        pr_warn("domain %u (%s): management hypercall refused: not Dom0\n", me->id, me->name);
        return -XEN_EPERM;
    }
    if (copy_from_guest(v, &op, a[0], sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != KEEL_DOMCTL_VERSION)
        return -XEN_EACCES;
    bool copy_back = false;
    /* Never spin for it: a CPU waiting with interrupts off could not answer the IPIs a
     * destroy sends (VT-x: VMCLEAR where a VMCS is active). The caller retries. */
    if (!spin_trylock(&domctl_lock))
        return HYPERCALL_RETRY;
    switch (op.cmd) {
    case KEEL_DOMCTL_create:
        rc = create(&op);
        copy_back = !rc;
        break;
    case KEEL_DOMCTL_getinfo: {
        struct domain *d = domain_find_from(op.domid);
        rc = -XEN_ESRCH;
        if (d) {
            fill_info(d, &op.u.info);
            op.domid = d->id;
            copy_back = true;
            rc = 0;
        }
        break;
    }
    case KEEL_DOMCTL_physinfo:
        memset(&op.u.physinfo, 0, sizeof(op.u.physinfo));
        op.u.physinfo.nr_cpus = nr_cpus;
        op.u.physinfo.total_kb = frame_total_count() << 2;
        op.u.physinfo.free_kb = frame_free_count() << 2;
        copy_back = true;
        rc = 0;
        break;
    default: {
        struct domain *d = op.domid == DOMID_SELF ? NULL : domain_find(op.domid);
        if (!d)
            rc = -XEN_ESRCH;
        else if (d == me || d->privileged)
            rc = -XEN_EINVAL;                  /* Dom0 is not managed through itself */
        else if (d->state == DOM_DYING && op.cmd != KEEL_DOMCTL_destroy)
            rc = -XEN_EBUSY;
        else
            rc = op_on(v, d, &op, &copy_back);
        break;
    }
    }
    spin_unlock(&domctl_lock);
    if (copy_back && copy_to_guest(v, a[0], &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
