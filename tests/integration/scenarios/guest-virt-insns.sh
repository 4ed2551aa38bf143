# guest-virt-insns: no nested virtualization: every SVM and VMX instruction raises #UD in
# the guest (on AMD-V the guest runs with EFER.SVME = 1, so each one must be intercepted).
NAME=guest-virt-insns
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-virt-insns.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-virt-insns\] PASS virt-svm-vmrun-ud$'
    '\[guest-virt-insns\] PASS virt-svm-vmload-ud$'
    '\[guest-virt-insns\] PASS virt-svm-vmsave-ud$'
    '\[guest-virt-insns\] PASS virt-svm-clgi-ud$'
    '\[guest-virt-insns\] PASS virt-svm-stgi-ud$'
    '\[guest-virt-insns\] PASS virt-svm-invlpga-ud$'
    '\[guest-virt-insns\] PASS virt-svm-skinit-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmxon-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmclear-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmptrld-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmptrst-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmread-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmwrite-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmlaunch-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmresume-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmxoff-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-invept-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-invvpid-ud$'
    '\[guest-virt-insns\] PASS virt-vmx-vmfunc-ud$'
    '\[guest-virt-insns\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-virt-insns\] FAIL'
    'guest exception'
)
EXPECT_EXIT=success
