/*
 * Keel's management interface: the operations only Dom0 may use to create and control
 * other domains. Keel's own ABI (not Xen's domctl layout), on Xen's domctl hypercall
 * number so that it sits where a Xen toolstack would look; a caller that does not put
 * KEEL_DOMCTL_VERSION in interface_version (a Xen toolstack does not) gets -EACCES, as
 * Xen answers a version it does not speak. Documented in docs/MANAGEMENT.md.
 *
 * One call: HYPERVISOR_domctl(struct keel_domctl *). Every pointer inside is a
 * guest-virtual address of the caller. Errors are Xen's negative errno values; any
 * domain but Dom0 gets -EPERM (and Keel logs the attempt).
 */
#ifndef KEEL_PUBLIC_DOMCTL_H
#define KEEL_PUBLIC_DOMCTL_H

#include <public/xen.h>

#define __HYPERVISOR_domctl 36
#define KEEL_DOMCTL_VERSION 0x4b450001u       /* "KE", version 1 */

#define KEEL_DOMCTL_create          1   /* u.create in; domid out (the new domain, paused) */
#define KEEL_DOMCTL_destroy         2   /* domid: tear it down (shut down first if running) */
#define KEEL_DOMCTL_pause           3   /* domid: stop running its vCPUs */
#define KEEL_DOMCTL_unpause         4   /* domid: run (the first unpause starts vCPU 0) */
#define KEEL_DOMCTL_shutdown        5   /* domid, u.shutdown.reason (SHUTDOWN_*) */
#define KEEL_DOMCTL_getinfo         6   /* the first domain with id >= domid: u.info out */
#define KEEL_DOMCTL_load            7   /* u.load: copy caller memory into the domain */
#define KEEL_DOMCTL_set_start       8   /* u.start: vCPU 0's PVH entry (before it runs) */
#define KEEL_DOMCTL_set_max_mem     9   /* u.max_mem.max_kb: its memory limit */
#define KEEL_DOMCTL_pin_vcpu       10   /* u.pin: keep a vCPU on one physical CPU */
#define KEEL_DOMCTL_console_read   11   /* u.console: take bytes from its console ring */
#define KEEL_DOMCTL_physinfo       12   /* u.physinfo out (domid ignored) */
#define KEEL_DOMCTL_set_store      13   /* u.store: its store ring page; port out */

#define KEEL_DOMFLAG_PAUSED   (1u << 0)    /* getinfo: paused by Dom0 (or never started) */
#define KEEL_DOMFLAG_SHUTDOWN (1u << 1)    /* shut down: shutdown_reason says why */
#define KEEL_DOMFLAG_DYING    (1u << 2)
#define KEEL_DOMFLAG_BLOCKED  (1u << 3)    /* every vCPU blocked */
#define KEEL_DOMFLAG_PRIV     (1u << 4)    /* Dom0 */

#define KEEL_NAME_MAX 32

struct keel_domctl_create {
    uint64_t mem_kb;               /* RAM, a multiple of 4; also its initial limit */
    uint32_t vcpus;                /* 1..8 */
    uint32_t flags;                /* 0 */
    char name[KEEL_NAME_MAX];      /* NUL-terminated, printable */
};

struct keel_domctl_info {
    uint32_t domid;
    uint32_t flags;                /* KEEL_DOMFLAG_* */
    uint32_t shutdown_reason;
    uint32_t nr_vcpus;
    uint64_t mem_kb;               /* held now */
    uint64_t max_kb;               /* its limit */
    uint64_t cpu_ns;               /* time its vCPUs ran */
    uint64_t console_gfn;          /* its console ring page */
    uint32_t console_port;         /* the unbound port the ring notifies */
    uint32_t pad;
    char name[KEEL_NAME_MAX];
};

#define KEEL_DOMCTL_LOAD_MAX (1u << 20)    /* bytes per load call */
struct keel_domctl_load {
    uint64_t gpa;                  /* destination in the domain */
    uint64_t src;                  /* source in the caller (guest-virtual) */
    uint64_t len;
};

struct keel_domctl_start {
    uint64_t entry;                /* 32-bit PVH entry point */
    uint64_t ebx;                  /* the start info's address */
};

struct keel_domctl_pin {
    uint32_t vcpu;
    uint32_t cpu;
};

struct keel_domctl_console {
    uint64_t buf;                  /* caller memory */
    uint32_t size;                 /* at most this many bytes; the count is returned */
    uint32_t pad;
};

struct keel_domctl_store {
    uint64_t gfn;                  /* in: a RAM page of the domain, below the console ring */
    uint32_t port;                 /* out: its unbound port for the store (remote: Dom0) */
    uint32_t pad;
};

struct keel_domctl_physinfo {
    uint32_t nr_cpus;
    uint32_t pad;
    uint64_t total_kb;             /* memory Keel manages */
    uint64_t free_kb;              /* free now */
};

struct keel_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    uint32_t domid;
    uint32_t pad;
    union {
        struct keel_domctl_create create;
        struct keel_domctl_info info;
        struct keel_domctl_load load;
        struct keel_domctl_start start;
        struct { uint64_t max_kb; } max_mem;
        struct keel_domctl_pin pin;
        struct keel_domctl_console console;
        struct { uint32_t reason; } shutdown;
        struct keel_domctl_physinfo physinfo;
        struct keel_domctl_store store;
        uint8_t raw[96];
    } u;
};

#endif
