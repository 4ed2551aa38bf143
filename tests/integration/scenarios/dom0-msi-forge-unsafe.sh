# The control for the forged-MSI check of dom0-virtio-blk: the same attack with
# iommu=no-intremap-unsafe (DMA still confined, interrupts not remapped). Dom0 makes its
# passthrough virtio disk read a sector of MSI data words (vector 0x6b, fixed) into
# 0xFEE00000, and the forged interrupts reach CPU 0: Keel logs an interrupt on a vector with
# no handler. This is what interrupt remapping prevents; without this scenario, a check
# that the line is absent could pass for the wrong reason.
NAME=dom0-msi-forge-unsafe
CMDLINE="loglvl=info iommu=no-intremap-unsafe"
MODULES=(
    "build/dom0/dom0.elf rc=msi-forge.rc"
    "tests/dom0/msi-forge.rc"
)
TARGETS=(qemu-bios-smp1-q35)
DISK_IMAGE_MB=1
QEMU_ARGS=(-device amd-iommu
           -drive file=@DISK@,if=none,id=d0,format=raw
           -device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on)
TIMEOUT_QEMU=120
EXPECT=(
    '^warning: amd-iommu: iommu=no-intremap-unsafe: interrupt remapping off'
    '^dom0: disk-msi-forge virtio0: 128 MSI words of vector 0x6b sent to 0xfee00000'
    '^warning: CPU 0: interrupt on vector 0x6b with no handler$'
    '^dom0: disk-test virtio0 500\+8: checksum 0x[0-9a-f]+, pattern \(seed 5\) ok$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED' 'did not answer' 'interrupt remapping on')
EXPECT_EXIT=success
