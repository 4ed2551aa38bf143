/* Building domains from kernel images (kernel/domain_build.c). */
#ifndef KEEL_DOMAIN_BUILD_H
#define KEEL_DOMAIN_BUILD_H

#include <keel/domain.h>
#include <keel/boot_info.h>

/* A PVH domain running `image` on vCPU 0 (the others wait for INIT-SIPI), with `mods` as
 * its start info's modules; or NULL after saying why. */
#define BUILD_MAX_MODULES 16
struct build_module {
    const void *data;
    size_t size;
    const char *cmdline;
};
struct domain *domain_build_pvh(const char *name, const void *image, size_t size,
                                const char *cmdline, uint64_t mem_bytes, unsigned nr_vcpus,
                                const struct build_module *mods, unsigned nr_mods);

/* Dom0 from the first boot module, the other modules handed to it (kernel/dom0.c). True
 * if it was started; when it shuts down, Keel tears everything down and stops. */
bool dom0_start(const struct boot_info *bi);

/* Starts the boot modules as guests (dom0=off): kernel/boot_guests.c. True if
 * any was started; the runner then ends a test run when they are all done. */
bool boot_guests_start(const struct boot_info *bi);

#endif
