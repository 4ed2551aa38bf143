# pci-iobar-emulated: the control for pci-iobar. selftest=no-io-bitmap keeps the owner's
# I/O BAR ports out of its permission map: every access exits and Keel performs it
# (drivers/pci_guest.c, the fallback when no map can be had). The same values come back,
# Keel says it emulated, and the BAR port now costs as much as a refused one.
NAME=pci-iobar-emulated
CMDLINE="dom0=off loglvl=info iommu=off-unsafe selftest=no-io-bitmap"
MODULES=("build/guests/guest-pci-iobar.elf mem=16M devices=all bitmap=0")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '^pci: 00:01\.1 bar4 ports 0x[0-9a-f]+-0x[0-9a-f]+: 0 opened to domain 1 \(emulated instead\)$'
    '^pci: domain 1: port 0x[0-9a-f]+ emulated \(no I/O bitmap\)$'
    '\[guest-pci-iobar\] PASS iobar-status-rw$'
    '\[guest-pci-iobar\] PASS iobar-command-rw$'
    '\[guest-pci-iobar\] PASS iobar-prd-dword$'
    '\[guest-pci-iobar\] PASS iobar-emulated-control$'
    '\[guest-pci-iobar\] PASS iobar-com1-refused$'
    '\[guest-pci-iobar\] PASS iobar-straddle-refused$'
    '\[guest-pci-iobar\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'IOBAR-SERIAL-LEAK')
EXPECT_EXIT=success
