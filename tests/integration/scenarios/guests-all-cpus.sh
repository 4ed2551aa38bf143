# Guests run on every CPU at once: four boot guests spread over the CPUs (issue 4: a
# two-CPU Bochs run starts guests on both CPUs), each passing all its tests.
NAME=guests-all-cpus
CMDLINE="dom0=off"
MODULES=(
    "build/guests/guest-cpuid.elf mem=16M"
    "build/guests/guest-exceptions.elf mem=16M"
    "build/guests/guest-msr.elf mem=16M"
    "build/guests/guest-io.elf mem=16M"
)
TARGETS=(qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^domain [0-9]+ \(guest-[a-z]+\): started on CPU 0$'
    '^domain [0-9]+ \(guest-[a-z]+\): started on CPU 1$'
    '^\[guest-cpuid\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-exceptions\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-msr\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-io\] DONE [0-9]+ passed, 0 failed'
    '^guests: 4 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
