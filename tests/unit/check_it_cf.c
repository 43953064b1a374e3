/*
 * check_it_cf.c - Italian codice fiscale detector (it-cf, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: RSSMRA80A01H501U (Mario Rossi, Rome, 1 January 1980: the
 * textbook example), its first omocodia RSSMRA80A01H50MM, and a woman's
 * (day + 40) BNCGNN70T41F205L. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_it_cf_valid("RSSMRA80A01H501U", 16));
    ck_assert(cvi_natid_it_cf_valid("RSSMRA80A01H50MM", 16));
    ck_assert(cvi_natid_it_cf_valid("BNCGNN70T41F205L", 16));
    ck_assert(!cvi_natid_it_cf_valid("RSSMRA80A01H501A", 16));
    ck_assert(!cvi_natid_it_cf_valid("RSSMRA80Z01H501U", 16));   /* no month Z */
    ck_assert(!cvi_natid_it_cf_valid("RSSMRA80A35H501U", 16));   /* day 35 */
    ck_assert(!cvi_natid_it_cf_valid("RSSMRA80A01H501", 15));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_it_cf, CV_ENT_NATIONAL_ID, "il mio codice fiscale è RSSMRA80A01H501U", "RSSMRA80A01H501U",
           "RSSMRA80A01H501U");
    one_by(CV_DET_it_cf, CV_ENT_NATIONAL_ID, "CF: rssmra80a01h501u.", "rssmra80a01h501u", "RSSMRA80A01H501U");
    one_by(CV_DET_it_cf, CV_ENT_NATIONAL_ID, "RSSMRA80A01H50MM", "RSSMRA80A01H50MM", "RSSMRA80A01H50MM");
    /* omocodia down to the year's two digits (nothing between them), and to
     * one: found whatever the gates (fuzz_detect found the gate too strict) */
    one_by(CV_DET_it_cf, CV_ENT_NATIONAL_ID, "codice fiscale RSSMRA80ALMHRLMV grazie", "RSSMRA80ALMHRLMV",
           "RSSMRA80ALMHRLMV");
    one_by(CV_DET_it_cf, CV_ENT_NATIONAL_ID, "cf RSSMRA8LALMHRLMG", "RSSMRA8LALMHRLMG", "RSSMRA8LALMHRLMG");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "codice RSSMRA80A01H501A");           /* wrong check letter */
    none("GB", CV_ENT_NATIONAL_ID, "XRSSMRA80A01H501U");
    none("GB", CV_ENT_NATIONAL_ID, "IT60 X054 2811 1010 0000 0123 456");  /* an IBAN */
    none("GB", CV_ENT_NATIONAL_ID, "SKU ABCDEF12G34H567I");
    /* no digit left (omocodia in all seven): not taken, with a digit near or
     * not (the README's limit; fuzz_detect found the windows took it) */
    none("GB", CV_ENT_NATIONAL_ID, "RSSMRALLALMHRLMR");
    none("GB", CV_ENT_NATIONAL_ID, "l2  RSSMRALLALMHRLMR 1");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_it_cf.txt", CV_ENT_NATIONAL_ID, CV_DET_it_cf), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("it_cf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
