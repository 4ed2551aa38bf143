# guest-msr: unknown MSRs and the SVM host-state MSRs raise #GP; TSC counts; EFER shows
# long mode but not the hypervisor's SVME; FS/GS/KERNEL_GS base read back and take effect.
NAME=guest-msr
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-msr.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-msr\] PASS msr-nonexistent-gp$'
    '\[guest-msr\] PASS msr-vm-hsave-pa-write-gp$'
    '\[guest-msr\] PASS msr-vm-cr-write-gp$'
    '\[guest-msr\] PASS msr-vm-hsave-pa-no-leak$'
    '\[guest-msr\] PASS msr-tsc$'
    '\[guest-msr\] PASS msr-efer-long-mode$'
    '\[guest-msr\] PASS msr-efer-no-svme$'
    '\[guest-msr\] PASS msr-efer-svme-write-gp$'
    '\[guest-msr\] PASS msr-efer-rewrite$'
    '\[guest-msr\] PASS msr-fs-base-rw$'
    '\[guest-msr\] PASS msr-gs-base-rw$'
    '\[guest-msr\] PASS msr-kernel-gs-base-rw$'
    '\[guest-msr\] PASS msr-fs-gs-base-effective$'
    '\[guest-msr\] PASS msr-swapgs$'
    # msr-*-noncanonical-gp: PASS, or NOTE under QEMU TCG, which does not check.
    '\[guest-msr\] (PASS|NOTE) msr-fs-base-noncanonical-gp'
    '\[guest-msr\] (PASS|NOTE) msr-kernel-gs-base-noncanonical-gp'
    '\[guest-msr\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-msr\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
