# VT-x exit-path benchmarks: the same guest under Bochs (corei7_skylake_x, 1 CPU), where
# `clock: sync=none` makes the guest's TSC advance one tick per instruction executed
# (guest and hypervisor; VMCALL and VMRESUME count one each). Exact and repeatable.
NAME=guest-bench-vmx
CMDLINE="dom0=off"
MODULES=("build/guests/guest-bench.elf mem=16M")
TARGETS=(bochs-smp1)
EXPECT_EXIT=success
