/*
 * A domain's Xen state over its life: the shared_info page (a zeroed frame Keel allocates
 * and frees with the domain; the guest maps it with XENMEM_add_to_physmap), where each
 * vCPU's vcpu_info lives, the wall clock, and the 32/64-bit layout choice.
 *
 * Wall clock: Keel has no RTC reading yet, so wc_sec/wc_nsec are 0 and a guest's
 * wall-clock time (wall clock + system time) is the time since Keel booted.
 */
#include <keel/xen_abi.h>
#include <keel/xen_shared.h>
#include <keel/guest_acpi.h>
#include <keel/evtchn.h>
#include <keel/pvclock.h>
#include <public/vcpu.h>
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/grant_table.h>
#include <arch/paging.h>

BUILD_BUG_ON(sizeof(struct vcpu_info) != 64);
BUILD_BUG_ON(__builtin_offsetof(struct vcpu_info, time) != VCPU_INFO_TIME_OFFSET);
BUILD_BUG_ON(sizeof(struct vcpu_time_info) != 32);
BUILD_BUG_ON(__builtin_offsetof(struct shared_info, evtchn_pending) != SHINFO_EVTCHN_PENDING_OFFSET);
BUILD_BUG_ON(__builtin_offsetof(struct shared_info, evtchn_mask) != SHINFO_EVTCHN_MASK_OFFSET);
BUILD_BUG_ON(__builtin_offsetof(struct shared_info, wc_version) != SHINFO_WC_OFFSET);
BUILD_BUG_ON(sizeof(struct shared_info) > PAGE_SIZE);
BUILD_BUG_ON(EVTCHN_NR_PORTS > COMPAT_EVTCHN_2L_NR_CHANNELS);

/* wc_version, wc_sec, wc_nsec at the latched layout's place. */
static void write_wallclock(struct domain *d)
{
    uint32_t *wc = (uint32_t *)(void *)(d->xen.shared_info +
                   (d->xen.compat ? COMPAT_SHINFO_WC_OFFSET : SHINFO_WC_OFFSET));
    uint32_t ver = (READ_ONCE(wc[0]) | 1) + 1;
    WRITE_ONCE(wc[0], ver - 1);        /* odd: being changed */
    __asm__ volatile("" ::: "memory");
    WRITE_ONCE(wc[1], 0);              /* seconds at system time 0: see above */
    WRITE_ONCE(wc[2], 0);
    __asm__ volatile("" ::: "memory");
    WRITE_ONCE(wc[0], ver);
}

int xen_domain_init(struct domain *d)
{
    paddr_t pa = frame_alloc_zeroed();
    if (!pa)
        return -XEN_ENOMEM;
    d->xen.shared_info_pa = pa;
    d->xen.shared_info = phys_to_virt(pa);
    d->xen.shared_info_gfn = SHINFO_GFN_NONE;
    write_wallclock(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        /* The 32 legacy slots: vCPUs beyond them have none until they register one. */
        v->xen.vcpu_info = i < XEN_LEGACY_MAX_VCPUS ? d->xen.shared_info + i * 64 : NULL;
        runstate_set(v, i == 0 ? RUNSTATE_runnable : RUNSTATE_offline);
    }
    int rc = gnttab_domain_init(d);
    return rc ? rc : evtchn_domain_init(d);
}

void xen_vcpu_init(struct vcpu *v)
{
    v->xen.vcpu_info = NULL;
    vtimer_init(v);
    sched_poll_init(v);
}

int xen_domain_set_layout(struct domain *d, uint64_t ram_end, uint64_t console_gpa)
{
    struct xen_e820_entry *e = d->xen.e820;
    uint64_t rsv = GUEST_ACPI_GPA(console_gpa), rsv_end = console_gpa + PAGE_SIZE;
    paddr_t hpa;
    unsigned perms;

    /* RAM below the ACPI page; it and the console page reserved, so that the guest's
     * memory allocator never hands them out (Xen's toolstack keeps such pages out of RAM
     * too). The domain's builder writes the ACPI tables there. */
    e[0] = (struct xen_e820_entry){ .addr = 0, .size = rsv, .type = 1 };
    e[1] = (struct xen_e820_entry){ .addr = rsv, .size = rsv_end - rsv, .type = 2 };
    d->xen.nr_e820 = 2;
    if (rsv_end < ram_end)
        e[d->xen.nr_e820++] = (struct xen_e820_entry){ .addr = rsv_end,
                                   .size = ram_end - rsv_end, .type = 1 };
    if (!p2m_lookup(&d->p2m, console_gpa, &hpa, &perms))
        return -XEN_EINVAL;
    d->xen.console_ring_pa = hpa & PAGE_MASK;
    d->xen.console_ring = phys_to_virt(hpa & PAGE_MASK);
    int port = evtchn_alloc_console(d);
    if (port < 0)
        return port;
    d->xen.params[HVM_PARAM_CONSOLE_PFN] = console_gpa >> PAGE_SHIFT;
    d->xen.params[HVM_PARAM_CONSOLE_EVTCHN] = (uint64_t)port;
    return 0;
}

