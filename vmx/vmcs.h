/*
 * Private to vmx/: the hardware vocabulary of VT-x — VMCS field encodings, control bits,
 * capability MSRs, exit reasons — and the VMX instructions as inline functions. Values
 * are from the Intel SDM vol. 3 (appendix B for field encodings, appendix C for exit
 * reasons, chapter 25 for the control bits, appendix A for the capability MSRs).
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <keel/types.h>

/* ---- VMCS field encodings (SDM appendix B). Bits 14:13 of an encoding give the width
 * (0 = 16, 1 = 64, 2 = 32, 3 = natural), bits 11:10 the kind (control, read-only exit
 * information, guest state, host state). */
enum vmcs_field {
    /* 16-bit */
    VMCS_VPID                   = 0x0000,
    VMCS_GUEST_ES_SEL           = 0x0800,
    VMCS_GUEST_CS_SEL           = 0x0802,
    VMCS_GUEST_SS_SEL           = 0x0804,
    VMCS_GUEST_DS_SEL           = 0x0806,
    VMCS_GUEST_FS_SEL           = 0x0808,
    VMCS_GUEST_GS_SEL           = 0x080a,
    VMCS_GUEST_LDTR_SEL         = 0x080c,
    VMCS_GUEST_TR_SEL           = 0x080e,
    VMCS_HOST_ES_SEL            = 0x0c00,
    VMCS_HOST_CS_SEL            = 0x0c02,
    VMCS_HOST_SS_SEL            = 0x0c04,
    VMCS_HOST_DS_SEL            = 0x0c06,
    VMCS_HOST_FS_SEL            = 0x0c08,
    VMCS_HOST_GS_SEL            = 0x0c0a,
    VMCS_HOST_TR_SEL            = 0x0c0c,

    /* 64-bit */
    VMCS_IO_BITMAP_A            = 0x2000,
    VMCS_IO_BITMAP_B            = 0x2002,
    VMCS_MSR_BITMAP             = 0x2004,
    VMCS_EXIT_MSR_STORE_ADDR    = 0x2006,
    VMCS_EXIT_MSR_LOAD_ADDR     = 0x2008,
    VMCS_ENTRY_MSR_LOAD_ADDR    = 0x200a,
    VMCS_TSC_OFFSET             = 0x2010,
    VMCS_EPT_POINTER            = 0x201a,
    VMCS_GUEST_PHYS_ADDR        = 0x2400,   /* read-only: EPT violation/misconfiguration */
    VMCS_LINK_POINTER           = 0x2800,
    VMCS_GUEST_DEBUGCTL         = 0x2802,
    VMCS_GUEST_PAT              = 0x2804,
    VMCS_GUEST_EFER             = 0x2806,
    VMCS_GUEST_PERF_GLOBAL_CTRL = 0x2808,
    VMCS_GUEST_PDPTE0           = 0x280a,   /* PDPTE1..3 follow at +2 each */
    VMCS_HOST_PAT               = 0x2c00,
    VMCS_HOST_EFER              = 0x2c02,

