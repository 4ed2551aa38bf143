# linux-boot: Debian's own kernel (linux-image-6.1.*-amd64, unmodified; `make linux-guest`
# fetches it and builds the busybox initramfs into build/linux/) boots as a PVH guest
# with one vCPU: Keel's ACPI tables, the initrd as the start-info module, event channels
# through the callback vector, the Xen clocksource and timer, hvc0 on the console ring.
# The init script prints uname -r and the CPU count, then `poweroff -f`: Linux halts its
# CPU with interrupts off, which Keel (like Xen) takes as a poweroff. ~20 s under TCG.
NAME=linux-boot
CMDLINE="dom0=off loglvl=info"
MODULES=(
    "build/linux/vmlinux mem=256M initrd=initramfs.cpio.gz console=hvc0 earlyprintk=xen"
    "build/linux/initramfs.cpio.gz"
)
TARGETS=(qemu-bios-smp1)
QEMU_MEM=1024
TIMEOUT_QEMU=300
EXPECT=(
    '\[vmlinux\] .*Linux version 6\.1\.'
    '\[vmlinux\] .*Hypervisor detected: Xen HVM'
    '\[vmlinux\] .*Booting kernel on Xen PVH'
    '\[vmlinux\] .*RAMDISK: \[mem '
    '\[vmlinux\] .*Setting APIC routing to .*x2apic'
    '\[vmlinux\] .*xen:events: Using 2-level ABI'
    '\[vmlinux\] .*Xen HVM callback vector for event delivery is enabled'
    '\[vmlinux\] .*printk: console \[hvc0\] enabled'
    '\[vmlinux\] .*installing Xen timer for CPU 0'
    '\[vmlinux\] .*clocksource: Switched to clocksource xen'
    '\[vmlinux\] .*Run /init as init process'
    '\[vmlinux\] KEEL-LINUX: init started$'
    '\[vmlinux\] KEEL-LINUX: uname-r 6\.1\.[0-9]+-[0-9]+-amd64$'
    '\[vmlinux\] KEEL-LINUX: nproc 1$'
    '\[vmlinux\] KEEL-LINUX: cpuinfo-processors 1$'
    '\[vmlinux\] KEEL-LINUX: console hvc0$'
    '^domain [0-9]+ \(vmlinux\): shut down \(poweroff\): every vCPU halted with interrupts off'
    '^guests: 1 domains destroyed; .*nothing leaked'
)
REJECT=('Oops' 'BUG:' 'Kernel panic' 'Call Trace' 'unchecked MSR access' 'cut here'
        'shut down \((crash|reboot)\)' 'guest exception')
EXPECT_EXIT=success
