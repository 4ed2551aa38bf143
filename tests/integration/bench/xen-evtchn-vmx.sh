# The same event channel figures under Bochs (VT-x): one CPU (same-CPU round trip) and
# two CPUs (ping and pong on different CPUs: the round trip crosses CPUs with wake-up
# IPIs).
NAME=xen-evtchn-vmx
CMDLINE="dom0=off"
MODULES=(
    "build/guests/guest-xen-ping.elf mem=16M peer=2 rounds=200"
    "build/guests/guest-xen-pong.elf mem=16M peer=1 rounds=200"
)
TARGETS=(bochs-smp1 bochs-smp2)
EXPECT_EXIT=success