    /* 32-bit */
    VMCS_PIN_CONTROLS           = 0x4000,
    VMCS_PREEMPT_TIMER          = 0x482e,   /* guest VMX-preemption timer value */
    VMCS_PROC_CONTROLS          = 0x4002,
    VMCS_EXCEPTION_BITMAP       = 0x4004,
    VMCS_PF_ERROR_MASK          = 0x4006,
    VMCS_PF_ERROR_MATCH         = 0x4008,
    VMCS_CR3_TARGET_COUNT       = 0x400a,
    VMCS_EXIT_CONTROLS          = 0x400c,
    VMCS_EXIT_MSR_STORE_COUNT   = 0x400e,
    VMCS_EXIT_MSR_LOAD_COUNT    = 0x4010,
    VMCS_ENTRY_CONTROLS         = 0x4012,
    VMCS_ENTRY_MSR_LOAD_COUNT   = 0x4014,
    VMCS_ENTRY_INTR_INFO        = 0x4016,
    VMCS_ENTRY_EXCEPTION_ERROR  = 0x4018,
    VMCS_ENTRY_INSN_LEN         = 0x401a,
    VMCS_TPR_THRESHOLD          = 0x401c,
    VMCS_PROC_CONTROLS2         = 0x401e,
    VMCS_INSN_ERROR             = 0x4400,   /* read-only from here to 0x440e */
    VMCS_EXIT_REASON            = 0x4402,
    VMCS_EXIT_INTR_INFO         = 0x4404,
    VMCS_EXIT_INTR_ERROR        = 0x4406,
    VMCS_IDT_VECTORING_INFO     = 0x4408,
    VMCS_IDT_VECTORING_ERROR    = 0x440a,
    VMCS_EXIT_INSN_LEN          = 0x440c,
    VMCS_EXIT_INSN_INFO         = 0x440e,
    VMCS_GUEST_ES_LIMIT         = 0x4800,
    VMCS_GUEST_CS_LIMIT         = 0x4802,
    VMCS_GUEST_SS_LIMIT         = 0x4804,
    VMCS_GUEST_DS_LIMIT         = 0x4806,
    VMCS_GUEST_FS_LIMIT         = 0x4808,
    VMCS_GUEST_GS_LIMIT         = 0x480a,
    VMCS_GUEST_LDTR_LIMIT       = 0x480c,
    VMCS_GUEST_TR_LIMIT         = 0x480e,
    VMCS_GUEST_GDTR_LIMIT       = 0x4810,
    VMCS_GUEST_IDTR_LIMIT       = 0x4812,
    VMCS_GUEST_ES_AR            = 0x4814,
    VMCS_GUEST_CS_AR            = 0x4816,
    VMCS_GUEST_SS_AR            = 0x4818,
    VMCS_GUEST_DS_AR            = 0x481a,
    VMCS_GUEST_FS_AR            = 0x481c,
    VMCS_GUEST_GS_AR            = 0x481e,
    VMCS_GUEST_LDTR_AR          = 0x4820,
    VMCS_GUEST_TR_AR            = 0x4822,
    VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
    VMCS_GUEST_ACTIVITY         = 0x4826,
    VMCS_GUEST_SYSENTER_CS      = 0x482a,
    VMCS_HOST_SYSENTER_CS       = 0x4c00,

    /* natural width */
    VMCS_CR0_MASK               = 0x6000,
    VMCS_CR4_MASK               = 0x6002,
    VMCS_CR0_SHADOW             = 0x6004,
    VMCS_CR4_SHADOW             = 0x6006,
    VMCS_EXIT_QUALIFICATION     = 0x6400,
    VMCS_GUEST_LINEAR_ADDR      = 0x640a,
    VMCS_GUEST_CR0              = 0x6800,
    VMCS_GUEST_CR3              = 0x6802,
    VMCS_GUEST_CR4              = 0x6804,
    VMCS_GUEST_ES_BASE          = 0x6806,
    VMCS_GUEST_CS_BASE          = 0x6808,
    VMCS_GUEST_SS_BASE          = 0x680a,
    VMCS_GUEST_DS_BASE          = 0x680c,
    VMCS_GUEST_FS_BASE          = 0x680e,
    VMCS_GUEST_GS_BASE          = 0x6810,
    VMCS_GUEST_LDTR_BASE        = 0x6812,
    VMCS_GUEST_TR_BASE          = 0x6814,
    VMCS_GUEST_GDTR_BASE        = 0x6816,
    VMCS_GUEST_IDTR_BASE        = 0x6818,
    VMCS_GUEST_DR7              = 0x681a,
    VMCS_GUEST_RSP              = 0x681c,
    VMCS_GUEST_RIP              = 0x681e,
    VMCS_GUEST_RFLAGS           = 0x6820,
    VMCS_GUEST_PENDING_DBG      = 0x6822,
    VMCS_GUEST_SYSENTER_ESP     = 0x6824,
    VMCS_GUEST_SYSENTER_EIP     = 0x6826,
    VMCS_HOST_CR0               = 0x6c00,
    VMCS_HOST_CR3               = 0x6c02,
    VMCS_HOST_CR4               = 0x6c04,
    VMCS_HOST_FS_BASE           = 0x6c06,
    VMCS_HOST_GS_BASE           = 0x6c08,
    VMCS_HOST_TR_BASE           = 0x6c0a,
    VMCS_HOST_GDTR_BASE         = 0x6c0c,
    VMCS_HOST_IDTR_BASE         = 0x6c0e,
    VMCS_HOST_SYSENTER_ESP      = 0x6c10,
    VMCS_HOST_SYSENTER_EIP      = 0x6c12,
    VMCS_HOST_RSP               = 0x6c14,
    VMCS_HOST_RIP               = 0x6c16,
};

/* ---- Pin-based VM-execution controls */
#define PIN_EXTINT_EXITING      (1u << 0)
#define PIN_NMI_EXITING         (1u << 3)
#define PIN_VIRTUAL_NMIS        (1u << 5)
#define PIN_PREEMPT_TIMER       (1u << 6)

