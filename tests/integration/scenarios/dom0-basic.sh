# dom0-basic: Keel boots Dom0 (tools/dom0) with two DomU kernels and their configs as
# modules; Dom0's script (tests/dom0/basic.rc) creates both from the configs, their
# console rings come out through Dom0's console backend prefixed by name, their
# power-offs reach Dom0 (VIRQ_DOM_EXC) and it destroys them (on_poweroff); bad configs,
# a missing kernel and a missing domain get clear errors; Dom0's poweroff ends Keel with
# every frame back.
NAME=dom0-basic
CMDLINE="loglvl=info"
MODULES=(
    "build/dom0/dom0.elf rc=basic.rc"
    "tests/dom0/basic.rc"
    "tools/dom0/examples/ping.cfg"
    "tools/dom0/examples/pong.cfg"
    "tests/dom0/bad-key.cfg"
    "tests/dom0/bad-syntax.cfg"
    "build/guests/guest-xen-ping.elf"
    "build/guests/guest-xen-pong.elf"
)
TARGETS=(qemu-bios-smp1 qemu-bios-smp4 bochs-smp2)
EXPECT=(
    '^dom0: Keel.s management domain'
    '^dom0: domain 1 \(ping\) created: 16 MiB, 1 vCPU$'
    '^dom0: domain 2 \(pong\) created'
    '^\[ping\] PASS ping-pong$'
    '^\[pong\] PASS pong-answered$'
    '^\[ping\] DONE [0-9]+ passed, 0 failed'
    '^dom0: domain 1 \(ping\) shut down \(poweroff\): destroy$'
    '^dom0: domain 2 \(pong\) shut down \(poweroff\): destroy$'
    '^dom0: bad-key.cfg: line 3: unknown key: colour$'
    '^dom0: bad-syntax.cfg: line 2: unterminated string for: kernel$'
    '^dom0: create: no configuration file missing.cfg$'
    '^dom0: create ping: kernel "nothing.elf": no such module$'
    '^dom0: no domain 99$'
    '^dom0: unknown command or wrong arguments: frobnicate'
    '^dom0: shut down \(poweroff\); 0 other domains destroyed; .*nothing leaked'
)
REJECT=('FAIL' 'guest exception' 'LEAKED')
EXPECT_EXIT=success
