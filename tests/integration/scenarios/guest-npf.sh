# guest-npf: a guest reading guest-physical memory it was not given (1 GiB, above its
# 16 MiB) is stopped with a nested page fault report; it never runs again. Keel goes on.
NAME=guest-npf
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-npf.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-npf\] touching unmapped GPA 0x40000000'
    'domain.*guest-npf.*nested page fault'
)
REJECT=(
    'still running'
    '\[guest-npf\] DONE'
    'guest exception'
)
EXPECT_EXIT=success
