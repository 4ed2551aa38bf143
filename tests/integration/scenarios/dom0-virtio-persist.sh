# Data written through Dom0's virtio-blk driver survives a reboot of the whole machine:
# QEMU boots twice on the same image file (run.sh's REBOOT_MODULES). The first boot finds
# the fresh image without the pattern, writes it and reads it back
# (tests/dom0/persist-write.rc); the second boot, a new QEMU, only reads
# (tests/dom0/persist-read.rc) and must find the pattern with the same checksum.
NAME=dom0-virtio-persist
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=persist-write.rc"
    "tests/dom0/persist-write.rc"
)
REBOOT_MODULES=(
    "build/dom0/dom0.elf rc=persist-read.rc"
    "tests/dom0/persist-read.rc"
)
TARGETS=(qemu-bios-smp1-q35)
DISK_IMAGE_MB=2
QEMU_ARGS=(-device amd-iommu
           -drive file=@DISK@,if=none,id=d0,format=raw
           -device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on)
TIMEOUT_QEMU=120
EXPECT=(
    '^virtio-blk: virtio0 at 00:[0-9a-f]{2}\.0: 4096 sectors \(2 MiB\)'
    '^dom0: disk-sum virtio0 1000\+200: checksum 0x[0-9a-f]+, pattern \(seed 42\) DIFFERS from sector 1000$'
    '^dom0: disk-test virtio0 1000\+200: checksum 0x[0-9a-f]+, pattern \(seed 42\) ok$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
EXPECT2=(
    '^virtio-blk: virtio0 at 00:[0-9a-f]{2}\.0: 4096 sectors \(2 MiB\)'
    '^dom0# disk-sum virtio0 1000 200 42$'
    '^dom0: disk-sum virtio0 1000\+200: checksum 0x[0-9a-f]+, pattern \(seed 42\) ok$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED' 'did not answer' 'IO_PAGE_FAULT')
EXPECT_EXIT=success

# After the second boot (LOG2 LOG1): the checksum read back after the reboot is the one
# written before it.
check_log() {
    local w r
    w=$(grep -oE '^dom0: disk-test virtio0 1000\+200: checksum 0x[0-9a-f]+' "$2" | grep -oE '0x[0-9a-f]+$')
    r=$(grep -oE '^dom0: disk-sum virtio0 1000\+200: checksum 0x[0-9a-f]+, pattern \(seed 42\) ok' "$1" |
        grep -oE '0x[0-9a-f]+')
    [ -n "$w" ] && [ "$w" = "$r" ] || { echo "written before the reboot: ${w:-none}; read after: ${r:-none}"; return 1; }
}
