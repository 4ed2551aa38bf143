# Scheduler fairness: two CPU-bound guest-spin domains pinned to the same CPU (cpu=1),
# each counting loop iterations over a window of TSC ticks placed where both compete
# (tests/guests/guest-spin.c). The window is at least 30 slices of 10 ms: the guest cannot
# know its TSC frequency, so it is given per vendor (ticks_svm: QEMU with -icount
# shift=0, TSC = 1 GHz of virtual time: 3e8 ticks = 30 slices; ticks_vmx: Bochs, TSC at
# 50 MHz: 1e8 ticks = 200 slices). QEMU runs with -icount because fairness is a property
# of time given, and under plain TCG the iterations a vCPU gets per slice of wall time
# vary with the load on the host (measured: 21% apart with other emulators running).
#
# EXPECT checks that both print their count and finish; the comparison of the two
# numbers is check_log below: the runner calls `check_log LOGFILE` when a scenario
# defines it (after the EXPECT/REJECT checks), and a non-zero status fails the test with
# the line it printed as the reason.
NAME=sched-fair
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-spin-a.elf mem=16M cpu=1 ticks_svm=300000000 ticks_vmx=100000000"
    "build/guests/guest-spin-b.elf mem=16M cpu=1 ticks_svm=300000000 ticks_vmx=100000000"
)
TARGETS=(qemu-bios-smp4 bochs-smp2)
QEMU_ARGS=(-icount shift=0,sleep=off)
EXPECT=(
    '^domain [0-9]+ \(guest-spin-a\): started on CPU 1$'
    '^domain [0-9]+ \(guest-spin-b\): started on CPU 1$'
    '^\[guest-spin-a\] spin: [0-9]+ iterations in [0-9]+ ticks'
    '^\[guest-spin-b\] spin: [0-9]+ iterations in [0-9]+ ticks'
    '^\[guest-spin-a\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-spin-b\] DONE [0-9]+ passed, 0 failed'
    '^domain [0-9]+ \(guest-spin-a\): shut down \(poweroff\)'
    '^domain [0-9]+ \(guest-spin-b\): shut down \(poweroff\)'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('\[guest-spin-[ab]\] FAIL' 'guest exception')
EXPECT_EXIT=success
TIMEOUT_BOCHS=180

# check_log LOG: the two iteration counts must differ by at most 10% of the larger, and
# each domain must have been descheduled at least 10 times inside its window (else the
# two did not really share the CPU and the comparison means nothing). Prints the reason
# and returns 1 otherwise.
check_log() {
    local log=$1 a b ga gb hi lo
    a=$(sed -nE 's/^\[guest-spin-a\] spin: ([0-9]+) iterations in [0-9]+ ticks.*/\1/p' "$log" | head -n1)
    b=$(sed -nE 's/^\[guest-spin-b\] spin: ([0-9]+) iterations in [0-9]+ ticks.*/\1/p' "$log" | head -n1)
    ga=$(sed -nE 's/^\[guest-spin-a\] spin: descheduled ([0-9]+) times.*/\1/p' "$log" | head -n1)
    gb=$(sed -nE 's/^\[guest-spin-b\] spin: descheduled ([0-9]+) times.*/\1/p' "$log" | head -n1)
    if [ -z "$a" ] || [ -z "$b" ] || [ -z "$ga" ] || [ -z "$gb" ]; then
        echo "sched-fair: missing spin lines (a='$a' b='$b' descheduled a='$ga' b='$gb')"
        return 1
    fi
    if [ "$ga" -lt 10 ] || [ "$gb" -lt 10 ]; then
        echo "sched-fair: the domains hardly shared the CPU (descheduled $ga and $gb times in their windows)"
        return 1
    fi
    if [ "$a" -ge "$b" ]; then hi=$a lo=$b; else hi=$b lo=$a; fi
    if [ $(( (hi - lo) * 10 )) -gt "$hi" ]; then
        echo "sched-fair: unfair: guest-spin-a $a, guest-spin-b $b iterations (differ by $(( (hi - lo) * 100 / hi ))%, limit 10%)"
        return 1
    fi
    return 0
}
