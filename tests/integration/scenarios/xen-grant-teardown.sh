# xen-grant-teardown: two domains each map a page of the other. The first shuts down
# holding its mapping, the second halts for good holding its own (alive, blocked). When
# the guests are done Keel destroys the first while the second still maps its page: Keel
# must drop that mapping from the second's p2m (domain paused, TLBs flushed) before the
# frame is freed, and the first's own mapping of the second's page goes with it. Then the
# second is destroyed; every frame must come back.
NAME=xen-grant-teardown
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-xen-grant-hold.elf mem=16M peer=2"
    "build/guests/guest-xen-grant-block.elf mem=16M peer=1"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-grant-hold\] PASS hold-peer-mapped$'
    '\[guest-xen-grant-block\] PASS hold-peer-mapped$'
    '\[guest-xen-grant-hold\] DONE 3 passed, 0 failed'
    '\[guest-xen-grant-block\] holding the mapping; blocking for good$'
    'domain 2 \(guest-xen-grant-block\): blocked; kept alive'
    '^domain 1 \(guest-xen-grant-hold\): grant teardown: 1 mapping of its pages dropped from domain 2$'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
