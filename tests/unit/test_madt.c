/*
 * Host unit tests of arch/x86/madt.c: madt_parse(). Tables are built in memory with a
 * correct checksum (madt_parse does not check it; acpi.c does, but the tables here should
 * be what firmware would really hand over) and parsed from a copy that ends at a guard page.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <arch/acpi.h>

#define LAPIC_DEFAULT 0xfee00000u
#define MADT_HDR_LEN 44u

static uint8_t tab[16384];
static uint32_t tlen;
static struct madt_info mi;

static void t_init(uint32_t lapic_addr, uint32_t flags)
{
    struct acpi_header h;
    memset(tab, 0, sizeof(tab));
    memset(&h, 0, sizeof(h));
    memcpy(h.sig, "APIC", 4);
    h.revision = 5;
    memcpy(h.oem_id, "KEELTS", 6);
    memcpy(h.oem_table_id, "UNITMADT", 8);
    h.oem_revision = 1;
    memcpy(&h.creator_id, "KEEL", 4);
    h.creator_revision = 1;
    memcpy(tab, &h, sizeof(h));
    memcpy(tab + 36, &lapic_addr, 4);
    memcpy(tab + 40, &flags, 4);
    tlen = MADT_HDR_LEN;
}

static void t_put(const void *p, uint32_t n)
{
    assert_true(tlen + n <= sizeof(tab));
    memcpy(tab + tlen, p, n);
    tlen += n;
}

static void put_lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, apic_id };
    memcpy(e + 4, &flags, 4);
    t_put(e, sizeof(e));
}

static void put_x2apic(uint32_t id, uint32_t uid, uint32_t flags)
{
    uint8_t e[16] = { 9, 16 };
    memcpy(e + 4, &id, 4);
    memcpy(e + 8, &flags, 4);
    memcpy(e + 12, &uid, 4);
    t_put(e, sizeof(e));
}

static void put_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t e[12] = { 1, 12, id, 0 };
    memcpy(e + 4, &addr, 4);
    memcpy(e + 8, &gsi_base, 4);
    t_put(e, sizeof(e));
}

static void put_override(uint64_t addr)
{
    uint8_t e[12] = { 5, 12 };
    memcpy(e + 4, &addr, 8);
    t_put(e, sizeof(e));
}

/* Interrupt source override (type 2) and local APIC NMI (type 4): ignored by madt_parse. */
static void put_others(void)
{
    uint8_t iso[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
    uint8_t nmi[6] = { 4, 6, 0xff, 5, 0, 1 };
    t_put(iso, sizeof(iso));
    t_put(nmi, sizeof(nmi));
}

/* Sets the header length (to the bytes written unless `len` is nonzero) and checksum. */
static void t_finish_len(uint32_t len)
{
    uint8_t sum = 0;
    memcpy(tab + 4, &len, 4);
    tab[9] = 0;
    for (uint32_t i = 0; i < tlen; i++)
        sum = (uint8_t)(sum + tab[i]);
    tab[9] = (uint8_t)-sum;
}

static void t_finish(void)
{
    t_finish_len(tlen);
}

static int parse_len(size_t len)
{
    void *p = guarded_copy(tab, len);
    memset(&mi, 0xa5, sizeof(mi));
    clear_log();
    int r = madt_parse(p, len, &mi);
    guarded_free(p);
    return r;
}

static int parse(void)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < tlen; i++)
        sum = (uint8_t)(sum + tab[i]);
    assert_int_equal(sum, 0);            /* the builder's own check */
    return parse_len(tlen);
}

static void assert_cpu(uint32_t i, uint32_t apic_id, uint32_t uid)
{
    assert_true(i < mi.nr_cpus);
    assert_int_equal(mi.cpus[i].apic_id, apic_id);
    assert_int_equal(mi.cpus[i].acpi_uid, uid);
}

/* ---- well-formed tables ---- */

static void normal_table(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    for (uint8_t i = 0; i < 4; i++)
        put_lapic(i, (uint8_t)(i * 2), 1);
    put_ioapic(8, 0xfec00000, 0);
    put_others();
    put_override(0x1fee00000ull);
    t_finish();

    assert_int_equal(parse(), 0);
    assert_log_empty();
    assert_int_equal(mi.nr_bad, 0);
    assert_int_equal(mi.lapic_addr, 0x1fee00000ull);
    assert_true(mi.pcat_compat);
    assert_int_equal(mi.nr_cpus, 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_cpu(i, i * 2, i);
    assert_int_equal(mi.nr_ioapics, 1);
    assert_int_equal(mi.ioapics[0].id, 8);
    assert_int_equal(mi.ioapics[0].addr, 0xfec00000);
    assert_int_equal(mi.ioapics[0].gsi_base, 0);
}

static void no_override_no_pcat(void **state)
{
    (void)state;
    t_init(0xfee01000, 0);
    put_lapic(0, 0, 1);
    put_ioapic(0, 0xfec00000, 0);
    put_ioapic(1, 0xfec01000, 24);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.lapic_addr, 0xfee01000);
    assert_false(mi.pcat_compat);
    assert_int_equal(mi.nr_ioapics, 2);
    assert_int_equal(mi.ioapics[1].id, 1);
    assert_int_equal(mi.ioapics[1].addr, 0xfec01000);
    assert_int_equal(mi.ioapics[1].gsi_base, 24);
}

