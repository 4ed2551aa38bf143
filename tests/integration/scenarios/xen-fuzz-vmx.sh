# xen-fuzz-vmx: the fuzzing guest of xen-fuzz.sh on VT-x (Bochs, 2 CPUs) with another
# seed and 200,000 hypercalls (Bochs runs about 2,700 of them a second).
NAME=xen-fuzz-vmx
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-fuzz.elf mem=16M seed=2 rounds=200000")
TARGETS=(bochs-smp2)
TIMEOUT_BOCHS=300
EXPECT=(
    '\[guest-xen-fuzz\] fuzz: seed 2, 200000 hypercalls$'
    '\[guest-xen-fuzz\] PASS fuzz-survived$'
    '\[guest-xen-fuzz\] fuzz: grant_table_op: [0-9]+ calls, [1-9][0-9]* returned 0, [1-9][0-9]* maps and [1-9][0-9]* copies made$'
    '\[guest-xen-fuzz\] DONE 2 passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
