# dom0-blkif: Dom0's block backend (tools/dom0/blkback.c) and the runtime's blkfront over a
# RAM disk Dom0 made (tests/dom0/blkif.rc, tests/guests/guest-blkif.c): the store
# directories the toolstack writes, the xenbus handshake, 4 MiB written by one DomU and
# read back by the next after the first is destroyed, a read-only attachment, requests
# beyond the end / with bad grant references / malformed / garbage, a corrupt ring that
# gets its frontend disconnected while Dom0 lives on, configs naming a missing disk or a
# vdev we do not know, and every frame back at the end.
NAME=dom0-blkif
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=blkif.rc"
    "tests/dom0/blkif.rc"
    "tests/dom0/blkif.cfg"
    "build/guests/guest-blkif.elf"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^dom0: disk ram0: 16384 sectors \(8 MiB\)$'
    '^ram0$'
    '^\[blkw\] PASS blk-connect$'
    '^\[blkw\] PASS blk-write$'
    '^\[blkw\] blkif: wrote 4 MiB, checksum 0x[0-9a-f]{16}$'
    '^\[blkw\] PASS blk-flush$'
    '^\[blkw\] DONE 4 passed, 0 failed'
    '^dom0: xs-read /local/domain/0/backend/vbd/1/51712/params: no such node$'
    '^\[blkr\] PASS blk-readback$'
    '^\[blkr\] PASS blk-untouched$'
    '^\[blkr\] PASS blk-readonly$'
    '^\[blkr\] DONE 5 passed, 0 failed'
    '^\[blkn\] PASS blk-beyond-end$'
    '^\[blkn\] PASS blk-bad-gref$'
    '^\[blkn\] PASS blk-bad-request$'
    '^\[blkn\] PASS blk-garbage-slots$'
    '^dom0: blkback: domain 3 vbd 51712: ring indexes corrupt'
    '^\[blkn\] PASS blk-corrupt-ring$'
    '^\[blkn\] DONE 7 passed, 0 failed'
    '^dom0: disk "ram9,xvda,w": no disk ram9'
    '^dom0: disk "ram0,hda,w": disk spec: vdev must be xvd<a-z>: hda$'
    '^dom0: create blkx: disk 0 is not usable$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED')
EXPECT_EXIT=success
