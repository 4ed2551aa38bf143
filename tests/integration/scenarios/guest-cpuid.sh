# guest-cpuid: what CPUID shows a guest: the real vendor, the hypervisor bit, no VMX/SVM
# (no nested virtualization), no XSAVE (Keel does not manage extended state), stable answers.
NAME=guest-cpuid
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-cpuid.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-cpuid\] PASS cpuid-vendor$'
    '\[guest-cpuid\] PASS cpuid-max-leaf$'
    '\[guest-cpuid\] PASS cpuid-hypervisor-bit$'
    '\[guest-cpuid\] PASS cpuid-no-vmx$'
    '\[guest-cpuid\] PASS cpuid-no-xsave$'
    '\[guest-cpuid\] PASS cpuid-no-svm$'
    '\[guest-cpuid\] PASS cpuid-stable$'
    '\[guest-cpuid\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-cpuid\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
