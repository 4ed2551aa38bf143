/*
 * I/O bitmaps on VT-x, for domains that own I/O BARs. Every other vCPU runs with
 * "unconditional I/O exiting" and no bitmaps at all. A device owner's domain gets two
 * pages (bitmap A: ports 0-0x7fff, B: 0x8000-0xffff; a set bit makes an access that
 * touches the port exit), all ones but for its BARs' ports. Its vCPUs switch to them at
 * their next entry (vmx_vcpu_run), whichever CPU their VMCS is on.
 */
#include "vmx.h"
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/string.h>
#include <arch/paging.h>

void vmx_io_bitmap_apply(struct vcpu *v)
{
    struct vmx_vcpu *s = v->hw;
    paddr_t pa = v->dom->io_bitmap;
    vmcs_write(VMCS_IO_BITMAP_A, pa);
    vmcs_write(VMCS_IO_BITMAP_B, pa + PAGE_SIZE);
    /* "Use I/O bitmaps" overrides unconditional I/O exiting, which stays set. */
    vmcs_write(VMCS_PROC_CONTROLS, vmcs_read(VMCS_PROC_CONTROLS) | PROC_IO_BITMAPS);
    s->io_bitmap = pa;
}

int vmx_io_allow(struct domain *d, uint16_t port, unsigned count)
{
    if (!vmx_caps.io_bitmaps)
        return -1;
    if (!d->io_bitmap) {
        paddr_t pa = frame_alloc_contig(2, PAGE_SIZE);
        if (!pa)
            return -1;
        memset(phys_to_virt(pa), 0xff, 2 * PAGE_SIZE);
        d->io_bitmap = pa;
    }
    uint8_t *bm = phys_to_virt(d->io_bitmap);
    for (unsigned p = port; p < port + count && p <= 0xffff; p++)
        bm[p / 8] &= (uint8_t)~(1u << (p % 8));
    return 0;
}

void vmx_io_release(struct domain *d)
{
    if (d->io_bitmap)
        frame_free(d->io_bitmap, 2);
    d->io_bitmap = 0;
}
