# keel.efi with a kernel= image it must load where the firmware keeps memory of its own
# (build/efi-test/keel-taken.elf: a valid Keel-shaped image linked at 0x810000, which OVMF
# keeps as ACPI NVS): it names the file, the addresses and what is in the way, and returns
# an error status to the firmware. (MODULES only puts the file on the ESP, in \keel\.)
NAME=uefi-bad-kernel-taken
TARGETS=(qemu-efi-smp1)
MODULES=("build/efi-test/keel-taken.elf")
ESP_CONFIG='kernel=\keel\keel-taken.elf
cmdline=loglvl=info test_exit=1'
EXPECT=(
    '^keel\.efi: error: \\keel\\keel-taken\.elf: must be loaded at 0x810000-0x811000 \(its physical addresses\), but that memory is not free: Not Found$'
    '^keel\.efi: error: \\keel\\keel-taken\.elf: +0x[0-9A-F]+-0x[0-9A-F]+ is ACPI NVS$'
    '^keel\.efi: Keel not started; returning to the firmware \(Load Error\)$'
    '^BdsDxe: failed to start Boot[0-9A-F]+ .*: Load Error$'
)
REJECT=('^Keel [0-9.]+: booted')
EXPECT_EXIT=loader-error
