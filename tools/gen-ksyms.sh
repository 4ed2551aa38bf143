#!/usr/bin/env bash
# Writes the assembly source of Keel's symbol table (for panic stack traces) from an ELF.
# Usage: gen-ksyms.sh IMAGE.elf > ksyms.S   (with no image: an empty table for pass 1)
set -euo pipefail
echo '    .section .ksyms, "a"'
echo '    .balign 8'
if [ $# -eq 0 ]; then
    echo '    .globl ksyms_count, ksyms_addr, ksyms_name_off, ksyms_names'
    echo 'ksyms_count: .quad 0'
    echo 'ksyms_addr: ksyms_name_off: ksyms_names: .byte 0'
    exit 0
fi
nm -n "$1" | awk 'BEGIN { n = 0 }
    NF == 3 && $2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
    END {
        print "    .globl ksyms_count, ksyms_addr, ksyms_name_off, ksyms_names"
        printf "ksyms_count: .quad %d\n", n
        print "ksyms_addr:"
        for (i = 0; i < n; i++) printf "    .quad 0x%s\n", addr[i]
        print "ksyms_name_off:"
        off = 0
        for (i = 0; i < n; i++) { printf "    .long %d\n", off; off += length(name[i]) + 1 }
        print "ksyms_names:"
        for (i = 0; i < n; i++) printf "    .asciz \"%s\"\n", name[i]
    }'
