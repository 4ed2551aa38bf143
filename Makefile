# Keel — build, run and test. `make` builds build/keel.elf; `make run` boots it in QEMU;
# `make test` runs every test; `make bench` prints the benchmark figures.
# `make run` and `make test` install the Debian packages they need (tools/install-deps.sh).

BUILD   := build
CC      := gcc
LD      := ld
HOSTCC  := gcc

# The hypervisor: freestanding C11 (GNU dialect for inline assembly), no SSE/x87 state to
# save on exits, no red zone (interrupts run on the same stack), frame pointers for
# stack traces, and every warning an error.
CFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fno-pie -fno-pic \
           -fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
           -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks --param=min-pagesize=0 \
           -mno-red-zone -mgeneral-regs-only -mno-mmx \
           -mno-sse -mno-sse2 -mno-80387 -mcmodel=small -m64 \
           -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes \
           -Iinclude -Iarch/x86/include -MMD -MP
ASFLAGS := -m64 -Iinclude -Iarch/x86/include -MMD -MP
LDFLAGS := -nostdlib -n -z max-page-size=0x1000 -z noexecstack -T linker.ld

HV_DIRS := boot arch/x86 kernel mm drivers svm vmx
HV_SRC  := $(sort $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S)))
HV_OBJ  := $(patsubst %,$(BUILD)/%.o,$(HV_SRC))

.PHONY: all run run-uefi test unit integration bench iso clean deps-build deps-test deps-run lines \
        deps-linux linux-guest run-linux

all: $(BUILD)/keel.elf

# V=1 shows the commands.
Q := $(if $(V),,@)

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

# Two-pass link: the first pass gives the symbol table for panic stack traces, the second
# links it in. The table sits after the text, so text addresses must not move: checked.
$(BUILD)/ksyms0.S.o: tools/gen-ksyms.sh
	@mkdir -p $(BUILD)
	$(Q)tools/gen-ksyms.sh > $(BUILD)/ksyms0.S
	$(Q)$(CC) $(ASFLAGS) -c $(BUILD)/ksyms0.S -o $@

$(BUILD)/keel.pass1.elf: $(HV_OBJ) $(BUILD)/ksyms0.S.o linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(LDFLAGS) -o $@ $(HV_OBJ) $(BUILD)/ksyms0.S.o

$(BUILD)/ksyms.S.o: $(BUILD)/keel.pass1.elf tools/gen-ksyms.sh
	$(Q)tools/gen-ksyms.sh $< > $(BUILD)/ksyms.S
	$(Q)$(CC) $(ASFLAGS) -c $(BUILD)/ksyms.S -o $@

$(BUILD)/keel.elf: $(BUILD)/keel.pass1.elf $(BUILD)/ksyms.S.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(LDFLAGS) -o $@ $(HV_OBJ) $(BUILD)/ksyms.S.o
	@nm -n $(BUILD)/keel.pass1.elf | grep ' [tT] ' > $(BUILD)/syms.pass1
	@nm -n $@ | grep ' [tT] ' > $(BUILD)/syms.final
	@cmp -s $(BUILD)/syms.pass1 $(BUILD)/syms.final || \
		{ echo "error: text moved between link passes; stack traces would lie"; rm -f $@; exit 1; }
	@tools/check-image.sh $@

deps-build:
	@bash tools/install-deps.sh --for build
deps-test:
	@bash tools/install-deps.sh --for test
deps-run:
	@bash tools/install-deps.sh --for run
deps-linux:
	@bash tools/install-deps.sh --for linux

SMP ?= 2
CMDLINE ?= loglvl=info
$(BUILD)/keel.iso: $(BUILD)/keel.elf tools/mkiso.sh
	bash tools/mkiso.sh $@ $(BUILD)/keel.elf "$(CMDLINE)"
iso: $(BUILD)/keel.iso

