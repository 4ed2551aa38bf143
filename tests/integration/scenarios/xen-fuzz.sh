# xen-fuzz: 200,000 random hypercalls (numbers, commands, arguments, pointers good and
# bad), reproducible from the seed; the hypervisor answers all of them, still works
# afterwards, and gets every frame back (tests/guests/guest-xen-fuzz.c).
NAME=xen-fuzz
CMDLINE="loglvl=info"
MODULES=("build/guests/guest-xen-fuzz.elf mem=16M seed=1 rounds=1000000")
TARGETS=(qemu-bios-smp1 bochs-smp2)
TIMEOUT_QEMU=900
TIMEOUT_BOCHS=1200
EXPECT=(
    '\[guest-xen-fuzz\] fuzz: seed 1, 1000000 hypercalls$'
    '\[guest-xen-fuzz\] PASS fuzz-survived$'
    '\[guest-xen-fuzz\] DONE 1 passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
