/*
 * The hypercall page. A guest that does not want to pick VMCALL or VMMCALL itself writes
 * the GPA of a page of its RAM (| the page index, always 0: there is one page) to MSR
 * 0x40000000; Keel fills it with 128 stubs of 32 bytes, stub n doing hypercall n:
 *     mov $n, %eax ; vmcall (Intel) or vmmcall (AMD) ; ret
 * The rest of each slot is int3, so a jump into the middle traps. The slot of the PV-only
 * iret hypercall holds ud2 instead, as on Xen.
 */
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <keel/hvm.h>
#include <public/xen_cpuid.h>

void hypercall_page_fill(uint8_t *page, bool intel)
{
    memset(page, 0xcc, PAGE_SIZE);                 /* int3 */
    for (uint32_t n = 0; n < PAGE_SIZE / XEN_HYPERCALL_SLOT_SIZE; n++) {
        uint8_t *p = page + n * XEN_HYPERCALL_SLOT_SIZE;
        if (n == __HYPERVISOR_iret) {
            p[0] = 0x0f, p[1] = 0x0b;              /* ud2 */
            continue;
        }
        p[0] = 0xb8;                               /* mov $imm32, %eax */
        p[1] = (uint8_t)n, p[2] = (uint8_t)(n >> 8), p[3] = 0, p[4] = 0;
        p[5] = 0x0f, p[6] = 0x01, p[7] = intel ? 0xc1 : 0xd9;   /* vmcall / vmmcall */
        p[8] = 0xc3;                               /* ret */
    }
}

bool xen_hypercall_page_msr(struct vcpu *v, uint64_t val)
{
    static uint8_t page[PAGE_SIZE];                /* built once: the vendor never changes */
    static bool built;

    if (val & ~PAGE_MASK)
        return false;                              /* page index: only 0 exists */
    if (!__atomic_load_n(&built, __ATOMIC_ACQUIRE)) {
        hypercall_page_fill(page, hvm->name[0] == 'v');    /* "vmx" or "svm" */
        __atomic_store_n(&built, true, __ATOMIC_RELEASE);
    }
    /* Through the p2m, writable RAM of the guest only; anything else is #GP, as on Xen. */
    return copy_to_guest_phys(v->dom, val, page, PAGE_SIZE) == 0;
}
