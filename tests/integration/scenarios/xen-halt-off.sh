# xen-halt-off: HLT with interrupts off takes a vCPU down, and a domain whose vCPUs are
# all down has powered off (Xen's HVM rule; Linux as a PVH guest powers off this way).
# The AP halting first must not stop the domain; the BSP halting then powers it off.
NAME=xen-halt-off
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-halt-off.elf mem=16M vcpus=2")
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '\[guest-halt-off\] PASS halt-off-ap-started$'
    '\[guest-halt-off\] PASS halt-off-ap-done$'
    '\[guest-halt-off\] PASS halt-off-alive-with-ap-down$'
    '\[guest-halt-off\] halt-off: BSP halting with interrupts off$'
    '^domain [0-9]+ \(guest-halt-off\): shut down \(poweroff\): every vCPU halted with interrupts off$'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'DONE' 'shut down \((crash|reboot)\)')
EXPECT_EXIT=success
