# keel.efi with a keel.cfg line that does not parse: it names the file, the line and the
# reason, and returns an error status (Load Error) to the firmware. Keel never starts.
NAME=uefi-bad-config-syntax
TARGETS=(qemu-efi-smp1)
ESP_CONFIG='# a comment, then a good line, then a bad one
kernel=\keel\keel.elf
this line does not parse
cmdline=loglvl=info test_exit=1'
EXPECT=(
    "^keel\\.efi: error: \\\\EFI\\\\BOOT\\\\keel\\.cfg: line 3: expected key=value \\(kernel=, cmdline= or module=\\), found 'this line does not parse'$"
    '^keel\.efi: Keel not started; returning to the firmware \(Load Error\)$'
    '^BdsDxe: failed to start Boot[0-9A-F]+ .*: Load Error$'
)
REJECT=('^Keel [0-9.]+: booted')
EXPECT_EXIT=loader-error