/* ---- Primary processor-based VM-execution controls */
#define PROC_INTR_WINDOW        (1u << 2)
#define PROC_TSC_OFFSETTING     (1u << 3)
#define PROC_HLT_EXITING        (1u << 7)
#define PROC_INVLPG_EXITING     (1u << 9)
#define PROC_MWAIT_EXITING      (1u << 10)
#define PROC_RDPMC_EXITING      (1u << 11)
#define PROC_RDTSC_EXITING      (1u << 12)
#define PROC_CR3_LOAD_EXITING   (1u << 15)
#define PROC_CR3_STORE_EXITING  (1u << 16)
#define PROC_CR8_LOAD_EXITING   (1u << 19)
#define PROC_CR8_STORE_EXITING  (1u << 20)
#define PROC_TPR_SHADOW         (1u << 21)
#define PROC_MOV_DR_EXITING     (1u << 23)
#define PROC_UNCOND_IO_EXITING  (1u << 24)
#define PROC_IO_BITMAPS         (1u << 25)
#define PROC_MSR_BITMAPS        (1u << 28)
#define PROC_MONITOR_EXITING    (1u << 29)
#define PROC_SECONDARY          (1u << 31)

/* ---- Secondary processor-based VM-execution controls */
#define PROC2_EPT               (1u << 1)
#define PROC2_RDTSCP            (1u << 3)
#define PROC2_VPID              (1u << 5)
#define PROC2_UNRESTRICTED      (1u << 7)

/* ---- VM-exit controls */
#define EXIT_SAVE_DEBUG         (1u << 2)
#define EXIT_HOST_64BIT         (1u << 9)
#define EXIT_ACK_INTR           (1u << 15)
#define EXIT_SAVE_PAT           (1u << 18)
#define EXIT_LOAD_PAT           (1u << 19)
#define EXIT_SAVE_EFER          (1u << 20)
#define EXIT_LOAD_EFER          (1u << 21)

/* ---- VM-entry controls */
#define ENTRY_LOAD_DEBUG        (1u << 2)
#define ENTRY_IA32E_GUEST       (1u << 9)
#define ENTRY_LOAD_PAT          (1u << 14)
#define ENTRY_LOAD_EFER         (1u << 15)

/* ---- Capability and control MSRs (SDM appendix A) */
#define MSR_FEATURE_CONTROL         0x03a
#define FEATURE_CONTROL_LOCK        (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_VMX_BASIC               0x480
#define MSR_VMX_PINBASED_CTLS       0x481
#define MSR_VMX_PROCBASED_CTLS      0x482
#define MSR_VMX_EXIT_CTLS           0x483
#define MSR_VMX_ENTRY_CTLS          0x484
#define MSR_VMX_MISC                0x485
#define MSR_VMX_CR0_FIXED0          0x486
#define MSR_VMX_CR0_FIXED1          0x487
#define MSR_VMX_CR4_FIXED0          0x488
#define MSR_VMX_CR4_FIXED1          0x489
#define MSR_VMX_PROCBASED_CTLS2     0x48b
#define MSR_VMX_EPT_VPID_CAP        0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS     0x490

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION(b)   ((uint32_t)(b) & 0x7fffffff)
#define VMX_BASIC_SIZE(b)       ((uint32_t)((b) >> 32) & 0x1fff)
#define VMX_BASIC_32BIT_ADDR    (1ull << 48)
#define VMX_BASIC_MEMTYPE(b)    ((uint32_t)((b) >> 50) & 0xf)
#define VMX_BASIC_TRUE_CTLS     (1ull << 55)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK4           (1ull << 6)
#define EPT_CAP_WB              (1ull << 14)
#define EPT_CAP_2M              (1ull << 16)
#define EPT_CAP_1G              (1ull << 17)
#define EPT_CAP_INVEPT          (1ull << 20)
#define EPT_CAP_AD              (1ull << 21)
#define EPT_CAP_INVEPT_SINGLE   (1ull << 25)
#define EPT_CAP_INVEPT_ALL      (1ull << 26)
#define VPID_CAP_INVVPID        (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define VPID_CAP_INVVPID_ALL    (1ull << 42)

/* EPT pointer */
#define EPTP_MT_WB              6ull
#define EPTP_WALK4              (3ull << 3)   /* page-walk length minus one */
#define EPTP_AD                 (1ull << 6)   /* accessed/dirty flags in EPT entries */

#define MEMTYPE_UC 0
#define MEMTYPE_WB 6

/* ---- Event information: VM-entry interruption information, VM-exit interruption
 * information and IDT-vectoring information share this layout. */
