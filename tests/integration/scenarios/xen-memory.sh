# xen-memory: memory_op (memory map, reservations, shared_info mapped over RAM and moved,
# frames given up exactly) and hvm_op parameters (console ring page and port, what a
# guest may and may not set or read), with exact error codes
# (tests/guests/guest-xen-memory.c). The free-frame count must come back exactly.
NAME=xen-memory
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-memory.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-xen-memory\] PASS xen-mem-map$'
    '\[guest-xen-memory\] PASS xen-shinfo-map$'
    '\[guest-xen-memory\] PASS xen-shinfo-move$'
    '\[guest-xen-memory\] PASS xen-mem-shinfo-scattered$'
    '\[guest-xen-memory\] PASS xen-shinfo-errors$'
    '\[guest-xen-memory\] PASS xen-param-errors$'
    '\[guest-xen-memory\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
