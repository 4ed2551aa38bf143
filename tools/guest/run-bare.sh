#!/usr/bin/env bash
# Boots one test guest with no hypervisor: QEMU's own PVH loader (-kernel) starts the
# guest's 32-bit PVH entry with a start info, exactly as Keel will. Use the guests-bare
# build (console on COM1, shutdown through isa-debug-exit): `make guests-bare`.
#
#   tools/guest/run-bare.sh build/guests-bare/guest-exceptions.elf ["guest cmdline"] [-- qemu args]
#
# Exit status: 0 if the guest powered off, 1 if it shut down otherwise, 124 on timeout,
# 2 if QEMU ended some other way (reset/triple fault: QEMU's status 0).
# Tests whose expectations need Keel (CPUID bits, MSR and I/O interception) fail bare:
# this is for the runtime's mechanics (entry, paging, IDT, guest_try, printf, start info).
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 2; }
elf=$1
shift
cmdline="mem=16M"
if [ $# -gt 0 ] && [ "$1" != -- ]; then cmdline=$1; shift; fi
[ "${1:-}" = -- ] && shift
timeout 60 qemu-system-x86_64 -accel tcg -cpu "${CPU:-EPYC}" -m "${MEM:-16}" -nographic \
    -monitor none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$elf" -append "$cmdline" "$@" 2> >(grep -v "TCG doesn't support" >&2) |
    sed -n '/Booting from ROM/,$p' | sed -e '1s/.*Booting from ROM\.\.//' -e 's/\r$//'
st=${PIPESTATUS[0]}
case $st in
    1) exit 0 ;;
    3) exit 1 ;;
    124) echo "run-bare: timeout" >&2; exit 124 ;;
    *) echo "run-bare: QEMU ended with status $st (reset or triple fault?)" >&2; exit 2 ;;
esac
