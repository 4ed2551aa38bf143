/*
 * Host unit tests of the grant-entry rules (kernel/grant_entry.c): which entries a domain
 * may pin for reading or writing, the GTF_reading/GTF_writing bits the granter sees while
 * it is in use and after, the active entry that fixes the user while pinned, and the pin
 * limit; then random sequences of pins and unpins against a model.
 */
#include "unit.h"
#include <keel/grant_table.h>

#define ME    5
#define OTHER 6

static struct grant_entry_v1 e;
static struct gnt_active a;

static void grant(uint16_t flags, uint16_t domid)
{
    e = (struct grant_entry_v1){ .flags = flags, .domid = domid, .frame = 0x1234 };
    memset(&a, 0, sizeof(a));
}

static void refuses_bad_entries(void **state)
{
    (void)state;
    const struct { uint16_t flags, domid; bool ro; } bad[] = {
        { 0, ME, true },                                         /* never granted */
        { GTF_permit_access, OTHER, true },                      /* someone else's */
        { GTF_accept_transfer, ME, true },
        { GTF_transitive, ME, true },
        { GTF_permit_access | GTF_readonly, ME, false },         /* write to read-only */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        grant(bad[i].flags, bad[i].domid);
        assert_int_equal(gnt_entry_pin(&e, &a, ME, bad[i].ro), GNTST_general_error);
        assert_int_equal(e.flags, bad[i].flags);                 /* untouched */
        assert_int_equal(a.rd_pins + a.wr_pins, 0);
    }
}

static void pin_sets_and_unpin_clears(void **state)
{
    (void)state;
    grant(GTF_permit_access, ME);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, false), GNTST_okay);
    assert_int_equal(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(a.domid, ME);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_okay);
    assert_int_equal(a.wr_pins, 1);
    assert_int_equal(a.rd_pins, 1);
    gnt_entry_unpin(&e, &a, false);                  /* the writer goes: reading stays */
    assert_int_equal(e.flags, GTF_permit_access | GTF_reading);
    gnt_entry_unpin(&e, &a, true);
    assert_int_equal(e.flags, GTF_permit_access);
    gnt_entry_unpin(&e, &a, true);                   /* nothing left: harmless */
    assert_int_equal(e.flags, GTF_permit_access);
    assert_int_equal(a.rd_pins + a.wr_pins, 0);

    grant(GTF_permit_access | GTF_readonly, ME);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_okay);
    assert_int_equal(e.flags, GTF_permit_access | GTF_readonly | GTF_reading);
}

static void pinned_entry_keeps_its_user(void **state)
{
    (void)state;
    grant(GTF_permit_access, ME);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_okay);
    /* The granter rewrites the entry for someone else while it is in use: the user
     * stays ME (another domain is refused, ME may still pin). */
    e.domid = OTHER;
    assert_int_equal(gnt_entry_pin(&e, &a, OTHER, true), GNTST_general_error);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_okay);
    /* Made read-only meanwhile: no write use. */
    e.flags |= GTF_readonly;
    assert_int_equal(gnt_entry_pin(&e, &a, ME, false), GNTST_general_error);
    assert_int_equal(a.rd_pins, 2);
}

static void pin_limit(void **state)
{
    (void)state;
    grant(GTF_permit_access, ME);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_okay);
    a.rd_pins = GNTTAB_PIN_MAX;
    assert_int_equal(gnt_entry_pin(&e, &a, ME, true), GNTST_general_error);
    assert_int_equal(gnt_entry_pin(&e, &a, ME, false), GNTST_okay);
}

/* Random pins and unpins by random domains on random entries, against a model: the
 * counts match, the bits are set exactly while a use of that kind remains. */
static void random_sequences(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 2000; round++) {
        grant((uint16_t)(unit_rand(&s) & 0x1f), (uint16_t)(ME + (unit_rand(&s) & 1)));
        e.flags &= (uint16_t)~(GTF_reading | GTF_writing);
        unsigned rd = 0, wr = 0;
        for (int step = 0; step < 40; step++) {
            bool ro = unit_rand(&s) & 1;
            if (unit_rand(&s) % 3) {
                uint16_t who = (uint16_t)(ME + (unit_rand(&s) & 1));
                bool ok = (rd || wr) ? a.domid == who && (ro || !(e.flags & GTF_readonly))
                                     : (e.flags & 3) == GTF_permit_access && e.domid == who &&
                                       (ro || !(e.flags & GTF_readonly));
                assert_int_equal(gnt_entry_pin(&e, &a, who, ro), ok ? GNTST_okay : GNTST_general_error);
                if (ok)
                    ro ? rd++ : wr++;
            } else {
                gnt_entry_unpin(&e, &a, ro);
                if (ro && rd)
                    rd--;
                else if (!ro && wr)
                    wr--;
            }
            assert_int_equal(a.rd_pins, rd);
            assert_int_equal(a.wr_pins, wr);
            assert_int_equal(!!(e.flags & GTF_writing), wr > 0);
            assert_int_equal(!!(e.flags & GTF_reading), rd + wr > 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_bad_entries),
        cmocka_unit_test(pin_sets_and_unpin_clears),
        cmocka_unit_test(pinned_entry_keeps_its_user),
        cmocka_unit_test(pin_limit),
        cmocka_unit_test(random_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
