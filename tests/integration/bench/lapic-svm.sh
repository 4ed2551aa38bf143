# AMD-V: virtual interrupt delivery, measured by guest-lapic under QEMU -icount (1 CPU):
# BENCH svm/virq_delivery = instructions from just before a self-IPI WRMSR (x2APIC 0x83f)
# to the first instruction of the guest's handler, averaged over 1000 rounds (the WRMSR
# exit, the vLAPIC, the trip through the scheduler a raise causes, re-entry, injection).
NAME=lapic-svm
CMDLINE="dom0=off"
MODULES=("build/guests/guest-lapic.elf mem=16M")
TARGETS=(qemu-bios-smp1)
EXPECT=('\[guest-lapic\] BENCH svm/virq_delivery [0-9]+ insns')
EXPECT_EXIT=success
