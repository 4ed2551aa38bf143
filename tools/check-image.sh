#!/usr/bin/env bash
# Checks properties of the built image that the build must guarantee:
#  - W^X: no loadable segment is both writable and executable;
#  - the multiboot2 header lies in the first 32 KiB of the file, 8-byte aligned;
#  - no SSE/x87 instruction slipped into the hypervisor (its exit path saves none of that state).
set -eu
img=$1
segs=$(readelf -lW "$img")
if echo "$segs" | awk '$1 == "LOAD" && $7 ~ /W/ && $7 ~ /E/ { bad = 1 } END { exit !bad }'; then
    echo "error: $img has a segment that is both writable and executable" >&2
    exit 1
fi
words=$(od -A d -t x4 -v -N 32768 "$img")
off=$(echo "$words" | awk '!found { for (i = 2; i <= NF; i++) if ($i == "e85250d6") { print $1 + (i - 2) * 4; found = 1; break } }')
if [ -z "$off" ] || [ $((off % 8)) -ne 0 ]; then
    echo "error: $img: no 8-byte aligned multiboot2 header in the first 32 KiB" >&2
    exit 1
fi
disasm=$(objdump -d "$img")
if echo "$disasm" | grep -E '\s(movaps|movups|movdqa|movdqu|pxor|xorps|fld|fstp|fxsave)\s' >/dev/null; then
    echo "error: $img contains SSE/x87 instructions" >&2
    exit 1
fi
