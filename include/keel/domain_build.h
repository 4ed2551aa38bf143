/* Building domains from kernel images (kernel/domain_build.c). */
#ifndef KEEL_DOMAIN_BUILD_H
#define KEEL_DOMAIN_BUILD_H

#include <keel/domain.h>
#include <keel/boot_info.h>

/* A PVH domain running `image` on vCPU 0 (the others wait for INIT-SIPI), or NULL after
 * saying why. `initrd` (NULL: none) becomes the start info's one module. */
struct domain *domain_build_pvh(const char *name, const void *image, size_t size,
                                const char *cmdline, uint64_t mem_bytes, unsigned nr_vcpus,
                                const void *initrd, size_t initrd_size);

/* The guest's ACPI tables (RSDP first) in the page at gpa (kernel/guest_acpi.c). */
int guest_acpi_build(struct domain *d, uint64_t gpa);

/* Starts the boot modules as guests (until Dom0 exists): kernel/boot_guests.c. True if
 * any was started; the runner then ends a test run when they are all done. */
bool boot_guests_start(const struct boot_info *bi);

#endif
