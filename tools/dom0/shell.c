/*
 * The command shell, close to xl's verbs:
 *   list | info | create <cfg> [key=value...] | destroy <dom> | shutdown <dom>
 *   pause <dom> | unpause <dom> | console <dom> [ms] | mem-set <dom> <MiB>
 *   vcpu-pin <dom> <vcpu> <cpu> | wait <dom> [s] | sleep <ms> | echo <text> | poweroff | help
 *   xs-read <path> | xs-write <path> <value> | xs-rm <path>   (the store, as xenstore-*)
 *   xs-wait <path> <s>   (until the node exists) | send <dom> <text>   (a line to its console)
 *   expect <dom> <text> <s>   (until a line of its console contains the text)
 *   stopwatch [name]   (start; or print the instructions since as a BENCH line)
 *   disk-test | disk-sum <disk> <sector> <count> [seed]   (disk_cmd.c; and two attacks
 *   for tests: disk-dma-escape, disk-msi-forge)
 *   disk-ram <name> <MiB> [module]   (a RAM disk for the block backend, as configs'
 *   disk = [...]; zeroed, or starting with a module's bytes)
 * <dom> is an id or a name. The same lines come from the rc script (run at start) and
 * from the console, where Ctrl-] leaves an attached console.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#include "disk_cmd.h"
#include "dom0.h"
#include "disk.h"
#include "xs_store.h"

#define MAX_ARGS 12
#define CTRL_CLOSE_BRACKET 0x1d

static unsigned long num(const char *s, int *ok)
{
    unsigned long v = 0;
    *ok = *s != '\0';
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000ul) {
            *ok = 0;
            return 0;
        }
        v = v * 10 + (unsigned long)(*s - '0');
    }
    return v;
}

/* An id or a name; -1 if no such domain. */
static long resolve_quiet(const char *s)
{
    struct dom_info di;
    int ok;
    unsigned long id = num(s, &ok);
    if (ok && dc_getinfo((unsigned)id, &di) == 0 && di.id == id)
        return (long)id;
    for (unsigned from = 0; dc_getinfo(from, &di) == 0; from = di.id + 1)
        if (!strcmp(di.name, s))
            return di.id;
    return -1;
}

static long resolve(const char *s)
{
    long id = resolve_quiet(s);
    if (id < 0)
        gprintf("dom0: no domain %s\n", s);
    return id;
}

static void state_str(const struct dom_info *d, char out[7])
{
    memcpy(out, "------", 7);
    if (!(d->flags & (DI_PAUSED | DI_SHUTDOWN | DI_BLOCKED)))
        out[0] = 'r';
    if (d->flags & DI_BLOCKED)
        out[1] = 'b';
    if (d->flags & DI_PAUSED)
        out[2] = 'p';
    if (d->flags & DI_SHUTDOWN)
        out[d->shutdown_reason == 3 ? 4 : 3] = d->shutdown_reason == 3 ? 'c' : 's';
    if (d->flags & DI_DYING)
        out[5] = 'd';
}

static void cmd_list(void)
{
    struct dom_info di;
    char st[7];
    gprintf("Name                             ID   Mem VCPUs  State   Time(s)\n");
    for (unsigned from = 0; dc_getinfo(from, &di) == 0; from = di.id + 1) {
        state_str(&di, st);
        gprintf("%-32s %2u %5lu %5u %s %9lu.%lu\n", di.name, di.id,
                (unsigned long)(di.mem_kb >> 10), di.nr_vcpus, st,
                (unsigned long)(di.cpu_ns / 1000000000ull),
                (unsigned long)(di.cpu_ns / 100000000ull % 10));
    }
}

