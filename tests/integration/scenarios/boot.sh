# Plain boot on every target: memory map, SMP, TSC and LAPIC timer calibration.
NAME=boot
CMDLINE="loglvl=info"
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 qemu-uefi-smp1 qemu-uefi-smp4 bochs-smp2)
EXPECT=(
    '^mem: [0-9]+ MiB usable'
    '^smp: [0-9]+ CPUs? online'
    '^tsc: [0-9]+ kHz'
    '^lapic: timer [0-9]+ kHz'
    '^keel: boot complete'
)
EXPECT_EXIT=success
