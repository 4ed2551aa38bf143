#!/usr/bin/env bash
# Keel's benchmarks (`make bench`).
#
#   tools/bench.sh [KEEL_ELF]        (default: build/keel.elf)
#
# Boots each bench scenario tests/integration/bench/*.sh (same variables as
# the integration scenarios) under QEMU with -icount shift=0, where RDTSC counts
# emulated instructions, or under Bochs, whose `clock: sync=none` makes the TSC
# advance one tick per instruction at `ips`: either way the numbers are exact
# and repeatable. Keel prints lines "BENCH <name> <value> <unit>"; this
# prints them on stdout as "bench <name> <value> <unit>", and nothing else.
# Diagnostics go to stderr. With several targets in one scenario, names get
# "@<target variant>" appended (e.g. vmexit@bios-smp4).
#
# Exit status 1 if a bench run ends abnormally (timeout, panic, failure exit)
# or prints no BENCH line.
#
# Environment: JOBS, KEEL_TEST_FILTER as for tests/integration/run.sh.
# Logs: build/bench-logs/ (KEEL_BENCH_LOG_DIR), ISOs: build/bench-iso/ (KEEL_BENCH_ISO_DIR).
set -uo pipefail

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
image=${1:-build/keel.elf}
case $image in /*) ;; *) image=$PWD/$image ;; esac
cd "$root" || exit 2

bench_dir=tests/integration/bench
log_dir=${KEEL_BENCH_LOG_DIR:-build/bench-logs}
iso_dir=${KEEL_BENCH_ISO_DIR:-build/bench-iso}

# QEMU (with -icount) and Bochs (sync=none) both have instruction-exact clocks.
bad=0
for f in "$bench_dir"/*.sh; do
    [ -e "$f" ] || { echo "bench: no bench scenarios in $bench_dir" >&2; exit 1; }
    targets=$(TARGETS=(); source "$f" >/dev/null 2>&1; echo "${TARGETS[*]}")
    for t in $targets; do
        case $t in
            qemu-*|bochs-*) ;;
            *) echo "bench: $f: target $t is neither a QEMU nor a Bochs target" >&2; bad=1 ;;
        esac
    done
done
[ $bad = 0 ] || exit 1

KEEL_SCENARIO_DIR=$bench_dir KEEL_LOG_DIR=$log_dir KEEL_ISO_DIR=$iso_dir \
KEEL_QEMU_ICOUNT=1 KEEL_ALLOW_SKIP=0 \
    tests/integration/run.sh "$image" >&2
st=$?

# results.txt: "STATUS name log seconds", in test order.
[ -f "$log_dir/results.txt" ] || { echo "bench: no results" >&2; exit 1; }
declare -A ntargets=()
while read -r status name log secs; do
    scen=${name%@*}
    ntargets[$scen]=$(( ${ntargets[$scen]:-0} + 1 ))
done <"$log_dir/results.txt"

fail=0
while read -r status name log secs; do
    if [ "$status" != PASS ]; then
        echo "bench: $name did not pass ($status), see $log" >&2
        fail=1
        continue
    fi
    scen=${name%@*}
    suffix=""
    # Several targets, or native UEFI boot (whose boot figures differ from multiboot2's).
    [ "${ntargets[$scen]}" -gt 1 ] || [[ ${name##*@} == efi-* ]] && suffix="@${name##*@}"
    # Guests' lines come through the hypervisor's console as "[name] BENCH ...".
    lines=$(grep -E '^(\[[^]]+\] )?BENCH [^ ]+ [^ ]+( .*)?$' "$log" |
            sed -E 's/^\[[^]]+\] //' |
            awk -v s="$suffix" '{ $1 = "bench"; $2 = $2 s; print }')
    if [ -z "$lines" ]; then
        echo "bench: $name printed no BENCH line, see $log" >&2
        fail=1
        continue
    fi
    printf '%s\n' "$lines"
done <"$log_dir/results.txt"

[ $st = 0 ] && [ $fail = 0 ]