# Boots Keel in QEMU (AMD-V under TCG), serial console on this terminal. UEFI=1 boots
# through OVMF; UEFI=native boots keel.efi from an ESP image with OVMF, no GRUB (boot/efi/);
# SMP=N sets the CPU count. Ctrl-A X quits QEMU.
# `make run` boots Dom0 (tools/dom0), which creates two demo DomUs from their configs
# (tools/dom0/examples): they ping-pong over an event channel, their consoles come out
# through Dom0 prefixed by name, then Dom0's shell takes commands on this terminal.
# RUN_MODULES= replaces the module list (the first module is Dom0; with CMDLINE="dom0=off"
# each module runs as a guest of its own).
EX := tools/dom0/examples
RUN_MODULES ?= $(BUILD)/dom0/dom0.elf "rc=demo.rc" $(EX)/demo.rc "" $(EX)/ping.cfg "" \
               $(EX)/pong.cfg "" $(BUILD)/guests/guest-xen-ping.elf "" \
               $(BUILD)/guests/guest-xen-pong.elf ""

run: deps-run
	@$(MAKE) --no-print-directory $(BUILD)/keel.elf guests dom0 $(if $(filter native,$(UEFI)),$(BUILD)/keel.efi)
ifeq ($(UEFI),native)
	bash tools/mkesp.sh $(BUILD)/keel-esp.img $(BUILD)/keel.efi $(BUILD)/keel.elf "$(CMDLINE)" $(RUN_MODULES)
	bash tools/run-qemu.sh --esp $(BUILD)/keel-esp.img --smp $(SMP)
else
	bash tools/mkiso.sh $(BUILD)/keel.iso $(BUILD)/keel.elf "$(CMDLINE)" $(RUN_MODULES)
	bash tools/run-qemu.sh --iso $(BUILD)/keel.iso --smp $(SMP) $(if $(UEFI),--uefi)
endif

# The Linux guest (issue 10): Debian's own kernel package, fetched with apt-get download
# (never committed) and unpacked to an ELF vmlinux, and a busybox initramfs whose /init
# prints markers and powers off (tools/linux/). Both land in build/linux/.
LINUX_DIR := $(BUILD)/linux
$(LINUX_DIR)/vmlinux: tools/linux/fetch-kernel.sh tools/linux/extract-vmlinux.sh
	bash tools/linux/fetch-kernel.sh $(LINUX_DIR)
$(LINUX_DIR)/initramfs.cpio.gz: tools/linux/mk-initramfs.sh $(LINUX_DIR)/vmlinux
	bash tools/linux/mk-initramfs.sh $@ $(LINUX_DIR)/xen-blkfront.ko
linux-guest: deps-linux
	@$(MAKE) --no-print-directory $(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz

# Boots Keel, Dom0, and the Linux DomU Dom0 creates from tools/dom0/examples/linux.cfg:
# its hvc0 console on this terminal through Dom0's console backend ("[linux] ..." lines);
# after its poweroff Dom0's shell takes commands (e.g. `create linux.cfg vcpus=1`).
run-linux: deps-linux
	@$(MAKE) --no-print-directory $(BUILD)/keel.elf dom0 linux-guest
	bash tools/mkiso.sh $(BUILD)/keel-linux.iso $(BUILD)/keel.elf "$(CMDLINE)" \
		$(BUILD)/dom0/dom0.elf "rc=linux.rc" $(EX)/linux.rc "" $(EX)/linux.cfg "" \
		$(LINUX_DIR)/vmlinux "" $(LINUX_DIR)/initramfs.cpio.gz ""
	bash tools/run-qemu.sh --iso $(BUILD)/keel-linux.iso --smp $(SMP) --mem 1024

# Host unit tests of vendor-neutral code (cmocka), then the integration tests under
# QEMU and Bochs; one line per test and a total.
test: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/keel.elf unit-build guests dom0 efi-test-images efi-host-test linux-guest
	@bash tests/run-all.sh

include tests/unit/unit.mk
include tests/guests/guests.mk
include tools/dom0/dom0.mk
include boot/efi/efi.mk

bench: deps-run
	@$(MAKE) --no-print-directory $(BUILD)/keel.elf $(BUILD)/keel.efi guests >&2
	@bash tools/bench.sh $(BUILD)/keel.elf

# Size of the trusted base (the hypervisor proper).
lines:
	@cat $(HV_SRC) $(wildcard include/keel/*.h include/public/*.h arch/x86/include/arch/*.h) linker.ld | wc -l

clean:
	rm -rf $(BUILD)

-include $(HV_OBJ:.o=.d)
