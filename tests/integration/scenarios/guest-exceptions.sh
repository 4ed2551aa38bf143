# guest-exceptions: the guest's own exceptions reach the guest's own IDT with the right
# vector, RIP, error code and CR2: #DE #UD #BP #DB #PF (read/write/fetch) #GP.
NAME=guest-exceptions
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-exceptions.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-exceptions\] PASS exc-none$'
    '\[guest-exceptions\] PASS exc-de$'
    '\[guest-exceptions\] PASS exc-ud$'
    '\[guest-exceptions\] PASS exc-bp$'
    '\[guest-exceptions\] PASS exc-db-single-step$'
    '\[guest-exceptions\] PASS exc-pf-read$'
    '\[guest-exceptions\] PASS exc-pf-read-cr2$'
    '\[guest-exceptions\] PASS exc-pf-write$'
    '\[guest-exceptions\] PASS exc-pf-write-cr2$'
    '\[guest-exceptions\] PASS exc-pf-fetch$'
    '\[guest-exceptions\] PASS exc-gp-noncanonical$'
    '\[guest-exceptions\] PASS exc-gp-idt-limit$'
    '\[guest-exceptions\] PASS exc-nested-try$'
    '\[guest-exceptions\] PASS exc-after$'
    '\[guest-exceptions\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-exceptions\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
