# xen-grant: grant_table_op within one domain (tests/guests/guest-xen-grant.c): table
# setup and query, XENMAPSPACE_grant_table, map/unmap/revoke of a grant to itself,
# read-only grants, every bad argument with its exact GNTST_* status or -errno, the
# maptrack limit with a continued batch, grant copy of 1 MiB with a checksum, the 32-bit
# layouts; BENCH lines for map+unmap and a 4 KiB copy. Every frame comes back when the
# domain is destroyed.
NAME=xen-grant
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-grant.elf mem=16M")
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-grant\] PASS grant-setup$'
    '\[guest-xen-grant\] PASS gnttab-query$'
    '\[guest-xen-grant\] PASS gnttab-query-errors$'
    '\[guest-xen-grant\] PASS gnttab-setup$'
    '\[guest-xen-grant\] PASS gnttab-setup-errors$'
    '\[guest-xen-grant\] PASS gnttab-physmap$'
    '\[guest-xen-grant\] PASS gnttab-op-errors$'
    '\[guest-xen-grant\] PASS grant-map-shared$'
    '\[guest-xen-grant\] PASS grant-unmap$'
    '\[guest-xen-grant\] PASS grant-revoked$'
    '\[guest-xen-grant\] PASS grant-readonly$'
    '\[guest-xen-grant\] PASS grant-map-readonly$'
    '\[guest-xen-grant\] PASS grant-map-errors$'
    '\[guest-xen-grant\] PASS grant-maptrack-limit$'
    '\[guest-xen-grant\] PASS grant-unmap-batch$'
    '\[guest-xen-grant\] PASS grant-copy-errors$'
    '\[guest-xen-grant\] PASS grant-copy-1m$'
    '\[guest-xen-grant\] PASS grant-compat-setup$'
    '\[guest-xen-grant\] PASS grant-compat-copy$'
    '\[guest-xen-grant\] PASS grant-compat-map$'
    '\[guest-xen-grant\] BENCH (svm|vmx)/grant_map_unmap [0-9]+ insns'
    '\[guest-xen-grant\] BENCH (svm|vmx)/grant_copy_4k [0-9]+ insns'
    '\[guest-xen-grant\] DONE 21 passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