#define INTR_INFO_VECTOR(i)     ((i) & 0xff)
#define INTR_INFO_TYPE(i)       (((i) >> 8) & 7)
#define INTR_INFO_ERROR_VALID   (1u << 11)
#define INTR_INFO_NMI_UNBLOCK   (1u << 12)    /* exit information only: NMI unblocking by IRET */
#define INTR_INFO_VALID         (1u << 31)
enum intr_type {
    INTR_TYPE_EXTINT = 0, INTR_TYPE_NMI = 2, INTR_TYPE_HW_EXCEPTION = 3, INTR_TYPE_SOFTINT = 4,
    INTR_TYPE_PRIV_SW_EXCEPTION = 5,   /* ICEBP (INT1) */
    INTR_TYPE_SW_EXCEPTION = 6,        /* INT3, INTO */
    INTR_TYPE_OTHER = 7,
};

/* Guest interruptibility state */
#define INTERRUPTIBILITY_STI    (1u << 0)
#define INTERRUPTIBILITY_MOVSS  (1u << 1)
#define INTERRUPTIBILITY_NMI    (1u << 3)

#define ACTIVITY_ACTIVE 0

/* Segment access rights, VMX format: the descriptor's attribute bits (type, S, DPL, P,
 * AVL, L, D/B, G) at bits 0-15 — unlike SVM's packed 12-bit form — plus "unusable". */
#define AR_TYPE(a)      ((a) & 0xf)
#define AR_S            (1u << 4)
#define AR_DPL(a)       (((a) >> 5) & 3)
#define AR_P            (1u << 7)
#define AR_L            (1u << 13)
#define AR_DB           (1u << 14)
#define AR_G            (1u << 15)
#define AR_UNUSABLE     (1u << 16)

/* ---- Exit reasons (SDM appendix C): bits 15:0 of the exit-reason field. Bit 31 marks a
 * VM-entry failure (the guest never ran). */
#define EXIT_REASON_ENTRY_FAILED (1u << 31)
#define EXIT_REASON_BASIC(r)     ((r) & 0xffff)
enum vmx_exit_reason {
    VMX_EXIT_EXCEPTION_NMI    = 0,
    VMX_EXIT_EXTINT           = 1,
    VMX_EXIT_TRIPLE_FAULT     = 2,
    VMX_EXIT_INIT             = 3,
    VMX_EXIT_SIPI             = 4,
    VMX_EXIT_IO_SMI           = 5,
    VMX_EXIT_OTHER_SMI        = 6,
    VMX_EXIT_INTR_WINDOW      = 7,
    VMX_EXIT_NMI_WINDOW       = 8,
    VMX_EXIT_TASK_SWITCH      = 9,
    VMX_EXIT_CPUID            = 10,
    VMX_EXIT_GETSEC           = 11,
    VMX_EXIT_HLT              = 12,
    VMX_EXIT_INVD             = 13,
    VMX_EXIT_INVLPG           = 14,
    VMX_EXIT_RDPMC            = 15,
    VMX_EXIT_RDTSC            = 16,
    VMX_EXIT_RSM              = 17,
    VMX_EXIT_VMCALL           = 18,
    VMX_EXIT_VMCLEAR          = 19,
    VMX_EXIT_VMLAUNCH         = 20,
    VMX_EXIT_VMPTRLD          = 21,
    VMX_EXIT_VMPTRST          = 22,
    VMX_EXIT_VMREAD           = 23,
    VMX_EXIT_VMRESUME         = 24,
    VMX_EXIT_VMWRITE          = 25,
    VMX_EXIT_VMXOFF           = 26,
    VMX_EXIT_VMXON            = 27,
    VMX_EXIT_CR_ACCESS        = 28,
    VMX_EXIT_DR_ACCESS        = 29,
    VMX_EXIT_IO               = 30,
    VMX_EXIT_RDMSR            = 31,
    VMX_EXIT_WRMSR            = 32,
    VMX_EXIT_INVALID_STATE    = 33,
    VMX_EXIT_MSR_LOADING      = 34,
    VMX_EXIT_MWAIT            = 36,
    VMX_EXIT_MTF              = 37,
    VMX_EXIT_MONITOR          = 39,
    VMX_EXIT_PAUSE            = 40,
    VMX_EXIT_MACHINE_CHECK    = 41,
    VMX_EXIT_TPR_BELOW        = 43,
    VMX_EXIT_APIC_ACCESS      = 44,
    VMX_EXIT_VIRTUALIZED_EOI  = 45,
    VMX_EXIT_GDTR_IDTR        = 46,
    VMX_EXIT_LDTR_TR          = 47,
    VMX_EXIT_EPT_VIOLATION    = 48,
    VMX_EXIT_EPT_MISCONFIG    = 49,
    VMX_EXIT_INVEPT           = 50,
    VMX_EXIT_RDTSCP           = 51,
    VMX_EXIT_PREEMPTION_TIMER = 52,
    VMX_EXIT_INVVPID          = 53,
    VMX_EXIT_WBINVD           = 54,
    VMX_EXIT_XSETBV           = 55,
    VMX_EXIT_APIC_WRITE       = 56,
    VMX_EXIT_RDRAND           = 57,
    VMX_EXIT_INVPCID          = 58,
    VMX_EXIT_VMFUNC           = 59,
    VMX_EXIT_ENCLS            = 60,
    VMX_EXIT_RDSEED           = 61,
    VMX_EXIT_PML_FULL         = 62,
    VMX_EXIT_XSAVES           = 63,
    VMX_EXIT_XRSTORS          = 64,
};

