# AMD-V: SCHEDOP_yield between two domains pinned to CPU 1 (QEMU, 2 CPUs, -icount):
# BENCH svm/yield_switch = ticks per yield-loop iteration / 2 (a yield hypercall exit +
# the scheduler + the other domain's return, per switch; tests/guests/guest-yield.c).
# CPU 0 stays idle. Only guest-yield-a prints the figure.
NAME=sched-svm
CMDLINE="dom0=off"
MODULES=(
    "build/guests/guest-yield-a.elf mem=16M cpu=1 peer=1"
    "build/guests/guest-yield-b.elf mem=16M cpu=1 peer=1 bench=0"
)
TARGETS=(qemu-bios-smp2)
EXPECT=('\[guest-yield-a\] BENCH svm/yield_switch [0-9]+ insns')
EXPECT_EXIT=success
