# xen-compat: the 32-bit ABI — hypercalls made from compatibility mode (arguments in EBX,
# ECX, ...), the structures whose 32-bit layout differs, and the 32-bit shared_info
# layout latched by setting the callback from 32-bit code (tests/guests/guest-xen-compat.c).
NAME=xen-compat
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-compat.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-xen-compat\] PASS compat-version$'
    '\[guest-xen-compat\] PASS compat-add-to-physmap$'
    '\[guest-xen-compat\] PASS compat-latch-wallclock$'
    '\[guest-xen-compat\] PASS compat-deliver$'
    '\[guest-xen-compat\] PASS compat-mask$'
    '\[guest-xen-compat\] PASS compat-poll-timeout$'
    '\[guest-xen-compat\] PASS compat-runstate-area$'
    '\[guest-xen-compat\] PASS compat-errors$'
    '\[guest-xen-compat\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
