/*
 * memory_op(cmd, arg): the parts of Xen's memory interface Keel implements, in Keel's
 * words. cmd[5:0] is the operation; the bits above are a continuation index that only
 * some operations use.
 */
#ifndef KEEL_PUBLIC_MEMORY_H
#define KEEL_PUBLIC_MEMORY_H

#include <public/xen.h>

#define MEMOP_CMD_MASK       0x3f
#define MEMOP_EXTENT_SHIFT   6

#define XENMEM_increase_reservation  0
#define XENMEM_decrease_reservation  1
#define XENMEM_populate_physmap      6
#define XENMEM_current_reservation   3   /* arg: domid_t *; returns pages held */
#define XENMEM_maximum_reservation   4   /* arg: domid_t *; returns the page limit */
#define XENMEM_add_to_physmap        7
#define XENMEM_memory_map            9
#define XENMEM_maximum_gpfn         14   /* arg: domid_t *; returns the highest GFN */

/* Map a hypervisor-provided page into the caller's physical address space at gpfn.
 * 64-bit layout (24 bytes): idx and gpfn are 8 bytes. 32-bit: compat_add_to_physmap. */
#define XENMAPSPACE_shared_info  0
#define XENMAPSPACE_grant_table  1
#define XENMAPSPACE_gmfn         2
#define XENMAPSPACE_gmfn_range   3
#define XENMAPSPACE_gmfn_foreign 4
#define XENMAPSPACE_dev_mmio     5
struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;                 /* gmfn_range only */
    uint32_t space;                /* XENMAPSPACE_* */
    uint64_t idx;                  /* which page of the space (shared_info: 0) */
    uint64_t gpfn;
};
struct compat_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint32_t idx;
    uint32_t gpfn;
};

/* The caller's memory map, e820 style. IN: nr_entries = room in buffer; OUT: entries
 * written. 64-bit: buffer is 8 bytes at offset 8; 32-bit: compat_memory_map. */
struct xen_memory_map {
    uint32_t nr_entries;
    uint32_t pad;
    uint64_t buffer;
};
struct compat_memory_map {
    uint32_t nr_entries;
    uint32_t buffer;
};

/* One entry of that map: packed, 20 bytes. */
struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;                 /* 1 RAM, 2 reserved, ... (as hvm_start_info) */
} __attribute__((packed));

/* increase/decrease_reservation and populate_physmap: extent_start points to nr_extents
 * GFNs (xen_pfn_t, 64-bit; 32-bit for 32-bit guests); each extent is 2^extent_order pages.
 * The result is the number of extents done (fewer on failure). mem_flags holds address
 * bits for PV guests; Keel ignores it. */
struct xen_memory_reservation {
    uint64_t extent_start;
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
};
struct compat_memory_reservation {
    uint32_t extent_start;
    uint32_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
};

#endif
