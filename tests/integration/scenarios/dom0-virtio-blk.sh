# Dom0's virtio-blk driver (tools/dom0/virtio_blk.c) on a passthrough PCI function behind
# AMD-Vi (QEMU q35, amd-iommu): the disk is a fresh 1 MiB image file per test. Dom0
# finds it, writes patterns through descriptors in its RAM (DMA confined by the IOMMU to
# Dom0's memory), reads them back and checks them; the range check refuses the sector
# past the end; the data is really in the host's image file (check_log reads it); a
# second virtio-blk function without VIRTIO_F_ACCESS_PLATFORM (QEMU's default, whose DMA
# bypasses the IOMMU) is refused (tests/dom0/virtio-blk.rc). A read request whose data
# descriptor points at GPA 256 MiB, beyond Dom0's RAM, is blocked by the IOMMU (Keel's
# IO_PAGE_FAULT line, and QEMU's amdvi_page_fault trace in the emulator's stderr names
# the address), Keel survives, and the disk still works afterwards. A read into 0xFEE00000
# makes the device write 128 forged MSIs of vector 0x6b: interrupt remapping blocks them
# (Keel would log an interrupt on a vector with no handler; QEMU says it refused to remap;
# dom0-msi-forge-unsafe shows them arriving with remapping off). QEMU 7.2's model judges
# such plain DMA writes by the device table entry of requester id 0xa0 (its IOAPIC), not
# the device's, since they carry no requester id: Keel aborts that id's interrupts too.
NAME=dom0-virtio-blk
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=virtio-blk.rc"
    "tests/dom0/virtio-blk.rc"
)
TARGETS=(qemu-bios-smp1-q35)
DISK_IMAGE_MB=1
QEMU_ARGS=(-device amd-iommu
           -drive file=@DISK@,if=none,id=d0,format=raw
           -device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on
           -blockdev driver=null-co,node-name=n1,read-zeroes=on,size=1048576
           -device virtio-blk-pci,drive=n1
           -trace amdvi_page_fault)
TIMEOUT_QEMU=120
EXPECT=(
    '^pci: 00:[0-9a-f]{2}\.0 1af4:1042 given to domain 0 \(dom0\), DMA confined by the IOMMU'
    '^virtio-blk: virtio0 at 00:[0-9a-f]{2}\.0: 2048 sectors \(1 MiB\)'
    '^virtio-blk: 00:[0-9a-f]{2}\.0: no VIRTIO_F_ACCESS_PLATFORM: its DMA would bypass the IOMMU'
    '^dom0: disk-sum virtio0 100\+300: checksum 0x[0-9a-f]+, pattern \(seed 7\) DIFFERS from sector 100$'
    '^dom0: disk-test virtio0 0\+1: checksum 0x[0-9a-f]+, pattern \(seed 1\) ok$'
    '^dom0: disk-test virtio0 100\+300: checksum 0x[0-9a-f]+, pattern \(seed 7\) ok$'
    '^dom0: disk-sum virtio0 100\+300: checksum 0x[0-9a-f]+, pattern \(seed 7\) ok$'
    '^dom0: disk-sum virtio0 100\+300: checksum 0x[0-9a-f]+, pattern \(seed 8\) DIFFERS from sector 100$'
    '^dom0: disk-test virtio0 2047\+1: checksum 0x[0-9a-f]+, pattern \(seed 3\) ok$'
    '^dom0: disk-test virtio0: write error -22$'
    '^dom0: disk-sum: no disk virtio1$'
    '^dom0: disk-dma-escape virtio0 to 0x10000000: request ended'
    '^amd-iommu: IO_PAGE_FAULT'
    '^dom0: disk-msi-forge virtio0: 128 MSI words of vector 0x6b sent to 0xfee00000: request ended'
    '^dom0: disk-test virtio0 500\+8: checksum 0x[0-9a-f]+, pattern \(seed 5\) ok$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED' 'did not answer' 'with no handler')
EXPECT_EXIT=success

# QEMU's trace lines for the IOMMU fault at the escape's first address, and for any
# address in its sector (dom0-virtio-blk-vtd.sh sets the VT-d ones).
TRACE_ESCAPE='page fault accessing guest physical address 0x10000000$'
TRACE_SECTOR='amdvi_page_fault.*address 0x10000[01][0-9a-f][0-9a-f]$'
TRACE_ANY='amdvi_page_fault'
IR_REFUSED='failed to remap interrupt from devid'

# The checksums of the write-and-read-back and of the later read agree, and the host's
# image file holds the pattern where Dom0 wrote it (the first and last sector of a run);
# QEMU's IOMMU faulted the escaping DMA's sector, and nothing else.
check_log() {
    local img=${1%.log}.disk.img err=${1%.log}.stderr t s
    grep -q "$IR_REFUSED" "$err" ||
        { echo "the IOMMU did not refuse the forged MSIs ('$IR_REFUSED')"; return 1; }
    grep -qE "$TRACE_ESCAPE" "$err" ||
        { echo "the IOMMU did not fault the DMA to GPA 0x10000000"; return 1; }
    t=$(grep "$TRACE_ANY" "$err" | grep -vcE "$TRACE_SECTOR")
    [ "$t" = 0 ] || { echo "$t IOMMU faults outside the escape's sector"; return 1; }
    t=$(grep -oE '^dom0: disk-test virtio0 100\+300: checksum 0x[0-9a-f]+' "$1" | grep -oE '0x[0-9a-f]+$')
    s=$(grep -oE '^dom0: disk-sum virtio0 100\+300: checksum 0x[0-9a-f]+, pattern \(seed 7\) ok' "$1" |
        grep -oE '0x[0-9a-f]+')
    [ -n "$t" ] && [ "$t" = "$s" ] || { echo "checksums differ: written $t, read $s"; return 1; }
    local sec want
    for sec in 0:1 100:7 399:7 2047:3; do
        want=$(printf 'keel sector %010u seed %u' "${sec%:*}" "${sec#*:}")
        [ "$(dd if="$img" bs=512 skip="${sec%:*}" count=1 2>/dev/null | head -c ${#want} | tr -d '\000')" = "$want" ] ||
            { echo "the image file lacks '$want' at sector ${sec%:*}"; return 1; }
    done
}
