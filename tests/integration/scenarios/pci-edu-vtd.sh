# PCI passthrough behind VT-d (QEMU q35 with intel-iommu and the edu teaching device): the
# checks of pci-edu-iommu (AMD-Vi) with the other vendor's unit. guest-pci-edu owns the
# devices (devices=all), is refused a BAR write, drives edu's DMA engine: a round trip
# through its own RAM is right; DMA aimed at host 1 MiB (Keel's image) reaches its own
# GPA 1 MiB instead; DMA aimed at host addresses outside its RAM (inside
# guest-dma-victim's 128 MiB, and beyond it) faults, nothing of the victim's secret comes
# back, and the victim finds its memory intact. VT-d's fault records name the device and
# the address, so check_log holds every attack to a fault line naming edu and that
# address, and allows no other fault. intel-iommu comes before the devices it translates.
# MSI (msi=on) as in pci-edu-iommu, here through VT-d's interrupt remapping: Keel turns on
# queued invalidation and the remapping table, and edu is programmed with a
# remappable-format message naming the entry Keel wrote for its host vector.
NAME=pci-edu-vtd
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-dma-victim.elf mem=128M watch=15"
    "build/guests/guest-pci-edu.elf mem=16M devices=all msi=on attack=32,64,96,200"
)
TARGETS=(qemu-bios-smp1-q35 qemu-bios-smp4-q35)
QEMU_ARGS=(-device intel-iommu -device edu)
TIMEOUT_QEMU=120
EXPECT=(
    '^pci: 00:[0-9a-f]{2}\.0 1234:11e8 class 00ff00 bar0 mem'
    '^vt-d: interrupt remapping on: a device raises only the vectors Keel gave it'
    '^vt-d: unit at 0xfed90000 \(cap 0x[0-9a-f]+ ecap 0x[0-9a-f]+\) translating, queued invalidation$'
    '^vt-d: 1 unit\(s\), 3-level page tables, [0-9]+ domain ids, .*; every device blocked$'
    '^pci: 00:[0-9a-f]{2}\.0 1234:11e8 given to domain 2 \(guest-pci-edu\), DMA confined by the IOMMU'
    '^vt-d: domain 2 \(guest-pci-edu\): I/O page tables map its 16 MiB of RAM'
    '\[guest-pci-edu\] PASS pci-enumerate$'
    '\[guest-pci-edu\] PASS pci-iommu-hidden$'
    '\[guest-pci-edu\] PASS pci-bar-write-refused$'
    '\[guest-pci-edu\] PASS edu-mmio$'
    '^pci: 00:[0-9a-f]{2}\.0 MSI on: host vector 0x[4-9a-d][0-9a-f] on CPU 0 through interrupt remapping, device writes 0xfee0[0-9a-f]{2}[13579bdf]0 data 0; domain 2 asked 0x100000 data 0x61$'
    '^pci: 00:[0-9a-f]{2}\.0 MSI dropped: domain 2.s address 0x100000 names no vCPU'
    '\[guest-pci-edu\] PASS msi-readback$'
    '\[guest-pci-edu\] PASS msi-bad-address-nothing$'
    '\[guest-pci-edu\] PASS msi-delivered$'
    '\[guest-pci-edu\] PASS msi-disabled-nothing$'
    '\[guest-pci-edu\] PASS msi-no-stray$'
    '\[guest-pci-edu\] PASS dma-roundtrip$'
    '\[guest-pci-edu\] PASS dma-hv-image-unreachable$'
    '^vt-d: DMA fault device 00:[0-9a-f]{2}\.0 \(guest-pci-edu\) address 0x2000000 (read|write): (read|write) not permitted'
    '\[guest-pci-edu\] PASS dma-attack-ran$'
    '\[guest-pci-edu\] PASS dma-attack-no-leak$'
    '\[guest-pci-edu\] DONE [0-9]+ passed, 0 failed'
    '\[guest-dma-victim\] PASS victim-intact$'
    '\[guest-dma-victim\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'DOES NOT ANSWER' 'did not answer' 'overflowed')
EXPECT_EXIT=success

# Every attack address has a fault line naming edu's function (the one Keel listed as
# 1234:11e8) and its owner; every fault line is edu's and names an attacked address (the
# legitimate DMA faults never). One line per address is enough: the unit keeps one
# record per device until Keel clears it (10 ms), so a write right after a read may go
# unrecorded (QEMU: "compression of faults"); the blocking is what the guest checks.
check_log() {
    local edu a bad=0
    edu=$(grep -oE '^pci: 00:[0-9a-f]{2}\.0 1234:11e8 class' "$1" | head -1 | cut -c6-12)
    [ -n "$edu" ] || { echo "edu not enumerated"; return 1; }
    for a in 0x2000000 0x4000000 0x6000000 0xc800000; do
        grep -qE "^vt-d: DMA fault device $edu \(guest-pci-edu\) address $a (read|write)" "$1" ||
            { echo "no fault line for $edu at $a"; bad=1; }
    done
    if grep '^vt-d: DMA fault' "$1" |
        grep -vE "^vt-d: DMA fault device $edu \(guest-pci-edu\) address 0x(2000000|4000000|6000000|c800000) "; then
        echo "unexpected fault lines (above)"; bad=1
    fi
    return $bad
}
