#!/usr/bin/env bash
# Checks a built test guest against the PVH boot contract Keel's loader relies on:
#  - ELF64 x86-64 executable, every PT_LOAD at physical >= 1 MiB and below 4 GiB;
#  - exactly one PT_NOTE carrying a "Xen" note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY)
#    with a 4-byte descriptor = the 32-bit physical entry, inside a PT_LOAD and equal
#    to the ELF entry point.
#   tools/guest/check-guest.sh GUEST.elf
set -eu
img=$1
die() { echo "error: $img: $*" >&2; exit 1; }

hdr=$(readelf -hW "$img") || die "not an ELF file"
grep -q 'Class:[[:space:]]*ELF64' <<<"$hdr" || die "not ELF64"
grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' <<<"$hdr" || die "not x86-64"
grep -q 'Type:[[:space:]]*EXEC' <<<"$hdr" || die "not an executable"
entry=$(awk '/Entry point address:/ { print $4 }' <<<"$hdr")

phdrs=$(readelf -lW "$img")
[ "$(grep -c '^ *NOTE ' <<<"$phdrs")" = 1 ] || die "expected exactly one PT_NOTE"
# LOAD lines: Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align
loads=()
while read -r type _ _ pa fsz msz flg; do
    [ "$type" = LOAD ] || continue
    pa=$((pa)) fsz=$((fsz)) msz=$((msz))
    [ $pa -ge $((0x100000)) ] && [ $((pa + msz)) -le $((0x100000000)) ] ||
        die "PT_LOAD at 0x$(printf %x $pa) (+0x$(printf %x $msz)) outside [1 MiB, 4 GiB)"
    loads+=("$pa $fsz $flg")
done <<<"$phdrs"
[ ${#loads[@]} -gt 0 ] || die "no PT_LOAD"

# The note: binutils 2.40 prints "Xen 0x00000004 Unknown note type: (0x00000012)
# description data: 10 00 10 00" (the data on the same line or the next); newer ones
# decode it as "... XEN_ELFNOTE_PHYS32_ENTRY ... 0x100010".
notes=$(readelf -nW "$img" | tr '\n\t' '  ')
if [[ $notes =~ Xen\ +0x00000004\ +Unknown\ note\ type:\ \(0x00000012\)\ +description\ data:\ +([0-9a-f]{2})\ ([0-9a-f]{2})\ ([0-9a-f]{2})\ ([0-9a-f]{2}) ]]; then
    b=("${BASH_REMATCH[@]}")
    phys=$((16#${b[4]}${b[3]}${b[2]}${b[1]}))      # little endian
elif [[ $notes =~ PHYS32_ENTRY[^0-9]*(0x[0-9a-f]+) ]]; then
    phys=$((BASH_REMATCH[1]))
else
    die "no Xen note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY) with a 4-byte descriptor"
fi
[ "$phys" = "$((entry))" ] || die "PHYS32_ENTRY 0x$(printf %x "$phys") != ELF entry $entry"
in_load=""
for l in "${loads[@]}"; do
    read -r pa fsz flg <<<"$l"
    case $flg in *E*) [ $phys -ge $pa ] && [ $phys -lt $((pa + fsz)) ] && in_load=yes ;; esac
done
[ -n "$in_load" ] || die "entry 0x$(printf %x "$phys") is not in an executable PT_LOAD"
