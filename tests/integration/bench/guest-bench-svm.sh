# AMD-V exit-path benchmarks measured by a guest with RDTSC under -icount shift=0 (exact
# instruction counts): null hypercall and CPUID exit round trips (tests/guests/guest-bench.c).
NAME=guest-bench-svm
CMDLINE="dom0=off"
MODULES=("build/guests/guest-bench.elf mem=16M")
TARGETS=(qemu-bios-smp1)
EXPECT_EXIT=success
