/*
 * The PVH start-of-day structure: EBX points at it when a PVH guest starts. Layout and
 * magic are fixed by Xen's public ABI (arch-x86/hvm/start_info.h); version 1 adds the
 * memory map.
 */
#ifndef KEEL_PUBLIC_HVM_START_INFO_H
#define KEEL_PUBLIC_HVM_START_INFO_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    /* version 1 */
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

#define HVM_MEMMAP_TYPE_RAM       1
#define HVM_MEMMAP_TYPE_RESERVED  2
#define HVM_MEMMAP_TYPE_ACPI      3
#define HVM_MEMMAP_TYPE_NVS       4

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* ELF note (name "Xen") that gives a PVH kernel's 32-bit physical entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#endif
