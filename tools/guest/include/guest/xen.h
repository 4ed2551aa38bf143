/*
 * The part of the Xen guest ABI that Keel's test guests use, written for the guest side.
 * Deliberately self-contained (it does not include the hypervisor's include/public/):
 * a guest sees only the interface, and a mismatch between the two copies is a bug that
 * the test guests will find. Numbers and layouts are interface facts of Xen's public ABI
 * (xen/include/public/xen.h, sched.h, arch-x86/hvm/start_info.h).
 */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include <stdint.h>

/* Hypercalls, 64-bit convention: RAX = number; RDI, RSI, RDX, R10, R8 = arguments;
 * result in RAX (negative = -errno). Instruction: VMMCALL on AMD, VMCALL on Intel. */
#define __HYPERVISOR_console_io   18
#define __HYPERVISOR_sched_op     29

/* console_io(cmd, count, buffer) */
#define CONSOLEIO_write           0
#define CONSOLEIO_read            1

/* sched_op(cmd, arg) */
#define SCHEDOP_yield             0
#define SCHEDOP_block             1
#define SCHEDOP_shutdown          2

/* struct sched_shutdown.reason */
#define SHUTDOWN_poweroff         0
#define SHUTDOWN_reboot           1
#define SHUTDOWN_suspend          2
#define SHUTDOWN_crash            3

struct sched_shutdown {
    uint32_t reason;
};

/* Xen's errno values (returned negated). */
#define XEN_EPERM                 1
#define XEN_EFAULT                14
#define XEN_EINVAL                22
#define XEN_ENOSYS                38

/* PVH boot: EBX points at this at the 32-bit entry. */
#define HVM_START_MAGIC           0x336ec578u

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    /* version >= 1 */
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

#define HVM_MEMMAP_TYPE_RAM       1

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* ELF note of name "Xen" whose 4-byte descriptor is the 32-bit physical entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY  18

#endif
