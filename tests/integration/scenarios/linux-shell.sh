# linux-shell: Debian's Linux as a DomU of Dom0 with a shell on hvc0; Dom0's script types
# commands into it through the console ring's input half (DOMCTL console_write, the
# `send` command) and waits for their output (`expect`): uname -r, the CPUs online, and
# md5sum of /dev/xvda — the disk Dom0's blkback serves from a RAM disk holding
# tests/dom0/disk-content.txt, read by Linux's own xen-blkfront; `exit` powers it off.
NAME=linux-shell
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=linux-shell.rc"
    "tests/dom0/linux-shell.rc"
    "tests/dom0/linux-shell.cfg"
    "tests/dom0/disk-content.txt"
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
    '^dom0: expect "disk-sum-done": seen$'
    '\[linux\] 0-1$'
    '^dom0: domain 1 \(linux\) shut down \(poweroff\): destroy$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('Oops' 'BUG:' 'Kernel panic' 'Call Trace' 'timed out' 'LEAKED')
EXPECT_EXIT=success

# The md5 typed at the shell must be the disk's: the file, then zeros to 1 MiB.
check_log() {
    local f=tests/dom0/disk-content.txt want got
    want=$({ cat "$f"; head -c $((1048576 - $(stat -c %s "$f"))) /dev/zero; } | md5sum | cut -d' ' -f1)
    got=$(sed -n 's|^\[linux\] \([0-9a-f]\{32\}\)  /dev/xvda$|\1|p' "$1" | head -n1)
    [ "$got" = "$want" ] || { echo "md5sum /dev/xvda gave '$got', expected $want"; return 1; }
}
