# Boot benchmark: instructions from Keel's first instruction to "all CPUs online".
# One CPU: with more, QEMU's round-robin scheduling of vCPUs under -icount makes the
# cross-CPU waits of AP start-up vary by ~0.1% from run to run (measured), and a
# benchmark must print the same figure every time.
NAME=boot
CMDLINE="bench=1"
TARGETS=(qemu-bios-smp1)
EXPECT_EXIT=success