static void cmd_info(void)
{
    unsigned cpus;
    uint64_t total, free;
    long rc = dc_physinfo(&cpus, &total, &free);
    if (rc) {
        gprintf("dom0: info: %s\n", dc_strerror(rc));
        return;
    }
    gprintf("nr_cpus           : %u\ntotal_memory      : %lu\nfree_memory       : %lu\n"
            "free_memory_kb    : %lu\n", cpus, (unsigned long)(total >> 10),
            (unsigned long)(free >> 10), (unsigned long)free);
}

static void cmd_create(int argc, char **argv)
{
    struct xlcfg cfg;
    char err[160];
    if (argc < 2) {
        gprintf("usage: create <config> [key=value...]\n");
        return;
    }
    const struct module *m = module_find(argv[1]);
    if (!m) {
        gprintf("dom0: create: no configuration file %s\n", argv[1]);
        return;
    }
    gprintf("Parsing config from %s\n", argv[1]);
    if (xlcfg_parse(m->data, m->size, &cfg, err, sizeof(err))) {
        gprintf("dom0: %s: %s\n", argv[1], err);
        return;
    }
    for (int i = 2; i < argc; i++)
        if (xlcfg_set(&cfg, argv[i], err, sizeof(err))) {
            gprintf("dom0: %s: %s\n", argv[1], err);
            return;
        }
    if (xlcfg_finish(&cfg, err, sizeof(err))) {
        gprintf("dom0: %s: %s\n", argv[1], err);
        return;
    }
    long id = build_domain(&cfg);
    if (id < 0)
        return;
    managed_add((unsigned)id, &cfg);
    gprintf("dom0: domain %ld (%s) created: %u MiB, %u vCPU%s\n", id, cfg.name,
            cfg.memory_mb, cfg.vcpus, cfg.vcpus == 1 ? "" : "s");
}

static void on_dom(const char *verb, const char *arg, long (*fn)(unsigned))
{
    long id = resolve(arg);
    if (id < 0)
        return;
    if (fn == dc_destroy) {
        consback_forget((unsigned)id);
        blkback_forget((unsigned)id);
        xs_ring_disconnect((unsigned)id);
        managed_drop((unsigned)id);
    }
    long rc = fn((unsigned)id);
    if (rc)
        gprintf("dom0: %s %s: %s\n", verb, arg, dc_strerror(rc));
    else
        gprintf("dom0: %s %ld: done\n", verb, id);
}

static long do_shutdown(unsigned id)
{
    return dc_shutdown(id, 0);
}

/* Until the domain has shut down or is gone, or `secs` passed. */
static void cmd_wait(const char *arg, unsigned long secs)
{
    long id = resolve_quiet(arg);
    if (id < 0) {
        gprintf("dom0: wait: domain %s is gone\n", arg);   /* or never was */
        return;
    }
    for (unsigned long ms = 0; ms < secs * 1000; ms += 10) {
        struct dom_info di;
        if (dc_getinfo((unsigned)id, &di) || di.id != (unsigned)id) {
            gprintf("dom0: wait: domain %s is gone\n", arg);
            return;
        }
        if (di.flags & DI_SHUTDOWN) {
            dom0_tick(10);                 /* let the death handling run first */
            gprintf("dom0: wait: domain %s has shut down\n", arg);
            return;
        }
        dom0_tick(10);
    }
    gprintf("dom0: wait: domain %ld still running after %lu s\n", id, secs);
}

static void cmd_console(const char *arg, unsigned long ms)
{
    long id = resolve(arg);
    char typed[64];
    if (id < 0)
        return;
    dom0_tick(1);                          /* its console known to the backend */
    if (consback_attach((unsigned)id)) {
        gprintf("dom0: console %ld: no console\n", id);
        return;
    }
    gprintf("dom0: attached to domain %ld's console%s\n", id, ms ? "" : "; Ctrl-] leaves");
    for (unsigned long t = 0; ms ? t < ms : 1; t += 10) {
        dom0_tick(10);
        long n = ms ? 0 : hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, sizeof(typed),
                                     (unsigned long)typed);
        char *close = n > 0 ? memchr(typed, CTRL_CLOSE_BRACKET, (size_t)n) : NULL;
        if (n > 0)                         /* typed: to its console, up to Ctrl-] */
            consback_input((unsigned)id, typed, close ? (size_t)(close - typed) : (size_t)n);
        if (close)
            break;
    }
    consback_detach();
    gprintf("\ndom0: detached\n");
}

