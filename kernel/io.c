/*
 * Guest port I/O. No device is emulated and no port is passed through yet: reads see a
 * floating bus (all ones), writes go nowhere. This also keeps guests off the hypervisor's
 * own UART. String forms (INS/OUTS, with or without REP) are completed here.
 */
#include <keel/pci.h>
#include <keel/vcpu.h>
#include <keel/string.h>
#include <public/xen.h>

static uint64_t size_mask(unsigned size)
{
    return size == 1 ? 0xffull : size == 2 ? 0xffffull : 0xffffffffull;
}

#define IO_BATCH 1024

enum io_result guest_io(struct vcpu *v, const struct vm_exit *x)
{
    unsigned size = x->io.size;

    if (pci_guest_io(v, x))            /* the device owner's config space and devices */
        return IO_DONE;
    if (!x->io.string) {
        if (x->io.in) {
            /* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends, like the CPU. */
            if (size == 4)
                v->regs.rax = 0xffffffffull;
            else
                v->regs.rax = (v->regs.rax & ~size_mask(size)) | size_mask(size);
        }
        return IO_DONE;
    }

    /* INS/OUTS: RDI/RSI and RCX advance as the CPU would. The address size follows the
     * code size (no 0x67 override handled), which is what compilers emit. */
    uint64_t cs = hvm->get_reg(v, GREG_CS_ATTR);
    bool a64 = (hvm->get_reg(v, GREG_EFER) & EFER_LMA) && (cs & 1);
    uint64_t amask = a64 ? ~0ull : (cs & 2) ? 0xffffffffull : 0xffffull;
    uint64_t count = x->io.rep ? (v->regs.rcx & amask) : 1;
    bool partial = false;
    /* A hostile REP count must not keep the hypervisor busy: do a bounded batch and let
     * the instruction run again for the rest (RCX says how many are left). */
    if (count > IO_BATCH) {
        count = IO_BATCH;
        partial = true;
    }
    int64_t step = (hvm->get_reg(v, GREG_RFLAGS) & (1ul << 10)) ? -(int64_t)size : (int64_t)size;
    uint8_t ones[4];
    memset(ones, 0xff, sizeof(ones));

    for (; count; count--) {
        if (x->io.in) {
            if (copy_to_guest(v, v->regs.rdi & amask, ones, size)) {
                domain_shutdown(v->dom, SHUTDOWN_crash, "INS into memory it cannot write");
                return IO_STOPPED;
            }
            v->regs.rdi = (v->regs.rdi & ~amask) | ((v->regs.rdi + step) & amask);
        } else {
            v->regs.rsi = (v->regs.rsi & ~amask) | ((v->regs.rsi + step) & amask);
        }
        if (x->io.rep)
            v->regs.rcx = (v->regs.rcx & ~amask) | ((v->regs.rcx - 1) & amask);
    }
    return partial ? IO_AGAIN : IO_DONE;
}
