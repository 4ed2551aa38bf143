# linux-dom0: Keel -> Dom0 -> Debian's Linux as a DomU, the way `make run-linux` runs it:
# Dom0's builder creates it from tools/dom0/examples/linux.cfg (2 vCPUs, the initramfs as
# ramdisk, the ACPI tables from kernel/guest_acpi.c), its hvc0 output comes out through
# Dom0's console backend as "[linux] ...", its /init reports uname -r and 2 CPUs and
# powers off; Dom0 sees the poweroff (VIRQ_DOM_EXC), destroys it, and powers off itself
# with every frame back. ~25 s under QEMU.
NAME=linux-dom0
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=linux.rc"
    "tests/dom0/linux.rc"
    "tools/dom0/examples/linux.cfg"
    "build/linux/vmlinux"
    "build/linux/initramfs.cpio.gz"
)
TARGETS=(qemu-bios-smp2)
QEMU_MEM=1024
TIMEOUT_QEMU=300
EXPECT=(
    '^dom0: domain 1 \(linux\) created: 256 MiB, 2 vCPUs$'
    '\[linux\] .*Linux version 6\.1\.'
    '\[linux\] .*Booting kernel on Xen PVH'
    '\[linux\] .*smp: Brought up 1 node, 2 CPUs'
    '\[linux\] .*printk: console \[hvc0\] enabled'
    '\[linux\] KEEL-LINUX: init started$'
    '\[linux\] KEEL-LINUX: uname-r 6\.1\.[0-9]+-[0-9]+-amd64$'
    '\[linux\] KEEL-LINUX: nproc 2$'
    '\[linux\] KEEL-LINUX: cpus-online 0-1$'
    '^dom0: domain 1 \(linux\) shut down \(poweroff\): destroy$'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('Oops' 'BUG:' 'Kernel panic' 'Call Trace' 'unchecked MSR access' 'cut here'
        'shut down \((crash|reboot)\)' 'guest exception' 'LEAKED')
EXPECT_EXIT=success