/* bench <cfg> [key=value...]: emulated instructions (exact under QEMU -icount) to build a
 * domain from the config, start it and destroy it again. */
static void cmd_bench(int argc, char **argv)
{
    struct xlcfg cfg;
    char err[160];
    const struct module *m = argc >= 2 ? module_find(argv[1]) : NULL;
    if (!m || xlcfg_parse(m->data, m->size, &cfg, err, sizeof(err))) {
        gprintf("dom0: bench: no usable configuration %s\n", argc >= 2 ? argv[1] : "");
        return;
    }
    for (int i = 2; i < argc; i++)
        if (xlcfg_set(&cfg, argv[i], err, sizeof(err))) {
            gprintf("dom0: bench: %s\n", err);
            return;
        }
    if (xlcfg_finish(&cfg, err, sizeof(err)))
        return;
    uint64_t t0 = rdtsc();
    long id = build_domain(&cfg);
    long rc = id < 0 ? id : dc_destroy((unsigned)id);
    uint64_t t1 = rdtsc();
    if (rc)
        gprintf("dom0: bench: %s\n", dc_strerror(rc));
    else
        gprintf("BENCH %s/domain_create_destroy_%umib %lu insns\n",
                guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm", cfg.memory_mb,
                (unsigned long)(t1 - t0));
}

/* The first `size` bytes of a fresh disk from `data`; the rest of the last sector zero. */
static void disk_fill(struct disk *d, const void *data, size_t size)
{
    static uint8_t last[512];
    uint32_t whole = (uint32_t)(size / 512);
    memset(last, 0, sizeof(last));
    memcpy(last, (const uint8_t *)data + (size_t)whole * 512, size % 512);
    if ((whole && d->write(d, 0, data, whole)) || (size % 512 && d->write(d, whole, last, 1)))
        gprintf("dom0: disk %s: filling it failed\n", d->name);
}

static void poweroff(void)
{
    struct dom_info di;
    gprintf("dom0: powering off: destroying every domain\n");
    for (unsigned from = 1; dc_getinfo(from, &di) == 0; from = di.id + 1) {
        consback_forget(di.id);
        blkback_forget(di.id);
        xs_ring_disconnect(di.id);
        managed_drop(di.id);
        dc_destroy(di.id);
    }
    guest_shutdown(SHUTDOWN_poweroff);
}

