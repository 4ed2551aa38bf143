#!/usr/bin/env bash
# Boot Keel under QEMU TCG (the AMD-V/SVM path): from a GRUB ISO, or natively from an ESP.
#
#   tools/run-qemu.sh --iso F [options] [-- extra QEMU arguments...]
#   tools/run-qemu.sh --esp F [options] [-- extra QEMU arguments...]
#
#   --iso F          ISO to boot (default: build/keel.iso)
#   --esp F          instead: an ESP image (tools/mkesp.sh) as the only disk (virtio-blk:
#                    OVMF reads it ~20x faster than over IDE), booted by OVMF with
#                    keel.efi, no GRUB (implies --uefi; the image is not written)
#   --log F          serial console to file F (default: on this terminal)
#   --smp N          CPUs (default 1)
#   --mem M          memory in MiB (default 512)
#   --uefi           boot with OVMF (a fresh copy of OVMF_VARS per run)
#   --machine M      pc | q35 (default pc)
#   --cpu MODEL      -cpu model (default EPYC)
#   --timeout SECS   kill QEMU after SECS seconds: status 124
#   --icount         -icount shift=0,sleep=off (deterministic instruction count)
#   --gdb            -s -S (gdb stub on :1234, wait for the debugger)
#
# Returns QEMU's status. isa-debug-exit is at port 0xf4: a guest write of V
# ends QEMU with status (V<<1)|1, so Keel's "KEEL-EXIT 0" gives status 1.
# A guest reset/triple fault ends QEMU (-no-reboot) with status 0.
set -uo pipefail

die() { echo "run-qemu: $*" >&2; exit 2; }

ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd

iso=build/keel.iso esp="" log="" smp=1 mem=512 uefi=0 machine=pc cpu=EPYC
timeout_s="" icount=0 gdb=0
extra=()
need() { [ $# -ge 2 ] || die "option $1 needs a value"; }
while [ $# -gt 0 ]; do
    case $1 in
        --iso)     need "$@"; iso=$2; shift 2 ;;
        --esp)     need "$@"; esp=$2; uefi=1; shift 2 ;;
        --log)     need "$@"; log=$2; shift 2 ;;
        --smp)     need "$@"; smp=$2; shift 2 ;;
        --mem)     need "$@"; mem=$2; shift 2 ;;
        --uefi)    uefi=1; shift ;;
        --machine) need "$@"; machine=$2; shift 2 ;;
        --cpu)     need "$@"; cpu=$2; shift 2 ;;
        --timeout) need "$@"; timeout_s=$2; shift 2 ;;
        --icount)  icount=1; shift ;;
        --gdb)     gdb=1; shift ;;
        --)        shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
        *)         die "unknown option: $1 (see --help)" ;;
    esac
done

if [ -n "$esp" ]; then
    [ -f "$esp" ] || die "no such ESP image: $esp"
    case $esp in *,*) die "ESP image path must not contain a comma: $esp" ;; esac
else
    [ -f "$iso" ] || die "no such ISO: $iso"
    case $iso in *,*) die "ISO path must not contain a comma: $iso" ;; esac
fi
case $machine in pc|q35) ;; *) die "--machine must be pc or q35" ;; esac
[[ $smp =~ ^[0-9]+$ ]] || die "--smp: not a number: $smp"
[[ $mem =~ ^[0-9]+$ ]] || die "--mem: not a number: $mem"
[ -z "$timeout_s" ] || [[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout: not a number: $timeout_s"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run tools/install-deps.sh)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-qemu.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

args=(-accel tcg -machine "$machine" -cpu "$cpu" -smp "$smp" -m "$mem"
      -nographic -monitor none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -n "$log" ]; then
    mkdir -p "$(dirname -- "$log")" && : >"$log" || die "cannot write $log"
    args+=(-serial "file:${log//,/,,}")
else
    args+=(-serial stdio)
fi
if [ $uefi = 1 ]; then
    [ -f "$ovmf_code" ] && [ -f "$ovmf_vars" ] || die "OVMF not found (run tools/install-deps.sh)"
    cp "$ovmf_vars" "$tmp/vars.fd" || die "cannot copy $ovmf_vars"
    args+=(-drive "if=pflash,format=raw,unit=0,file=$ovmf_code,readonly=on"
           -drive "if=pflash,format=raw,unit=1,file=${tmp//,/,,}/vars.fd")
fi
[ $icount = 1 ] && args+=(-icount shift=0,sleep=off)
[ $gdb = 1 ] && args+=(-s -S)
if [ -n "$esp" ]; then
    args+=(-drive "file=$esp,format=raw,if=virtio,snapshot=on" "${extra[@]}")
else
    args+=(-boot d -cdrom "$iso" "${extra[@]}")
fi


# QEMU warns once per CPUID feature of the model that TCG lacks: drop that noise.
noise="TCG doesn't support requested feature"

if [ -z "$log" ]; then
    # Serial on this terminal (`make run`): QEMU in the foreground, owning the
    # terminal. With a time limit, --foreground keeps QEMU in the terminal's
    # process group (no SIGTTIN), so Ctrl-C still reaches it.
    exec 4> >(grep -v --line-buffered "$noise" >&2)
    filter=$!
    if [ -z "$timeout_s" ]; then
        qemu-system-x86_64 "${args[@]}" 2>&4 4>&-
        st=$?
    else
        timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" 2>&4 4>&-
        st=$?
        [ $st = 137 ] && st=124
    fi
    exec 4>&-
    wait "$filter" 2>/dev/null     # let the stderr filter finish
    exit $st
fi

# Serial to a file: run in the background so that a TERM/INT/HUP sent to this
# script stops QEMU too (timeout puts QEMU in its own process group, out of
# reach of the terminal's signals). QEMU's stderr is passed on at the end.
if [ -n "$timeout_s" ]; then
    timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" </dev/null 2>"$tmp/stderr" &
else
    qemu-system-x86_64 "${args[@]}" </dev/null 2>"$tmp/stderr" &
fi
child=$!
sig=0
trap 'sig=1; kill -TERM "$child" 2>/dev/null' INT TERM HUP
while :; do
    wait "$child"
    st=$?
    kill -0 "$child" 2>/dev/null || break
done
grep -v "$noise" "$tmp/stderr" >&2
[ $sig = 1 ] && exit 143
[ -n "$timeout_s" ] && [ $st = 137 ] && st=124
exit $st
