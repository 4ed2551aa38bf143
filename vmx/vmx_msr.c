/*
 * Guest MSRs on VT-x. One MSR bitmap page, shared by every vCPU, intercepts every MSR
 * except the few whose guest value the hardware keeps apart from the host's:
 *  - FS_BASE, GS_BASE, SYSENTER_CS/ESP/EIP: guest-state fields of the VMCS, loaded on
 *    entry and saved on exit;
 *  - KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK: NOT in the VMCS (AMD's VMLOAD/VMSAVE
 *    cover them, VMX has nothing of the kind). They are swapped here in software around
 *    each entry: the guest's value in before VMLAUNCH/VMRESUME, saved after the exit, and
 *    the host's value back. Keel does not use SYSCALL, but a guest's value must not stay
 *    behind for the host or for the next guest on this CPU.
 */
#include "vmx.h"
#include <keel/frame.h>
#include <keel/string.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_CSTAR        0xc0000083
#define MSR_SFMASK       0xc0000084

static const uint32_t swap_msr_index[NR_SWAP_MSRS] = {
    [SWAP_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
    [SWAP_STAR] = MSR_STAR,
    [SWAP_LSTAR] = MSR_LSTAR,
    [SWAP_CSTAR] = MSR_CSTAR,
    [SWAP_SFMASK] = MSR_SFMASK,
};

static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

/* The bitmap page (SDM "MSR-Bitmap Address"): four 1 KiB bitmaps — reads of
 * 0-0x1fff, reads of 0xc0000000-0xc0001fff, then writes of the same two ranges. A set
 * bit makes the access exit; MSRs outside both ranges always exit. */
enum { BM_READ_LOW = 0, BM_READ_HIGH = 1024, BM_WRITE_LOW = 2048, BM_WRITE_HIGH = 3072 };
#define MSR_HIGH_BASE 0xc0000000u
#define MSR_RANGE     0x2000u

static paddr_t msr_bitmap_pa;

static void allow(uint8_t *bm, uint32_t msr)
{
    unsigned rd, wr;
    if (msr < MSR_RANGE) {
        rd = BM_READ_LOW, wr = BM_WRITE_LOW;
    } else if (msr - MSR_HIGH_BASE < MSR_RANGE) {
        rd = BM_READ_HIGH, wr = BM_WRITE_HIGH;
        msr -= MSR_HIGH_BASE;
    } else {
        return;
    }
    bm[rd + msr / 8] &= (uint8_t)~(1u << (msr % 8));
    bm[wr + msr / 8] &= (uint8_t)~(1u << (msr % 8));
}

bool vmx_msr_bitmap_init(void)
{
    msr_bitmap_pa = frame_alloc();
    if (!msr_bitmap_pa)
        return false;
    uint8_t *bm = phys_to_virt(msr_bitmap_pa);
    memset(bm, 0xff, PAGE_SIZE);
    for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        allow(bm, passthrough_msrs[i]);
    return true;
}

paddr_t vmx_msr_bitmap(void) { return msr_bitmap_pa; }

/* The host's values of the swapped MSRs, once per CPU: Keel never changes them. */
void vmx_msr_save_host(unsigned cpu)
{
    for (unsigned i = 0; i < NR_SWAP_MSRS; i++)
        vmx_cpus[cpu].host_msrs[i] = rdmsr(swap_msr_index[i]);
}

/* Before entry: the hardware holds the host's values (restored after every exit); only
 * those the guest changed need writing. */
void vmx_msr_load_guest(struct vmx_vcpu *s, unsigned cpu)
{
    const uint64_t *host = vmx_cpus[cpu].host_msrs;
    for (unsigned i = 0; i < NR_SWAP_MSRS; i++)
        if (s->msrs[i] != host[i])
            wrmsr(swap_msr_index[i], s->msrs[i]);
}

/* After the exit: the guest may have written any of them directly. */
void vmx_msr_save_guest(struct vmx_vcpu *s, unsigned cpu)
{
    const uint64_t *host = vmx_cpus[cpu].host_msrs;
    for (unsigned i = 0; i < NR_SWAP_MSRS; i++) {
        s->msrs[i] = rdmsr(swap_msr_index[i]);
        if (s->msrs[i] != host[i])
            wrmsr(swap_msr_index[i], host[i]);
    }
}