int shell_run_line(char *line)
{
    char *argv[MAX_ARGS];
    int argc = 0, ok1 = 1, ok2 = 1, ok3 = 1;

    for (char *p = line; *p && argc < MAX_ARGS;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p || *p == '#')
            break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (!argc)
        return 0;
    const char *c = argv[0];
    if (!strcmp(c, "list")) {
        cmd_list();
    } else if (!strcmp(c, "info")) {
        cmd_info();
    } else if (!strcmp(c, "create")) {
        cmd_create(argc, argv);
    } else if (!strcmp(c, "destroy") && argc == 2) {
        on_dom(c, argv[1], dc_destroy);
    } else if (!strcmp(c, "pause") && argc == 2) {
        on_dom(c, argv[1], dc_pause);
    } else if (!strcmp(c, "unpause") && argc == 2) {
        on_dom(c, argv[1], dc_unpause);
    } else if (!strcmp(c, "shutdown") && argc == 2) {
        on_dom(c, argv[1], do_shutdown);
    } else if (!strcmp(c, "console") && (argc == 2 || argc == 3)) {
        cmd_console(argv[1], argc == 3 ? num(argv[2], &ok1) : 0);
    } else if (!strcmp(c, "wait") && (argc == 2 || argc == 3)) {
        cmd_wait(argv[1], argc == 3 ? num(argv[2], &ok1) : 60);
    } else if (!strcmp(c, "mem-set") && argc == 3) {
        long id = resolve(argv[1]);
        unsigned long mb = num(argv[2], &ok1);
        long rc = id < 0 || !ok1 ? -22 : dc_set_max_mem((unsigned)id, (uint64_t)mb << 10);
        gprintf("dom0: mem-set %s %s: %s\n", argv[1], argv[2], dc_strerror(rc));
    } else if (!strcmp(c, "vcpu-pin") && argc == 4) {
        long id = resolve(argv[1]);
        unsigned long v = num(argv[2], &ok2), cpu = num(argv[3], &ok3);
        long rc = id < 0 || !ok2 || !ok3 ? -22 : dc_pin((unsigned)id, (unsigned)v, (unsigned)cpu);
        gprintf("dom0: vcpu-pin %s %s %s: %s\n", argv[1], argv[2], argv[3], dc_strerror(rc));
    } else if (!strcmp(c, "sleep") && argc == 2) {
        dom0_tick(num(argv[1], &ok1));
    } else if (!strcmp(c, "expect") && argc >= 4) {
        /* expect <dom> <words...> <s>: until a line of its console contains the words. */
        long id = resolve(argv[1]);
        unsigned long secs = num(argv[argc - 1], &ok1);
        char text[64] = "";
        for (int i = 2; i < argc - 1; i++)
            gsnprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i > 2 ? " " : "",
                      argv[i]);
        if (id >= 0 && ok1) {
            consback_expect((unsigned)id, text);
            for (unsigned long ms = 0; !consback_expect_seen() && ms < secs * 1000; ms += 10)
                dom0_tick(10);
            gprintf("dom0: expect \"%s\": %s\n", text, consback_expect_seen() ? "seen" : "timed out");
        }
    } else if (!strcmp(c, "send") && argc >= 3) {
        /* send <dom> <words...>: a line typed into its console (scripts drive a DomU's
         * shell with it). */
        long id = resolve(argv[1]);
        for (int i = 2; id >= 0 && i < argc; i++) {
            consback_input((unsigned)id, argv[i], strlen(argv[i]));
            consback_input((unsigned)id, i + 1 < argc ? " " : "\n", 1);
        }
    } else if (!strcmp(c, "echo")) {
        for (int i = 1; i < argc; i++)
            gprintf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
    } else if (!strcmp(c, "xs-read") && argc == 2) {
        const char *v = xs_read(argv[1]);
        gprintf(v ? "%s\n" : "dom0: xs-read %s: no such node\n", v ? v : argv[1]);
    } else if (!strcmp(c, "xs-write") && argc == 3) {
        int rc = xs_write(argv[1], argv[2]);
        if (rc)
            gprintf("dom0: xs-write %s: error %d\n", argv[1], rc);
    } else if (!strcmp(c, "xs-wait") && argc == 3) {
        unsigned long secs = num(argv[2], &ok1), ms = 0;
        for (; ok1 && !xs_read(argv[1]) && ms < secs * 1000; ms += 10)
            dom0_tick(10);
        gprintf("dom0: xs-wait %s: %s\n", argv[1], xs_read(argv[1]) ? "there" : "timed out");
    } else if (!strcmp(c, "xs-rm") && argc == 2) {
        if (xs_rm(argv[1]))
            gprintf("dom0: xs-rm %s: no such node\n", argv[1]);
    } else if (!strcmp(c, "stopwatch") && argc <= 3) {
        /* stopwatch: start; stopwatch <name> [M]: print the instructions since (exact
         * under QEMU -icount) as a benchmark figure, in millions with M (a Linux boot
         * varied by ~100 instructions in 2e9 between two runs; the cause is not pinned down,
         * the wall clock it reads being the first suspect). */
        static uint64_t started;
        uint64_t n = rdtsc() - started;
        int mega = argc == 3 && !strcmp(argv[2], "M");
        if (argc == 1)
            started = rdtsc();
        else
            gprintf("BENCH %s/%s %lu %s\n", guest_vendor == GUEST_VENDOR_INTEL ? "vmx" : "svm",
                    argv[1], (unsigned long)(mega ? (n + 500000) / 1000000 : n),
                    mega ? "Minsns" : "insns");
    } else if (disk_cmd(argc, argv)) {
    } else if (!strcmp(c, "disk-ram") && (argc == 3 || argc == 4)) {
        /* disk-ram <name> <MiB> [module]: a RAM disk, zeroed or starting with a module's
         * bytes (a disk image handed to Dom0). */
        unsigned long mb = num(argv[2], &ok1);
        const struct module *m = argc == 4 ? module_find(argv[3]) : NULL;
        struct disk *d = NULL;
        if (argc == 4 && (!m || m->size > (mb << 20)))
            gprintf("dom0: disk-ram: %s: no such module, or larger than %lu MiB\n", argv[3], mb);
        else if (ok1 && !(d = disk_ram_create(argv[1], (unsigned)mb)))
            gprintf("dom0: disk-ram %s %s: name taken, or not enough memory\n", argv[1], argv[2]);
        else if (d && m)
            disk_fill(d, m->data, m->size);
    } else if (!strcmp(c, "bench")) {
        cmd_bench(argc, argv);
    } else if (!strcmp(c, "poweroff")) {
        poweroff();
        return -1;
    } else if (!strcmp(c, "help")) {
        gprintf("commands: list, info, create <cfg> [key=value...], destroy <dom>, shutdown <dom>,\n"
                "  pause <dom>, unpause <dom>, console <dom> [ms], mem-set <dom> <MiB>,\n"
                "  vcpu-pin <dom> <vcpu> <cpu>, wait <dom> [s], sleep <ms>, echo <text>, poweroff,\n"
                "  xs-read <path>, xs-write <path> <value>, xs-rm <path>, send <dom> <text>,\n"
                "  expect <dom> <text> <s>, bench <cfg>, stopwatch [name], disk-ram <name> <MiB>,\n"
                "  disk-test <disk> <sector> <count> [seed], disk-sum <disk> <sector> <count> [seed],\n"
                "  disk-dma-escape <disk> <MiB>, disk-msi-forge <disk> <sector> <vector>\n");
    } else {
        gprintf("dom0: unknown command or wrong arguments: %s (try 'help')\n", c);
    }
    if (!ok1 || !ok2 || !ok3)
        gprintf("dom0: %s: a number was expected\n", c);
    return 0;
}

void shell_script(const char *text, size_t len)
{
    char line[256];
    size_t n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            line[n] = '\0';
            if (n && line[0] != '#')
                gprintf("dom0# %s\n", line);
            if (shell_run_line(line))
                return;
            n = 0;
            dom0_tick(0);
        } else if (n + 1 < sizeof(line)) {
            line[n++] = text[i];
        }
    }
}

void shell_interactive(void)
{
    char line[256], c;
    size_t n = 0;

    gprintf("dom0# ");
    guest_flush();
    for (;;) {
        dom0_tick(10);
        while (hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, 1, (unsigned long)&c) == 1) {
            if (c == '\r' || c == '\n') {
                gprintf("\n");
                line[n] = '\0';
                n = 0;
                if (shell_run_line(line))
                    return;
                gprintf("dom0# ");
            } else if ((c == 0x7f || c == 8) && n) {
                n--;
                gprintf("\b \b");
            } else if (c >= 0x20 && c < 0x7f && n + 1 < sizeof(line)) {
                line[n++] = c;
                gprintf("%c", c);
            }
            guest_flush();
        }
    }
}
