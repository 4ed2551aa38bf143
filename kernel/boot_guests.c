/*
 * With dom0=off (tests), Keel runs each boot module as a guest of its own. All of them start
 * at once, spread over the CPUs (one vCPU each for now), unless a module asks to wait for
 * another one. The boot CPU's idle hook watches them: a guest is done when it has shut
 * down or has blocked with nothing left to wake it (a blocked guest stays alive — its
 * memory stays allocated — while the others run, so that isolation tests can look for
 * it). When every guest is done, all are destroyed and the free-frame count must be what
 * it was before the first one was created.
 *
 * Module command line: "<file name> [mem=<N>M] [vcpus=<N>] [cpu=<N>] [wait=<name>] [...]":
 * the file name (without .elf) names the domain, vcpus= gives it more vCPUs (started by
 * the guest with INIT-SIPI), cpu= pins its vCPUs to one CPU (else they are spread), wait=
 * delays its start until the named guest is done, devices=all makes it the owner of the
 * PCI devices (drivers/pci_guest.c), initrd= names another module (by file name) that the
 * guest gets as its PVH start-info module (Linux: the initramfs) and that is then not a
 * guest itself; the whole line is the guest's command line.
 */
#include <keel/domain_build.h>
#include <keel/cmdline.h>
#include <keel/frame.h>
#include <keel/pci.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/test_exit.h>
#include <keel/timer.h>
#include <keel/vcpu.h>
#include <keel/xen_abi.h>
#include <arch/paging.h>
#include <arch/percpu.h>

#define MAX_BOOT_GUESTS BOOT_MAX_MODULES
#define DEFAULT_GUEST_MEM MiB(16)

/* A string the isolation tests look for in their own memory: it must never be there. */
const char hv_canary[] = "KEEL-HV-CANARY-1";

struct boot_guest {
    struct domain *d;
    int cpu;                          /* -1: the runner picks */
    int wait_for;                     /* index of the guest it waits for, -1: none */
    bool started, done;
    bool announced;                   /* "blocked; kept alive" was said */
};

static struct boot_guest guests[MAX_BOOT_GUESTS];
static unsigned nr_guests;
static uint64_t free_before;

/* selftest=migrate: every 3 ms, every running guest vCPU is moved to the next CPU, to
 * exercise migration (VMCLEAR/VMPTRLD on VT-x, new ASIDs on AMD-V) under load. */
static struct timer migrate_timer;
static uint64_t migrate_requests;

static void migrate_tick(struct timer *t, void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < nr_guests; i++) {
        struct domain *d = guests[i].d;
        if (!guests[i].started || guests[i].done)
            continue;
        for (unsigned j = 0; j < d->nr_vcpus; j++) {
            sched_migrate(d->vcpus[j], (d->vcpus[j]->cpu + 1) % nr_cpus);
            migrate_requests++;
        }
    }
    timer_set(t, now_tsc() + us_to_tsc(3000));
}

static void domain_name_from(const char *cmdline, char *name, size_t len)
{
    size_t n = 0;
    const char *base = cmdline;
    for (const char *p = cmdline; *p && *p != ' '; p++)
        if (*p == '/')
            base = p + 1;
    while (base[n] && base[n] != ' ')
        n++;
    if (n > 4 && !strncmp(base + n - 4, ".elf", 4))
        n -= 4;
    if (n >= len)
        n = len - 1;
    memcpy(name, base, n);
    name[n] = '\0';
    if (!n)
        strlcpy(name, "guest", len);
}

static void start(struct boot_guest *g)
{
    g->started = true;
    domain_start(g->d, g->cpu);
}

/* Done: shut down, or every vCPU blocked with nothing of its own that could wake it (no
 * armed virtual timer, no pending interrupt), and none of them queued or running. A
 * blocked guest can still be woken by another one (an event channel): it is done only
 * for as long as it stays blocked. */
static bool guest_done(struct boot_guest *g)
{
    struct domain *d = g->d;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!sched_vcpu_idle(v))
            return false;
        if (d->state != DOM_SHUTDOWN &&
            (v->state != VCPU_BLOCKED || vlapic_may_wake(v) || xen_vcpu_may_wake(v)))
            return false;
    }
    return true;
}

static void finish(void)
{
    if (timer_active(&migrate_timer)) {
        uint64_t moves = 0;
        timer_stop(&migrate_timer);
        for (unsigned i = 0; i < nr_guests; i++)
            for (unsigned j = 0; j < guests[i].d->nr_vcpus; j++)
                moves += guests[i].d->vcpus[j]->migrations;
        pr_info("selftest: migrate: %llu requests, %llu vCPU moves between CPUs\n",
                (unsigned long long)migrate_requests, (unsigned long long)moves);
    }
    for (unsigned i = 0; i < nr_guests; i++)
        domain_destroy(guests[i].d);
    uint64_t free_after = frame_free_count();
    pr_info("guests: %u domains destroyed; free frames %llu before, %llu after: %s\n",
            nr_guests, (unsigned long long)free_before, (unsigned long long)free_after,
            free_before == free_after ? "nothing leaked" : "LEAKED");
    sched_idle_hook = NULL;
    test_exit(free_before == free_after ? 0 : 1);
}

/* The boot CPU's idle hook: notice the guests that are done, start the waiting ones
 * whose turn has come, and end when all are done. */
