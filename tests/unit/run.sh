#!/usr/bin/env bash
# Runs Keel's host unit tests (the cmocka binaries `make unit-build` put in build/unit/).
#
#   tests/unit/run.sh [DIR]        (default: build/unit)
#
# Prints one line per cmocka test case, in the order they ran, and nothing else:
#   PASS unit/<binary>/<test>
#   FAIL unit/<binary>/<test>: <why>
#   (SKIP unit/<binary>/<test>: skipped   -- only for a test that calls cmocka's skip(); none does)
# A binary that crashes (AddressSanitizer/UBSan report, signal) or exits non-zero without
# naming a failed test still gets a FAIL line: for the test that was running, or for
# unit/<binary>/main if none was. No summary: tests/run-all.sh totals everything.
# Exit status 0 iff every test passed.
#
# Environment: KEEL_UNIT_TIMEOUT=S (seconds per binary, default 300),
#              KEEL_UNIT_VERBOSE=1 (the fake printk echoes every message to stderr).
set -o pipefail

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2
dir=${1:-build/unit}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
limit=${KEEL_UNIT_TIMEOUT:-300}

# cmocka's plain output is what we parse; sanitizer reports must end the binary.
unset CMOCKA_XML_FILE
export CMOCKA_MESSAGE_OUTPUT=STDOUT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
bins=()
for f in "$dir"/*; do
    [[ -f $f && -x $f ]] && bins+=("$f")
done
if ((${#bins[@]} == 0)); then
    echo "FAIL unit/build: no test binaries in $dir (run 'make unit-build')"
    exit 1
fi

for bin in "${bins[@]}"; do
    name=$(basename -- "$bin")
    if command -v timeout >/dev/null 2>&1; then
        out=$(cd "$root" && timeout -k 10 "$limit" "$bin" 2>&1)
    else
        out=$(cd "$root" && "$bin" 2>&1)
    fi
    rc=$?
    lines=$(printf '%s\n' "$out" | awk -v bin="unit/$name" -v rc="$rc" -v limit="$limit" '
        function clean(s) {
            sub(/^\[ *(ERROR|LINE) *\] --- */, "", s)
            gsub(/\[ *(ERROR|LINE) *\] --- */, "", s)
            sub(/^ERROR: */, "", s)
            sub(/: error: Failure!$/, "", s)
            sub(/^==[0-9]+==/, "", s)
            sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
            gsub(/\t/, " ", s)
            if (s ~ /^=+$/) return ""
            return s
        }
        function add(s) {
            s = clean(s)
            if (s == "") return
            why = (why == "") ? s : why "; " s
        }
        function result(ok, text) {
            if (ok) print "PASS " bin "/" cur
            else {
                if (text == "") text = "failed"
                if (length(text) > 400) text = substr(text, 1, 400) "..."
                print "FAIL " bin "/" cur ": " text
                nfail++
            }
            cur = ""; why = ""; insan = 0; nran++
        }
        /^\[ RUN      \] / {
            if (cur != "") result(0, "no result reported" (why != "" ? ": " why : ""))
            cur = substr($0, 14); why = ""; insan = 0; next
        }
        /^\[       OK \] / {
            if (cur != "" && substr($0, 14) == cur) result(1, "")
            next
        }
        /^\[  FAILED  \] / {
            if (cur != "" && substr($0, 14) == cur) result(0, why)
            next
        }
        /^\[  SKIPPED \] / {
            if (cur != "" && substr($0, 14) == cur) { print "SKIP " bin "/" cur ": skipped"; cur = ""; why = ""; nran++ }
            next
        }
        /^\[==========\]|^\[  PASSED  \]|^ *[0-9]+ FAILED TEST/ { next }
        {
            # Between RUN and its result: assertion messages, or a sanitizer report
            # (of which only the headline and summary are worth a line).
            if (cur == "" && !/AddressSanitizer|runtime error|LeakSanitizer/) next
            if (/==[0-9]+==ERROR: |runtime error: /) { insan = 1; add($0); next }
            if (/^SUMMARY: /) { add($0); next }
            if (insan) next
            add($0)
        }
        END {
            if (cur != "" || (rc != 0 && nfail == 0)) {
                if (rc == 124) how = "timed out after " limit " s"
                else if (rc > 128) how = "killed by signal " (rc - 128)
                else how = "exited with status " rc
                if (cur == "") cur = "main"
                result(0, how (why != "" ? ": " why : ""))
            } else if (nran == 0) {
                cur = "main"
                result(0, "no test case ran (exit status " rc ")")
            }
        }')
    [[ -n $lines ]] && printf '%s\n' "$lines"
    if ((rc != 0)) || grep -q '^FAIL ' <<<"$lines"; then
        status=1
    fi
done
exit $status
