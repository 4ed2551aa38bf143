# Plain boot on every target: memory map, every CPU the MADT lists online with its APIC id,
# the TSC and LAPIC timer calibrated, a timer interrupt and a call IPI to every AP.
NAME=boot
CMDLINE="loglvl=info"
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 qemu-uefi-smp1 qemu-uefi-smp4 bochs-smp2)
EXPECT=(
    '^mem: memory map from the loader \([0-9]+ ranges\)'
    '^mem: [0-9]+ MiB usable in [0-9]+ ranges'
    '^paging: direct map .* NX on'
    '^acpi: MADT lists [0-9]+ CPUs'
    '^smp: CPU 0 online, APIC id [0-9]+ \(boot CPU\)'
    '^smp: ([0-9]+) CPUs? online \(\1 listed in the MADT\)'
    '^smp: IPI answered by all [0-9]+ other CPUs'
    '^tsc: [1-9][0-9]+ kHz'
    '^lapic: timer [1-9][0-9]* kHz'
    '^lapic: timer interrupt after [0-9]+ us'
    '^keel: boot complete'
)
# Keel's own boot warnings (GRUB under OVMF prints its own harmless 'error:' lines).
REJECT=('^(warning|error): (mem|ACPI|acpi|MADT|multiboot2|smp|cmdline|paging|time)')
EXPECT_EXIT=success
