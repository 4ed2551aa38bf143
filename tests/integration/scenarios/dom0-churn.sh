# dom0-churn: Dom0 creates 16 DomUs from one config (name= overrides), lists them, destroys
# them; the free memory Dom0 sees (info) and Keel's frame count are the same before and
# after (tests/dom0/churn.rc).
NAME=dom0-churn
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=churn.rc"
    "tests/dom0/churn.rc"
    "tests/dom0/idle.cfg"
    "build/guests/guest-idle.elf"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^dom0: domain 17 \(idle16\) created'
    '^\[idle16\] idle: up'
    '^idle16 +17 +[0-9]+ +1 '
    '^dom0: destroy 17: done$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED' 'error')
EXPECT_EXIT=success

# The two `info` outputs must show the same free memory, and all 16 ran.
check_log() {
    local free up
    free=$(grep -o '^free_memory_kb *: [0-9]*' "$1" | awk '{print $3}' | sort -u)
    up=$(grep -c '^\[idle[0-9]*\] idle: up' "$1")
    [ "$(grep -c '^free_memory_kb' "$1")" = 2 ] || { echo "expected two info outputs"; return 1; }
    [ "$(echo "$free" | wc -l)" = 1 ] || { echo "free memory changed: $(echo $free)"; return 1; }
    [ "$up" = 16 ] || { echo "$up of 16 DomUs came up"; return 1; }
}
