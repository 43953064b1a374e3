/*
 * check_nl_bsn.c - Dutch BSN detector (nl-bsn, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 111222333 (9+8+7+12+10+8+9+6 - 3 = 66) and 123456782
 * (156 - 2 = 154), the 11-test's usual test numbers. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_nl_bsn_valid("111222333", 9));
    ck_assert(cvi_natid_nl_bsn_valid("123456782", 9));
    ck_assert(!cvi_natid_nl_bsn_valid("123456789", 9));
    ck_assert(!cvi_natid_nl_bsn_valid("000000000", 9));
    ck_assert(!cvi_natid_nl_bsn_valid("12345678", 8));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_nl_bsn, CV_ENT_NATIONAL_ID, "mijn BSN is 123456782", "123456782", "123456782");
    one_by(CV_DET_nl_bsn, CV_ENT_NATIONAL_ID, "burgerservicenummer: 111 222 333", "111 222 333", "111222333");
    one_by(CV_DET_nl_bsn, CV_ENT_NATIONAL_ID, "nummer 1234.56.782 genoteerd", "1234.56.782", "123456782");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "mijn BSN is 123456789");             /* fails the 11-test */
    none("GB", CV_ENT_NATIONAL_ID, "bestelling 123456782 is onderweg");  /* bare, no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "bel 111 222 333");
    none("GB", CV_ENT_NATIONAL_ID, "BSN 1234567820");                    /* ten digits */
    none("GB", CV_ENT_NATIONAL_ID, "NL91 ABNA 0417 1643 00");            /* an IBAN */
    none("GB", CV_ENT_NATIONAL_ID, "CH-123456782");                      /* a reference code */
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_nl_bsn.txt", CV_ENT_NATIONAL_ID, CV_DET_nl_bsn), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nl_bsn");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
