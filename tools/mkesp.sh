#!/usr/bin/env bash
# Build a FAT EFI system partition image that boots Keel with no boot loader: the
# firmware starts keel.efi from the default boot path, keel.efi reads keel.cfg and starts
# Keel (boot/efi/). mtools only: no root, no loop devices.
#
#   tools/mkesp.sh [--config FILE] OUT.img KEEL_EFI KEEL_ELF "KEEL CMDLINE" \
#                  [MODULE_FILE "MODULE CMDLINE"]...
#
# The image (a "superfloppy": FAT with no partition table, which UEFI firmware boots as a
# removable disk) holds:
#   \EFI\BOOT\BOOTX64.EFI    keel.efi
#   \EFI\BOOT\keel.cfg       kernel=\keel\keel.elf
#                            cmdline=KEEL CMDLINE
#                            module=\keel\<name> <name> MODULE CMDLINE   (per module)
#   \keel\keel.elf, \keel\<name>...      (<name> = the module file's basename)
# As with tools/mkiso.sh, a module's command line starts with its file name (Keel names
# the domain after it), and command lines are split into words joined by single spaces.
# --config FILE puts FILE in as keel.cfg instead (tests of broken configs, hand-made
# setups); the images are still copied.
set -euo pipefail

die() { echo "mkesp: $*" >&2; exit 1; }
usage="usage: $0 [--config FILE] OUT.img KEEL_EFI KEEL_ELF \"KEEL CMDLINE\" [MODULE_FILE \"MODULE CMDLINE\"]..."

config=""
if [ "${1:-}" = --config ]; then
    [ $# -ge 2 ] || die "$usage"
    config=$2
    shift 2
    [ -f "$config" ] || die "no such config file: $config"
fi
[ $# -ge 4 ] && [ $(( ($# - 4) % 2 )) -eq 0 ] || die "$usage"

out=$1 efi=$2 elf=$3 cmdline=$4
shift 4
[ -f "$efi" ] || die "no such UEFI loader: $efi"
[ -f "$elf" ] || die "no such kernel image: $elf"
for t in mformat mcopy mmd; do
    command -v $t >/dev/null || die "$t not found: install mtools (tools/install-deps.sh)"
done

# Words of a command line, joined by single spaces; no control characters (one line each).
words() {
    local -a w
    [[ $1 != *[[:cntrl:]]* ]] || die "control character in command line: $1"
    read -r -a w <<<"$1"
    local IFS=' '
    printf '%s' "${w[*]}"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-esp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

files=("$efi" "$elf")
cfg="kernel=\\keel\\keel.elf"$'\n'"cmdline=$(words "$cmdline")"$'\n'
mods=()
declare -A seen=()
while [ $# -gt 0 ]; do
    mod=$1 mcmd=$2
    shift 2
    [ -f "$mod" ] || die "no such module: $mod"
    name=$(basename -- "$mod")
    case $name in
        keel.elf|keel.cfg) die "module name '$name' is reserved" ;;
        *[!A-Za-z0-9._+-]*) die "module file name must be [A-Za-z0-9._+-]: $name" ;;
    esac
    [ -z "${seen[$name]:-}" ] || die "two modules named $name"
    seen[$name]=1
    files+=("$mod")
    mods+=("$mod")
    cfg+="module=\\keel\\$name $(words "$name $mcmd")"$'\n'
done
if [ -n "$config" ]; then
    cp -- "$config" "$tmp/keel.cfg"
else
    printf '# Read by keel.efi (\\EFI\\BOOT\\BOOTX64.EFI); made by tools/mkesp.sh\n%s' "$cfg" \
        >"$tmp/keel.cfg"
fi

# Size: the files, plus room for FAT tables, directories and slack; whole MiB, at least 4.
bytes=$(cat -- "${files[@]}" "$tmp/keel.cfg" | wc -c)
mib=$(( (bytes * 11 / 10 + (1 << 20) - 1) / (1 << 20) + 2 ))
[ $mib -ge 4 ] || mib=4
[ $mib -le 1024 ] || die "the files need ${mib} MiB; more than this tool makes (1 GiB)"

img=$tmp/esp.img
export MTOOLS_SKIP_CHECK=1
truncate -s "${mib}M" "$img"
# 16 heads x 32 sectors: a cylinder is 256 KiB, so any whole MiB is whole cylinders.
mformat -i "$img" -T $((mib * 2048)) -h 16 -s 32 -v KEEL :: ||
    die "mformat failed"
mmd -i "$img" ::/EFI ::/EFI/BOOT ::/keel
mcopy -i "$img" -- "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$img" -- "$tmp/keel.cfg" ::/EFI/BOOT/keel.cfg
mcopy -i "$img" -- "$elf" ::/keel/keel.elf
for mod in "${mods[@]}"; do
    mcopy -i "$img" -- "$mod" "::/keel/$(basename -- "$mod")"
done

mkdir -p "$(dirname -- "$out")"
mv -f "$img" "$out"
