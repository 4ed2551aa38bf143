/*
 * Filling a VMCS (it must be current): the execution controls every vCPU shares, the
 * host state the CPU returns to on each exit, and the guest's start state.
 */
#include "vmx.h"
#include <keel/domain.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/percpu.h>

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

#define PAT_POWER_ON  0x0007040600070406ull
#define DR7_INIT      0x400ull
#define RFLAGS_FIXED1 0x2ull
#define VEC_DB 1

/* Controls and the fields that never change for a vCPU. */
void vmx_vmcs_init(struct vmx_vcpu *s)
{
    const struct vmx_caps *c = &vmx_caps;

    vmcs_write(VMCS_PIN_CONTROLS, c->pin);
    vmcs_write(VMCS_PROC_CONTROLS, c->proc);
    vmcs_write(VMCS_PROC_CONTROLS2, c->proc2);
    vmcs_write(VMCS_EXIT_CONTROLS, c->exit);
    vmx_set_entry_ctls(s, c->entry);
    if (c->proc2 & PROC2_VPID)
        vmcs_write(VMCS_VPID, s->vpid);
    vmcs_write(VMCS_EPT_POINTER, s->eptp);
    vmcs_write(VMCS_MSR_BITMAP, vmx_msr_bitmap());
    /* #DB is intercepted only to catch ICEBP (INT1), which VT-x reports as a #DB of type
     * "privileged software exception"; every other #DB is reflected to the guest
     * (vmx_exit.c). No other exception exits: the guest's faults are its own. */
    vmcs_write(VMCS_EXCEPTION_BITMAP, 1u << VEC_DB);
    vmcs_write(VMCS_PF_ERROR_MASK, 0);
    vmcs_write(VMCS_PF_ERROR_MATCH, 0);
    vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
    vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
    /* The guest owns CR0 and CR4 except the bits VMX operation fixes: those are masked
     * (a guest write that would change them exits, vmx_regs.c) and the guest reads its
     * own values from the shadows. */
    vmcs_write(VMCS_CR0_MASK, c->cr0_must1 | c->cr0_must0);
    vmcs_write(VMCS_CR4_MASK, c->cr4_must1 | c->cr4_must0);
    vmcs_write(VMCS_LINK_POINTER, ~0ull);     /* no shadow VMCS */
    vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

static uint16_t read_sel(int which)
{
    uint16_t v = 0;
    switch (which) {
    case 0: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    case 5: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    case 6: __asm__ volatile("str %0" : "=r"(v)); break;
    }
    return v;
}

/* The host state of this CPU: written whenever a VMCS becomes active on a CPU, since
 * GS base, TR, GDT and IDT are per CPU. VM exit loads fixed values for the hidden parts
 * (flat 4 GiB DS/ES/SS, TR limit 0x67 — Keel's TSS is exactly that —, GDTR/IDTR limit
 * 0xffff, DR7 0x400): Keel depends on nothing else. */
void vmx_vmcs_host_state(unsigned cpu)
{
    struct percpu *p = &percpu_area[cpu];
    struct { uint16_t limit; uint64_t base; } __packed gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));

    vmcs_write(VMCS_HOST_CR0, read_cr0());
    vmcs_write(VMCS_HOST_CR3, read_cr3());
    vmcs_write(VMCS_HOST_CR4, read_cr4());
    vmcs_write(VMCS_HOST_CS_SEL, read_sel(0));
    vmcs_write(VMCS_HOST_SS_SEL, read_sel(1));
    vmcs_write(VMCS_HOST_DS_SEL, read_sel(2));
    vmcs_write(VMCS_HOST_ES_SEL, read_sel(3));
    vmcs_write(VMCS_HOST_FS_SEL, read_sel(4));
    vmcs_write(VMCS_HOST_GS_SEL, read_sel(5));
    vmcs_write(VMCS_HOST_TR_SEL, read_sel(6));
    vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
    vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)p);        /* this CPU's struct percpu */
    vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)&p->tss);
    vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
    vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
    vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
    vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
    vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
    vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
    vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_PAT));
}

