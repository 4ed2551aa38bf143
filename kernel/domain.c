/*
 * Domains and vCPUs: creation with scrubbed memory, shutdown, and teardown that returns
 * every frame (RAM through the p2m's ownership bit, then the p2m tables, the vCPUs'
 * hardware state, the objects themselves).
 */
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <keel/evtchn.h>
#include <keel/sched.h>
#include <arch/percpu.h>
#include <arch/paging.h>
#include <arch/cpu.h>
#include <public/xen.h>

static unsigned next_domid = 1;
struct domain *dom0;

void domain_ids_from_zero(void)
{
    next_domid = 0;
}

/* The live domains, for domain_find (event channels name other domains by id). */
static struct domain *domain_list;
static spinlock_t domain_list_lock = SPINLOCK_INIT;

struct domain *domain_find(unsigned id)
{
    unsigned long f = spin_lock_irqsave(&domain_list_lock);
    struct domain *d = domain_list;
    while (d && d->id != id)
        d = d->next_listed;
    spin_unlock_irqrestore(&domain_list_lock, f);
    return d;
}

struct domain *domain_find_from(unsigned id)
{
    unsigned long f = spin_lock_irqsave(&domain_list_lock);
    struct domain *best = NULL;
    for (struct domain *d = domain_list; d; d = d->next_listed)
        if (d->id >= id && (!best || d->id < best->id))
            best = d;
    spin_unlock_irqrestore(&domain_list_lock, f);
    return best;
}

static void domain_unlist(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&domain_list_lock);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next_listed)
        if (*pp == d) {
            *pp = d->next_listed;
            break;
        }
    spin_unlock_irqrestore(&domain_list_lock, f);
}

/* The backends' entry code moves struct guest_gprs with these offsets. */
#include <keel/guest_gprs_asm.h>
BUILD_BUG_ON(__builtin_offsetof(struct guest_gprs, rax) != G_RAX);
BUILD_BUG_ON(__builtin_offsetof(struct guest_gprs, rdi) != G_RDI);
BUILD_BUG_ON(__builtin_offsetof(struct guest_gprs, rbp) != G_RBP);
BUILD_BUG_ON(__builtin_offsetof(struct guest_gprs, r8) != G_R8);
BUILD_BUG_ON(__builtin_offsetof(struct guest_gprs, r15) != G_R15);
BUILD_BUG_ON(sizeof(struct guest_gprs) != G_R15 + 8);

const char *shutdown_reason_name(int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return "poweroff";
    case SHUTDOWN_reboot: return "reboot";
    case SHUTDOWN_suspend: return "suspend";
    case SHUTDOWN_crash: return "crash";
    case SHUTDOWN_watchdog: return "watchdog";
    default: return "unknown";
    }
}

/* Guest RAM at GPA [0, bytes): 2 MiB pages where a contiguous run is free, else 4 KiB.
 * Every frame is zeroed first: a guest never sees what an earlier owner left. */
static int populate(struct domain *d, uint64_t bytes)
{
    uint64_t gpa = 0;
    while (gpa < bytes) {
        uint64_t size = PAGE_SIZE;
        paddr_t pa = 0;
        if (!(gpa & (MiB(2) - 1)) && bytes - gpa >= MiB(2)) {
            pa = frame_alloc_contig(MiB(2) >> PAGE_SHIFT, MiB(2));
            if (pa)
                size = MiB(2);
        }
        if (!pa)
            pa = frame_alloc();
        if (!pa)
            return -XEN_ENOMEM;
        memset(phys_to_virt(pa), 0, size);
        int r = p2m_map(&d->p2m, gpa, pa, size, P2M_RWX, true);
        if (r) {
            frame_free(pa, size >> PAGE_SHIFT);
            return r;
        }
        gpa += size;
    }
    return 0;
}

static const uint8_t fpu_init_image[32] = {
    0x7f, 0x03,                    /* FCW: all x87 exceptions masked, 64-bit precision */
    [24] = 0x80, [25] = 0x1f,      /* MXCSR 0x1f80: all SSE exceptions masked */
};