static void empty_table(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 0);
    assert_int_equal(mi.nr_ioapics, 0);
    assert_int_equal(mi.nr_bad, 0);
    assert_int_equal(mi.lapic_addr, LAPIC_DEFAULT);
}

static void x2apic_entries(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    put_x2apic(0x100, 1, 1);
    put_x2apic(0x12345, 2, 1);
    put_x2apic(0xfffffffeu, 3, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_bad, 0);
    assert_int_equal(mi.nr_cpus, 4);
    assert_cpu(0, 0, 0);
    assert_cpu(1, 0x100, 1);
    assert_cpu(2, 0x12345, 2);
    assert_cpu(3, 0xfffffffeu, 3);
}

static void x2apic_broadcast_id(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_x2apic(0xffffffffu, 7, 1);
    put_x2apic(0x200, 8, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_cpu(0, 0x200, 8);
    assert_int_equal(mi.nr_bad, 1);
    assert_log_contains("0xffffffff");
}

static void disabled_cpus_skipped(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    put_lapic(1, 1, 0);          /* disabled */
    put_lapic(2, 2, 2);          /* online capable, not enabled now */
    put_x2apic(0x300, 3, 0);
    put_lapic(4, 4, 3);          /* enabled (and online capable) */
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 2);
    assert_cpu(0, 0, 0);
    assert_cpu(1, 4, 4);
    assert_int_equal(mi.nr_bad, 0);
    assert_log_empty();
}

/* A disabled entry does not take the APIC id: an enabled one with the same id is kept. */
static void disabled_then_enabled_same_id(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 5, 0);
    put_lapic(1, 5, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_cpu(0, 5, 1);
    assert_int_equal(mi.nr_bad, 0);
}

static void duplicate_apic_id(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    put_lapic(1, 1, 1);
    put_lapic(2, 1, 1);          /* repeats 1 */
    put_lapic(3, 3, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 3);
    assert_cpu(0, 0, 0);
    assert_cpu(1, 1, 1);         /* the first one is kept */
    assert_cpu(2, 3, 3);
    assert_int_equal(mi.nr_bad, 1);
    assert_log_contains("at offset 60 repeats APIC id 1");
}

static void duplicate_between_lapic_and_x2apic(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 7, 1);
    put_x2apic(7, 9, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_cpu(0, 7, 0);
    assert_int_equal(mi.nr_bad, 1);
    assert_log_contains("repeats APIC id 7");
}

static void apic_id_ff_skipped(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    put_lapic(1, 0xff, 1);       /* enabled broadcast id: nonsense, reported */
    put_lapic(2, 0xff, 0);       /* disabled placeholder, common in firmware: silent */
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_cpu(0, 0, 0);
    assert_int_equal(mi.nr_bad, 1);
    assert_int_equal(captured_messages(), 1);
    assert_log_contains("APIC id 255 (broadcast)");
}

