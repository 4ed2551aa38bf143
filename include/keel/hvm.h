/*
 * The hardware-virtualization backend interface. vmx/ and svm/ each fill one struct
 * hvm_ops; hvm_init() picks one at boot from CPUID. kernel/ talks to the hardware only
 * through it and sees VM exits only as struct vm_exit — never a VMCS field or VMCB offset.
 */
#ifndef KEEL_HVM_H
#define KEEL_HVM_H

#include <keel/types.h>

struct vcpu;
struct domain;

/* Generic exit reasons: what happened, in the vendor-neutral sense. */
enum exit_reason {
    EXIT_NONE = 0,
    EXIT_INTR,            /* a host interrupt arrived while the guest ran */
    EXIT_NMI,             /* a host NMI arrived */
    EXIT_HYPERCALL,       /* VMCALL / VMMCALL */
    EXIT_CPUID,
    EXIT_HLT,
    EXIT_IO,              /* port I/O (see io) */
    EXIT_MSR_READ,        /* RDMSR (msr.index) */
    EXIT_MSR_WRITE,       /* WRMSR (msr.index, msr.value) */
    EXIT_NPF,             /* nested page fault / EPT violation (see npf) */
    EXIT_TRIPLE_FAULT,    /* shutdown: the guest is dead */
    EXIT_INVALID_STATE,   /* VM entry refused the guest state (already reported) */
    EXIT_VIRT_INSN,       /* the guest tried a virtualization instruction (VMRUN, VMXON...) */
    EXIT_INTR_WINDOW,     /* the guest can now take an interrupt (asked with intr_window) */
    EXIT_UNHANDLED,       /* an exit the backend intercepts but kernel/ does not handle */
};

struct vm_exit {
    enum exit_reason reason;
    uint64_t hw_code;     /* the vendor's own exit code, for diagnostics */
    const char *hw_name;  /* and its name */
    uint64_t rip;         /* guest RIP of the exiting instruction */
    uint32_t insn_len;    /* length of that instruction, 0 if unknown */
    uint8_t cpl;          /* the guest's privilege level at the exit */
    bool code64;          /* it was running 64-bit code (long mode, CS.L) */
    union {
        struct {
            uint16_t port;
            uint8_t size;         /* 1, 2 or 4 */
            bool in;
            bool string, rep;
        } io;
        struct {
            uint32_t index;
            uint64_t value;       /* writes */
        } msr;
        struct {
            uint64_t gpa;
            bool read, write, exec;
            bool present;         /* the translation existed (a permission fault) */
        } npf;
    };
};

/* Guest registers kernel/ may read and write. The general ones live in struct vcpu
 * (saved by the backend's entry code); these are held in the VMCS/VMCB. */
enum guest_reg {
    GREG_RIP, GREG_RSP, GREG_RFLAGS, GREG_CR0, GREG_CR2, GREG_CR3, GREG_CR4, GREG_EFER,
    GREG_PAT, GREG_CS_BASE, GREG_CS_ATTR, GREG_CPL, GREG_COUNT
};

/* Event types for injection. */
enum event_type { EVENT_EXTINT = 0, EVENT_NMI = 2, EVENT_EXCEPTION = 3, EVENT_SOFTINT = 4 };

/* The CPU state at a guest's first instruction. */
enum start_mode {
    START_PVH32,          /* PVH: 32-bit protected mode, paging off, flat segments */
    START_REAL,           /* after INIT-SIPI: real mode, CS:IP = (entry >> 4):0 */
};

/* Permissions of a guest-physical mapping. */
#define P2M_R 1u
#define P2M_W 2u
#define P2M_X 4u
#define P2M_RWX (P2M_R | P2M_W | P2M_X)
/* Uncached (device MMIO): encoded into new leaves only, not decoded back (perms_of), so
 * MMIO ranges are mapped and unmapped whole, never split or re-protected. */
#define P2M_UC 8u
#define P2M_OWNED 16u     /* p2m_lookup only: the domain owns the frame (its RAM) */

/* The nested page table format: the p2m in mm/ builds the tree, the backend says what an
 * entry looks like. Levels: 1 = 4 KiB leaf, 2 = 2 MiB, 3 = 1 GiB, 4 = top. Encoding goes
 * through functions (rare: mapping); decoding is described by bit masks, so that lookups
 * on the exit path cost a few instructions per level instead of indirect calls. */
struct p2m_format {
    uint64_t (*leaf)(paddr_t hpa, unsigned perms, int level, bool owned);
    uint64_t (*table)(paddr_t next);        /* a non-leaf entry */
    uint64_t present_mask;                   /* any of these set: present */
    uint64_t large_bit;                      /* set in 2 MiB / 1 GiB leaves */
    uint64_t addr_mask;                      /* the frame address bits */
    uint64_t owned_bit;                      /* software bit: the domain owns the frame */
    uint64_t r_bit, w_bit, x_bit;            /* r_bit 0: readable whenever present */
    bool x_is_nx;                            /* x_bit set means NOT executable */
    bool huge_1g;                            /* 1 GiB leaves supported */
};

struct hvm_ops {
    const char *name;                        /* "svm" or "vmx" */
    const struct p2m_format *p2m;
    bool (*cpu_enable)(void);                /* on each CPU; false (after saying why) if not */
    int (*vcpu_create)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* The vCPU leaves this CPU for another one: drop what ties it here (VT-x: VMCLEAR). */
    void (*vcpu_put)(struct vcpu *v);
    void (*vcpu_set_start)(struct vcpu *v, enum start_mode mode, uint64_t entry,
                           paddr_t p2m_root);
    /* Runs the guest until an exit that kernel/ must see; fills *exit. */
    void (*vcpu_run)(struct vcpu *v, struct vm_exit *exit);
    void (*inject_event)(struct vcpu *v, enum event_type type, uint8_t vector,
                         bool has_error, uint32_t error);
    uint64_t (*get_reg)(struct vcpu *v, enum guest_reg r);
    void (*set_reg)(struct vcpu *v, enum guest_reg r, uint64_t val);
    void (*flush_guest_tlb)(struct vcpu *v); /* after the p2m lost or narrowed a mapping */
    /* Interrupt delivery: can the guest take an external interrupt right now (IF set, no
     * interrupt shadow, no event already being injected)? If not, intr_window(v, true)
     * asks for an EXIT_INTR_WINDOW as soon as it can. */
    bool (*intr_ready)(struct vcpu *v);
    void (*intr_window)(struct vcpu *v, bool on);
    /* The guest's TSC = host TSC + offset. */
    void (*set_tsc_offset)(struct vcpu *v, uint64_t offset);
    void (*dump)(struct vcpu *v);            /* guest state, for diagnostics */
    /* Port I/O the domain may do without an exit (its own I/O BARs): the first call
     * gives it a private permission map (d->io_bitmap), which every vCPU of it uses from
     * its next entry on; other domains share the deny-all one. -1: no memory (the ports
     * keep exiting). io_release frees the map, after the vCPUs are gone. */
    int (*io_allow)(struct domain *d, uint16_t port, unsigned count);
    void (*io_release)(struct domain *d);
};

extern const struct hvm_ops *hvm;

/* Picks the backend from CPUID (boot CPU). False if the CPU has neither. */
bool hvm_init(void);

extern const struct hvm_ops svm_ops;
extern const struct hvm_ops vmx_ops;
bool svm_supported(void);
bool vmx_supported(void);

#endif