/* Exit qualification of I/O instructions */
#define IO_QUAL_SIZE(q)         ((unsigned)((q) & 7) + 1)
#define IO_QUAL_IN              (1ull << 3)
#define IO_QUAL_STRING          (1ull << 4)
#define IO_QUAL_REP             (1ull << 5)
#define IO_QUAL_PORT(q)         ((uint16_t)((q) >> 16))

/* Exit qualification of control-register accesses */
#define CR_QUAL_CR(q)           ((unsigned)((q) & 0xf))
#define CR_QUAL_TYPE(q)         ((unsigned)(((q) >> 4) & 3))
#define CR_QUAL_GPR(q)          ((unsigned)(((q) >> 8) & 0xf))
#define CR_QUAL_LMSW_DATA(q)    ((uint16_t)((q) >> 16))
enum cr_access_type { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };

/* Exit qualification of EPT violations */
#define EPT_QUAL_READ           (1ull << 0)
#define EPT_QUAL_WRITE          (1ull << 1)
#define EPT_QUAL_FETCH          (1ull << 2)
#define EPT_QUAL_PERMS          (7ull << 3)   /* R/W/X of the translation, if any */
#define EPT_QUAL_NMI_UNBLOCK    (1ull << 12)

/* Exit qualification of debug exceptions: the DR6 bits that would have been set */
#define DBG_QUAL_B0_3           0xfull
#define DBG_QUAL_BD             (1ull << 13)
#define DBG_QUAL_BS             (1ull << 14)
#define DBG_QUAL_RTM            (1ull << 16)

/* INVEPT / INVVPID types */
enum { INVEPT_SINGLE = 1, INVEPT_ALL = 2 };
enum { INVVPID_ADDRESS = 0, INVVPID_SINGLE = 1, INVVPID_ALL = 2 };

/* ---- The instructions. Each VMX instruction reports failure in RFLAGS: CF = VMfailInvalid
 * (no current VMCS, or a bad operand), ZF = VMfailValid (the VM-instruction error field
 * says why). `setna` catches both (CF or ZF). */
uint64_t vmcs_read(enum vmcs_field f);
void vmcs_write(enum vmcs_field f, uint64_t val);

static inline bool vmx_vmxon(paddr_t pa)
{
    bool fail;
    __asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmx_vmclear(paddr_t pa)
{
    bool fail;
    __asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmx_vmptrld(paddr_t pa)
{
    bool fail;
    __asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

/* Raw accessors: false on failure, for callers that handle it (diagnostics). */
static inline bool vmx_vmread(enum vmcs_field f, uint64_t *val)
{
    bool fail;
    __asm__ volatile("vmread %2, %1; setna %0" : "=q"(fail), "=rm"(*val)
                     : "r"((uint64_t)f) : "cc");
    return !fail;
}

static inline bool vmx_vmwrite(enum vmcs_field f, uint64_t val)
{
    bool fail;
    __asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(fail)
                     : "r"((uint64_t)f), "rm"(val) : "cc", "memory");
    return !fail;
}

static inline bool vmx_invept(unsigned type, uint64_t eptp)
{
    struct { uint64_t eptp, zero; } desc = { eptp, 0 };
    bool fail;
    __asm__ volatile("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"((uint64_t)type)
                     : "cc", "memory");
    return !fail;
}

static inline bool vmx_invvpid(unsigned type, uint16_t vpid, uint64_t gva)
{
    struct { uint64_t vpid, gva; } desc = { vpid, gva };
    bool fail;
    __asm__ volatile("invvpid %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"((uint64_t)type)
                     : "cc", "memory");
    return !fail;
}

#endif
