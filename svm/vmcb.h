/*
 * The VMCB (AMD APM vol. 2, appendix B): a 4 KiB page, control area at 0x000, state save
 * area at 0x400. Offsets are hardware facts; the static asserts below pin them.
 * Private to svm/.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <keel/types.h>

struct vmcb_seg {
    uint16_t selector;
    uint16_t attrib;        /* descriptor bits 40-47 in 0-7, bits 52-55 in 8-11 */
    uint32_t limit;
    uint64_t base;
} __packed;

struct vmcb_control {
    uint16_t intercept_cr_read;         /* 0x000 */
    uint16_t intercept_cr_write;        /* 0x002 */
    uint16_t intercept_dr_read;         /* 0x004 */
    uint16_t intercept_dr_write;        /* 0x006 */
    uint32_t intercept_exceptions;      /* 0x008 */
    uint32_t intercept_misc1;           /* 0x00c */
    uint32_t intercept_misc2;           /* 0x010 */
    uint32_t intercept_misc3;           /* 0x014 */
    uint8_t reserved1[0x03c - 0x018];
    uint16_t pause_filter_threshold;    /* 0x03c */
    uint16_t pause_filter_count;        /* 0x03e */
    uint64_t iopm_base_pa;              /* 0x040 */
    uint64_t msrpm_base_pa;             /* 0x048 */
    uint64_t tsc_offset;                /* 0x050 */
    uint32_t guest_asid;                /* 0x058 */
    uint8_t tlb_control;                /* 0x05c */
    uint8_t reserved2[3];
    uint64_t vintr;                     /* 0x060 */
    uint64_t interrupt_shadow;          /* 0x068 */
    uint64_t exitcode;                  /* 0x070 */
    uint64_t exitinfo1;                 /* 0x078 */
    uint64_t exitinfo2;                 /* 0x080 */
    uint64_t exitintinfo;               /* 0x088 */
    uint64_t np_enable;                 /* 0x090 */
    uint64_t avic_apic_bar;             /* 0x098 */
    uint64_t ghcb_pa;                   /* 0x0a0 */
    uint64_t eventinj;                  /* 0x0a8 */
    uint64_t n_cr3;                     /* 0x0b0 */
    uint64_t virt_ext;                  /* 0x0b8 */
    uint32_t clean;                     /* 0x0c0 */
    uint32_t reserved3;
    uint64_t nrip;                      /* 0x0c8 */
    uint8_t insn_bytes_fetched;         /* 0x0d0 */
    uint8_t insn_bytes[15];
    uint8_t reserved4[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;   /* 0x400 */
    uint8_t reserved1[0x4cb - 0x4a0];
    uint8_t cpl;                        /* 0x4cb */
    uint32_t reserved2;
    uint64_t efer;                      /* 0x4d0 */
    uint8_t reserved3[0x548 - 0x4d8];
    uint64_t cr4;                       /* 0x548 */
    uint64_t cr3;                       /* 0x550 */
    uint64_t cr0;                       /* 0x558 */
    uint64_t dr7;                       /* 0x560 */
    uint64_t dr6;                       /* 0x568 */
    uint64_t rflags;                    /* 0x570 */
    uint64_t rip;                       /* 0x578 */
    uint8_t reserved4[0x5d8 - 0x580];
    uint64_t rsp;                       /* 0x5d8 */
    uint64_t s_cet, ssp, isst_addr;     /* 0x5e0 */
    uint64_t rax;                       /* 0x5f8 */
    uint64_t star;                      /* 0x600 */
    uint64_t lstar;                     /* 0x608 */
    uint64_t cstar;                     /* 0x610 */
    uint64_t sfmask;                    /* 0x618 */
    uint64_t kernel_gs_base;            /* 0x620 */
    uint64_t sysenter_cs;               /* 0x628 */
    uint64_t sysenter_esp;              /* 0x630 */
    uint64_t sysenter_eip;              /* 0x638 */
    uint64_t cr2;                       /* 0x640 */
    uint8_t reserved5[0x668 - 0x648];
    uint64_t g_pat;                     /* 0x668 */
    uint64_t dbgctl;                    /* 0x670 */
    uint64_t br_from, br_to;            /* 0x678 */
    uint64_t last_excp_from, last_excp_to;  /* 0x688 */
} __packed;

struct vmcb {
    struct vmcb_control ctl;
    struct vmcb_save save;
    uint8_t pad[4096 - 0x400 - sizeof(struct vmcb_save)];
} __packed;

BUILD_BUG_ON(sizeof(struct vmcb) != 4096);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb_control, iopm_base_pa) != 0x040);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb_control, guest_asid) != 0x058);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb_control, exitcode) != 0x070);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb_control, eventinj) != 0x0a8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb_control, nrip) != 0x0c8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.cpl) != 0x4cb);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.efer) != 0x4d0);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.cr4) != 0x548);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.rsp) != 0x5d8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.rax) != 0x5f8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.cr2) != 0x640);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, save.g_pat) != 0x668);

