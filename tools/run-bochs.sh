#!/usr/bin/env bash
# Boot a Keel ISO under Bochs (the Intel VT-x/VMX path).
#
#   tools/run-bochs.sh --iso F [options]
#
#   --iso F          ISO to boot (default: build/keel.iso)
#   --log F          serial console (COM1) to file F; Bochs' own log and
#                    console go to F.bochs (default: serial on this terminal,
#                    Bochs' log in a temporary file, shown on failure)
#   --cpus N         CPUs (default 2)
#   --mem M          memory in MiB (default 512)
#   --model MODEL    Bochs CPU model (default corei7_skylake_x)
#   --timeout SECS   kill Bochs after SECS seconds: status 124
#
# Status: 0 when the guest executes the magic break `xchg %bx,%bx`; 1 when it
# writes "Shutdown" to port 0x8900, triple-faults, or Bochs panics; 124 on
# timeout; 2 on a usage error. Each run has its own bochsrc in a temporary
# directory, so parallel runs do not collide (the rfb display picks a free
# port in 5900-5949 and does not wait for a viewer).
set -uo pipefail

die() { echo "run-bochs: $*" >&2; exit 2; }

iso=build/keel.iso log="" cpus=2 mem=512 model=corei7_skylake_x timeout_s=""
need() { [ $# -ge 2 ] || die "option $1 needs a value"; }
while [ $# -gt 0 ]; do
    case $1 in
        --iso)     need "$@"; iso=$2; shift 2 ;;
        --log)     need "$@"; log=$2; shift 2 ;;
        --cpus)    need "$@"; cpus=$2; shift 2 ;;
        --mem)     need "$@"; mem=$2; shift 2 ;;
        --model)   need "$@"; model=$2; shift 2 ;;
        --timeout) need "$@"; timeout_s=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
        *)         die "unknown option: $1 (see --help)" ;;
    esac
done

[ -f "$iso" ] || die "no such ISO: $iso"
[[ $cpus =~ ^[0-9]+$ ]] || die "--cpus: not a number: $cpus"
[[ $mem =~ ^[0-9]+$ ]] || die "--mem: not a number: $mem"
[[ $model =~ ^[A-Za-z0-9_]+$ ]] || die "--model: bad model name: $model"
[ -z "$timeout_s" ] || [[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout: not a number: $timeout_s"
command -v bochs >/dev/null || die "bochs not found (run tools/install-deps.sh)"
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin; do
    [ -f "$f" ] || die "$f not found (run tools/install-deps.sh)"
done
for p in "$iso" "$log"; do
    case $p in *[,\"]*) die "path must not contain a comma or a double quote: $p" ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-bochs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
iso=$(abs "$iso")
if [ -n "$log" ]; then
    mkdir -p "$(dirname -- "$log")" && : >"$log" || die "cannot write $log"
    log=$(abs "$log")
    serial=$log
    blog=$log.bochs
else
    exec 3>&1            # COM1 goes to this terminal through fd 3
    serial=/dev/fd/3
    blog=$tmp/bochs.log
fi

cat >"$tmp/bochsrc" <<EOF
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$model, count=$cpus, ips=50000000, reset_on_triple_fault=0
memory: guest=$mem, host=$mem
boot: cdrom
ata0-master: type=cdrom, path="$iso", status=inserted
com1: enabled=1, mode=file, dev="$serial"
clock: sync=none, time0=local
magic_break: enabled=1
error: action=report
panic: action=fatal
log: -
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF
printf 'c\nquit\n' >"$tmp/dbg.rc"

# Bochs runs in the background (stdin /dev/null: its debugger reads only the
# rc file) so that TERM/INT/HUP sent to this script stop it. Bochs is stopped
# with SIGINT: its debugger then stops, reads EOF and quits cleanly, flushing
# the serial log (SIGTERM would lose the buffered tail of the log). timeout(1)
# puts Bochs in its own process group and signals the whole group; -k: SIGKILL
# 5 s later if Bochs lingers.
cd "$tmp" || die "cd $tmp"
if [ -n "$timeout_s" ]; then
    timeout -s INT -k 5 "$timeout_s" bochs -q -f bochsrc -rc dbg.rc </dev/null >"$blog" 2>&1 &
else
    bochs -q -f bochsrc -rc dbg.rc </dev/null >"$blog" 2>&1 &
fi
child=$!
sig=0
trap 'sig=1; kill -INT "$child" 2>/dev/null' INT TERM HUP
while :; do
    wait "$child"
    st=$?
    kill -0 "$child" 2>/dev/null || break
done
[ $sig = 1 ] && exit 143
[ -n "$timeout_s" ] && [ $st = 137 ] && st=124
if [ -z "$log" ] && [ $st != 0 ]; then
    echo "run-bochs: bochs status $st; last lines of its log:" >&2
    tail -n 20 "$blog" >&2
fi
exit $st