static void poll(void)
{
    bool all_done = true;

    for (unsigned i = 0; i < nr_guests; i++) {
        struct boot_guest *g = &guests[i];
        if (!g->started || (g->done && g->d->state == DOM_SHUTDOWN))
            continue;
        g->done = guest_done(g);
        if (g->done && !g->announced && g->d->state != DOM_SHUTDOWN) {
            g->announced = true;
            pr_info("domain %u (%s): blocked; kept alive while the others run\n",
                    g->d->id, g->d->name);
        }
    }
    for (unsigned i = 0; i < nr_guests; i++) {
        struct boot_guest *g = &guests[i];
        if (!g->started && guests[g->wait_for].done)
            start(g);
        if (!g->done)
            all_done = false;
    }
    /* Once more: a guest found done early in the first pass may have been woken by one
     * that shut down after it (its last event channel send). */
    for (unsigned i = 0; all_done && i < nr_guests; i++)
        if (guests[i].d->state != DOM_SHUTDOWN && !guest_done(&guests[i]))
            guests[i].done = all_done = false;
    if (all_done)
        finish();
}

/* The module whose file name (the first word of its command line) is `file`, or -1. */
static int module_named(const struct boot_info *bi, const char *file)
{
    for (uint32_t i = 0; i < bi->nr_modules; i++) {
        const char *c = bi->modules[i].cmdline;
        size_t n = strlen(file);
        if (!strncmp(c, file, n) && (c[n] == ' ' || c[n] == '\0'))
            return (int)i;
    }
    return -1;
}

/* True if some module names module i as its initrd: it is data, not a guest. */
static bool is_initrd(const struct boot_info *bi, uint32_t i)
{
    char val[64];
    for (uint32_t j = 0; j < bi->nr_modules; j++)
        if (cmdline_get(bi->modules[j].cmdline, "initrd", val, sizeof(val)) &&
            module_named(bi, val) == (int)i)
            return true;
    return false;
}

bool boot_guests_start(const struct boot_info *bi)
{
    /* Keep the canary in memory the optimizer cannot drop. */
    __asm__ volatile("" :: "r"(hv_canary) : "memory");
    free_before = frame_free_count();

    for (uint32_t i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        char name[DOMAIN_NAME_MAX], val[32];
        uint64_t mem = DEFAULT_GUEST_MEM;
        int cpu = -1, wait_for = -1;
        unsigned nr_vcpus = 1;
        const struct boot_module *initrd = NULL;
        struct build_module initrd_mod;

        if (is_initrd(bi, i))
            continue;
        domain_name_from(m->cmdline, name, sizeof(name));
        if (cmdline_get(m->cmdline, "mem", val, sizeof(val))) {
            mem = ALIGN_DOWN(cmdline_size(val), PAGE_SIZE);
            if (!mem) {
                pr_err("error: domain %s: bad mem=%s; not started\n", name, val);
                continue;
            }
        }
        if (cmdline_get(m->cmdline, "cpu", val, sizeof(val))) {
            uint64_t c = cmdline_size(val);
            if (!val[0] || c >= nr_cpus || (c == 0 && strcmp(val, "0"))) {
                pr_err("error: domain %s: cpu=%s is not an online CPU (0-%u); not started\n",
                       name, val, nr_cpus - 1);
                continue;
            }
            cpu = (int)c;
        }
        if (cmdline_get(m->cmdline, "vcpus", val, sizeof(val))) {
            uint64_t n = cmdline_size(val);
            if (n < 1 || n > MAX_VCPUS_PER_DOMAIN) {
                pr_err("error: domain %s: vcpus=%s is not 1-%u; not started\n", name, val,
                       MAX_VCPUS_PER_DOMAIN);
                continue;
            }
            nr_vcpus = (unsigned)n;
        }
        if (cmdline_get(m->cmdline, "wait", val, sizeof(val))) {
            for (unsigned j = 0; j < nr_guests; j++)
                if (!strcmp(guests[j].d->name, val))
                    wait_for = (int)j;
            if (wait_for < 0) {
                pr_err("error: domain %s: wait=%s names no earlier guest; not started\n", name, val);
                continue;
            }
        }
        if (cmdline_get(m->cmdline, "initrd", val, sizeof(val))) {
            int k = module_named(bi, val);
            if (k < 0) {
                pr_err("error: domain %s: initrd=%s names no module; not started\n", name, val);
                continue;
            }
            initrd = &bi->modules[k];
            initrd_mod = (struct build_module){ .data = phys_to_virt(initrd->start),
                                                .size = initrd->end - initrd->start,
                                                .cmdline = "" };
        }
        struct domain *d = domain_build_pvh(name, phys_to_virt(m->start), m->end - m->start,
                                            m->cmdline, mem, nr_vcpus,
                                            initrd ? &initrd_mod : NULL, initrd ? 1 : 0);
        if (!d)
            continue;
        /* devices=all: this guest is the device owner (as Dom0 is without dom0=off). */
        if (cmdline_get(m->cmdline, "devices", val, sizeof(val)) && !strcmp(val, "all"))
            pci_give_devices(d);
        if (i == 0 && !strcmp(keel_opts.selftest, "bad-guest-state")) {
            /* Self test of the invalid-state path: CR0[63:32] must be zero on both
             * vendors; the CPU refuses the entry, the report must say why. */
            pr_info("selftest: giving domain %u a CR0 with reserved bit 32 set\n", d->id);
            hvm->set_reg(d->vcpus[0], GREG_CR0, hvm->get_reg(d->vcpus[0], GREG_CR0) | (1ull << 32));
        }
        guests[nr_guests++] = (struct boot_guest){ .d = d, .cpu = cpu, .wait_for = wait_for };
    }
    if (!nr_guests)
        return false;
    for (unsigned i = 0; i < nr_guests; i++)
        if (guests[i].wait_for < 0)
            start(&guests[i]);
    sched_idle_hook = poll;
    if (!strcmp(keel_opts.selftest, "migrate") && nr_cpus > 1) {
        timer_init(&migrate_timer, migrate_tick, NULL);
        timer_set(&migrate_timer, now_tsc() + us_to_tsc(3000));
    }
    return true;
}
