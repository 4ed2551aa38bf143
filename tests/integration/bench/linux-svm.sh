# Linux figure (AMD-V, QEMU -icount, one CPU): emulated instructions from Dom0's `create`
# of Debian's Linux (1 vCPU, 256 MiB, the busybox initramfs) to its shell on hvc0,
# measured inside Dom0 (tests/dom0/linux-bench.rc).
NAME=linux-svm
CMDLINE=""
MODULES=(
    "build/dom0/dom0.elf rc=linux-bench.rc"
    "tests/dom0/linux-bench.rc"
    "tests/dom0/linux-shell.cfg"
    "build/linux/vmlinux"
    "build/linux/initramfs.cpio.gz"
)
TARGETS=(qemu-bios-smp1)
QEMU_MEM=1024
TIMEOUT_QEMU=1200
EXPECT_EXIT=success
