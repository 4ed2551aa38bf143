# guest-io: port I/O of an unprivileged guest reaches no device: reads give all ones,
# COM1 writes never reach the serial console, the ports that end or reset the emulator
# (0xf4, 0x8900, 0xcf9, 0x64) do nothing; string I/O (rep insb/outsb) is emulated too.
NAME=guest-io
CMDLINE="dom0=off loglvl=info"
MODULES=("build/guests/guest-io.elf mem=16M")
TARGETS=(qemu-bios-smp1 bochs-smp2)
EXPECT=(
    '\[guest-io\] PASS io-in-com1-lsr$'
    '\[guest-io\] PASS io-in-kbd-data$'
    '\[guest-io\] PASS io-in-unassigned$'
    '\[guest-io\] PASS io-inw-unassigned$'
    '\[guest-io\] PASS io-inl-pci-cfg-addr$'
    '\[guest-io\] PASS io-inl-pci-cfg-data$'
    '\[guest-io\] PASS io-out-com1$'
    '\[guest-io\] PASS io-out-debug-exit$'
    '\[guest-io\] PASS io-out-bochs-shutdown$'
    '\[guest-io\] PASS io-out-reset-cf9$'
    '\[guest-io\] PASS io-out-reset-kbc$'
    '\[guest-io\] PASS io-rep-insb$'
    '\[guest-io\] PASS io-rep-outsb$'
    '\[guest-io\] DONE [0-9]+ passed, 0 failed'
)
REJECT=(
    '\[guest-io\] FAIL'
    'guest exception'
    'SERIAL-LEAK'
)
EXPECT_EXIT=success
