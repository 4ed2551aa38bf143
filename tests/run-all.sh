#!/usr/bin/env bash
# `make test`: every test Keel has — host unit tests, then the integration tests under
# QEMU (AMD-V) and Bochs (VT-x). Prints one line per test (PASS/FAIL/SKIP) and ends with
# the total `N passed, N failed[, N skipped]`. Exit status 0 iff nothing failed.
set -u
cd "$(dirname "$0")/.." || exit 1

pass=0 fail=0 skip=0
# count NAME: reads a sub-runner's output, ended by "__status__ N" (its exit status).
count() {
    local line name=$1 failed_before=$fail
    while IFS= read -r line; do
        case $line in
            __status__\ *)
                # A runner that failed without saying which test failed still fails.
                if [ "${line#__status__ }" != 0 ] && [ $fail -eq $failed_before ]; then
                    fail=$((fail + 1))
                    echo "FAIL $name: the runner exited with status ${line#__status__ } (see above)"
                fi ;;
            PASS\ *) pass=$((pass + 1)); printf '%s\n' "$line" ;;
            FAIL\ *) fail=$((fail + 1)); printf '%s\n' "$line" ;;
            SKIP\ *) skip=$((skip + 1)); printf '%s\n' "$line" ;;
            *[0-9]\ passed,\ *[0-9]\ failed*) ;;     # a sub-runner's own total
            *) printf '%s\n' "$line" ;;
        esac
    done
}

count unit-runner < <(bash tests/unit/run.sh 2>&1; echo "__status__ $?")
count integration-runner < <(bash tests/integration/run.sh build/keel.elf 2>&1; echo "__status__ $?")

if [ $((pass + fail + skip)) -eq 0 ]; then
    echo "FAIL test-runner: no test ran"
    fail=1
fi
if [ $skip -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
else
    echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
