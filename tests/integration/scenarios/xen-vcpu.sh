# xen-vcpu: VCPUOP_initialise/up/down/is_up (a secondary vCPU started from a PVH start
# context, stopped and resumed) and the memory reservation ops (giving pages back,
# populating GFNs up to the domain's limit, what cannot be given back), with their
# error codes (tests/guests/guest-xen-vcpu.c).
NAME=xen-vcpu
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-vcpu.elf mem=16M vcpus=2")
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-vcpu\] PASS vcpu-up-needs-context$'
    '\[guest-xen-vcpu\] PASS vcpu-initialise-errors$'
    '\[guest-xen-vcpu\] PASS vcpu-initialise-up$'
    '\[guest-xen-vcpu\] PASS vcpu-down-stops$'
    '\[guest-xen-vcpu\] PASS vcpu-up-resumes$'
    '\[guest-xen-vcpu\] PASS mem-populate-at-limit$'
    '\[guest-xen-vcpu\] PASS mem-give-back-populate$'
    '\[guest-xen-vcpu\] PASS mem-refill$'
    '\[guest-xen-vcpu\] PASS mem-reservation-errors$'
    '\[guest-xen-vcpu\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
