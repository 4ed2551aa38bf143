# No IOMMU (plain -machine pc): Keel refuses DMA-capable PCI functions to the device
# owner and says so; the guest sees only the functions that cannot do DMA (bridges).
NAME=pci-no-iommu
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-pci-edu.elf mem=16M devices=all edu=absent")
TARGETS=(qemu-bios-smp1 bochs-smp2)
QEMU_ARGS=(-device edu)
EXPECT=(
    '^pci: configuration through ports 0xCF8/0xCFC|^pci: ECAM at'
    '^iommu: none found'
    '^pci: no IOMMU: DMA-capable devices are given to no domain \(iommu=off-unsafe overrides\)'
    '^pci: 00:[0-9a-f]{2}\.[0-7] [0-9a-f]{4}:[0-9a-f]{4} refused to domain 1 \(guest-pci-edu\): DMA-capable and no IOMMU'
    '^pci: 00:00\.0 [0-9a-f]{4}:[0-9a-f]{4} given to domain 1 \(guest-pci-edu\)$'
    '\[guest-pci-edu\] PASS pci-edu-refused$'
    '\[guest-pci-edu\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'UNCONFINED' '1234:11e8 given')
EXPECT_EXIT=success
