# keel.efi with a kernel= file that is not an ELF image (here keel.cfg itself): it names
# the file and the reason, and returns an error status to the firmware.
NAME=uefi-bad-kernel-elf
TARGETS=(qemu-efi-smp1)
ESP_CONFIG='kernel=keel.cfg
cmdline=loglvl=info test_exit=1'
EXPECT=(
    '^keel\.efi: error: \\EFI\\BOOT\\keel\.cfg: it is not an ELF file \(no ELF magic number\)$'
    '^keel\.efi: Keel not started; returning to the firmware \(Load Error\)$'
    '^BdsDxe: failed to start Boot[0-9A-F]+ .*: Load Error$'
)
REJECT=('^Keel [0-9.]+: booted')
EXPECT_EXIT=loader-error
