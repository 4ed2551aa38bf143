# VT-x: the grant-table figures of xen-grant-svm.sh, guest-xen-grant under Bochs (1 CPU,
# TSC = one tick per instruction).
NAME=xen-grant-vmx
CMDLINE="dom0=off"
MODULES=("build/guests/guest-xen-grant.elf mem=16M")
TARGETS=(bochs-smp1)
EXPECT=('\[guest-xen-grant\] BENCH vmx/grant_map_unmap [0-9]+ insns'
        '\[guest-xen-grant\] BENCH vmx/grant_copy_4k [0-9]+ insns')
EXPECT_EXIT=success
