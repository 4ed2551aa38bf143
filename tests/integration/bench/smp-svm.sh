# AMD-V: IPI round trip between the two vCPUs of one domain (guest-smp, vcpus=2, spread
# over QEMU's 2 CPUs, -icount): BENCH svm/ipi_roundtrip = ticks from vCPU 0's ICR write
# to its handler of vCPU 1's answer, both spinning with interrupts on, over 1000 rounds.
NAME=smp-svm
CMDLINE="dom0=off"
MODULES=("build/guests/guest-smp.elf mem=16M vcpus=2 sipi_strict=0")
TARGETS=(qemu-bios-smp2)
EXPECT=('\[guest-smp\] BENCH svm/ipi_roundtrip [0-9]+ insns')
EXPECT_EXIT=success
