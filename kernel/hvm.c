/* Picks the hardware backend once, from CPUID, and enables it on every CPU. */
#include <keel/hvm.h>
#include <keel/printk.h>
#include <arch/cpu.h>

const struct hvm_ops *hvm;

/* The VT-x backend may not be linked in yet: weak references let the image build without
 * it, and the boot log says so instead of pretending. */
extern const struct hvm_ops vmx_ops __attribute__((weak));
bool vmx_supported(void) __attribute__((weak));

bool hvm_init(void)
{
    if (svm_supported()) {
        hvm = &svm_ops;
    } else if (cpu_features.vmx && &vmx_ops && vmx_supported && vmx_supported()) {
        hvm = &vmx_ops;
    } else {
        if (cpu_features.vmx && !&vmx_ops)
            pr_warn("warning: hvm: the CPU has VT-x, but this build has no VT-x backend\n");
        else if (cpu_features.vmx)
            pr_warn("warning: hvm: the CPU has VT-x without what Keel needs (see above)\n");
        else if (cpu_features.svm)
            pr_warn("warning: hvm: the CPU has AMD-V without nested paging; not supported\n");
        else
            pr_warn("warning: hvm: the CPU offers neither VT-x nor AMD-V\n");
        return false;
    }
    return true;
}