/* intercept_misc1 */
#define INTERCEPT_INTR      (1u << 0)
#define INTERCEPT_NMI       (1u << 1)
#define INTERCEPT_SMI       (1u << 2)
#define INTERCEPT_INIT      (1u << 3)
#define INTERCEPT_VINTR     (1u << 4)
#define INTERCEPT_CPUID     (1u << 18)
#define INTERCEPT_RSM       (1u << 19)
#define INTERCEPT_IRET      (1u << 20)
#define INTERCEPT_INVD      (1u << 22)
#define INTERCEPT_HLT       (1u << 24)
#define INTERCEPT_INVLPGA   (1u << 26)
#define INTERCEPT_IOIO      (1u << 27)
#define INTERCEPT_MSR       (1u << 28)
#define INTERCEPT_TASKSW    (1u << 29)
#define INTERCEPT_SHUTDOWN  (1u << 31)
/* intercept_misc2 */
#define INTERCEPT_VMRUN     (1u << 0)
#define INTERCEPT_VMMCALL   (1u << 1)
#define INTERCEPT_VMLOAD    (1u << 2)
#define INTERCEPT_VMSAVE    (1u << 3)
#define INTERCEPT_STGI      (1u << 4)
#define INTERCEPT_CLGI      (1u << 5)
#define INTERCEPT_SKINIT    (1u << 6)
#define INTERCEPT_ICEBP     (1u << 8)
#define INTERCEPT_MONITOR   (1u << 10)
#define INTERCEPT_MWAIT     (1u << 11)
#define INTERCEPT_XSETBV    (1u << 13)

/* vintr */
#define VINTR_V_IRQ         (1ull << 8)
#define VINTR_PRIO_SHIFT    16
#define VINTR_IGN_TPR       (1ull << 20)
#define VINTR_MASKING       (1ull << 24)
#define VINTR_VECTOR_SHIFT  32
/* A virtual interrupt request: V_IRQ, its vector and priority, TPR ignored. */
#define VINTR_REQUEST       (VINTR_V_IRQ | VINTR_IGN_TPR | (0xfull << VINTR_PRIO_SHIFT) | \
                             (0xffull << VINTR_VECTOR_SHIFT))

/* Exit codes (the ones Keel names). */
#define SVM_EXIT_EXCP_BASE  0x040
#define SVM_EXIT_INTR       0x060
#define SVM_EXIT_NMI        0x061
#define SVM_EXIT_SMI        0x062
#define SVM_EXIT_INIT       0x063
#define SVM_EXIT_VINTR      0x064
#define SVM_EXIT_CPUID      0x072
#define SVM_EXIT_RSM        0x073
#define SVM_EXIT_IRET       0x074
#define SVM_EXIT_INVD       0x076
#define SVM_EXIT_HLT        0x078
#define SVM_EXIT_INVLPGA    0x07a
#define SVM_EXIT_IOIO       0x07b
#define SVM_EXIT_MSR        0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN   0x07f
#define SVM_EXIT_VMRUN      0x080
#define SVM_EXIT_VMMCALL    0x081
#define SVM_EXIT_VMLOAD     0x082
#define SVM_EXIT_VMSAVE     0x083
#define SVM_EXIT_STGI       0x084
#define SVM_EXIT_CLGI       0x085
#define SVM_EXIT_SKINIT     0x086
#define SVM_EXIT_ICEBP      0x088
#define SVM_EXIT_MONITOR    0x08a
#define SVM_EXIT_MWAIT      0x08b
#define SVM_EXIT_XSETBV     0x08d
#define SVM_EXIT_NPF        0x400
#define SVM_EXIT_INVALID    0xffffffffu   /* written as 32 bits: compare (uint32_t) */

/* EVENTINJ / EXITINTINFO */
#define EVENT_VALID         (1ull << 31)
#define EVENT_ERR_VALID     (1ull << 11)

/* TLB_CONTROL */
#define TLB_CONTROL_NONE        0
#define TLB_CONTROL_FLUSH_ALL   1
#define TLB_CONTROL_FLUSH_ASID  3

/* MSRs */
#define MSR_VM_CR        0xc0010114
#define MSR_VM_HSAVE_PA  0xc0010117
#define VM_CR_SVMDIS     (1u << 4)

/* CPUID 0x8000000a EDX */
#define SVM_FEAT_NP          (1u << 0)
#define SVM_FEAT_NRIPS       (1u << 3)
#define SVM_FEAT_FLUSH_ASID  (1u << 6)
#define SVM_FEAT_DECODE      (1u << 7)

#endif
