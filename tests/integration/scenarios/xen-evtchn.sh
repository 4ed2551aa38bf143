# xen-evtchn: event channels inside one domain — upcalls on the callback vector (IPI
# ports, masks, IF=0), VIRQ_TIMER with single-shot and periodic timers, pvclock time,
# SCHEDOP_poll, vcpu_info moved, runstate areas, every error code, and the console ring
# carrying the guest's output (tests/guests/guest-xen-evtchn.c).
NAME=xen-evtchn
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-evtchn.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-xen-evtchn\] PASS evtchn-ipi-upcall$'
    '\[guest-xen-evtchn\] PASS evtchn-mask-unmask$'
    '\[guest-xen-evtchn\] PASS timer-singleshot$'
    '\[guest-xen-evtchn\] PASS timer-periodic$'
    '\[guest-xen-evtchn\] PASS pvclock-monotonic$'
    '\[guest-xen-evtchn\] PASS poll-masked-wakes$'
    '\[guest-xen-evtchn\] PASS runstate$'
    '\[guest-xen-evtchn\] PASS evtchn-errors$'
    '\[guest-xen-evtchn\] PASS upcall-vector-per-vcpu$'
    '^\[guest-xen-evtchn\] hello from the console ring$'
    'domain [0-9]+ \(guest-xen-evtchn\): console ring indexes out of range; skipped'
    '^\[guest-xen-evtchn\] the console ring works again$'
    '\[guest-xen-evtchn\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
