# Event channel figures under QEMU -icount (AMD-V), one CPU: a send on a masked port of
# our own, a send until our own port handler runs (upcall), and an interdomain round trip
# between two domains on the same CPU (tests/guests/guest-xen-ping.c, guest-xen-pong.c).
NAME=xen-evtchn-svm
CMDLINE="dom0=off"
MODULES=(
    "build/guests/guest-xen-ping.elf mem=16M peer=2 rounds=200"
    "build/guests/guest-xen-pong.elf mem=16M peer=1 rounds=200"
)
TARGETS=(qemu-bios-smp1)
EXPECT_EXIT=success
