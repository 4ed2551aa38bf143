# xen-fuzz: 1,000,000 random hypercalls (numbers, commands, arguments, pointers good and
# bad; grant_table_op among them), reproducible from the seed; the hypervisor answers all
# of them, still works afterwards, and gets every frame back (tests/guests/guest-xen-fuzz.c).
# QEMU only at this size (about 45 s); Bochs (VT-x) runs 200,000 with another seed in
# xen-fuzz-vmx.sh (1,000,000 took 6.3 minutes there).
NAME=xen-fuzz
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-fuzz.elf mem=16M seed=1 rounds=1000000")
TARGETS=(qemu-bios-smp1)
TIMEOUT_QEMU=300
EXPECT=(
    '\[guest-xen-fuzz\] fuzz: seed 1, 1000000 hypercalls$'
    '\[guest-xen-fuzz\] PASS fuzz-survived$'
    '\[guest-xen-fuzz\] fuzz: grant_table_op: [0-9]+ calls, [1-9][0-9]* returned 0, [1-9][0-9]* maps and [1-9][0-9]* copies made$'
    '\[guest-xen-fuzz\] DONE 2 passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
