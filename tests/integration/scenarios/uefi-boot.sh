# Native UEFI boot: OVMF starts keel.efi (\EFI\BOOT\BOOTX64.EFI on an ESP image made by
# tools/mkesp.sh), no GRUB; keel.efi loads keel.elf and starts it. Keel must reach the same
# results as through multiboot2 (the EXPECTs of boot.sh), with 1 and 4 CPUs.
NAME=uefi-boot
CMDLINE="loglvl=info"
TARGETS=(qemu-efi-smp1 qemu-efi-smp4)
EXPECT=(
    '^keel\.efi: \\keel\\keel\.elf at 0x100000-0x[0-9A-Fa-f]+, entry 0x[0-9A-Fa-f]+$'
    '^keel\.efi: exiting boot services, starting Keel$'
    '^Keel [0-9.]+: booted by UEFI \(native\), keel\.efi on EDK II, command line .loglvl=info test_exit=1.$'
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
# Firmware memory is never free RAM: runtime services, ACPI and NVS keep their kinds.
EXPECT+=(
    ' firmware runtime$'
    ' ACPI NVS$'
)
REJECT=(
    '^(warning|error): (mem|ACPI|acpi|MADT|multiboot2|uefi|smp|cmdline|paging|time)'
    '^keel\.efi: error'
)
EXPECT_EXIT=success
