/*
 * How a guest finds the hypervisor through CPUID (Xen's leaves, in Keel's words). Keel
 * answers at the base 0x40000000 only.
 *
 *  base+0: EAX = the highest Xen leaf; EBX, ECX, EDX = "XenVMMXenVMM".
 *  base+1: EAX = major << 16 | minor version.
 *  base+2: EAX = number of hypercall pages (1); EBX = the MSR that installs the
 *          hypercall page (write: GPA of the page | page index).
 *  base+3: time. Subleaf 0: EAX bit 1 = the host TSC is reliable (invariant), EBX = TSC
 *          mode (0, default), ECX = the guest's TSC frequency in kHz, EDX = 0.
 *          Subleaf 2: EAX = the host's TSC frequency in kHz. Others: zero.
 *  base+4: HVM features: EAX flags; EBX = vCPU id and ECX = domain id when flagged.
 */
#ifndef KEEL_PUBLIC_XEN_CPUID_H
#define KEEL_PUBLIC_XEN_CPUID_H

#define XEN_CPUID_FIRST_LEAF      0x40000000u
#define XEN_CPUID_SIGNATURE_EBX   0x566e6558u   /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX   0x65584d4du   /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX   0x4d4d566eu   /* "nVMM" */
#define XEN_CPUID_MAX_LEAF        (XEN_CPUID_FIRST_LEAF + 4)

#define XEN_CPUID_TSC_RELIABLE        (1u << 1)

#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT      (1u << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS   (1u << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT  (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT    (1u << 4)
#define XEN_HVM_CPUID_UPCALL_VECTOR    (1u << 6)   /* HVMOP_set_evtchn_upcall_vector */

/* The hypercall-page MSR (base+2 EBX). Each 32-byte slot n of the page is a stub that
 * makes hypercall n. */
#define XEN_MSR_HYPERCALL_PAGE    0x40000000u
#define XEN_HYPERCALL_SLOT_SIZE   32

#endif
