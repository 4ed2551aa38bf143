/*
 * Grant tables (__HYPERVISOR_grant_table_op, 20), version 1 entries: the guest-visible ABI
 * in Keel's words. Numbers and layouts are interface facts of Xen's public grant_table.h.
 *
 * A domain (the granter) lets another domain read or write one of its pages by filling an
 * entry of its grant table: a shared array of 8-byte entries in frames the hypervisor
 * allocates (the guest maps them with XENMEM_add_to_physmap, XENMAPSPACE_grant_table).
 * The grant reference (gref) is the entry's index. The grantee maps the page
 * (GNTTABOP_map_grant_ref) or copies to/from it (GNTTABOP_copy) naming (granter, gref).
 *
 * The hypercall: grant_table_op(cmd, uop, count): `uop` points to an array of `count`
 * structures of the command's type; each reports its own result in `status` (GNTST_*).
 * The hypercall itself returns 0, or -errno when the array cannot be read or written or
 * the command is unknown.
 */
#ifndef KEEL_PUBLIC_GRANT_TABLE_H
#define KEEL_PUBLIC_GRANT_TABLE_H

#include <stdint.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* The v1 entry. The granter writes domid and frame (its own GFN), then flags; the
 * hypervisor sets GTF_reading/GTF_writing while the grantee has the page mapped or a
 * copy is in progress, and clears them when the last such use ends. A granter revokes
 * by clearing flags with a compare-exchange that fails while either bit is set. */
struct grant_entry_v1 {
    uint16_t flags;                /* GTF_* */
    uint16_t domid;                /* the domain allowed to use it */
    uint32_t frame;                /* the granter's GFN */
};

#define GTF_invalid          0u
#define GTF_permit_access    1u    /* domid may map/copy the frame */

/* Entries the toolstack fills before the guest runs (Xen's reserved references). */
#define GNTTAB_RESERVED_CONSOLE  0
#define GNTTAB_RESERVED_XENSTORE 1
#define GTF_accept_transfer  2u    /* PV page transfer: GNTTABOP_transfer is -ENOSYS */
#define GTF_transitive       3u    /* v2 only */
#define GTF_type_mask        3u
#define GTF_readonly         (1u << 2)   /* granter: only read access */
#define GTF_reading          (1u << 3)   /* hypervisor: in use for reading */
#define GTF_writing          (1u << 4)   /* hypervisor: in use for writing */
#define GTF_PWT              (1u << 5)
#define GTF_PCD              (1u << 6)
#define GTF_PAT              (1u << 7)
#define GTF_sub_page         (1u << 8)   /* v2 only */

/* XENMEM_add_to_physmap, XENMAPSPACE_grant_table: idx is the table frame; this bit would
 * ask for a v2 status frame (-EINVAL: Keel has v1 only). */
#define XENMAPIDX_grant_table_status 0x80000000u

/* Commands. */
#define GNTTABOP_map_grant_ref        0
#define GNTTABOP_unmap_grant_ref      1
#define GNTTABOP_setup_table          2
#define GNTTABOP_dump_table           3
#define GNTTABOP_transfer             4
#define GNTTABOP_copy                 5
#define GNTTABOP_query_size           6
#define GNTTABOP_unmap_and_replace    7
#define GNTTABOP_set_version          8
#define GNTTABOP_get_status_frames    9
#define GNTTABOP_get_version          10
#define GNTTABOP_swap_grant_ref       11
#define GNTTABOP_cache_flush          12

/* GNTMAP_* flags of map_grant_ref. For PVH/HVM guests host_addr is a guest-PHYSICAL
 * address of the mapper: the granted frame appears there in its physical map. */
#define GNTMAP_device_map      (1u << 0)
#define GNTMAP_host_map        (1u << 1)
#define GNTMAP_readonly        (1u << 2)
#define GNTMAP_application_map (1u << 3)
#define GNTMAP_contains_pte    (1u << 4)

/* 32 bytes; the same layout for 32-bit guests (every field naturally placed). */
struct gnttab_map_grant_ref {
    uint64_t host_addr;            /* in */
    uint32_t flags;                /* in: GNTMAP_* */
    grant_ref_t ref;               /* in */
    uint16_t dom;                  /* in: the granter */
    int16_t status;                /* out: GNTST_* */
    grant_handle_t handle;         /* out: names the mapping for unmap */
    uint64_t dev_bus_addr;         /* out: 0 (no device mappings) */
};

/* 24 bytes in both layouts. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;            /* in: where it was mapped */
    uint64_t dev_bus_addr;         /* in: ignored */
    grant_handle_t handle;         /* in */
    int16_t status;                /* out */
};

/* setup_table: grow the caller's table to nr_frames and list the frames' GFNs (the GFN
 * each is mapped at, or all ones if not mapped). count must be 1.
 * 64-bit: 24 bytes, frame_list (a pointer to uint64_t GFNs) at 16.
 * 32-bit: compat_gnttab_setup_table, 16 bytes, frame_list pointing to uint32_t GFNs. */
struct gnttab_setup_table {
    uint16_t dom;                  /* in: DOMID_SELF or the caller */
    uint32_t nr_frames;            /* in */
    int16_t status;                /* out */
    uint64_t frame_list;           /* in: guest pointer */
};
struct compat_gnttab_setup_table {
    uint16_t dom;
    uint32_t nr_frames;
    int16_t status;
    uint32_t frame_list;
};

/* query_size: 16 bytes in both layouts; count must be 1. */
struct gnttab_query_size {
    uint16_t dom;                  /* in */
    uint32_t nr_frames;            /* out: frames in use */
    uint32_t max_nr_frames;        /* out */
    int16_t status;                /* out */
};

/* copy: len bytes from source to dest, each named by a gref of a granter (flag set) or a
 * GFN of the caller's own (flag clear, domid DOMID_SELF); offset + len must stay inside
 * the 4 KiB page on both sides.
 * 64-bit: each side 16 bytes (the union is 8), len at 32, 40 bytes in all.
 * 32-bit: the union is 4 bytes, each side 8, len at 16, flags 18, status 20: 24 bytes. */
struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint64_t gmfn;
    } u;
    uint16_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;                /* GNTCOPY_* */
    int16_t status;
};
struct compat_gnttab_copy_ptr {
    uint32_t u;
    uint16_t domid;
    uint16_t offset;
};
struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};
#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref   (1u << 1)

/* Per-operation status codes. */
#define GNTST_okay              0
#define GNTST_general_error    (-1)
#define GNTST_bad_domain       (-2)
#define GNTST_bad_gntref       (-3)
#define GNTST_bad_handle       (-4)
#define GNTST_bad_virt_addr    (-5)
#define GNTST_bad_dev_addr     (-6)
#define GNTST_no_device_space  (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page         (-9)
#define GNTST_bad_copy_arg     (-10)
#define GNTST_address_too_big  (-11)
#define GNTST_eagain           (-12)
#define GNTST_no_space         (-13)

#endif
