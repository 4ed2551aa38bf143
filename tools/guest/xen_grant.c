/* Grant table helpers for the test guests (guest/xen_grant.h). */
#include <guest/guest.h>
#include <guest/xen_grant.h>

volatile struct grant_entry_v1 *xen_gnttab;

long xen_grant_table_op(unsigned cmd, void *uop, unsigned long count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count);
}

long xen_gnttab_map_frame(unsigned idx, void *page)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = idx,
        .gpfn = (uint64_t)(uintptr_t)page >> 12,
    };
    return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&x);
}

long xen_gnttab_map(void *page)
{
    long rc = xen_gnttab_map_frame(0, page);
    if (!rc)
        xen_gnttab = page;
    return rc;
}

void xen_grant_access(uint32_t ref, domid_t dom, void *page, int readonly)
{
    volatile struct grant_entry_v1 *e = &xen_gnttab[ref];
    e->frame = (uint32_t)((uintptr_t)page >> 12);
    e->domid = dom;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

int xen_grant_end(uint32_t ref)
{
    uint16_t *flags = (uint16_t *)(uintptr_t)&xen_gnttab[ref].flags;
    uint16_t old = __atomic_load_n(flags, __ATOMIC_SEQ_CST);
    do {
        if (old & (GTF_reading | GTF_writing))
            return -1;
    } while (!__atomic_compare_exchange_n(flags, &old, 0, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return 0;
}

int xen_grant_map(domid_t dom, uint32_t ref, uint64_t gpa, uint32_t flags, uint32_t *handle)
{
    struct gnttab_map_grant_ref op = { .host_addr = gpa, .flags = flags, .ref = ref, .dom = dom };
    long rc = xen_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    if (rc)
        return (int)rc;
    if (handle)
        *handle = op.handle;
    return op.status;
}

int xen_grant_unmap(uint64_t gpa, uint32_t handle)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
    long rc = xen_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    return rc ? (int)rc : op.status;
}

int xen_grant_copy(struct gnttab_copy *op)
{
    long rc = xen_grant_table_op(GNTTABOP_copy, op, 1);
    return rc ? (int)rc : op->status;
}
