# Every virtual interrupt is delivered exactly once and never while the guest has IF=0:
# guest-irq-once sends itself self IPIs one at a time and spins in the handler with
# interrupts off before the EOI, which gives an emulator that re-delivers an injected
# event after VM entry a long window to show it (QEMU 7.2 TCG's EVENTINJ path did; see
# docs/ARCHITECTURE.md, "Virtual interrupts on AMD-V"). Under -icount QEMU's instruction
# budget runs out at every timer deadline, the moment that used to re-deliver. Then an
# APIC interrupt and a Xen upcall pending together must both come in right after STI.
NAME=irq-once
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-irq-once.elf mem=16M rounds=2000 window=20000")
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
QEMU_ARGS=(-icount shift=0,sleep=off)
EXPECT=(
    '^\[guest-irq-once\] irq-once: 2000 sent, 2000 taken, 0 nested'
    '^\[guest-irq-once\] PASS irq-once-count$'
    '^\[guest-irq-once\] PASS irq-once-never-nested$'
    '^\[guest-irq-once\] PASS irq-once-apic-idle$'
    '^\[guest-irq-once\] PASS irq-once-upcall-setup$'
    '^\[guest-irq-once\] PASS irq-once-two-at-once$'
    '^\[guest-irq-once\] DONE 5 passed, 0 failed'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
TIMEOUT_QEMU=180
TIMEOUT_BOCHS=240
