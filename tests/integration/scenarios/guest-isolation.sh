# guest-secret fills 1 MiB of its RAM with a pattern and blocks (HLT, interrupts off),
# staying alive; then guest-isolation scans all of its own RAM for that pattern and for
# the hypervisor's canary string, and checks that GPA 1 MiB holds its own image.
NAME=guest-isolation
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/guests/guest-secret.elf mem=16M"
    "build/guests/guest-isolation.elf mem=16M wait=guest-secret"
)
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-secret\] PASS secret-fill$'
    '\[guest-secret\] secret ready'
    '\[guest-isolation\] PASS isolation-memmap$'
    '\[guest-isolation\] PASS isolation-scanner-works$'
    '\[guest-isolation\] PASS isolation-scan$'
    '\[guest-isolation\] PASS isolation-own-image$'
    '\[guest-isolation\] PASS isolation-no-host-image$'
    '\[guest-isolation\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-(secret|isolation)\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
