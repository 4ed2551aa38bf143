# VT-x: virtual interrupt delivery, guest-lapic under Bochs (1 CPU, TSC = one tick per
# instruction): BENCH vmx/virq_delivery (see lapic-svm.sh).
NAME=lapic-vmx
CMDLINE="dom0=off"
MODULES=("build/guests/guest-lapic.elf mem=16M")
TARGETS=(bochs-smp1)
EXPECT=('\[guest-lapic\] BENCH vmx/virq_delivery [0-9]+ insns')
EXPECT_EXIT=success
