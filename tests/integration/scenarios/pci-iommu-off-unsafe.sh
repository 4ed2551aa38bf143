# iommu=off-unsafe without an IOMMU: Keel gives the DMA-capable edu away anyway, and says
# that its DMA is unconfined; the guest drives edu's registers (no DMA: it would reach any
# host memory).
NAME=pci-iommu-off-unsafe
CMDLINE="dom0=off loglvl=info iommu=off-unsafe"
MODULES=("build/guests/guest-pci-edu.elf mem=16M devices=all dma=0")
TARGETS=(qemu-bios-smp1)
QEMU_ARGS=(-device edu)
EXPECT=(
    '^pci: no IOMMU: iommu=off-unsafe: DMA-capable devices are given away UNCONFINED'
    '^pci: 00:[0-9a-f]{2}\.0 1234:11e8 given to domain 1 \(guest-pci-edu\), DMA UNCONFINED'
    '\[guest-pci-edu\] PASS pci-enumerate$'
    '\[guest-pci-edu\] PASS pci-bar-write-refused$'
    '\[guest-pci-edu\] PASS edu-mmio$'
    '\[guest-pci-edu\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
