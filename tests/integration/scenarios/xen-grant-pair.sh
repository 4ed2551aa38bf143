# xen-grant-pair: one domain grants pages to another (ids follow module order: granter 1,
# grantee 2). The grantee maps the shared page, the granter sees GTF_writing and fails to
# revoke while it is mapped; the grantee writes, copies 1 MiB through 256 grants (checksum
# compared by the granter), unmaps; the granter sees the data and revokes; the grantee's
# ref is then stale. Bad arguments against a real foreign domain get their exact status.
NAME=xen-grant-pair
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-xen-granter.elf mem=16M peer=2"
    "build/guests/guest-xen-grantee.elf mem=16M peer=1"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-xen-grantee\] PASS grantee-mapped$'
    '\[guest-xen-grantee\] PASS grantee-foreign-errors$'
    '\[guest-xen-grantee\] PASS grantee-foreign-table$'
    '\[guest-xen-granter\] PASS granter-peer-mapped$'
    '\[guest-xen-granter\] PASS granter-revoke-refused$'
    '\[guest-xen-grantee\] PASS grantee-acked$'
    '\[guest-xen-grantee\] PASS grantee-copied-unmapped$'
    '\[guest-xen-granter\] PASS granter-peer-unmapped$'
    '\[guest-xen-granter\] PASS granter-sees-data$'
    '\[guest-xen-granter\] PASS granter-copy-checksum$'
    '\[guest-xen-granter\] PASS granter-revoked$'
    '\[guest-xen-grantee\] PASS grantee-stale-ref$'
    '\[guest-xen-granter\] DONE 7 passed, 0 failed'
    '\[guest-xen-grantee\] DONE 7 passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'panic')
EXPECT_EXIT=success
