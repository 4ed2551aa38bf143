# A DomU's writes reach a real disk image and survive a reboot of the whole machine
# (issue 9): the DomU writes 4 MiB through its blkfront; Dom0's blkback puts them on the
# virtio-blk disk it drives by passthrough behind AMD-Vi; QEMU is then started again on
# the same image file (run.sh's REBOOT_MODULES), and a new DomU reads the 4 MiB back:
# every sector and the checksum must match (tests/guests/guest-blkif.c).
NAME=dom0-blkif-virtio-persist
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=domu-persist-write.rc"
    "tests/dom0/domu-persist-write.rc"
    "tests/dom0/blkif.cfg"
    "build/guests/guest-blkif.elf"
)
REBOOT_MODULES=(
    "build/dom0/dom0.elf rc=domu-persist-read.rc"
    "tests/dom0/domu-persist-read.rc"
    "tests/dom0/blkif.cfg"
    "build/guests/guest-blkif.elf"
)
TARGETS=(qemu-bios-smp1-q35)
DISK_IMAGE_MB=8
QEMU_ARGS=(-device amd-iommu
           -drive file=@DISK@,if=none,id=d0,format=raw
           -device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on)
TIMEOUT_QEMU=300
EXPECT=(
    '^virtio-blk: virtio0 at 00:[0-9a-f]{2}\.0: 16384 sectors \(8 MiB\)'
    '^\[blkw\] DONE [0-9]+ passed, 0 failed'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
EXPECT2=(
    '^\[blkr\] DONE [0-9]+ passed, 0 failed'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED' 'IO_PAGE_FAULT')
EXPECT_EXIT=success

# The checksum the reader computed after the reboot is the writer's.
check_log() {
    local w r
    w=$(grep -oE '^\[blkw\] .*checksum 0x[0-9a-f]+' "$2" | grep -oE '0x[0-9a-f]+$' | head -n1)
    r=$(grep -oE '^\[blkr\] .*checksum 0x[0-9a-f]+' "$1" | grep -oE '0x[0-9a-f]+$' | head -n1)
    [ -n "$w" ] && [ "$w" = "$r" ] || { echo "written before the reboot: ${w:-none}; read after: ${r:-none}"; return 1; }
}
