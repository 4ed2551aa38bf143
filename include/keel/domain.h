/* Domains and vCPUs: the kernel objects guests live in (kernel/domain.c). */
#ifndef KEEL_DOMAIN_H
#define KEEL_DOMAIN_H

#include <keel/types.h>
#include <keel/p2m.h>
#include <keel/vlapic.h>
#include <keel/xen_state.h>

#define MAX_VCPUS_PER_DOMAIN 8
#define DOMAIN_NAME_MAX 32

/* General-purpose registers saved and restored around VM entry by the backend's entry
 * code. RSP, RIP and RFLAGS live in the VMCS/VMCB. The order is fixed: the backends'
 * assembly uses these offsets (checked there). */
struct guest_gprs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

enum vcpu_state {
    VCPU_RUNNABLE,
    VCPU_BLOCKED,        /* halted, waiting for an event */
    VCPU_STOPPED,        /* its domain is shutting down or dead */
};

struct domain;

struct vcpu {
    struct guest_gprs regs;            /* first: entry code reaches it through the pointer */
    struct domain *dom;
    unsigned id;
    enum vcpu_state state;
    void *hw;                          /* the backend's per-vCPU state (VMCB/VMCS...) */
    int last_cpu;                      /* host CPU it last ran on, -1 if never */
    unsigned cpu;                      /* the CPU whose run queue it belongs to */
    bool pinned;                       /* Dom0 chose the CPU (before it started) */
    struct vcpu *rq_next;              /* run-queue link (kernel/sched.c) */
    volatile bool on_rq;
    volatile int migrate_to;           /* a CPU to move to when next descheduled, -1: none */
    uint64_t migrations;
    uint64_t nr_exits;
    struct p2m_cache p2m_cache;        /* recent guest-physical translations of this vCPU */
    uint8_t fpu[512] __aligned(16);    /* FXSAVE image while not loaded */
    bool fpu_valid;
    struct vlapic vlapic;
    bool halted;                       /* in HLT, waiting for an interrupt */
    bool after_window;                 /* last exit: interrupt window or host interrupt */
    /* INIT/SIPI (kernel/vcpu_run.c): set by other vCPUs, acted on by this vCPU's CPU. */
    spinlock_t sig_lock;
    volatile bool wait_sipi;           /* after INIT: only a start-up IPI wakes it */
    volatile bool init_pending;
    volatile bool start_pending;
    bool start_from_ctx;               /* the pending start is VCPUOP_initialise's context */
    bool initialised;                  /* has run since its last INIT (Xen: is_initialised) */
    uint8_t sipi_vector;
    struct xen_vcpu xen;               /* the Xen ABI's per-vCPU state (xen_state.h) */
};

/* The life of a domain: CREATED (being built, never ran) -> RUNNING <-> PAUSED (by Dom0)
 * -> SHUTDOWN (poweroff, reboot, crash...: no longer runs, memory kept for Dom0 to look at)
 * -> DYING (being torn down) -> DEAD (memory returned; the object is gone). Any state but
 * DEAD can go to SHUTDOWN and then DYING. */
enum domain_state {
    DOM_CREATED,
    DOM_RUNNING,
    DOM_PAUSED,
    DOM_SHUTDOWN,
    DOM_DYING,
    DOM_DEAD,
};

struct domain {
    unsigned id;
    char name[DOMAIN_NAME_MAX];
    volatile enum domain_state state;
    int shutdown_reason;               /* SHUTDOWN_* once it has shut down */
    bool privileged;                   /* Dom0: may use the management hypercalls */
    struct p2m p2m;
    uint64_t mem_bytes;                /* guest RAM at creation: GPA [0, mem_bytes) */
    uint64_t max_pages;                /* the most RAM frames it may hold (p2m.nr_owned) */
    uint64_t max_gfn;                  /* the highest GFN it ever had RAM at */
    uint64_t tsc_offset;               /* guest TSC = host TSC + tsc_offset (all vCPUs) */
    paddr_t io_bitmap;                 /* its own I/O permission map (backend format), 0: none */
    unsigned nr_vcpus;
    struct vcpu *vcpus[MAX_VCPUS_PER_DOMAIN];
    /* The console line being assembled from console_io writes. */
    char con_buf[160];
    size_t con_len;
    spinlock_t con_lock;
    struct xen_domain xen;             /* the Xen ABI's per-domain state (xen_state.h) */
    struct domain *next_listed;        /* the list domain_find searches */
};

struct domain *domain_create(const char *name, uint64_t mem_bytes, unsigned nr_vcpus);
/* Dom0 takes id 0: called once, before it is created. Otherwise ids start at 1. */
void domain_ids_from_zero(void);
/* The management domain, once it exists (kernel/dom0.c): told of domain deaths. */
extern struct domain *dom0;
/* Starts a CREATED domain: vCPU 0 queued on `cpu` (-1: each vCPU on the next CPU in turn,
 * unless pinned), the others assigned their CPU to wait for INIT-SIPI or VCPUOP_up. */
void domain_start(struct domain *d, int cpu);
/* Management pause (Dom0): its vCPUs leave their CPUs and stay off until unpaused. */
int domain_pause(struct domain *d);
int domain_unpause_mgmt(struct domain *d);
/* The live domain with the lowest id >= id (listing), or NULL; same validity as
 * domain_find. */
struct domain *domain_find_from(unsigned id);
/* Stops the domain for good: reason SHUTDOWN_*, with a message for the log. */
void domain_shutdown(struct domain *d, int reason, const char *why);
/* Frees everything: vCPUs, p2m, memory. The domain pointer is invalid afterwards. */
void domain_destroy(struct domain *d);
const char *shutdown_reason_name(int reason);
/* The live domain with this id, or NULL. The pointer stays valid only while something
 * keeps the domain from being destroyed: callers that use it hold evtchn_pair_lock
 * (kernel/evtchn.c), which domain_destroy takes after unlisting the domain. */
struct domain *domain_find(unsigned id);

/* INIT and start-up IPIs from another vCPU of the same domain (kernel/vcpu_run.c). */
void vcpu_init_signal(struct vcpu *v);
void vcpu_sipi(struct vcpu *v, uint8_t vector);

/* Copies between the hypervisor and guest-physical memory, page by page through the p2m
 * with permission checks (kernel/guest_mem.c). 0 or -XEN_EFAULT. */
int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len);
int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t len);
int clear_guest_phys(struct domain *d, uint64_t gpa, size_t len);
/* The same for guest-virtual addresses of a vCPU: walks the guest's own page tables. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);
/* Guest virtual → guest physical, for an access of the given kind. false: no mapping. */
bool guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);

#endif
