# Host unit tests of Keel's vendor-neutral parsers (cmocka), included from the top Makefile.
#
#   make unit-build     builds every test binary into $(BUILD)/unit/ (incremental)
#   make unit           builds them and runs them (tests/unit/run.sh)
#   make unit KNOWN_BUG=1
#                       the same with -DKNOWN_BUG, in $(BUILD)/unit-known-bug/: adds the tests
#                       of bugs found and not yet fixed (they fail until the fix lands)
#
# Each test binary links its test file, the fake kernel layer (tests/unit/fake_kernel.c:
# printk into a capture buffer) and the source files under test, all built for the host
# with AddressSanitizer and UBSan (any report ends the test binary, so it fails).
# kernel/string.c is never linked: the host C library stands in for it. kernel/vsnprintf.c
# is built with its functions renamed (keel_vsnprintf, keel_snprintf) so that the test can
# compare it with the host's, which the fake printk uses.

UNIT_DIR      := $(BUILD)/unit$(if $(KNOWN_BUG),-known-bug)
UNIT_OBJDIR   := $(UNIT_DIR)/obj
UNIT_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS   := -DKEEL_HOST_TEST -Iinclude -Iarch/x86/include -std=gnu11 -Wall -Wextra -Werror \
                 -g -O1 -fno-omit-frame-pointer $(UNIT_SAN) -MMD -MP $(if $(KNOWN_BUG),-DKNOWN_BUG)
UNIT_LDLIBS   := -lcmocka

UNIT_TESTS    := test_mb2 test_memmap test_madt test_cmdline test_vsnprintf test_elf test_insn test_p2m \
                 test_evtchn test_pvclock test_xencons test_hypercall_page test_xlcfg test_xldisk test_xs_store \
                 test_guest_acpi test_grant test_grant_ops

# The code under test, per binary.
UNIT_SRC_test_mb2       := boot/mb2_parse.c
UNIT_SRC_test_memmap    := mm/memmap.c
UNIT_SRC_test_madt      := arch/x86/madt.c
UNIT_SRC_test_cmdline   := kernel/cmdline.c
UNIT_SRC_test_vsnprintf := kernel/vsnprintf.c
UNIT_SRC_test_elf       := kernel/elf_loader.c
UNIT_SRC_test_insn      := kernel/insn.c
# mm/p2m.c with the real NPT entry format; tests/unit/fake_frames.c is the frame allocator
# (host allocations, physical address = host pointer) and phys_to_virt/virt_to_phys.
UNIT_SRC_test_p2m       := mm/p2m.c svm/npt.c tests/unit/fake_frames.c
# The Xen ABI's pure parts; each test fakes what the file calls outside itself.
UNIT_SRC_test_evtchn    := kernel/evtchn.c kernel/evtchn_2l.c
UNIT_SRC_test_pvclock   := kernel/pvclock_scale.c
UNIT_SRC_test_xencons   := kernel/xencons_ring.c
UNIT_SRC_test_hypercall_page := kernel/hypercall_page.c
# The guest's ACPI tables, read back with Keel's own MADT parser.
UNIT_SRC_test_guest_acpi := kernel/guest_acpi.c arch/x86/madt.c
# Dom0's configuration parser (tools/dom0): pure C, built for the host as it is.
UNIT_SRC_test_xlcfg     := tools/dom0/xlcfg.c
UNIT_SRC_test_xldisk    := tools/dom0/xldisk.c
UNIT_SRC_test_xs_store  := tools/dom0/xs_store.c
UNIT_SRC_test_grant     := kernel/grant_entry.c
# Grant map/unmap/copy/teardown on the real p2m (NPT format) and the fake frames.
UNIT_SRC_test_grant_ops := kernel/grant_table.c kernel/grant_map.c kernel/grant_entry.c mm/p2m.c \
                           svm/npt.c tests/unit/fake_frames.c

UNIT_COMMON   := tests/unit/fake_kernel.c
UNIT_BINS     := $(addprefix $(UNIT_DIR)/,$(UNIT_TESTS))
UNIT_ALL_SRC  := $(sort $(UNIT_COMMON) $(addprefix tests/unit/,$(addsuffix .c,$(UNIT_TESTS))) \
                        $(foreach t,$(UNIT_TESTS),$(UNIT_SRC_$(t))))
UNIT_ALL_OBJ  := $(patsubst %.c,$(UNIT_OBJDIR)/%.o,$(UNIT_ALL_SRC))

.PHONY: unit-build unit
unit-build: $(UNIT_BINS)

unit: unit-build
	@bash tests/unit/run.sh $(UNIT_DIR)

# The project's formatter, renamed so that it does not replace the host's.
$(UNIT_OBJDIR)/kernel/vsnprintf.o: UNIT_EXTRA := -Dvsnprintf=keel_vsnprintf -Dsnprintf=keel_snprintf

$(UNIT_OBJDIR)/%.o: %.c tests/unit/unit.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_EXTRA) -c $< -o $@

define UNIT_LINK_RULE
$(UNIT_DIR)/$(1): $(patsubst %.c,$(UNIT_OBJDIR)/%.o,tests/unit/$(1).c $(UNIT_COMMON) $(UNIT_SRC_$(1)))
	@$$(if $$(Q),echo "  HOSTLD  $$@")
	$$(Q)$$(HOSTCC) $$(UNIT_SAN) -o $$@ $$^ $$(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_LINK_RULE,$(t))))

-include $(UNIT_ALL_OBJ:.o=.d)
