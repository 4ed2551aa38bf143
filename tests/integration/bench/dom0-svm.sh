# Dom0 figures (svm): instructions for Dom0's toolstack to build a 16 MiB domain from its
# config (create, load the image and start info, start it) and destroy it again
# (tools/dom0/shell.c, bench), measured inside Dom0.
NAME=dom0-svm
CMDLINE=""
MODULES=(
    "build/dom0/dom0.elf rc=bench.rc"
    "tests/dom0/bench.rc"
    "tests/dom0/idle.cfg"
    "build/guests/guest-idle.elf"
)
TARGETS=(qemu-bios-smp1)
EXPECT_EXIT=success