struct seg_init {
    enum vmcs_field sel, base, limit, ar;
};
static const struct seg_init segs[] = {
    { VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
    { VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
    { VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
    { VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
    { VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
    { VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
    { VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR },
    { VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR },
};
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static void set_seg(unsigned i, uint16_t sel, uint32_t ar, uint32_t limit)
{
    vmcs_write(segs[i].sel, sel);
    vmcs_write(segs[i].base, 0);
    vmcs_write(segs[i].limit, limit);
    vmcs_write(segs[i].ar, ar);
}

/* Access rights for the PVH start (descriptor attribute bits: type | S | DPL | P | D/B | G). */
#define AR_CODE32  (0xbu /* execute/read, accessed */ | AR_S | AR_P | AR_DB | AR_G)
#define AR_DATA32  (0x3u /* read/write, accessed */ | AR_S | AR_P | AR_DB | AR_G)
#define AR_TSS32_BUSY (0xbu | AR_P)

/* After INIT-SIPI: real mode at (entry >> 4):0 with 64 KiB segments (unrestricted guest
 * lets the guest run with CR0.PE clear). The rest of the state as for the PVH start. */
void vmx_vmcs_start_real(struct vmx_vcpu *s, uint64_t entry)
{
    vmx_vmcs_start_pvh32(s, 0);
    set_seg(SEG_CS, (uint16_t)(entry >> 4), 0xbu | AR_S | AR_P, 0xffff);
    vmcs_write(segs[SEG_CS].base, entry & 0xffff0ull);
    set_seg(SEG_DS, 0, 0x3u | AR_S | AR_P, 0xffff);
    set_seg(SEG_ES, 0, 0x3u | AR_S | AR_P, 0xffff);
    set_seg(SEG_SS, 0, 0x3u | AR_S | AR_P, 0xffff);
    set_seg(SEG_FS, 0, 0x3u | AR_S | AR_P, 0xffff);
    set_seg(SEG_GS, 0, 0x3u | AR_S | AR_P, 0xffff);
    set_seg(SEG_TR, 0, AR_TSS32_BUSY, 0xffff);
    vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    const struct vmx_caps *c = &vmx_caps;
    uint64_t cr0 = CR0_ET;
    vmcs_write(VMCS_CR0_SHADOW, cr0);
    vmcs_write(VMCS_GUEST_CR0, (cr0 | c->cr0_must1) & ~c->cr0_must0);
    vmcs_write(VMCS_GUEST_RIP, 0);
}

/* PVH (the Xen boot ABI): 32-bit protected mode, paging off, flat 4 GiB code and data,
 * TR a busy 32-bit TSS, EFLAGS = 2. Paging off with PE on is only possible with
 * unrestricted guest. */
void vmx_vmcs_start_pvh32(struct vmx_vcpu *s, uint64_t entry)
{
    const struct vmx_caps *c = &vmx_caps;

    set_seg(SEG_CS, 0x08, AR_CODE32, 0xffffffff);
    set_seg(SEG_DS, 0x10, AR_DATA32, 0xffffffff);
    set_seg(SEG_ES, 0x10, AR_DATA32, 0xffffffff);
    set_seg(SEG_SS, 0x10, AR_DATA32, 0xffffffff);
    set_seg(SEG_FS, 0x10, AR_DATA32, 0xffffffff);
    set_seg(SEG_GS, 0x10, AR_DATA32, 0xffffffff);
    set_seg(SEG_TR, 0x18, AR_TSS32_BUSY, 0x67);
    set_seg(SEG_LDTR, 0, AR_UNUSABLE, 0);              /* no LDT */
    vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
    vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0);
    vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
    vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0);

    uint64_t cr0 = CR0_PE | CR0_ET, cr4 = 0;
    vmcs_write(VMCS_CR0_SHADOW, cr0);
    vmcs_write(VMCS_CR4_SHADOW, cr4);
    vmcs_write(VMCS_GUEST_CR0, (cr0 | c->cr0_must1) & ~c->cr0_must0);
    vmcs_write(VMCS_GUEST_CR4, (cr4 | c->cr4_must1) & ~c->cr4_must0);
    vmcs_write(VMCS_GUEST_CR3, 0);
    vmcs_write(VMCS_GUEST_EFER, 0);
    vmx_set_entry_ctls(s, s->entry_ctls & ~ENTRY_IA32E_GUEST);
    vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
    vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
    vmcs_write(VMCS_GUEST_DR7, DR7_INIT);
    vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
    vmcs_write(VMCS_GUEST_RIP, entry);
    vmcs_write(VMCS_GUEST_RSP, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
    vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmcs_write(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
    vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
    for (unsigned i = 0; i < 4; i++)
        vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, 0);
    vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
    s->vtpr = 0;
    for (unsigned i = 0; i < NR_SWAP_MSRS; i++)
        s->msrs[i] = 0;
}
