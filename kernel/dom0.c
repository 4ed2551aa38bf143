/*
 * Dom0, the management domain: the first boot module is its kernel (the module's command
 * line is its command line), and every other module is handed to it as a start-info
 * module — DomU kernels, configuration files, ramdisks — for its toolstack to use. It
 * gets id 0, the privileged flag (the management hypercalls, the console input, the
 * console rings of the others), the PCI devices behind the IOMMU (drivers/pci_guest.c), dom0_mem= of RAM (default: 64 MiB plus room for its
 * modules) and dom0_vcpus= vCPUs.
 *
 * When Dom0 shuts down, the machine has no manager left: Keel shuts every other domain
 * down, destroys them all once their vCPUs are off the CPUs, checks that every frame came
 * back, and stops (under test_exit=1, the emulator ends with the outcome).
 */
#include <keel/domain_build.h>
#include <keel/cmdline.h>
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/test_exit.h>
#include <keel/pci.h>
#include <arch/paging.h>

#define DOM0_BASE_MEM MiB(64)

static uint64_t free_before;

static bool all_idle(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (!sched_vcpu_idle(d->vcpus[i]))
            return false;
    return true;
}

/* The boot CPU's idle hook: nothing to do until Dom0 has shut down. */
static void dom0_watch(void)
{
    if (READ_ONCE(dom0->state) < DOM_SHUTDOWN)
        return;
    /* Every domain stopped and off the CPUs before anything is freed. */
    bool idle = true;
    for (struct domain *d = domain_find_from(0); d; d = domain_find_from(d->id + 1)) {
        domain_shutdown(d, SHUTDOWN_poweroff, "Dom0 is gone");
        idle &= all_idle(d);
    }
    if (!idle)
        return;                        /* again at the next idle moment */
    int reason = dom0->shutdown_reason;
    struct domain *d0 = dom0;
    dom0 = NULL;                       /* no one to tell of the deaths below */
    unsigned n = 0;
    for (struct domain *d = domain_find_from(1); d; d = domain_find_from(1), n++)
        domain_destroy(d);
    domain_destroy(d0);
    uint64_t free_after = frame_free_count();
    pr_info("dom0: shut down (%s); %u other domain%s destroyed; free frames %llu before, "
            "%llu after: %s\n", shutdown_reason_name(reason), n, n == 1 ? "" : "s",
            (unsigned long long)free_before, (unsigned long long)free_after,
            free_before == free_after ? "nothing leaked" : "LEAKED");
    sched_idle_hook = NULL;
    test_exit(free_before == free_after && reason == SHUTDOWN_poweroff ? 0 : 1);
}

bool dom0_start(const struct boot_info *bi)
{
    static struct build_module mods[BUILD_MAX_MODULES];
    const struct boot_module *k = &bi->modules[0];
    uint64_t mod_bytes = 0;
    unsigned nr = 0;

    if (!bi->nr_modules) {
        pr_err("error: dom0: no boot module to run as Dom0\n");
        return false;
    }
    for (uint32_t i = 1; i < bi->nr_modules && nr < BUILD_MAX_MODULES; i++, nr++) {
        const struct boot_module *m = &bi->modules[i];
        mods[nr] = (struct build_module){ .data = phys_to_virt(m->start),
                                          .size = m->end - m->start, .cmdline = m->cmdline };
        mod_bytes += ALIGN_UP(m->end - m->start, PAGE_SIZE) + PAGE_SIZE;
    }
    if (bi->nr_modules - 1 > nr)
        pr_warn("warning: dom0: only the first %u modules are handed to Dom0\n", nr);
    uint64_t mem = keel_opts.dom0_mem ? keel_opts.dom0_mem
                                      : DOM0_BASE_MEM + ALIGN_UP(mod_bytes, MiB(2));
    unsigned vcpus = keel_opts.dom0_vcpus ? keel_opts.dom0_vcpus : 1;

    free_before = frame_free_count();
    domain_ids_from_zero();
    struct domain *d = domain_build_pvh("dom0", phys_to_virt(k->start), k->end - k->start,
                                        k->cmdline, mem, vcpus, mods, nr);
    if (!d)
        return false;
    d->privileged = true;
    dom0 = d;
    pci_give_devices(d);               /* every device Keel does not keep (drivers/pci_guest.c) */
    pr_info("dom0: %llu MiB, %u vCPU%s, %u module%s\n", (unsigned long long)(mem >> 20), vcpus,
            vcpus == 1 ? "" : "s", nr, nr == 1 ? "" : "s");
    domain_start(d, -1);
    sched_idle_hook = dom0_watch;
    return true;
}
