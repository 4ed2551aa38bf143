# SCHEDOP_yield: two guest-yield domains pinned to the same CPU (cpu=1), each yielding in a
# loop with peer=1: every yield must let the other domain run before it returns (most
# measured yields take at least two hypercall round trips; see tests/guests/guest-yield.c).
# Also prints BENCH <vendor>/yield_switch (exact only under tools/bench.sh: bench/sched-*).
NAME=sched-yield
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-yield-a.elf mem=16M cpu=1 peer=1"
    "build/guests/guest-yield-b.elf mem=16M cpu=1 peer=1"
)
TARGETS=(qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^\[guest-yield-a\] PASS yield-returns-0$'
    '^\[guest-yield-b\] PASS yield-returns-0$'
    '^\[guest-yield-a\] PASS yield-runs-peer$'
    '^\[guest-yield-b\] PASS yield-runs-peer$'
    '^\[guest-yield-[ab]\] BENCH (svm|vmx)/yield_switch [0-9]+ insns'
    '^\[guest-yield-a\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-yield-b\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('\[guest-yield-[ab]\] FAIL' 'guest exception')
EXPECT_EXIT=success
