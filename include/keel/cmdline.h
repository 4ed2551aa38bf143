/* Keel's command line (kernel/cmdline.c): `name=value` or bare `name` words. */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <keel/types.h>

struct keel_options {
    char console[16];        /* console=com1|com2|none */
    int loglvl;              /* loglvl=err|warn|info|debug|0..3 */
    unsigned int smp;        /* smp=N (N >= 1): at most N CPUs; unset (0): all */
    char selftest[16];       /* selftest=fault: deliberate hypervisor fault */
    bool test_exit;          /* test_exit=1: end the emulator when done (tests only) */
    bool bench;              /* bench=1: print benchmark figures */
    bool dom0_off;           /* dom0=off: every boot module is a guest of its own (tests) */
    uint64_t dom0_mem;       /* dom0_mem=<N>[KMG]: Dom0's RAM; 0: the default */
    unsigned int dom0_vcpus; /* dom0_vcpus=N; 0: one */
    char pci_hide[64];       /* pci-hide=BB:DD.F[,BB:DD.F...]: devices no domain gets */
    bool iommu_off_unsafe;   /* iommu=off-unsafe: give DMA devices away without an IOMMU */
    bool iommu_no_intremap;  /* iommu=no-intremap-unsafe: DMA confined, interrupts not */
};

extern struct keel_options keel_opts;

/* Parses `cmdline` into `o` (defaults first); unknown words are reported, not fatal.
 * Returns the number of words it did not understand. */
int cmdline_parse(const char *cmdline, struct keel_options *o);

/* "<digits>[KMG]" in bytes (suffix: KiB, MiB, GiB), or 0 if malformed or above 1 TiB. */
uint64_t cmdline_size(const char *s);

/* Finds `name=` in a command line; copies the value. Returns true if found. */
bool cmdline_get(const char *cmdline, const char *name, char *val, size_t len);

#endif
