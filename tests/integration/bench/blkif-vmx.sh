# blkif figures (vmx): one 4 KiB request's round trip from a DomU to Dom0's block backend
# and back (tools/guest/blkfront.c, tools/dom0/blkback.c over a RAM disk), measured in the
# DomU (tests/guests/guest-blkif.c, mode=bench) under Bochs, averaged over 200 rounds:
# BENCH vmx/blkif_write_4k (the page granted read-only, the request, Dom0 woken, a 4 KiB
# grant copy into its bounce buffer, the RAM disk write, the response and the event back,
# the grant ended) and BENCH vmx/blkif_read_4k (the same with the copy the other way).
NAME=blkif-vmx
CMDLINE=""
MODULES=(
    "build/dom0/dom0.elf rc=blkif-bench.rc"
    "tests/dom0/blkif-bench.rc"
    "tests/dom0/blkif.cfg"
    "build/guests/guest-blkif.elf"
)
TARGETS=(bochs-smp1)
EXPECT=('\[blkbench\] BENCH vmx/blkif_write_4k [0-9]+ insns'
        '\[blkbench\] BENCH vmx/blkif_read_4k [0-9]+ insns')
EXPECT_EXIT=success
