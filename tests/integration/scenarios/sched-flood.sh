# A guest flooding itself with interrupts cannot starve a neighbour: guest-flood (self IPIs
# back to back) and guest-spin pinned to the same CPU; the spinner must be scheduled
# throughout its window (descheduled at least 5 times, so it really shared the CPU) and
# finish, and every flood interrupt is delivered exactly once.
NAME=sched-flood
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-flood.elf mem=16M cpu=1 ticks_svm=500000000 ticks_vmx=100000000"
    "build/guests/guest-spin-a.elf mem=16M cpu=1 ticks_svm=300000000 ticks_vmx=60000000"
)
TARGETS=(qemu-bios-smp4 bochs-smp2)
QEMU_ARGS=(-icount shift=0,sleep=off)
EXPECT=(
    '^\[guest-flood\] flood: [1-9][0-9]* self IPIs sent'
    '^\[guest-flood\] PASS flood-all-delivered$'
    '^\[guest-flood\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-spin-a\] spin: [1-9][0-9]* iterations in [0-9]+ ticks'
    '^\[guest-spin-a\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
TIMEOUT_BOCHS=240

check_log() {
    local g
    g=$(sed -nE 's/^\[guest-spin-a\] spin: descheduled ([0-9]+) times.*/\1/p' "$1" | head -n1)
    if [ -z "$g" ] || [ "$g" -lt 5 ]; then
        echo "sched-flood: the spinner was descheduled ${g:-?} times: it did not share the CPU with the flood"
        return 1
    fi
}
