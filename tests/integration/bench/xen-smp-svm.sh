# Event-channel IPI round trip between the two vCPUs of one domain, under QEMU -icount
# (AMD-V), both vCPUs on one CPU (tests/guests/guest-xen-smp.c).
NAME=xen-smp-svm
CMDLINE="dom0=off"
MODULES=("build/guests/guest-xen-smp.elf mem=16M vcpus=2")
TARGETS=(qemu-bios-smp1)
EXPECT_EXIT=success
