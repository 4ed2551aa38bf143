# xen-smp: event channels between the two vCPUs of one domain — IPI ports both ways
# (1000 round trips, each handled on the right vCPU), a port moved with bind_vcpu, the
# AP's own VIRQ_TIMER, vcpu_info moved while the AP is offline (and refused once it
# runs), pvclock agreement between vCPUs (tests/guests/guest-xen-smp.c).
NAME=xen-smp
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-smp.elf mem=16M vcpus=2")
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-smp\] PASS xsmp-ap-started$'
    '\[guest-xen-smp\] PASS xsmp-pvclock-agree$'
    '\[guest-xen-smp\] PASS xsmp-ap-timer$'
    '\[guest-xen-smp\] PASS xsmp-bind-vcpu$'
    '\[guest-xen-smp\] PASS xsmp-ipi-pingpong$'
    '\[guest-xen-smp\] BENCH (svm|vmx)/evtchn_ipi_roundtrip [0-9]+ insns'
    '\[guest-xen-smp\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
