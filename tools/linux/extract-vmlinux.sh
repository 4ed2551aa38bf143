#!/usr/bin/env bash
# Extract the ELF vmlinux from an x86 bzImage whose payload is xz-compressed (Debian's).
#
#   tools/linux/extract-vmlinux.sh <vmlinuz> <vmlinux>
#
# A bzImage is a real-mode setup, a small decompressor, and the compressed kernel. The
# payload is a plain xz stream: find its magic (FD 37 7A 58 5A 00) and decompress from
# there, ignoring what follows the stream. A match that does not decompress to an ELF is
# skipped (the magic could appear by chance earlier in the file).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <vmlinuz> <vmlinux>" >&2; exit 2; }
in=$1 out=$2

# Byte offsets of every xz magic in the file (LC_ALL=C: grep counts bytes, not chars).
offsets=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$in" | cut -d: -f1 || true)
for off in $offsets; do
    # Read from a file, not a pipe: xz stops at the end of the stream and a writer
    # would die of SIGPIPE.
    if xz -dc --single-stream < <(tail -c +$((off + 1)) "$in" 2>/dev/null) > "$out" 2>/dev/null &&
       [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
        exit 0
    fi
done
rm -f "$out"
echo "extract-vmlinux: no xz-compressed ELF found in $in" >&2
exit 1
