/*
 * Grant tables from the guest side (tools/guest/xen_grant.c): the v1 ABI, self-contained
 * like guest/xen_iface.h (it must agree with the hypervisor's include/public/grant_table.h
 * bit for bit; the grant test guests are what checks that), and small helpers.
 */
#ifndef GUEST_XEN_GRANT_H
#define GUEST_XEN_GRANT_H

#include <stdint.h>
#include <guest/xen_iface.h>

#define __HYPERVISOR_grant_table_op 20

struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;
    uint32_t frame;
};
#define GTF_permit_access 1u
#define GTF_transitive    3u
#define GTF_readonly      (1u << 2)
#define GTF_reading       (1u << 3)
#define GTF_writing       (1u << 4)

#define GNTTABOP_map_grant_ref   0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table     2
#define GNTTABOP_dump_table      3
#define GNTTABOP_transfer        4
#define GNTTABOP_copy            5
#define GNTTABOP_query_size      6
#define GNTTABOP_set_version     8

#define GNTMAP_device_map      (1u << 0)
#define GNTMAP_host_map        (1u << 1)
#define GNTMAP_readonly        (1u << 2)
#define GNTMAP_application_map (1u << 3)
#define GNTMAP_contains_pte    (1u << 4)

struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;
    uint32_t ref;
    domid_t dom;
    int16_t status;
    uint32_t handle;
    uint64_t dev_bus_addr;
};
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    uint32_t handle;
    int16_t status;
};
struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    uint64_t frame_list;
};
struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
};
struct gnttab_copy_ptr {
    union { uint32_t ref; uint64_t gmfn; } u;
    domid_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};
#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref   (1u << 1)

#define GNTST_okay              0
#define GNTST_general_error    (-1)
#define GNTST_bad_domain       (-2)
#define GNTST_bad_gntref       (-3)
#define GNTST_bad_handle       (-4)
#define GNTST_bad_virt_addr    (-5)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page         (-9)
#define GNTST_bad_copy_arg     (-10)
#define GNTST_no_space         (-13)

#define XENMAPIDX_grant_table_status 0x80000000u

/* The table's first frame, once xen_gnttab_map has put it at `page`. */
extern volatile struct grant_entry_v1 *xen_gnttab;

long xen_grant_table_op(unsigned cmd, void *uop, unsigned long count);
/* XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx) at the GFN of `page`. */
long xen_gnttab_map_frame(unsigned idx, void *page);
long xen_gnttab_map(void *page);                 /* frame 0; sets xen_gnttab */
/* Fills entry `ref` (frame and domid first, then flags, as the ABI requires). */
void xen_grant_access(uint32_t ref, domid_t dom, void *page, int readonly);
/* Revokes ref: 0, or -1 while the grantee still uses it (GTF_reading/GTF_writing). */
int xen_grant_end(uint32_t ref);
/* One-element operations: the operation's GNTST_* status (or the hypercall's -errno). */
int xen_grant_map(domid_t dom, uint32_t ref, uint64_t gpa, uint32_t flags, uint32_t *handle);
int xen_grant_unmap(uint64_t gpa, uint32_t handle);
int xen_grant_copy(struct gnttab_copy *op);

#endif
