# vCPUs moved between CPUs every 3 ms while four guests run (selftest=migrate): every
# guest still passes all its tests, and the moves really happened.
NAME=selftest-migrate
CMDLINE="dom0=off selftest=migrate"
MODULES=(
    "build/guests/guest-cpuid.elf mem=16M"
    "build/guests/guest-exceptions.elf mem=16M"
    "build/guests/guest-msr.elf mem=16M"
    "build/guests/guest-io.elf mem=16M"
)
TARGETS=(qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^\[guest-cpuid\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-exceptions\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-msr\] DONE [0-9]+ passed, 0 failed'
    '^\[guest-io\] DONE [0-9]+ passed, 0 failed'
    '^selftest: migrate: [0-9]+ requests, [1-9][0-9]* vCPU moves between CPUs'
    '^guests: 4 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
