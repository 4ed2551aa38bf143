# pci-iobar: the device owner's I/O BAR ports are opened in its I/O permission map (IOPM
# on AMD-V, I/O bitmaps on VT-x): the IDE function's bus-master registers (BAR4) are read
# and written without an exit (cheaper than a port that exits, and Keel never says it
# emulated one); COM1 and a dword read across the end of BAR4 exit and are refused; a
# second domain that owns nothing reads all ones from the same ports. The
# IDE function is DMA-capable: given only with iommu=off-unsafe on these machines.
NAME=pci-iobar
CMDLINE="dom0=off loglvl=info iommu=off-unsafe"
MODULES=(
    "build/guests/guest-pci-iobar.elf mem=16M devices=all"
    "build/guests/guest-pci-iobar-peer.elf mem=16M"
)
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '^pci: 00:01\.1 8086:7010 given to domain 1 \(guest-pci-iobar\), DMA UNCONFINED'
    '^pci: 00:01\.1 bar4 ports 0x[0-9a-f]+-0x[0-9a-f]+: 16 opened to domain 1$'
    '\[guest-pci-iobar\] PASS iobar-status-rw$'
    '\[guest-pci-iobar\] PASS iobar-command-rw$'
    '\[guest-pci-iobar\] PASS iobar-prd-dword$'
    '\[guest-pci-iobar\] PASS iobar-no-exit$'
    '\[guest-pci-iobar\] PASS iobar-com1-refused$'
    '\[guest-pci-iobar\] PASS iobar-straddle-refused$'
    '\[guest-pci-iobar\] DONE [0-9]+ passed, 0 failed'
    '\[guest-pci-iobar-peer\] PASS iobar-unowned-refused$'
    '\[guest-pci-iobar-peer\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'IOBAR-SERIAL-LEAK' 'emulated \(no I/O bitmap\)')
EXPECT_EXIT=success