static void unknown_entries_skipped(void **state)
{
    uint8_t odd[5] = { 0x7f, 5, 1, 2, 3 };
    uint8_t minimal[2] = { 0x10, 2 };
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_others();
    t_put(odd, sizeof(odd));
    t_put(minimal, sizeof(minimal));
    put_lapic(0, 0, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_int_equal(mi.nr_bad, 0);
}

/* ---- malformed entries ---- */

static void entry_length_0_or_1(void **state)
{
    (void)state;
    for (uint8_t bad_len = 0; bad_len < 2; bad_len++) {
        uint8_t e[8] = { 0, bad_len, 9, 9, 1, 0, 0, 0 };
        t_init(LAPIC_DEFAULT, 1);
        put_lapic(0, 0, 1);
        put_lapic(1, 1, 1);
        t_put(e, sizeof(e));                 /* at offset 60 */
        put_lapic(2, 2, 1);                  /* never reached */
        put_ioapic(0, 0xfec00000, 0);
        t_finish();
        assert_int_equal(parse(), 0);
        assert_int_equal(mi.nr_cpus, 2);
        assert_cpu(1, 1, 1);
        assert_int_equal(mi.nr_ioapics, 0);
        assert_int_equal(mi.nr_bad, 1);
        char want[64];
        snprintf(want, sizeof(want), "entry at offset 60 claims length %u; walk ends", bad_len);
        assert_log_contains(want);
    }
}

static void entry_past_table_end(void **state)
{
    uint8_t e[8] = { 0, 20, 3, 3, 1, 0, 0, 0 };
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    t_put(e, sizeof(e));                     /* claims 20 bytes; 8 are left */
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_int_equal(mi.nr_bad, 1);
    assert_log_contains("entry at offset 52 claims length 20");
}

static void one_byte_fragment_at_end(void **state)
{
    uint8_t frag = 0;
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    t_put(&frag, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_int_equal(mi.nr_bad, 1);
    assert_log_contains("1-byte fragment at offset 52");
}

static void short_entries_skipped(void **state)
{
    uint8_t lapic6[6] = { 0, 6, 1, 1, 1, 0 };
    uint8_t x2apic12[12] = { 9, 12, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0 };
    uint8_t ioapic8[8] = { 1, 8, 3, 0, 0, 0, 0xc0, 0xfe };
    uint8_t ovr4[4] = { 5, 4, 0, 0 };
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    t_put(lapic6, sizeof(lapic6));
    t_put(x2apic12, sizeof(x2apic12));
    t_put(ioapic8, sizeof(ioapic8));
    t_put(ovr4, sizeof(ovr4));
    put_lapic(5, 5, 1);                      /* the walk goes on after short entries */
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_cpu(0, 5, 5);
    assert_int_equal(mi.nr_ioapics, 0);
    assert_int_equal(mi.lapic_addr, LAPIC_DEFAULT);
    assert_int_equal(mi.nr_bad, 4);
    assert_log_contains("local APIC entry at offset 44 is only 6 bytes");
    assert_log_contains("x2APIC entry at offset 50 is only 12 bytes");
    assert_log_contains("IOAPIC entry at offset 62 is only 8 bytes");
    assert_log_contains("LAPIC address override at offset 70 is only 4 bytes");
}

/* Longer entries than this revision defines (future ACPI versions) are read at their length. */
static void long_entries_accepted(void **state)
{
    uint8_t lapic10[10] = { 0, 10, 1, 4, 1, 0, 0, 0, 0xee, 0xee };
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    t_put(lapic10, sizeof(lapic10));
    put_lapic(2, 6, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, 2);
    assert_cpu(0, 4, 1);
    assert_cpu(1, 6, 2);
}

/* ---- malformed tables ---- */

static void header_length_larger_than_buffer(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    t_finish_len(tlen + 4);
    assert_int_equal(parse_len(tlen), -1);
    assert_log_contains("length (56) disagrees with 52 bytes");
}

static void header_length_below_minimum(void **state)
{
    (void)state;
    for (uint32_t len = 0; len < MADT_HDR_LEN; len += 4) {
        t_init(LAPIC_DEFAULT, 1);
        put_lapic(0, 0, 1);
        t_finish_len(len);
        assert_int_equal(parse(), -1);
        assert_log_contains("too short");
    }
}

static void buffer_below_minimum(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    t_finish();
    for (uint32_t len = 0; len < MADT_HDR_LEN; len++) {
        memcpy(tab + 4, &len, 4);          /* the table agrees with the buffer */
        assert_int_equal(parse_len(len), -1);
        assert_int_equal(mi.nr_cpus, 0);
    }
    clear_log();
    assert_int_equal(madt_parse(NULL, 100, &mi), -1);
    assert_log_contains("too short");
}

/* A buffer longer than the table: only the table's own length is walked. */
static void buffer_longer_than_table(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    put_lapic(0, 0, 1);
    t_finish();
    put_lapic(1, 1, 1);                      /* past the stated length */
    put_ioapic(0, 0xfec00000, 0);
    assert_int_equal(parse_len(tlen), 0);
    assert_int_equal(mi.nr_cpus, 1);
    assert_int_equal(mi.nr_ioapics, 0);
}

static void too_many_cpus(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    for (uint32_t i = 0; i < MADT_MAX_CPUS + 6; i++)
        put_lapic((uint8_t)i, (uint8_t)i, 1);
    put_x2apic(0x1000, 0x1000, 1);
    put_ioapic(2, 0xfec00000, 0);            /* entries after the limit are still read */
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_cpus, MADT_MAX_CPUS);
    for (uint32_t i = 0; i < MADT_MAX_CPUS; i++)
        assert_cpu(i, i, i);
    assert_int_equal(mi.nr_bad, 7);
    assert_int_equal(log_count("over Keel's CPU limit"), 7);
    assert_int_equal(mi.nr_ioapics, 1);
}

static void too_many_ioapics(void **state)
{
    (void)state;
    t_init(LAPIC_DEFAULT, 1);
    for (uint32_t i = 0; i < MADT_MAX_IOAPICS + 2; i++)
        put_ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    put_lapic(0, 0, 1);
    t_finish();
    assert_int_equal(parse(), 0);
    assert_int_equal(mi.nr_ioapics, MADT_MAX_IOAPICS);
    for (uint32_t i = 0; i < MADT_MAX_IOAPICS; i++) {
        assert_int_equal(mi.ioapics[i].id, i);
        assert_int_equal(mi.ioapics[i].gsi_base, i * 24);
    }
    assert_int_equal(mi.nr_bad, 2);
    assert_log_contains("over the limit of 8");
    assert_int_equal(mi.nr_cpus, 1);
}

/* Random corruption of a valid table: never a read past it, never a crash, and the result
 * stays consistent (CPU count within bounds, no APIC id twice, no disabled/broadcast id). */
static void mutation_fuzz(void **state)
{
    static uint8_t good[1024];
    uint32_t good_len;
    uint64_t seed = 0x6b65656c6d616474ull;
    (void)state;

    t_init(LAPIC_DEFAULT, 1);
    for (uint8_t i = 0; i < 6; i++)
        put_lapic(i, i, 1);
    put_x2apic(0x100, 6, 1);
    put_ioapic(0, 0xfec00000, 0);
    put_others();
    put_override(0xfee00000);
    t_finish();
    good_len = tlen;
    memcpy(good, tab, good_len);

    for (int iter = 0; iter < 20000; iter++) {
        memcpy(tab, good, good_len);
        int nmut = 1 + (int)(unit_rand(&seed) % 5);
        for (int k = 0; k < nmut; k++) {
            uint32_t at = MADT_HDR_LEN + (uint32_t)(unit_rand(&seed) % (good_len - MADT_HDR_LEN));
            if (unit_rand(&seed) % 2)
                tab[at] = (uint8_t)unit_rand(&seed);
            else
                tab[at] = (uint8_t)(unit_rand(&seed) % 20);
        }
        size_t len = good_len;
        if (unit_rand(&seed) % 4 == 0) {
            uint32_t hl = (uint32_t)(unit_rand(&seed) % (good_len + 8));
            memcpy(tab + 4, &hl, 4);
        }
        if (unit_rand(&seed) % 4 == 0)
            len = (size_t)(unit_rand(&seed) % (good_len + 1));
        int r = parse_len(len);
        assert_true(r == 0 || r == -1);
        if (r < 0)
            continue;
        assert_true(mi.nr_cpus <= MADT_MAX_CPUS);
        assert_true(mi.nr_ioapics <= MADT_MAX_IOAPICS);
        for (uint32_t i = 0; i < mi.nr_cpus; i++) {
            assert_true(mi.cpus[i].apic_id != 0xffffffffu);
            for (uint32_t j = 0; j < i; j++)
                assert_true(mi.cpus[i].apic_id != mi.cpus[j].apic_id);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_table),
        cmocka_unit_test(no_override_no_pcat),
        cmocka_unit_test(empty_table),
        cmocka_unit_test(x2apic_entries),
        cmocka_unit_test(x2apic_broadcast_id),
        cmocka_unit_test(disabled_cpus_skipped),
        cmocka_unit_test(disabled_then_enabled_same_id),
        cmocka_unit_test(duplicate_apic_id),
        cmocka_unit_test(duplicate_between_lapic_and_x2apic),
        cmocka_unit_test(apic_id_ff_skipped),
        cmocka_unit_test(unknown_entries_skipped),
        cmocka_unit_test(entry_length_0_or_1),
        cmocka_unit_test(entry_past_table_end),
        cmocka_unit_test(one_byte_fragment_at_end),
        cmocka_unit_test(short_entries_skipped),
        cmocka_unit_test(long_entries_accepted),
        cmocka_unit_test(header_length_larger_than_buffer),
        cmocka_unit_test(header_length_below_minimum),
        cmocka_unit_test(buffer_below_minimum),
        cmocka_unit_test(buffer_longer_than_table),
        cmocka_unit_test(too_many_cpus),
        cmocka_unit_test(too_many_ioapics),
        cmocka_unit_test(mutation_fuzz),
    };
    unit_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
