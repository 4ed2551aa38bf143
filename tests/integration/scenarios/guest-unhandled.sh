# guest-unhandled: an exit Keel intercepts but does not handle (ICEBP; RSM where the CPU
# has no ICEBP, as QEMU TCG 7.2) stops the guest with a report; Keel goes on.
NAME=guest-unhandled
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-unhandled.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-unhandled\] executing ICEBP'
    'domain.*guest-unhandled.*unhandled exit'
)
REJECT=(
    'still running'
    '\[guest-unhandled\] DONE'
    'guest exception'
)
EXPECT_EXIT=success
