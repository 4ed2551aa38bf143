# VT-x: SCHEDOP_yield between two domains pinned to CPU 1 (Bochs, 2 CPUs, TSC = one tick
# per instruction): BENCH vmx/yield_switch (see sched-svm.sh, tests/guests/guest-yield.c).
NAME=sched-vmx
CMDLINE="dom0=off"
MODULES=(
    "build/guests/guest-yield-a.elf mem=16M cpu=1 peer=1"
    "build/guests/guest-yield-b.elf mem=16M cpu=1 peer=1 bench=0"
)
TARGETS=(bochs-smp2)
EXPECT=('\[guest-yield-a\] BENCH vmx/yield_switch [0-9]+ insns')
EXPECT_EXIT=success
