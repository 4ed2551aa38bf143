/*
 * Host unit tests of the hypercall page (kernel/hypercall_page.c): the stubs a guest calls
 * are byte-exact for both vendors, the rest of the page traps, the PV-only iret slot
 * traps; and the MSR write installs the page only at a page-aligned GPA that the domain
 * can write (index 0), refusing everything else (#GP). The guest-memory copy and the
 * backend are faked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include <keel/xen_abi.h>
#include <public/xen_cpuid.h>

/* ---- fakes */
static struct hvm_ops fake_ops = { .name = "svm" };
const struct hvm_ops *hvm = &fake_ops;
static uint8_t guest_page[4096];
static uint64_t last_gpa;
static unsigned copies;

struct domain *domain_find(unsigned id) { (void)id; return NULL; }

int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    (void)d;
    copies++;
    last_gpa = gpa;
    if (gpa != 0x5000 || len != sizeof(guest_page))      /* the only writable page */
        return -XEN_EFAULT;
    memcpy(guest_page, src, len);
    return 0;
}

static void check_page(const uint8_t *p, uint8_t op3)
{
    for (unsigned n = 0; n < 128; n++) {
        const uint8_t *s = p + 32 * n;
        if (n == __HYPERVISOR_iret) {
            assert_int_equal(s[0], 0x0f);
            assert_int_equal(s[1], 0x0b);
            for (unsigned i = 2; i < 32; i++)
                assert_int_equal(s[i], 0xcc);
            continue;
        }
        const uint8_t want[9] = { 0xb8, (uint8_t)n, 0, 0, 0, 0x0f, 0x01, op3, 0xc3 };
        assert_memory_equal(s, want, sizeof(want));
        for (unsigned i = sizeof(want); i < 32; i++)
            assert_int_equal(s[i], 0xcc);
    }
}

static void fill_both_vendors(void **state)
{
    (void)state;
    static uint8_t page[4096];
    memset(page, 0x55, sizeof(page));
    hypercall_page_fill(page, false);
    check_page(page, 0xd9);              /* vmmcall */
    hypercall_page_fill(page, true);
    check_page(page, 0xc1);              /* vmcall */
}

static void msr_write(void **state)
{
    (void)state;
    struct domain d;
    struct vcpu v;
    memset(&d, 0, sizeof(d));
    memset(&v, 0, sizeof(v));
    v.dom = &d;
    copies = 0;
    assert_false(xen_hypercall_page_msr(&v, 0x5001));          /* page index 1: none */
    assert_false(xen_hypercall_page_msr(&v, 0x5fff));
    assert_int_equal(copies, 0);
    assert_false(xen_hypercall_page_msr(&v, 0x6000));          /* not writable RAM */
    assert_false(xen_hypercall_page_msr(&v, 0xfffffffffffff000ull));
    assert_int_equal(last_gpa, 0xfffffffffffff000ull);
    assert_true(xen_hypercall_page_msr(&v, 0x5000));
    check_page(guest_page, 0xd9);                               /* fake_ops is "svm" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fill_both_vendors),
        cmocka_unit_test(msr_write),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