struct domain *domain_create(const char *name, uint64_t mem_bytes, unsigned nr_vcpus)
{
    if (!nr_vcpus || nr_vcpus > MAX_VCPUS_PER_DOMAIN || !mem_bytes || (mem_bytes & ~PAGE_MASK))
        return NULL;
    struct domain *d = kzalloc(sizeof(*d));
    if (!d)
        return NULL;
    d->id = next_domid++;
    strlcpy(d->name, name, sizeof(d->name));
    d->state = DOM_CREATED;
    d->mem_bytes = mem_bytes;
    d->max_pages = mem_bytes >> PAGE_SHIFT;
    d->max_gfn = (mem_bytes >> PAGE_SHIFT) - 1;
    d->tsc_offset = -rdtsc();          /* its TSC starts near zero, the same on every vCPU */
    if (p2m_init(&d->p2m, hvm->p2m) || populate(d, mem_bytes))
        goto fail;
    for (unsigned i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = kzalloc(sizeof(*v));
        if (!v)
            goto fail;
        v->dom = d;
        v->id = i;
        v->last_cpu = -1;
        v->migrate_to = -1;
        memcpy(v->fpu, fpu_init_image, sizeof(fpu_init_image));
        vlapic_init(v);
        xen_vcpu_init(v);
        d->vcpus[d->nr_vcpus++] = v;
        if (hvm->vcpu_create(v))
            goto fail;
        hvm->set_tsc_offset(v, d->tsc_offset);
        if (i > 0) {                   /* secondary vCPUs wait for INIT-SIPI or VCPUOP_up */
            v->state = VCPU_BLOCKED;
            v->wait_sipi = true;
        } else {
            v->initialised = true;
        }
    }
    if (xen_domain_init(d))            /* shared_info, event channels */
        goto fail;
    unsigned long f = spin_lock_irqsave(&domain_list_lock);
    d->next_listed = domain_list;
    domain_list = d;
    spin_unlock_irqrestore(&domain_list_lock, f);
    return d;
fail:
    pr_err("error: domain %s: out of memory while creating it (%llu MiB)\n", name,
           (unsigned long long)(mem_bytes >> 20));
    domain_destroy(d);
    return NULL;
}

void domain_shutdown(struct domain *d, int reason, const char *why)
{
    if (d->state >= DOM_SHUTDOWN)
        return;
    d->shutdown_reason = reason;
    d->state = DOM_SHUTDOWN;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        d->vcpus[i]->state = VCPU_STOPPED;
        sched_kick_vcpu(d->vcpus[i]);  /* out of the guest now, wherever it runs */
    }
    xen_domain_shutdown(d);            /* no more timer events */
    printk(reason == SHUTDOWN_crash ? LOG_WARN : LOG_INFO, "domain %u (%s): shut down (%s): %s\n",
           d->id, d->name, shutdown_reason_name(reason), why);
    if (dom0 && d != dom0)
        evtchn_send_virq(dom0->vcpus[0], VIRQ_DOM_EXC);    /* as Xen tells its Dom0 */
}

void domain_start(struct domain *d, int cpu)
{
    static unsigned next_cpu;

    d->state = DOM_RUNNING;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        unsigned c = cpu >= 0 ? (unsigned)cpu
                              : __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % nr_cpus;
        if (v->pinned)
            c = v->cpu;
        /* Building it touched its hardware state on this CPU: let go of it here, so that
         * its own CPU never has to pull it over (VT-x: VMCLEAR). */
        hvm->vcpu_put(v);
        if (i == 0) {
            pr_info("domain %u (%s): started on CPU %u\n", d->id, d->name, c);
            sched_add(v, c);
        } else {
            v->cpu = c;                  /* waits for INIT-SIPI or VCPUOP_up, then runs here */
        }
    }
}

int domain_pause(struct domain *d)
{
    if (d->state == DOM_CREATED || d->state == DOM_PAUSED)
        return 0;
    if (d->state != DOM_RUNNING)
        return -XEN_EINVAL;
    d->state = DOM_PAUSED;             /* vcpu_run's loop and the scheduler look at it */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_kick_vcpu(d->vcpus[i]);
    return 0;
}

int domain_unpause_mgmt(struct domain *d)
{
    if (d->state == DOM_CREATED) {
        domain_start(d, -1);
        return 0;
    }
    if (d->state == DOM_RUNNING)
        return 0;
    if (d->state != DOM_PAUSED)
        return -XEN_EINVAL;
    d->state = DOM_RUNNING;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_resume(d->vcpus[i]);
    return 0;
}

void domain_destroy(struct domain *d)
{
    /* Unlisted first, so that no one finds it while its channels are torn down. */
    domain_unlist(d);
    xen_domain_destroy(d);
    pci_release_devices(d);            /* its devices stop DMA before its memory is freed */
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        vlapic_destroy(d->vcpus[i]);
        hvm->vcpu_destroy(d->vcpus[i]);
        kfree(d->vcpus[i]);
    }
    hvm->io_release(d);
    p2m_destroy(&d->p2m);
    d->state = DOM_DEAD;
    kfree(d);
}
