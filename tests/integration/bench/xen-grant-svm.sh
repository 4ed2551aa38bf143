# AMD-V: grant tables, measured by guest-xen-grant under QEMU -icount (1 CPU), averaged
# over 200 rounds after 10 of warm-up: BENCH svm/grant_map_unmap = one map_grant_ref plus
# one unmap_grant_ref hypercall of a grant to ourselves (pin, p2m map; pause, p2m unmap,
# TLB flush, unpin); BENCH svm/grant_copy_4k = one GNTTABOP_copy of 4 KiB from a gref to
# a frame of ours.
NAME=xen-grant-svm
CMDLINE="dom0=off"
MODULES=("build/guests/guest-xen-grant.elf mem=16M")
TARGETS=(qemu-bios-smp1)
EXPECT=('\[guest-xen-grant\] BENCH svm/grant_map_unmap [0-9]+ insns'
        '\[guest-xen-grant\] BENCH svm/grant_copy_4k [0-9]+ insns')
EXPECT_EXIT=success
