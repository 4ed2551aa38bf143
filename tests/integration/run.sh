#!/usr/bin/env bash
# Keel's integration test runner.
#
#   tests/integration/run.sh [KEEL_ELF]        (default: build/keel.elf)
#
# Runs every scenario tests/integration/scenarios/*.sh (see README.md there)
# on each of its targets, and prints one line per test, in a stable order:
#   PASS <name> | FAIL <name>: <why> (log: <file>) | SKIP <name>: <why>
# then "N passed, N failed[, N skipped]". Exit status 0 iff nothing failed.
#
# Environment:
#   JOBS=N                 tests run in parallel (default 2)
#   KEEL_TEST_FILTER=RE    run only the tests whose name matches the extended
#                          regex RE (a plain substring works), e.g. "bochs", "@uefi", "boot@"
#   KEEL_ALLOW_SKIP=1      skip (instead of fail) targets whose emulator or
#                          firmware is not installed
#   KEEL_SCENARIO_DIR=D    scenarios (default tests/integration/scenarios)
#   KEEL_LOG_DIR=D         logs (default build/test-logs)
#   KEEL_ISO_DIR=D         ISOs and ESP images, one per scenario (default build/test-iso)
#   KEEL_EFI=F             keel.efi for the qemu-efi-* targets (default: keel.efi next to
#                          KEEL_ELF)
#   KEEL_QEMU_ICOUNT=1     run QEMU with -icount shift=0 (used by tools/bench.sh)
#
# Logs: <log dir>/<name with / as _>.log is the serial console (GRUB's escape
# sequences and CRs removed); .stderr is the emulator's stderr; .log.bochs is
# Bochs' own log. <log dir>/results.txt lists "STATUS name log seconds".
# Scenarios with DISK_IMAGE_MB get a fresh <name>.disk.img; with REBOOT_MODULES a
# second boot logs to <name>.boot2.log (README.md).
set -o pipefail

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2
image=${1:-build/keel.elf}
case $image in /*) ;; *) image=$PWD/$image ;; esac
cd "$root" || exit 2

scen_dir=${KEEL_SCENARIO_DIR:-tests/integration/scenarios}
log_dir=${KEEL_LOG_DIR:-build/test-logs}
iso_dir=${KEEL_ISO_DIR:-build/test-iso}
efi_loader=${KEEL_EFI:-$(dirname -- "$image")/keel.efi}
case $efi_loader in /*) ;; *) efi_loader=$PWD/$efi_loader ;; esac
jobs=${JOBS:-2}
filter=${KEEL_TEST_FILTER:-}
allow_skip=${KEEL_ALLOW_SKIP:-0}
icount=${KEEL_QEMU_ICOUNT:-0}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: JOBS must be a positive number" >&2; exit 2; }

if [ ! -f "$image" ]; then
    echo "run.sh: no hypervisor image at $image (build it first)" >&2
    exit 2
fi

# ---------------------------------------------------------------- scenarios

# Reset the scenario variables to their defaults, then source a scenario.
load_scenario() {
    NAME=$(basename -- "$1" .sh)
    CMDLINE=""
    MODULES=()
    TARGETS=()
    EXPECT=()
    REJECT=()
    EXPECT_EXIT=success
    TIMEOUT_QEMU=60
    TIMEOUT_BOCHS=120
    QEMU_ARGS=()
    QEMU_CPU=EPYC
    QEMU_MEM=512
    BOCHS_MODEL=corei7_skylake_x
    BOCHS_MEM=512
    ESP_CONFIG=""
    STOP_AT=""
    DISK_IMAGE_MB=""
    REBOOT_MODULES=()
    EXPECT2=()
    unset -f check_log      # a scenario's own check must not leak into the next one
    # shellcheck disable=SC1090
    source "$1" || { scen_err="sourcing failed"; return 1; }
    scen_err=""
    [[ $NAME =~ ^[A-Za-z0-9._+-]+$ ]] || scen_err="NAME must be [A-Za-z0-9._+-]+: '$NAME'"
    case $EXPECT_EXIT in
        success|failure) ;;
        loader-error)
            # keel.efi refuses and returns to the firmware; OVMF then says so.
            [ -n "$STOP_AT" ] || STOP_AT='^BdsDxe: failed to start ' ;;
        *) scen_err="EXPECT_EXIT must be success, failure or loader-error" ;;
    esac
    [[ $TIMEOUT_QEMU =~ ^[0-9]+$ && $TIMEOUT_BOCHS =~ ^[0-9]+$ ]] || scen_err="TIMEOUT_QEMU/TIMEOUT_BOCHS must be numbers"
    [ ${#TARGETS[@]} -gt 0 ] || scen_err="no TARGETS"
    [[ $DISK_IMAGE_MB =~ ^[0-9]*$ ]] || scen_err="DISK_IMAGE_MB must be a number of MiB"
    local m
    for m in "${MODULES[@]}" "${REBOOT_MODULES[@]}"; do
        read -r m _ <<<"$m"
        [ -f "$m" ] || scen_err="module file not found: $m"
    done
    [ -z "$scen_err" ]
}

# parse_target TARGET: sets t_emu (qemu|bochs), t_fw (bios|uefi|efi), t_smp, t_machine,
# t_variant. efi: OVMF boots keel.efi from an ESP image, no GRUB (native UEFI boot).
parse_target() {
    if [[ $1 =~ ^qemu-(bios|uefi|efi)-smp([0-9]+)(-q35)?$ ]]; then
        t_emu=qemu t_fw=${BASH_REMATCH[1]} t_smp=${BASH_REMATCH[2]}
        t_machine=pc
        [ -n "${BASH_REMATCH[3]}" ] && t_machine=q35
        t_variant=${1#qemu-}
    elif [[ $1 =~ ^bochs-smp([0-9]+)$ ]]; then
        t_emu=bochs t_fw=bios t_smp=${BASH_REMATCH[1]} t_machine=pc
        t_variant=${1#bochs-}
    else
        return 1
    fi
}

test_name() {   # scenario-name target
    parse_target "$2" || { echo "bad-target/$1@$2"; return; }
    case $t_emu in
        qemu)  echo "qemu-svm/$1@$t_variant" ;;
        bochs) echo "bochs-vmx/$1@$t_variant" ;;
    esac
}

# Collect the tests: parallel arrays, in scenario-file then target order.
t_scen=() t_target=() t_names=() t_base=() t_pre=()
declare -A seen_name=()
shopt -s nullglob
scen_files=("$scen_dir"/*.sh)
shopt -u nullglob
for f in "${scen_files[@]}"; do
    if ! load_scenario "$f"; then
        n="scenario/$(basename -- "$f" .sh)"
        if [ -z "$filter" ] || [[ $n =~ $filter ]]; then
            t_scen+=("$f") t_target+=("") t_names+=("$n") t_base+=("${n//[^A-Za-z0-9._@+-]/_}")
            t_pre+=("FAIL $n: bad scenario $f: $scen_err")
        fi
        continue
    fi
    for tg in "${TARGETS[@]}"; do
        n=$(test_name "$NAME" "$tg")
        if [ -n "$filter" ] && ! [[ $n =~ $filter ]]; then continue; fi
        pre=""
        parse_target "$tg" || pre="FAIL $n: unknown target '$tg' in $f"
        if [ -n "${seen_name[$n]:-}" ]; then
            pre="FAIL $n: duplicate test name (scenarios ${seen_name[$n]} and $f)"
        fi
        seen_name[$n]=$f
        t_scen+=("$f") t_target+=("$tg") t_names+=("$n") t_base+=("${n//[^A-Za-z0-9._@+-]/_}")
        t_pre+=("$pre")
    done
done

ntests=${#t_names[@]}
if [ "$ntests" -eq 0 ]; then
    echo "run.sh: no tests${filter:+ match KEEL_TEST_FILTER='$filter'} (scenarios: $scen_dir)" >&2
    echo "0 passed, 0 failed"
    exit 1
fi

mkdir -p "$log_dir" "$iso_dir" || exit 2
results=$(mktemp -d "${TMPDIR:-/tmp}/keel-test.XXXXXX") || exit 2
trap 'rm -rf "$results"' EXIT

# ------------------------------------------------------------ one ISO (or ESP) each

# Keyed by scenario file, then "|esp" for the ESP image of the qemu-efi-* targets.
declare -A iso_of=() iso_err=()
for ((i = 0; i < ntests; i++)); do
    f=${t_scen[i]}
    [ -n "${t_pre[i]}" ] && continue
    parse_target "${t_target[i]}"
    key=$f
    [ "$t_fw" = efi ] && key="$f|esp"
    [ -n "${iso_of[$key]:-}${iso_err[$key]:-}" ] && continue
    load_scenario "$f"
    args=()
    for m in "${MODULES[@]}"; do
        read -r mf mc <<<"$m"
        args+=("$mf" "$mc")
    done
    if [ "$t_fw" = efi ]; then
        iso=$iso_dir/$NAME.esp.img
        if [ ! -f "$efi_loader" ]; then
            iso_err[$key]="no UEFI loader at $efi_loader (make build/keel.efi, or set KEEL_EFI)"
            continue
        fi
        cfgopt=()
        if [ -n "$ESP_CONFIG" ]; then
            printf '%s\n' "$ESP_CONFIG" >"$iso_dir/$NAME.keel.cfg"
            cfgopt=(--config "$iso_dir/$NAME.keel.cfg")
        fi
        if out=$(tools/mkesp.sh "${cfgopt[@]}" "$iso" "$efi_loader" "$image" \
                 "$CMDLINE test_exit=1" "${args[@]}" 2>&1); then
            iso_of[$key]=$iso
        else
            iso_err[$key]="mkesp failed: $(printf '%s' "$out" | tail -n 1)"
        fi
        continue
    fi
    iso=$iso_dir/$NAME.iso
    if out=$(tools/mkiso.sh "$iso" "$image" "$CMDLINE test_exit=1" "${args[@]}" 2>&1); then
        iso_of[$key]=$iso
    else
        iso_err[$key]="mkiso failed: $(printf '%s' "$out" | tail -n 1)"
    fi
done

# Two-boot scenarios (REBOOT_MODULES): the second boot's ISO, keyed "<file>|boot2".
for ((i = 0; i < ntests; i++)); do
    f=${t_scen[i]}
    [ -n "${t_pre[i]}" ] && continue
    [ -n "${iso_of[$f|boot2]:-}${iso_err[$f|boot2]:-}" ] && continue
    load_scenario "$f"
    [ ${#REBOOT_MODULES[@]} -gt 0 ] || continue
    args=()
    for m in "${REBOOT_MODULES[@]}"; do
        read -r mf mc <<<"$m"
        args+=("$mf" "$mc")
    done
    if out=$(tools/mkiso.sh "$iso_dir/$NAME.boot2.iso" "$image" "$CMDLINE test_exit=1" "${args[@]}" 2>&1); then
        iso_of[$f|boot2]=$iso_dir/$NAME.boot2.iso
    else
        iso_err[$f|boot2]="mkiso (second boot) failed: $(printf '%s' "$out" | tail -n 1)"
    fi
done

# ------------------------------------------------------------ one test

clean_text() {  # stdin → stdout without CRs, terminal escape sequences, control chars
    sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' \
        -e 's/\x1b[A-Za-z=>]//g' | tr -d '\000-\010\013-\037\177'
}

clean_log() {   # the same, in place
    [ -f "$1" ] || { : >"$1"; return; }
    clean_text <"$1" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

last_line() {   # last non-empty line of a log, shortened
    local l
    l=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1)
    [ ${#l} -gt 120 ] && l="${l:0:117}..."
    printf '%s' "${l:-<no output>}"
}

one_line() { printf '%s' "$*" | tr '\n' ' ' | cut -c1-200; }

# run_test INDEX: prints the result line
run_test() {
    local i=$1 f=${t_scen[$1]} tg=${t_target[$1]} name=${t_names[$1]}
    local log=$log_dir/${t_base[$1]}.log key=${t_scen[$1]}
    [ -n "${t_pre[i]}" ] && { echo "${t_pre[i]}"; return; }
    parse_target "$tg"
    [ "$t_fw" = efi ] && key="$f|esp"
    [ -n "${iso_err[$key]:-}" ] && { echo "FAIL $name: ${iso_err[$key]}"; return; }
    load_scenario "$f"

    local missing=""
    if [ $t_emu = qemu ]; then
        command -v qemu-system-x86_64 >/dev/null || missing="qemu-system-x86_64 is not installed"
        if [ $t_fw != bios ] && [ ! -f /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
            missing="OVMF is not installed"
        fi
    else
        command -v bochs >/dev/null && [ -f /usr/share/bochs/BIOS-bochs-latest ] &&
            [ -f /usr/share/vgabios/vgabios.bin ] || missing="bochs is not installed"
    fi
    if [ -n "$missing" ]; then
        if [ "$allow_skip" = 1 ]; then
            echo "SKIP $name: $missing"
        else
            echo "FAIL $name: $missing (run tools/install-deps.sh, or KEEL_ALLOW_SKIP=1 to skip)"
        fi
        return
    fi

    local reboot=${#REBOOT_MODULES[@]}
    if [ "$reboot" -gt 0 ]; then
        [ "$t_fw" = efi ] && { echo "FAIL $name: REBOOT_MODULES is not for qemu-efi targets"; return; }
        [ -n "${iso_err[$f|boot2]:-}" ] && { echo "FAIL $name: ${iso_err[$f|boot2]}"; return; }
    fi

    local base=${log%.log}
    rm -f "$log" "$log".* "$base.stderr" "$base.disk.img" "$base.boot2".*
    local qargs=("${QEMU_ARGS[@]}")
    if [ -n "$DISK_IMAGE_MB" ]; then
        # A fresh zeroed (sparse) image per test, left with the logs for inspection.
        truncate -s "${DISK_IMAGE_MB}M" "$base.disk.img" ||
            { echo "FAIL $name: cannot create $base.disk.img"; return; }
        qargs=("${qargs[@]//@DISK@/$base.disk.img}")
    fi
    local tmo=$TIMEOUT_QEMU emu="" st stopped=0 reached=0 why first_log="" defer_check=""
    [ $t_emu = bochs ] && tmo=$TIMEOUT_BOCHS

    boot "$log" "${iso_of[$key]}"
    [ $stopped = 1 ] && { echo "FAIL $name: interrupted"; return; }
    [ "$reboot" -gt 0 ] && defer_check=1          # check_log runs after the second boot
    why=$(judge "$st" "$log" "$tmo")
    if [ -z "$why" ] && [ "$reboot" -gt 0 ]; then
        # The second boot: same machine and disk image, REBOOT_MODULES, judged by EXPECT2.
        first_log=$log defer_check="" log=$base.boot2.log
        EXPECT=("${EXPECT2[@]}")
        boot "$log" "${iso_of[$f|boot2]}"
        [ $stopped = 1 ] && { echo "FAIL $name: interrupted"; return; }
        why=$(judge "$st" "$log" "$tmo")
        [ -n "$why" ] && why="second boot: $why"
    fi
    if [ -z "$why" ]; then
        echo "PASS $name"
    else
        echo "FAIL $name: $(one_line "$why") (log: $log)"
    fi
}

# boot LOG ISO: one run of the emulator for run_test (whose locals it uses: tmo, qargs,
# emu, stopped, reached); sets st to its status, or "stop" if STOP_AT matched.
boot() {
    local log=$1 iso=$2 cmd
    if [ $t_emu = qemu ]; then
        cmd=(tools/run-qemu.sh --log "$log" --smp "$t_smp"
             --mem "$QEMU_MEM" --machine "$t_machine" --cpu "$QEMU_CPU" --timeout "$tmo")
        case $t_fw in
            efi)  cmd+=(--esp "$iso") ;;
            uefi) cmd+=(--iso "$iso" --uefi) ;;
            *)    cmd+=(--iso "$iso") ;;
        esac
        [ "$icount" = 1 ] && cmd+=(--icount)
        cmd+=(-- "${qargs[@]}")
    else
        cmd=(tools/run-bochs.sh --iso "$iso" --log "$log" --cpus "$t_smp"
             --mem "$BOCHS_MEM" --model "$BOCHS_MODEL" --timeout "$tmo")
    fi
    # Run in the background so that a TERM from the scheduler reaches the
    # emulator script (which then stops the emulator).
    emu="" reached=0
    trap 'stopped=1; [ -n "$emu" ] && kill -TERM "$emu" 2>/dev/null' TERM
    "${cmd[@]}" </dev/null >/dev/null 2>"${log%.log}.stderr" &
    emu=$!
    [ $stopped = 1 ] && kill -TERM "$emu" 2>/dev/null
    if [ -n "$STOP_AT" ]; then
        # Stop the emulator as soon as a (cleaned) serial line matches STOP_AT.
        while [ $stopped = 0 ] && kill -0 "$emu" 2>/dev/null; do
            if [ -f "$log" ] && clean_text <"$log" | grep -qE -- "$STOP_AT"; then
                reached=1
                kill -TERM "$emu" 2>/dev/null
                break
            fi
            sleep 0.2
        done
    fi
    while :; do
        wait "$emu"
        st=$?
        kill -0 "$emu" 2>/dev/null || break
    done
    trap - TERM
    clean_log "$log"
    [ $reached = 1 ] && st=stop
}

# check_patterns LOG: prints the first EXPECT that matches nothing or REJECT that matches.
check_patterns() {
    local re line log=$1
    for re in "${EXPECT[@]}"; do
        grep -qE -- "$re" "$log" 2>/dev/null
        case $? in
            0) ;;
            1) echo "missing /$re/, last line: $(last_line "$log")"; return ;;
            *) echo "bad EXPECT regex /$re/"; return ;;
        esac
    done
    for re in "${REJECT[@]}"; do
        line=$(grep -m1 -E -- "$re" "$log" 2>/dev/null)
        case $? in
            0) echo "rejected /$re/ matched: $line"; return ;;
            1) ;;
            *) echo "bad REJECT regex /$re/"; return ;;
        esac
    done
}

# judge STATUS LOG TIMEOUT: prints why the test failed, nothing if it passed.
# STATUS is the emulator's exit status, or "stop" when the runner stopped it at STOP_AT.
# Uses the scenario variables and t_emu.
judge() {
    local st=$1 log=$2 tmo=$3 code="" re line stderr=${2%.log}.stderr

    if [ "$st" = stop ]; then
        # STOP_AT matched and the emulator was stopped: Keel did not get to end the run.
        if [ "$EXPECT_EXIT" = loader-error ] && grep -q 'KEEL-EXIT' "$log"; then
            echo "Keel ran (KEEL-EXIT line) though the loader should have refused to start it"
            return
        fi
        local why
        why=$(check_patterns "$log")
        [ -n "$why" ] && { echo "$why"; return; }
        if declare -F check_log >/dev/null && [ -z "$defer_check" ]; then
            why=$(check_log "$log" ${first_log:+"$first_log"}) || { echo "${why:-check_log failed}"; return; }
        fi
        return
    fi
    if [ "$EXPECT_EXIT" = loader-error ]; then
        if [ "$st" = 124 ]; then
            echo "timeout after ${tmo}s before a line matched /$STOP_AT/, last line: $(last_line "$log")"
        else
            echo "the emulator ended (status $st) before a line matched /$STOP_AT/, last line: $(last_line "$log")"
        fi
        return
    fi
    if [ "$st" = 124 ]; then
        echo "timeout after ${tmo}s, last line: $(last_line "$log")"
        return
    fi
    if [ "$t_emu" = qemu ] && [ "$st" -ne 0 ] && [ $((st & 1)) = 0 ] && ! grep -q 'KEEL-EXIT' "$log"; then
        echo "qemu failed (status $st): $(head -n 1 "$stderr" 2>/dev/null)"
        return
    fi
    if [ "$t_emu" = bochs ] && [ "$st" -ge 2 ]; then
        echo "bochs failed (status $st): $(grep -m1 -v '^[0-9]*i\[' "$stderr" "$log.bochs" 2>/dev/null | head -n 1)"
        return
    fi

    # A PANIC is always a failure, unless the scenario expects one.
    if [ "$EXPECT_EXIT" = success ]; then
        line=$(grep -m1 -E '(^|[^[:alnum:]_])PANIC([^[:alnum:]_]|$)' "$log")
        if [ -n "$line" ]; then
            echo "PANIC: $line"
            return
        fi
    fi

    # How did it end? Keel prints "KEEL-EXIT <code>" then tells the emulator.
    code=$(grep -oE 'KEEL-EXIT [0-9]+' "$log" | tail -n 1)
    code=${code#KEEL-EXIT }
    if [ -z "$code" ]; then
        if [ "$t_emu" = qemu ]; then
            line=$(grep -m1 -v '^[[:space:]]*$' "$stderr" 2>/dev/null)
            if [ "$st" = 0 ]; then
                echo "no KEEL-EXIT line: the guest reset or triple-faulted (qemu status 0), last line: $(last_line "$log")${line:+; stderr: $line}"
            else
                echo "no KEEL-EXIT line, qemu status $st (guest wrote $(( (st - 1) / 2 )) to port 0xf4?), last line: $(last_line "$log")${line:+; stderr: $line}"
            fi
        else
            line=$(grep -m1 '>>PANIC<<' "$log.bochs" 2>/dev/null | sed 's/.*>>PANIC<< *//')
            echo "no KEEL-EXIT line (bochs status $st${line:+: $line}), last line: $(last_line "$log")"
        fi
        return
    fi
    if [ "$t_emu" = qemu ]; then
        local want=$(( ((code << 1) | 1) & 255 ))
        if [ "$st" != "$want" ]; then
            echo "printed KEEL-EXIT $code but qemu ended with status $st (expected $want: port 0xf4 write missing?)"
            return
        fi
    else
        local want=1
        [ "$code" = 0 ] && want=0
        if [ "$st" != "$want" ]; then
            if [ "$code" = 0 ]; then
                echo "printed KEEL-EXIT 0 but bochs ended with status $st (magic break xchg %bx,%bx missing?)"
            else
                echo "printed KEEL-EXIT $code but bochs ended with status $st"
            fi
            return
        fi
    fi

    local why
    why=$(check_patterns "$log")
    [ -n "$why" ] && { echo "$why"; return; }

    # A scenario may define check_log LOG for what regexes cannot say (e.g. comparing two
    # numbers): it prints the reason and returns nonzero when the test fails. In a two-boot
    # scenario it runs once, after the second boot, as check_log LOG2 LOG1.
    if declare -F check_log >/dev/null && [ -z "$defer_check" ]; then
        why=$(check_log "$log" ${first_log:+"$first_log"}) || { echo "${why:-check_log failed}"; return; }
    fi

    if [ "$EXPECT_EXIT" = success ] && [ "$code" != 0 ]; then
        echo "KEEL-EXIT $code (expected success, 0)"
    elif [ "$EXPECT_EXIT" = failure ] && [ "$code" = 0 ]; then
        echo "KEEL-EXIT 0 (expected failure, nonzero)"
    fi
}

