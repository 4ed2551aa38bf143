# Native UEFI boot with a boot module: keel.efi loads guest-cpuid.elf from the ESP as
# module= in keel.cfg, and Keel runs it as it does a GRUB module2.
NAME=uefi-guest-cpuid
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-cpuid.elf mem=16M")
TARGETS=(qemu-efi-smp1)
EXPECT=(
    '^keel\.efi: \\keel\\guest-cpuid\.elf at 0x[0-9A-Fa-f]+-0x[0-9A-Fa-f]+$'
    '^Keel [0-9.]+: booted by UEFI \(native\)'
    "^module 0: 0x[0-9a-f]+-0x[0-9a-f]+ 'guest-cpuid\.elf mem=16M'$"
    '\[guest-cpuid\] DONE 7 passed, 0 failed'
)
REJECT=(
    '\[guest-cpuid\] FAIL'
    'guest exception'
    '^keel\.efi: error'
)
EXPECT_EXIT=success
