# smp=N keeps the other CPUs offline; unknown or bad options are reported, not fatal.
NAME=boot-smp-limit
CMDLINE="smp=2 loglvl=bogus frobnicate=1"
TARGETS=(qemu-bios-smp4 qemu-uefi-smp4)
EXPECT=(
    "^warning: cmdline: bad value 'bogus' for loglvl; ignored"
    "^warning: cmdline: unknown option 'frobnicate'; ignored"
    '^smp: CPU 1 online, APIC id 1'
    '^smp: CPU with APIC id [0-9]+ left offline \(smp=2\)'
    '^smp: 2 CPUs online \(4 listed in the MADT; smp=2\)'
    '^smp: IPI answered by all 1 other CPUs'
    '^keel: boot complete'
)
REJECT=('^smp: CPU 2 online')
EXPECT_EXIT=success
