/*
 * Host unit tests of the guest ACPI tables (kernel/guest_acpi.c): every table's checksum
 * sums to zero, the RSDP's too (first 20 bytes and all 36), the pointers lead from the
 * RSDP through the XSDT to a FADT and a MADT inside the page at the address the tables
 * were built for, the FADT is hardware-reduced with an X_DSDT pointing at a DSDT, and
 * Keel's own MADT parser (arch/x86/madt.c) reads one enabled CPU per vCPU, APIC id =
 * vCPU id, no I/O APIC, no 8259s.
 */
#include <stdio.h>

#include "unit.h"
#include <keel/guest_acpi.h>
#include <arch/acpi.h>

#define GPA 0xffe000ull

static uint8_t page[GUEST_ACPI_SIZE];

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The table at guest address gpa, checked to lie in the page with a good checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
    assert_true(gpa >= GPA && gpa + 36 <= GPA + GUEST_ACPI_SIZE);
    const uint8_t *t = page + (gpa - GPA);
    uint32_t len = get32(t + 4);
    assert_memory_equal(t, sig, 4);
    assert_true(len >= 36 && gpa + len <= GPA + GUEST_ACPI_SIZE);
    assert_int_equal(sum(t, len), 0);
    return t;
}

static void check(unsigned nr_vcpus)
{
    memset(page, 0xa5, sizeof(page));
    guest_acpi_tables(page, GPA, nr_vcpus);

    assert_memory_equal(page, "RSD PTR ", 8);
    assert_int_equal(page[15], 2);
    assert_int_equal(sum(page, 20), 0);
    assert_int_equal(get32(page + 20), 36);
    assert_int_equal(sum(page, 36), 0);

    const uint8_t *xsdt = table(get64(page + 24), "XSDT");
    assert_int_equal(get32(xsdt + 4), 36 + 16);
    const uint8_t *fadt = table(get64(xsdt + 36), "FACP");
    const uint8_t *madt = table(get64(xsdt + 44), "APIC");

    assert_true(get32(fadt + 112) & (1u << 20));              /* HW_REDUCED_ACPI */
    table(get64(fadt + 140), "DSDT");

    struct madt_info m;
    assert_int_equal(madt_parse(madt, get32(madt + 4), &m), 0);
    assert_int_equal(m.nr_bad, 0);
    assert_int_equal(m.nr_cpus, nr_vcpus);
    for (unsigned i = 0; i < nr_vcpus; i++) {
        assert_int_equal(m.cpus[i].apic_id, i);
        assert_int_equal(m.cpus[i].acpi_uid, i);
    }
    assert_int_equal(m.nr_ioapics, 0);
    assert_false(m.pcat_compat);
    assert_int_equal(m.lapic_addr, 0xfee00000);
}

static void one_vcpu(void **state) { (void)state; check(1); }
static void two_vcpus(void **state) { (void)state; check(2); }
static void max_vcpus(void **state) { (void)state; check(GUEST_ACPI_MAX_VCPUS); }

/* More than the tables hold: clamped, never written past the page. */
static void too_many_vcpus(void **state)
{
    (void)state;
    uint8_t *p = guarded_copy(page, GUEST_ACPI_SIZE);
    guest_acpi_tables(p, GPA, 1000);
    memcpy(page, p, GUEST_ACPI_SIZE);
    guarded_free(p);
    const uint8_t *xsdt = page + (get64(page + 24) - GPA);
    const uint8_t *madt = page + (get64(xsdt + 44) - GPA);
    struct madt_info m;
    assert_int_equal(madt_parse(madt, get32(madt + 4), &m), 0);
    assert_int_equal(m.nr_cpus, GUEST_ACPI_MAX_VCPUS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_vcpu),
        cmocka_unit_test(two_vcpus),
        cmocka_unit_test(max_vcpus),
        cmocka_unit_test(too_many_vcpus),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
