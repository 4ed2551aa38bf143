# guest-bench: instructions per null hypercall and per CPUID exit, measured by the guest
# with RDTSC (exact under QEMU -icount shift=0; here it only has to run and print).
NAME=guest-bench
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-bench.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-bench\] PASS bench-null-hypercall-enosys$'
    '\[guest-bench\] BENCH (svm|vmx)/null_hypercall [0-9]+ insns'
    '\[guest-bench\] BENCH (svm|vmx)/cpuid_exit [0-9]+ insns'
    '\[guest-bench\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-bench\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