# ------------------------------------------------------------ scheduler

# Workers write their line to $results/<index>, atomically; the main loop
# starts up to $jobs workers and prints the lines in test order.
declare -A worker=()
stop() {
    local p
    for p in "${worker[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait
    echo "run.sh: interrupted" >&2
    exit 130
}
trap stop INT TERM HUP

: >"$log_dir/results.txt"
next=0 printed=0 npass=0 nfail=0 nskip=0
while [ $printed -lt $ntests ]; do
    for idx in "${!worker[@]}"; do
        [ -e "$results/$idx" ] && { wait "${worker[$idx]}" 2>/dev/null; unset "worker[$idx]"; }
    done
    while [ ${#worker[@]} -lt "$jobs" ] && [ $next -lt $ntests ]; do
        (
            trap "" INT     # the main loop handles ^C: it TERMs the workers
            start=${EPOCHREALTIME/./}
            run_test $next >"$results/$next.line"   # no $(...): TERM must reach run_test
            end=${EPOCHREALTIME/./}
            { head -n 1 "$results/$next.line"; echo $(( (end - start) / 1000 )); } >"$results/$next.tmp"
            mv "$results/$next.tmp" "$results/$next"
        ) &
        worker[$next]=$!
        next=$((next + 1))
    done
    while [ $printed -lt $ntests ] && [ -e "$results/$printed" ]; do
        { read -r line; read -r ms; } <"$results/$printed"
        echo "$line"
        status=${line%% *}
        case $status in
            PASS) npass=$((npass + 1)) ;;
            SKIP) nskip=$((nskip + 1)) ;;
            *)    nfail=$((nfail + 1)) ;;
        esac
        printf '%s %s %s %d.%03d\n' "$status" "${t_names[printed]}" \
            "$log_dir/${t_base[printed]}.log" $((ms / 1000)) $((ms % 1000)) >>"$log_dir/results.txt"
        printed=$((printed + 1))
    done
    [ $printed -lt $ntests ] && sleep 0.1
done

summary="$npass passed, $nfail failed"
[ $nskip -gt 0 ] && summary+=", $nskip skipped"
echo "$summary"
[ $nfail -eq 0 ]
