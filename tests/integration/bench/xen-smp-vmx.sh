# The same under Bochs (VT-x): both vCPUs on one CPU, and on two CPUs.
NAME=xen-smp-vmx
CMDLINE="dom0=off"
MODULES=("build/guests/guest-xen-smp.elf mem=16M vcpus=2")
TARGETS=(bochs-smp1 bochs-smp2)
EXPECT_EXIT=success
