# xen-grant-teardown: two domains each map a page of the other. The first shuts down
# holding its mapping, the second halts for good holding its own (Keel shuts a domain
# down when all its vCPUs halt with interrupts off, but keeps it, and its p2m, until all
# guests are done). Keel then destroys the first while the second still maps its page: that
# page must outlive the first domain (an orphan, still mapped by the second, not freed
# with the rest of its memory), and the first's own mapping of the second's page is
# dropped. Then the second is destroyed, which frees the orphan: every frame must come
# back.
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
    'domain 2 \(guest-xen-grant-block\): (blocked; kept alive|shut down \(poweroff\): every vCPU halted)'
    '^domain 1 \(guest-xen-grant-hold\): grant teardown: 1 page still mapped by other domains, freed when they unmap$'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