/* Xen's rule for HVM guests: HLT with interrupts off takes a vCPU down (only INIT-SIPI
 * brings it back), and a domain with no vCPU up has powered off. This is how Linux as a
 * PVH guest powers off: it has no ACPI sleep state to enter, so it halts every CPU with
 * interrupts off. A vCPU waiting for its start-up IPI is down too. */
void xen_vcpu_down(struct vcpu *v)
{
    struct domain *d = v->dom;

    __atomic_store_n(&v->xen.down, true, __ATOMIC_SEQ_CST);
    pr_debug("domain %u (%s): vCPU %u halted with interrupts off\n", d->id, d->name, v->id);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *o = d->vcpus[i];
        if (!__atomic_load_n(&o->xen.down, __ATOMIC_SEQ_CST) && !o->wait_sipi)
            return;
    }
    domain_shutdown(d, SHUTDOWN_poweroff, "every vCPU halted with interrupts off");
}

int xen_domain_reserve_page(struct domain *d, uint64_t gpa)
{
    struct xen_e820_entry *e = d->xen.e820;

    /* Only the page just below the reserved pages (ACPI tables, console ring) that
     * xen_domain_set_layout put after the first RAM entry: that entry shrinks by a page
     * and the reserved one grows down over it. */
    if (d->xen.nr_e820 < 2 || e[0].type != 1 || e[0].addr || e[1].type != 2 ||
        gpa + PAGE_SIZE != e[0].size || e[1].addr != e[0].size)
        return -XEN_EINVAL;
    e[0].size = gpa;
    e[1].addr = gpa;
    e[1].size += PAGE_SIZE;
    return 0;
}

void xen_domain_shutdown(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        vtimer_stop_all(d->vcpus[i]);
}

void xen_domain_destroy(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        vtimer_stop_all(d->vcpus[i]);
        d->vcpus[i]->xen.vcpu_info = NULL;
    }
    gnttab_domain_destroy(d);          /* before the p2m and its frames go */
    evtchn_domain_destroy(d);
    /* Not in the p2m as an owned frame: it is ours to free, wherever it was mapped. */
    if (d->xen.shared_info_pa)
        frame_free(d->xen.shared_info_pa, 1);
    d->xen.shared_info_pa = 0;
    d->xen.shared_info = NULL;
}

/* Xen samples the guest's mode when it sets up the callback or maps shared_info, and
 * uses 32-bit layouts if that was not 64-bit code; so does Keel. */
void xen_latch_compat(struct vcpu *v)
{
    struct domain *d = v->dom;
    if (d->xen.compat != v->xen.hc_compat) {
        d->xen.compat = v->xen.hc_compat;
        write_wallclock(d);
    }
}

long xen_register_vcpu_info(struct vcpu *caller, struct vcpu *v, uint64_t gfn, uint32_t off)
{
    struct domain *d = v->dom;
    paddr_t hpa;
    unsigned perms;

    /* Whole and 8-byte aligned inside the page: the selector word is updated atomically
     * (Xen accepts any offset; an unaligned one would make Keel's atomics split locks). */
    if (off > PAGE_SIZE - sizeof(struct vcpu_info) || (off & 7))
        return -XEN_EINVAL;
    if (v->xen.vcpu_info_frame)
        return -XEN_EINVAL;            /* once per vCPU */
    if (v != caller && !v->wait_sipi)
        return -XEN_EINVAL;            /* the vCPU itself, or one that is not running */
    if (gfn >= P2M_MAX_GPA >> PAGE_SHIFT ||
        !p2m_lookup(&d->p2m, gfn << PAGE_SHIFT, &hpa, &perms) || !(perms & P2M_W) ||
        !(perms & P2M_OWNED))
        return -XEN_EINVAL;            /* Keel keeps writing it: only a frame of its own */

    uint8_t *nvi = (uint8_t *)phys_to_virt(hpa & PAGE_MASK) + off;
    unsigned long f = spin_lock_irqsave(&v->xen.time_lock);
    uint8_t *old = v->xen.vcpu_info;
    if (old)
        memcpy(nvi, old, sizeof(struct vcpu_info));
    else
        memset(nvi, 0, sizeof(struct vcpu_info));
    v->xen.vcpu_info_frame = hpa & PAGE_MASK;
    WRITE_ONCE(v->xen.vcpu_info, nvi);
    spin_unlock_irqrestore(&v->xen.time_lock, f);

    /* A sender may have used the old place meanwhile: flag every selector bit, as Xen
     * does. The guest rescans all words and finds only what is really pending. */
    __atomic_store_n((uint32_t *)(void *)vcpu_info_sel(d, nvi), ~0u, __ATOMIC_SEQ_CST);
    if (!d->xen.compat)
        __atomic_store_n((uint32_t *)(void *)(nvi + 12), ~0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(nvi, 1, __ATOMIC_SEQ_CST);
    pvclock_update(v);
    xen_vcpu_kick(v);
    return 0;
}
