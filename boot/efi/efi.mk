# keel.efi: Keel's own UEFI loader (boot/efi/), a gnu-efi application; included from the
# top Makefile.
#
#   make build/keel.efi    the loader (needs Debian's gnu-efi)
#   make esp               build/keel-esp.img: an ESP with keel.efi, keel.elf and keel.cfg
#                          (tools/mkesp.sh; CMDLINE as for `make run`)
#   make efi-host-test     the loader's pure parts (config, ELF check, memory map) built for
#                          the host with sanitizers and run on malformed input
#   make efi-test-images   what the native UEFI integration scenarios need besides keel.efi
#
# keel.efi is a PE32+ image made the gnu-efi way: position-independent ELF objects linked
# into a shared object with gnu-efi's start code and linker script, then converted by
# objcopy. It shares include/keel/boot_info.h and boot/efi_handoff.h with keel.elf.

EFI_INC     := /usr/include/efi
EFI_LIBDIR  := /usr/lib
EFI_SRC     := $(wildcard boot/efi/*.c)
EFI_SRC     := $(filter-out boot/efi/test_%,$(EFI_SRC))
EFI_OBJ     := $(patsubst %.c,$(BUILD)/%.efi.o,$(EFI_SRC))
EFI_CFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fpic -fshort-wchar -fno-stack-protector \
               -fno-strict-aliasing -fno-asynchronous-unwind-tables -mno-red-zone \
               -mgeneral-regs-only -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
               -Wall -Wextra -Werror -Wno-unused-parameter -Wno-pointer-sign \
               -I$(EFI_INC) -I$(EFI_INC)/x86_64 -Iinclude -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
               -T $(EFI_LIBDIR)/elf_x86_64_efi.lds

.PHONY: esp efi-host-test efi-test-images

$(BUILD)/%.efi.o: %.c boot/efi/efi.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EFICC   $<")
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/keel.efi.so: $(EFI_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(LD) $(EFI_LDFLAGS) -o $@ $(EFI_LIBDIR)/crt0-efi-x86_64.o $(EFI_OBJ) \
		-L$(EFI_LIBDIR) -lefi -lgnuefi

$(BUILD)/keel.efi: $(BUILD)/keel.efi.so
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

$(BUILD)/keel-esp.img: $(BUILD)/keel.efi $(BUILD)/keel.elf tools/mkesp.sh
	bash tools/mkesp.sh $@ $(BUILD)/keel.efi $(BUILD)/keel.elf "$(CMDLINE)"
esp: $(BUILD)/keel-esp.img

# Host build of the pure parts, with AddressSanitizer and UBSan.
EFI_HOST_SRC := boot/efi/test_keel_efi.c boot/efi/config.c boot/efi/elf.c \
                boot/efi/memmap.c boot/efi/util.c
$(BUILD)/efi-host/test_keel_efi: $(EFI_HOST_SRC) boot/efi/keel_efi.h boot/efi_handoff.h \
                                 boot/efi_memtype.h include/keel/boot_info.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -DKEEL_EFI_HOST_TEST -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
		-o $@ $(EFI_HOST_SRC)
efi-host-test: $(BUILD)/efi-host/test_keel_efi $(BUILD)/keel.elf
	@$< $(BUILD)/keel.elf

# For the integration scenario uefi-bad-kernel-taken: a valid Keel-shaped image linked
# where the firmware keeps its own memory.
$(BUILD)/efi-test/keel-taken.elf: boot/efi/test_taken.c boot/efi/test_taken.ld \
                                  boot/efi_handoff.h include/keel/boot_info.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -MF /dev/null -c boot/efi/test_taken.c -o $(BUILD)/efi-test/test_taken.o
	$(Q)$(LD) -nostdlib -n -z max-page-size=0x1000 -z noexecstack -T boot/efi/test_taken.ld \
		-o $@ $(BUILD)/efi-test/test_taken.o

-include $(EFI_OBJ:.o=.d)

efi-test-images: $(BUILD)/keel.efi $(BUILD)/efi-test/keel-taken.elf
