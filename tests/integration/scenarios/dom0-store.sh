# dom0-store: the store Dom0 serves (tools/dom0/xs_store.c, xs_ring.c) to a DomU it
# created: the ring page reserved in the DomU's memory map and granted to Dom0 (grant
# reference 1), the DomU's home directory, reads/writes/directories/removal, watches
# (the first event, then Dom0's write), the permission rules, and cleanup of the DomU's
# nodes when it is gone (tests/guests/guest-xenbus.c, tests/dom0/xenbus.rc).
NAME=dom0-store
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=xenbus.rc"
    "tests/dom0/xenbus.rc"
    "tests/dom0/xenbus.cfg"
    "build/guests/guest-xenbus.elf"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^\[xsguest\] PASS xs-home$'
    '^\[xsguest\] PASS xs-rw$'
    '^\[xsguest\] PASS xs-permissions$'
    '^\[xsguest\] PASS xs-watch$'
    '^\[xsguest\] PASS xs-unwatch$'
    '^\[xsguest\] DONE 6 passed, 0 failed'
    '^dom0: xs-wait /local/domain/1/data/ready: there$'
    '^world$'
    '^dom0: xs-read /local/domain/1/data/hello: no such node$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED')
EXPECT_EXIT=success
