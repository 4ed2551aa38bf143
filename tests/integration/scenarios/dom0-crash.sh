# dom0-crash: a DomU created by Dom0 tries every management operation and Dom0's console
# input (all -EPERM, each attempt logged by Keel), then triple-faults; Keel tells Dom0
# (VIRQ_DOM_EXC), which destroys it per on_crash, while another DomU keeps running and
# can still be paused, unpaused and attached to (tests/dom0/crash.rc).
NAME=dom0-crash
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=crash.rc"
    "tests/dom0/crash.rc"
    "tests/dom0/idle.cfg"
    "tests/dom0/eperm.cfg"
    "build/guests/guest-idle.elf"
    "build/guests/guest-domctl-eperm.elf"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^domain 2 \(eperm\): management hypercall refused: not Dom0$'
    '^\[eperm\] PASS domctl-eperm$'
    '^domain 2 \(eperm\): shut down \(crash\)'
    '^dom0: domain 2 \(eperm\) shut down \(crash\): destroy$'
    '^dom0: wait: domain eperm (is gone|has shut down)$'
    '^bystander +1 +8 +1 -b----'
    '^bystander +1 +8 +1 --p---'
    '^dom0: unpause 1: done$'
    '^dom0: destroy 1: done$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED')
EXPECT_EXIT=success
