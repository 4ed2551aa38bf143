# keel.efi with a keel.cfg whose kernel= file does not exist: it names the file and the
# reason on the console and returns an error status to the firmware (which OVMF reports),
# instead of hanging. Keel never starts.
NAME=uefi-bad-config-kernel
TARGETS=(qemu-efi-smp1)
ESP_CONFIG='kernel=\keel\no-such-keel.elf
cmdline=loglvl=info test_exit=1'
EXPECT=(
    '^keel\.efi: error: \\keel\\no-such-keel\.elf: cannot open: Not Found$'
    '^keel\.efi: Keel not started; returning to the firmware \(Not Found\)$'
    '^BdsDxe: failed to start Boot[0-9A-F]+ .*: Not Found$'
)
REJECT=('^Keel [0-9.]+: booted')
EXPECT_EXIT=loader-error
