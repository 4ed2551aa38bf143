# Native UEFI boot benchmark, one CPU: instructions from keel.efi's entry (the first
# instruction of efi_main, after gnu-efi's self-relocation) to Keel's C entry
# (keel_start). It includes everything done in between, by keel.efi and by the firmware
# for it — the loader's own work, console output, memory allocation, loading keel.elf,
# GetMemoryMap and ExitBootServices — then Keel's 64-bit entry (boot/efi_entry.S) and the
# hand-over (boot/efi_handoff.c), EXCEPT the firmware's file-system calls (opening and
# reading keel.cfg, keel.elf and the modules): OVMF polls the disk and QEMU completes disk
# reads in real time, outside -icount, so that time varies by ~1-5% from run to run
# (measured: 0.36-0.64 M instructions here). keel.efi measures it and hands it over in
# boot_info.loader_tsc_io; and with bench=1 it then waits for the firmware's next timer
# tick (also left out), so that the rest of its work starts at the same point of the tick
# period on every run. What is left is exact (checked: 12 runs, one figure).
# No NIC (-nic none): the iPXE driver of QEMU's default NIC spends 87 M instructions in its
# ExitBootServices handler, which would swamp the figure.
# Also prints boot/all_cpus_online, measured from Keel's own first instruction
# (efi_entry64) as the multiboot2 figure is from _start. Names get "@efi-smp1" appended
# (tools/bench.sh).
NAME=uefi-boot
CMDLINE="bench=1"
TARGETS=(qemu-efi-smp1)
QEMU_ARGS=(-nic none)
EXPECT=('^BENCH boot/efi_entry_to_keel_start [0-9]+ insns$')
# OVMF under -icount: about 40 s of wall time on an idle machine.
TIMEOUT_QEMU=300
EXPECT_EXIT=success
