#!/usr/bin/env bash
# Build a GRUB rescue ISO that boots Keel through multiboot2, from BIOS and
# from UEFI (grub-mkrescue puts i386-pc and x86_64-efi GRUB in one image).
#
#   tools/mkiso.sh OUT.iso KEEL_ELF "KEEL CMDLINE" [MODULE_FILE "MODULE CMDLINE"]...
#
# grub.cfg: no menu timeout, GRUB's console on COM1 (115200), one entry.
#   multiboot2 /boot/keel.elf KEEL CMDLINE
#   module2 /boot/<name> <name> MODULE CMDLINE     (per module; <name> = basename)
#   boot
# Each command-line word is passed to GRUB single-quoted (no GRUB variable
# expansion); words may not contain quotes or backslashes.
# (Do not add "set timeout_style=hidden": GRUB then pauses ~3 s at boot.)
set -euo pipefail

die() { echo "mkiso: $*" >&2; exit 1; }

[ $# -ge 3 ] && [ $(( ($# - 3) % 2 )) -eq 0 ] ||
    die "usage: $0 OUT.iso KEEL_ELF \"KEEL CMDLINE\" [MODULE_FILE \"MODULE CMDLINE\"]..."

out=$1 elf=$2 cmdline=$3
shift 3
[ -f "$elf" ] || die "no such kernel image: $elf"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (run tools/install-deps.sh)"

# GRUB words: split on whitespace (no globbing), single-quote each word.
grub_words() {
    local -a w
    local x res=""
    read -r -a w <<<"$1"
    for x in "${w[@]}"; do
        # GRUB would pass quotes and backslashes on escaped (\" \\): refuse them.
        if [[ $x == *[\'\"\\]* ]]; then
            die "quote or backslash in command line word: $x"
        fi
        res+=" '$x'"
    done
    printf '%s' "$res"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-iso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/boot/grub"
cp "$elf" "$tmp/root/boot/keel.elf"

entry="  multiboot2 /boot/keel.elf$(grub_words "$cmdline")"$'\n'
declare -A seen=()
while [ $# -gt 0 ]; do
    mod=$1 mcmd=$2
    shift 2
    [ -f "$mod" ] || die "no such module: $mod"
    name=$(basename -- "$mod")
    case $name in
        keel.elf|grub) die "module name '$name' is reserved" ;;
        *[!A-Za-z0-9._+-]*) die "module file name must be [A-Za-z0-9._+-]: $name" ;;
    esac
    [ -z "${seen[$name]:-}" ] || die "two modules named $name"
    seen[$name]=1
    cp "$mod" "$tmp/root/boot/$name"
    entry+="  module2 /boot/$name$(grub_words "$name $mcmd")"$'\n'
done

cat >"$tmp/root/boot/grub/grub.cfg" <<EOF
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
menuentry "keel" {
${entry}  boot
}
EOF

mkdir -p "$(dirname -- "$out")"
# No fonts/locales/themes: a ~9 MB image instead of ~20 MB, a bit faster.
# (Do not trim the module list: GRUB then prints "file not found" errors
# for the partition maps it autoloads and pauses ~3 s on them.)
if ! grub-mkrescue -o "$tmp/out.iso" --fonts= --locales= --themes= \
        "$tmp/root" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    die "grub-mkrescue failed"
fi
mv -f "$tmp/out.iso" "$out"
