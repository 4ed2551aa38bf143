# The hypervisor gives the first guest a state the CPU must refuse (CR0 bit 32 set): the
# entry failure is explained in words, that guest is stopped, the next guest runs normally.
NAME=selftest-bad-guest-state
CMDLINE="dom0=off selftest=bad-guest-state"
MODULES=("build/guests/guest-cpuid.elf mem=16M" "build/guests/guest-io.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '^selftest: giving domain 1 a CR0 with reserved bit 32 set'
    'the guest state breaks the VMRUN consistency rules|VM entry|VM-entry'
    '^  invalid: CR0\[63:32\] not zero'
    '^domain 1 \(guest-cpuid\): shut down \(crash\): the CPU refused its state'
    '^\[guest-io\] DONE [0-9]+ passed, 0 failed'
    '^guests: 2 domains destroyed; .*nothing leaked'
    '^keel: boot complete'
)
REJECT=('^\[guest-cpuid\] PASS')
EXPECT_EXIT=success
