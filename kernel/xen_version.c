/*
 * xen_version: who the guest is talking to. Keel presents itself as Xen 4.17, the ABI
 * level it follows, with "-keel" as extra version. The feature bits are those of an HVM
 * (PVH) guest on Xen that Keel really provides: the guest writes its own page tables
 * and physical addresses are translated by the hypervisor (EPT/NPT), upcalls come as a
 * vector, pvclock is safe on HVM, and guest frames are not machine frames.
 */
#include <keel/xen_abi.h>
#include <keel/string.h>
#include <public/version.h>

#define KEEL_XEN_FEATURES ((1u << XENFEAT_writable_page_tables) |       \
                           (1u << XENFEAT_auto_translated_physmap) |    \
                           (1u << XENFEAT_hvm_callback_vector) |        \
                           (1u << XENFEAT_hvm_safe_pvclock) |           \
                           (1u << XENFEAT_not_direct_mapped))

/* A NUL-padded string of exactly `size` bytes to the guest. */
static long put_string(struct vcpu *v, uint64_t arg, const char *s, size_t size)
{
    char buf[XEN_CAPABILITIES_LEN];
    memset(buf, 0, size);
    strlcpy(buf, s, size);
    return copy_to_guest(v, arg, buf, size) ? -XEN_EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const uint64_t a[5])
{
    int cmd = (int)a[0];
    uint64_t arg = a[1];

    switch (cmd) {
    case XENVER_version:
        return (KEEL_XEN_MAJOR << 16) | KEEL_XEN_MINOR;
    case XENVER_extraversion:
        return put_string(v, arg, "-keel", XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        strlcpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler));
        strlcpy(ci.compile_by, "keel", sizeof(ci.compile_by));
        strlcpy(ci.compile_date, __DATE__, sizeof(ci.compile_date));
        return copy_to_guest(v, arg, &ci, sizeof(ci)) ? -XEN_EFAULT : 0;
    }
    case XENVER_capabilities:
        return put_string(v, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
                          XEN_CAPABILITIES_LEN);
    case XENVER_changeset:
        return put_string(v, arg, "keel", XEN_CHANGESET_LEN);
    case XENVER_platform_parameters: {
        /* virt_start is meaningless for HVM guests: 0, in the caller's word size. */
        struct xen_platform_parameters p = { 0 };
        return copy_to_guest(v, arg, &p, v->xen.hc_compat ? 4 : 8) ? -XEN_EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -XEN_EFAULT;
        if (fi.submap_idx != 0)
            return -XEN_EINVAL;
        fi.submap = KEEL_XEN_FEATURES;
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle: {
        /* The domain handle (a UUID the toolstack assigns): none yet, all zero. */
        uint8_t h[XEN_DOMAIN_HANDLE_LEN] = { 0 };
        return copy_to_guest(v, arg, h, sizeof(h)) ? -XEN_EFAULT : 0;
    }
    case XENVER_commandline:
        /* Xen's answer to unprivileged callers; there is no privileged one yet. */
        return copy_to_guest(v, arg, "<denied>", 9) ? -XEN_EFAULT : 0;
    case XENVER_build_id:
        return -XEN_EPERM;
    default:
        return -XEN_ENOSYS;
    }
}
