# No ACPI tables at all (QEMU -no-acpi): a clear warning, and a safe fallback to the boot
# CPU alone, even though the machine has four.
NAME=boot-no-acpi
CMDLINE=""
TARGETS=(qemu-bios-smp4)
QEMU_ARGS=(-no-acpi)
EXPECT=(
    '^warning: ACPI: no RSDP found; running on the boot CPU only'
    '^warning: acpi: no usable MADT; running on the boot CPU only'
    '^smp: 1 CPU online \(0 listed in the MADT\)'
    '^keel: boot complete'
)
EXPECT_EXIT=success
