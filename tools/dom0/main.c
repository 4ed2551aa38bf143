/*
 * Dom0's start and its event loop. At start: shared_info mapped, VIRQ_DOM_EXC bound (Keel
 * raises it when a domain shuts down or is destroyed), the start-info modules listed,
 * then the script module named by rc=<file> on the command line is run, and the shell
 * reads the console (unless the script powered off).
 *
 * The loop (dom0_tick) sleeps in SCHEDOP_poll on VIRQ_DOM_EXC and the console channels,
 * 10 ms at most, and after each wake-up moves the DomUs' console output and acts on
 * domains that shut down, per their configuration's on_poweroff / on_reboot / on_crash.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#include "disk.h"
#include "dom0.h"
#include "disk.h"

#define VIRQ_DOM_EXC 3
#define MAX_MODULES 16
#define MAX_MANAGED 64
#define MS 1000000ull

uint32_t dom_exc_port;
static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static struct module modules[MAX_MODULES];
static unsigned nr_modules;
static struct managed managed[MAX_MANAGED];

int snprintf(char *buf, size_t size, const char *fmt, ...);   /* for xlcfg.c and elf_loader.c */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = gvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

const struct module *module_find(const char *name)
{
    for (unsigned i = 0; i < nr_modules; i++)
        if (!strcmp(modules[i].name, name))
            return &modules[i];
    return NULL;
}

struct modlist_entry { uint64_t paddr, size, cmdline_paddr, reserved; };

static void find_modules(void)
{
    const struct hvm_start_info *si = guest_start_info();
    if (!si || !si->nr_modules)
        return;
    const struct modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
    for (unsigned i = 0; i < si->nr_modules && nr_modules < MAX_MODULES; i++) {
        const char *cmd = m[i].cmdline_paddr ? (const char *)(uintptr_t)m[i].cmdline_paddr : "";
        const char *base = cmd, *p = cmd;
        for (; *p && *p != ' '; p++)
            if (*p == '/')
                base = p + 1;
        static char names[MAX_MODULES][64];
        size_t n = (size_t)(p - base) < sizeof(names[0]) ? (size_t)(p - base) : sizeof(names[0]) - 1;
        memcpy(names[nr_modules], base, n);
        names[nr_modules][n] = '\0';
        while (*p == ' ')
            p++;
        modules[nr_modules] = (struct module){ .name = names[nr_modules], .args = p,
            .data = (const void *)(uintptr_t)m[i].paddr, .size = m[i].size };
        gprintf("dom0: module %s (%lu bytes)\n", names[nr_modules], (unsigned long)m[i].size);
        nr_modules++;
    }
}

struct managed *managed_find(unsigned id)
{
    for (int i = 0; i < MAX_MANAGED; i++)
        if (managed[i].id == id && managed[i].cfg.name[0])
            return &managed[i];
    return NULL;
}

void managed_add(unsigned id, const struct xlcfg *cfg)
{
    for (int i = 0; i < MAX_MANAGED; i++)
        if (!managed[i].cfg.name[0]) {
            managed[i] = (struct managed){ .id = id, .cfg = *cfg };
            return;
        }
}

void managed_drop(unsigned id)
{
    struct managed *m = managed_find(id);
    if (m)
        memset(m, 0, sizeof(*m));
}

static const char *reason_name(unsigned r)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog" };
    return r < 5 ? names[r] : "unknown";
}

/* Domains that shut down: their console drained, then what their config says. */
static void handle_deaths(void)
{
    for (int i = 0; i < MAX_MANAGED; i++) {
        struct managed *m = &managed[i];
        struct dom_info di;
        if (!m->cfg.name[0] || m->handled)
            continue;
        if (dc_getinfo(m->id, &di) || di.id != m->id) {
            consback_forget(m->id);
            blkback_forget(m->id);
            xs_ring_disconnect(m->id);
            memset(m, 0, sizeof(*m));          /* gone */
            continue;
        }
        if (!(di.flags & DI_SHUTDOWN))
            continue;
        consback_forget(m->id);
        enum xl_action a = di.shutdown_reason == 3 ? m->cfg.on_crash
                         : di.shutdown_reason == 1 ? m->cfg.on_reboot : m->cfg.on_poweroff;
        gprintf("dom0: domain %u (%s) shut down (%s): %s\n", m->id, m->cfg.name,
                reason_name(di.shutdown_reason), xl_action_name(a));
        m->handled = 1;
        if (a == XL_PRESERVE)
            continue;
        struct xlcfg cfg = m->cfg;
        blkback_forget(m->id);
        xs_ring_disconnect(m->id);
        long rc = dc_destroy(m->id);
        if (rc)
            gprintf("dom0: destroying domain %u: %s\n", m->id, dc_strerror(rc));
        memset(m, 0, sizeof(*m));
        if (a == XL_RESTART) {
            long id = build_domain(&cfg);
            if (id >= 0) {
                managed_add((unsigned)id, &cfg);
                gprintf("dom0: domain %s restarted as %ld\n", cfg.name, id);
            }
        }
    }
}

void dom0_tick(uint64_t ms)
{
    uint64_t end = xen_clock_ns(0) + ms * MS;
    uint32_t ports[MAX_MANAGED * 2 + 1 + BLKBACK_MAX_PORTS];

    static int busy;                       /* kept across calls: work left is still there */
    do {
        ports[0] = dom_exc_port;
        unsigned n = 1 + consback_ports(ports + 1, MAX_MANAGED);
        n += xs_ring_ports(ports + n, MAX_MANAGED * 2 + 1 - n);
        n += blkback_ports(ports + n, BLKBACK_MAX_PORTS);
        uint64_t now = xen_clock_ns(0), until = now + 10 * MS;
        if (busy)                          /* a backend has work left: others first */
            hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
        else
            xen_sched_poll(ports, n, until < end ? until : end);
        consback_poll();
        xs_ring_poll();
        busy = blkback_poll();
        if (xen_evtchn_pending(dom_exc_port)) {
            xen_evtchn_clear(dom_exc_port);
            handle_deaths();
        }
    } while (xen_clock_ns(0) < end);
}

void guest_main(void)
{
    char rc_name[64];

    if (xen_map_shared_info(shinfo) || xen_evtchn_bind_virq(VIRQ_DOM_EXC, 0, &dom_exc_port)) {
        gprintf("dom0: cannot set up shared_info or VIRQ_DOM_EXC; stopping\n");
        return;
    }
    xen_evtchn_mask(dom_exc_port);             /* polled, not delivered as upcalls */
    const struct hvm_memmap_table_entry *map;
    uint64_t top = 0;
    for (unsigned i = 0, n = guest_memmap(&map); i < n; i++)
        if (map[i].addr + map[i].size > top)
            top = map[i].addr + map[i].size;
    xs_ring_init(top);                         /* DomU store rings map above our memory, */
    blkback_init(top + (1u << 20));            /* block rings 1 MiB further up */
    gprintf("dom0: Keel's management domain; type 'help' for commands\n");
    find_modules();
    disk_probe();                              /* the disks passed through to us */
    if (guest_cmdline_get("rc", rc_name, sizeof(rc_name))) {
        const struct module *rc = module_find(rc_name);
        if (rc) {
            gprintf("dom0: running %s\n", rc_name);
            shell_script(rc->data, rc->size);
        } else {
            gprintf("dom0: rc=%s: no such module\n", rc_name);
        }
    }
    shell_interactive();
}
