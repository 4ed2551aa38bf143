# xen-discovery: CPUID leaves 0x40000000.., the hypercall page (both vendors' stubs, #GP
# for bad GPAs and page indexes), and every xen_version sub-op with exact results and
# error codes (tests/guests/guest-xen-discovery.c).
NAME=xen-discovery
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-xen-discovery.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-xen-discovery\] PASS xen-cpuid-signature$'
    '\[guest-xen-discovery\] PASS xen-cpuid-hvm-leaf$'
    '\[guest-xen-discovery\] PASS xen-hcpage-call$'
    '\[guest-xen-discovery\] PASS xen-hcpage-unmapped-gp$'
    '\[guest-xen-discovery\] PASS xen-version-features$'
    '\[guest-xen-discovery\] PASS xen-version-efault$'
    '\[guest-xen-discovery\] DONE [0-9]+ passed, 0 failed'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception')
EXPECT_EXIT=success
