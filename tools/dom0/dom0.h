/*
 * Keel's Dom0: the management domain's toolstack (tools/dom0/). It runs on the guest
 * runtime (tools/guest/) and drives the hypervisor through Keel's management hypercall
 * (include/public/domctl.h, docs/MANAGEMENT.md).
 *
 *   main.c      start of day, the event loop, domain-death handling (on_crash)
 *   shell.c     the command shell, xl-like verbs, from a script module and the console
 *   xlcfg.c     xl.cfg-style configuration files (pure; host unit tests)
 *   builder.c   the domain builder: ELF image, start info, memory map, modules
 *   consback.c  the console backend: each DomU's ring, onto the console with its name
 *   xs_store.c  the store (xenstore protocol: tree, watches, permissions; pure)
 *   xs_ring.c   the store's connections: each DomU's ring page, mapped through a grant
 *   blkback.c   the block backend: Dom0's disks (disk.h: disk.c, disk_ram.c, ...) to DomUs
 *   xldisk.c    xl disk specifications (pure; host unit tests)
 *   pages.c     Dom0's free RAM, in pages (RAM disks, device buffers)
 *   domctl.c    the hypercall wrappers
 */
#ifndef DOM0_H
#define DOM0_H

#include <stddef.h>
#include <stdint.h>
#include "xlcfg.h"

/* ---- domctl.c: 0 or a negative Xen errno */
struct dom_info {
    unsigned id, flags, shutdown_reason, nr_vcpus;
    uint64_t mem_kb, max_kb, cpu_ns, console_gfn;
    uint32_t console_port;
    char name[32];
};
#define DI_PAUSED   (1u << 0)
#define DI_SHUTDOWN (1u << 1)
#define DI_DYING    (1u << 2)
#define DI_BLOCKED  (1u << 3)
#define DI_PRIV     (1u << 4)

long dc_create(const char *name, uint64_t mem_kb, unsigned vcpus, unsigned *domid);
long dc_destroy(unsigned domid);
long dc_pause(unsigned domid);
long dc_unpause(unsigned domid);
long dc_shutdown(unsigned domid, unsigned reason);
long dc_getinfo(unsigned from, struct dom_info *out);   /* lowest id >= from */
long dc_load(unsigned domid, uint64_t gpa, const void *src, uint64_t len);
long dc_set_start(unsigned domid, uint32_t entry, uint32_t ebx);
long dc_set_max_mem(unsigned domid, uint64_t kb);
long dc_pin(unsigned domid, unsigned vcpu, unsigned cpu);
long dc_console_read(unsigned domid, char *buf, uint32_t size);
long dc_console_write(unsigned domid, const char *buf, uint32_t size);
long dc_physinfo(unsigned *nr_cpus, uint64_t *total_kb, uint64_t *free_kb);
long dc_set_store(unsigned domid, uint64_t gfn, uint32_t *port);
long dc_raw(const void *op);                            /* tests: any request as is */
const char *dc_strerror(long rc);

/* ---- modules handed to Dom0 (main.c) */
struct module {
    const char *name;          /* file name: the module command line's first word, basename */
    const char *args;          /* the rest of that command line */
    const void *data;
    size_t size;
};
const struct module *module_find(const char *name);

/* ---- builder.c: builds and starts a domain; its id, or a negative errno (said why) */
long build_domain(const struct xlcfg *cfg);

/* ---- consback.c */
void consback_poll(void);                  /* move every DomU's console output out */
void consback_forget(unsigned domid);      /* its domain is gone: flush and drop */
int consback_attach(unsigned domid);       /* only this domain's output, raw; -1: none */
void consback_detach(void);
void consback_input(unsigned domid, const char *s, size_t n);   /* typed, to its ring */
/* Watch for a line of domid's output containing text (from now on); seen yet? */
void consback_expect(unsigned domid, const char *text);
int consback_expect_seen(void);
/* Ports to wake up for (console notifications): fills ports, returns how many. */
unsigned consback_ports(uint32_t *ports, unsigned max);

/* ---- xs_ring.c: the store's connections to DomUs */
void xs_ring_init(uint64_t first_free_gpa);
long xs_ring_connect(unsigned domid, const char *name, uint32_t remote_port);
void xs_ring_disconnect(unsigned domid);
void xs_ring_poll(void);
unsigned xs_ring_ports(uint32_t *ports, unsigned max);

/* ---- blkback.c: the block backend; rings map from first_free_gpa up */
#define BLKBACK_MAX_PORTS 16
void blkback_init(uint64_t first_free_gpa);
long blkback_check(const char *spec);      /* one xl disk spec: usable? (says why not) */
long blkback_attach(unsigned domid, const char *spec);
int blkback_poll(void);                    /* follow the frontends, serve their rings;
                                              1: requests left, poll again without sleeping */
void blkback_forget(unsigned domid);       /* its domain is gone: unmap, close, nodes gone */
unsigned blkback_ports(uint32_t *ports, unsigned max);

/* ---- pages.c: n free pages of our RAM, never returned; NULL if short */
void *dom0_pages(size_t n);

/* ---- main.c */
void dom0_tick(uint64_t ms);               /* run the loop for ms: consoles, deaths, input */
struct managed {
    unsigned id;
    struct xlcfg cfg;
    int handled;                           /* its shutdown was acted on */
};
struct managed *managed_find(unsigned id);
void managed_add(unsigned id, const struct xlcfg *cfg);
void managed_drop(unsigned id);
extern uint32_t dom_exc_port;

/* ---- shell.c */
int shell_run_line(char *line);            /* 0, or -1: poweroff asked */
void shell_script(const char *text, size_t len);
void shell_interactive(void);

#endif
