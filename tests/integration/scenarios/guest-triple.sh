# guest-triple: a guest that triple-faults (int3 with an empty IDT) is stopped with a
# report; it never runs again. Keel goes on.
NAME=guest-triple
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-triple.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-triple\] loading an empty IDT'
    'domain.*guest-triple.*triple fault'
)
REJECT=(
    'still running'
    '\[guest-triple\] DONE'
    'guest exception'
)
EXPECT_EXIT=success
