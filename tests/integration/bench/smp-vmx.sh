# VT-x: IPI round trip between the two vCPUs of one domain (guest-smp under Bochs, 2 CPUs):
# BENCH vmx/ipi_roundtrip (see smp-svm.sh).
NAME=smp-vmx
CMDLINE="dom0=off"
MODULES=("build/guests/guest-smp.elf mem=16M vcpus=2 sipi_strict=0")
TARGETS=(bochs-smp2)
EXPECT=('\[guest-smp\] BENCH vmx/ipi_roundtrip [0-9]+ insns')
EXPECT_EXIT=success
