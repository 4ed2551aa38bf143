# linux-disk: Debian's Linux as a DomU of Dom0 reads a disk through its own xen-blkfront
# module (loaded from the initramfs) and Dom0's blkback: the store handshake, the grant
# copies, and the data — the md5 of the whole 1 MiB disk must be that of the file Dom0
# put at its start (tests/dom0/disk-content.txt) padded with zeros.
NAME=linux-disk
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=linux-disk.rc"
    "tests/dom0/linux-disk.rc"
    "tests/dom0/linux-disk.cfg"
    "tests/dom0/disk-content.txt"
    "build/linux/vmlinux"
    "build/linux/initramfs.cpio.gz"
)
TARGETS=(qemu-bios-smp2)
QEMU_MEM=1024
TIMEOUT_QEMU=300
EXPECT=(
    '\[linux\] .*blkfront: xvda: .*'
    '\[linux\] KEEL-LINUX: xvda-sectors 2048$'
    '\[linux\] KEEL-LINUX: xvda-md5 [0-9a-f]{32}$'
    '^dom0: domain 1 \(linux\) shut down \(poweroff\): destroy$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('Oops' 'BUG:' 'Kernel panic' 'Call Trace' 'LEAKED')
EXPECT_EXIT=success

check_log() {
    local f=tests/dom0/disk-content.txt want got
    want=$({ cat "$f"; head -c $((1048576 - $(stat -c %s "$f"))) /dev/zero; } | md5sum | cut -d' ' -f1)
    got=$(sed -n 's/^\[linux\] KEEL-LINUX: xvda-md5 \([0-9a-f]*\)$/\1/p' "$1" | head -n1)
    [ "$got" = "$want" ] || { echo "xvda md5 $got, expected $want"; return 1; }
}
