# guest-lapic: the virtual local APIC (x2APIC) seen from one vCPU: identity registers,
# one-shot / periodic / TSC-deadline timers (never early, once, periodic mean within 10%),
# the current count against the TSC, masked LVT, IF/TPR/PPR/ISR/IRR/EOI, priority order
# and nesting, HLT woken by the timer, self IPIs taken right after the WRMSR; prints
# BENCH <vendor>/virq_delivery (exact only under tools/bench.sh). See
# tests/guests/guest-lapic.c. TSC-deadline is a NOTE where the host CPU lacks it.
NAME=lapic-guest
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-lapic.elf mem=16M")
TARGETS=(qemu-bios-smp4 bochs-smp2)
# QEMU with -icount: the timer checks compare interrupt times with the programmed ones,
# and under plain TCG a loaded host delays a delivery by hundreds of milliseconds (seen in
# CI: a periodic interrupt 0.15 s late, then the next one on its slot, "too early").
QEMU_ARGS=(-icount shift=0,sleep=off)
EXPECT=(
    '\[guest-lapic\] PASS lapic-apic-base$'
    '\[guest-lapic\] PASS lapic-svr$'
    '\[guest-lapic\] PASS lapic-oneshot-not-early$'
    '\[guest-lapic\] PASS lapic-oneshot-once$'
    '\[guest-lapic\] PASS lapic-count-rate-div16$'
    '\[guest-lapic\] PASS lapic-periodic-not-early$'
    '\[guest-lapic\] PASS lapic-periodic-mean$'
    '\[guest-lapic\] PASS lapic-periodic-min$'
    '\[guest-lapic\] (PASS lapic-deadline-not-early|NOTE lapic-tsc-deadline:)'
    '\[guest-lapic\] PASS lapic-masked$'
    '\[guest-lapic\] PASS lapic-tpr-blocks$'
    '\[guest-lapic\] PASS lapic-tpr-lower-delivers$'
    '\[guest-lapic\] PASS lapic-eoi-clears-isr$'
    '\[guest-lapic\] PASS lapic-priority-order$'
    '\[guest-lapic\] PASS lapic-eoi-releases$'
    '\[guest-lapic\] PASS lapic-hlt-wakes$'
    '\[guest-lapic\] PASS lapic-self-ipi-immediate$'
    '\[guest-lapic\] PASS lapic-irq-sti-shadow$'
    '\[guest-lapic\] BENCH (svm|vmx)/virq_delivery [0-9]+ insns'
    '\[guest-lapic\] DONE [0-9]+ passed, 0 failed'
    'domain [0-9]+ \(guest-lapic\): shut down \(poweroff\)'
)
REJECT=('\[guest-lapic\] FAIL' 'guest exception')
EXPECT_EXIT=success
TIMEOUT_QEMU=300
