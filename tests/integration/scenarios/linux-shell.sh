# linux-shell: Debian's Linux as a DomU of Dom0 with a shell on hvc0; Dom0's script types
# commands into it through the console ring's input half (DOMCTL console_write, the
# `send` command) and waits for their output (`expect`): uname -r, the CPUs online, the
# Xen bus (the store is there: Linux's xenbus connects); `exit` powers it off.
NAME=linux-shell
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=linux-shell.rc"
    "tests/dom0/linux-shell.rc"
    "tests/dom0/linux-shell.cfg"
    "build/linux/vmlinux"
    "build/linux/initramfs.cpio.gz"
)
TARGETS=(qemu-bios-smp2)
QEMU_MEM=1024
TIMEOUT_QEMU=300
EXPECT=(
    '\[linux\] KEEL-LINUX: shell on the console'
    '^dom0: expect "shell on the console": seen$'
    '\[linux\] 6\.1\.[0-9]+-[0-9]+-amd64$'
    '^dom0: expect "amd64": seen$'
    '\[linux\] 0-1$'
    '^dom0: domain 1 \(linux\) shut down \(poweroff\): destroy$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('Oops' 'BUG:' 'Kernel panic' 'Call Trace' 'timed out' 'LEAKED')
EXPECT_EXIT=success
