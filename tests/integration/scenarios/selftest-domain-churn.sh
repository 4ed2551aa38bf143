# 32 domains (16 MiB, 2 vCPUs each) created and destroyed in a loop: the free-frame count
# must come back exactly after each one (issue 5).
NAME=selftest-domain-churn
CMDLINE="selftest=domain-churn"
TARGETS=(qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^selftest: domain-churn: 32 domains created and destroyed; free frames [0-9]+ before and after'
    '^keel: boot complete'
)
EXPECT_EXIT=success
