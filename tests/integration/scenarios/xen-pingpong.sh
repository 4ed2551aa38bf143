# xen-pingpong: two domains connected by an interdomain event channel (domain ids follow
# module order from 1: ping is 1, pong is 2). Pong finds ping's unbound port by binding
# (-EINVAL for the wrong ones, -ESRCH for a domain that does not exist), they ping-pong
# 1000 times (upcalls both ways), ping closes and pong sees its end unbound. Same CPU on
# QEMU smp1, across CPUs on Bochs smp2 and QEMU smp4. Prints BENCH lines for the send,
# the same-domain upcall and the round trip (exact only under the bench runner).
NAME=xen-pingpong
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-xen-ping.elf mem=16M peer=2 rounds=1000"
    "build/guests/guest-xen-pong.elf mem=16M peer=1 rounds=1000"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-ping\] PASS ping-connected$'
    '\[guest-xen-pong\] PASS pong-bind-errors$'
    '\[guest-xen-ping\] PASS ping-pong$'
    '\[guest-xen-pong\] PASS pong-answered$'
    '\[guest-xen-pong\] PASS pong-peer-closed$'
    '\[guest-xen-ping\] BENCH (svm|vmx)/evtchn_pingpong [0-9]+ insns'
    '\[guest-xen-ping\] DONE [0-9]+ passed, 0 failed'
    '\[guest-xen-pong\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
