# Keel's test guests: tests/guests/guest-*.c, each linked with the guest runtime
# (tools/guest/*.c, *.S) into build/guests/<name>.elf — an ELF64 image at physical 1 MiB
# that boots through the Xen PVH entry. Included from the top Makefile (BUILD, CC, LD, Q).
#
#   make guests        build/guests/*.elf, for Keel
#   make guests-bare   build/guests-bare/*.elf: the same guests with the console on COM1
#                      and shutdown through QEMU's isa-debug-exit, to test the runtime
#                      without a hypervisor (tools/guest/run-bare.sh boots one in QEMU)

BUILD ?= build
GUEST_BUILD := $(BUILD)/guests

# Freestanding, general registers only (no SSE state to set up), no red zone (exceptions
# run on the same stack), no loop-to-memset rewriting (the runtime is the libc).
GUEST_CFLAGS := -std=gnu11 -m64 -O2 -g -ffreestanding -fno-builtin -nostdlib \
                -fno-pie -fno-pic -mcmodel=small -fno-stack-protector -fcf-protection=none \
                -fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns --param=min-pagesize=0 \
                -mno-red-zone -mgeneral-regs-only \
                -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
                -Itools/guest/include -MMD -MP
GUEST_ASFLAGS := -m64 -Itools/guest/include -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -n -z max-page-size=0x1000 -z noexecstack \
                 --build-id=none -T tools/guest/guest.ld

GUEST_RT_SRC := $(sort $(wildcard tools/guest/*.c tools/guest/*.S))
GUEST_SRC    := $(sort $(wildcard tests/guests/guest-*.c))

# $(call guest_rules,OUTDIR,EXTRA_CFLAGS): objects under OUTDIR/obj, images OUTDIR/<name>.elf.
# Static pattern rules: they take precedence over the hypervisor's $(BUILD)/%.c.o rules.
define guest_rules
$(1)_RT_OBJ := $$(patsubst %,$(1)/obj/%.o,$$(GUEST_RT_SRC))
$(1)_OBJ    := $$(patsubst %,$(1)/obj/%.o,$$(GUEST_SRC))
$(1)_ELF    := $$(patsubst tests/guests/%.c,$(1)/%.elf,$$(GUEST_SRC))

$$(filter %.c.o,$$($(1)_RT_OBJ) $$($(1)_OBJ)): $(1)/obj/%.c.o: %.c
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  CC      $$<")
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $(2) -c $$< -o $$@

$$(filter %.S.o,$$($(1)_RT_OBJ)): $(1)/obj/%.S.o: %.S
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  AS      $$<")
	$$(Q)$$(CC) $$(GUEST_ASFLAGS) $(2) -c $$< -o $$@

$$($(1)_ELF): $(1)/%.elf: $(1)/obj/tests/guests/%.c.o $$($(1)_RT_OBJ) \
              tools/guest/guest.ld tools/guest/check-guest.sh
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(LD) $$(GUEST_LDFLAGS) -o $$@ $$< $$($(1)_RT_OBJ)
	$$(Q)bash tools/guest/check-guest.sh $$@ || { rm -f $$@; exit 1; }

-include $$($(1)_RT_OBJ:.o=.d) $$($(1)_OBJ:.o=.d)
endef

$(eval $(call guest_rules,$(GUEST_BUILD),))
$(eval $(call guest_rules,$(BUILD)/guests-bare,-DGUEST_BARE))

GUEST_ELF := $($(GUEST_BUILD)_ELF)

# Copies under other names, for scenarios that boot one guest several times at once: GRUB
# modules (and so domains) are named after the file, and the names must differ.
#   guest-smp-1..8 (smp-8x2), guest-spin-a/b (sched-fair), guest-yield-a/b (sched-yield)
GUEST_COPIES :=
define guest_copy
GUEST_COPIES += $(GUEST_BUILD)/$(1)-$(2).elf
$(GUEST_BUILD)/$(1)-$(2).elf: $(GUEST_BUILD)/$(1).elf
	$$(Q)cp $$< $$@
endef
$(foreach i,1 2 3 4 5 6 7 8,$(eval $(call guest_copy,guest-smp,$(i))))
$(foreach i,a b,$(eval $(call guest_copy,guest-spin,$(i))))
$(foreach i,a b,$(eval $(call guest_copy,guest-yield,$(i))))

.PHONY: guests guests-bare
guests: $(GUEST_ELF) $(GUEST_COPIES)
guests-bare: $($(BUILD)/guests-bare_ELF)
