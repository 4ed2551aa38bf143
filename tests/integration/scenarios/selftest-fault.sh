# selftest=fault makes Keel take a page fault on purpose: the panic report
# (CPU, CR2, call trace) must come out and Keel must report failure.
NAME=selftest-fault
CMDLINE="selftest=fault"
TARGETS=(qemu-bios-smp4 qemu-uefi-smp1 bochs-smp2)
EXPECT=(
    '^PANIC on CPU [0-9]+'
    'CR2='
    'Call trace:'
)
EXPECT_EXIT=failure
