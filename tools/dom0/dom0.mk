# Dom0, Keel's management domain (tools/dom0/): the toolstack, linked with the guest
# runtime into build/dom0/dom0.elf. It also compiles the hypervisor's ELF checker
# (kernel/elf_loader.c), so that Dom0 refuses exactly the images Keel would, and its guest
# ACPI tables (kernel/guest_acpi.c), so that DomUs get the same ones.
# Included from the top Makefile after tests/guests/guests.mk.

DOM0_BUILD := $(BUILD)/dom0
DOM0_SRC   := $(sort $(wildcard tools/dom0/*.c)) kernel/elf_loader.c kernel/guest_acpi.c
DOM0_OBJ   := $(patsubst %,$(DOM0_BUILD)/obj/%.o,$(DOM0_SRC))
DOM0_ELF   := $(DOM0_BUILD)/dom0.elf

$(DOM0_OBJ): $(DOM0_BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -Iinclude -Iarch/x86/include -c $< -o $@

$(DOM0_ELF): $(DOM0_OBJ) $($(GUEST_BUILD)_RT_OBJ) tools/guest/guest.ld tools/guest/check-guest.sh
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $@ $(DOM0_OBJ) $($(GUEST_BUILD)_RT_OBJ)
	$(Q)bash tools/guest/check-guest.sh $@ || { rm -f $@; exit 1; }

.PHONY: dom0
dom0: $(DOM0_ELF)

-include $(DOM0_OBJ:.o=.d)
