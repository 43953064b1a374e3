/*
 * check_ie_ppsn.c - Irish PPSN detector (ie-ppsn, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 1234567 weighs 8..2 to 112, 112 mod 23 = 20 → "T"; with
 * the 2013 second letter A (9 x 1) 121 mod 23 = 6 → "F": 1234567T and
 * 1234567FA, the worked examples of the scheme's description. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_ie_ppsn_valid("1234567T", 8));
    ck_assert(cvi_natid_ie_ppsn_valid("1234567FA", 9));
    ck_assert(cvi_natid_ie_ppsn_valid("1234567TW", 9));   /* W: a second letter outside the sum */
    ck_assert(!cvi_natid_ie_ppsn_valid("1234567A", 8));
    ck_assert(!cvi_natid_ie_ppsn_valid("1234567TA", 9));
    ck_assert(!cvi_natid_ie_ppsn_valid("123456T", 7));
    ck_assert(!cvi_natid_ie_ppsn_valid("12345678", 8));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_ie_ppsn, CV_ENT_NATIONAL_ID, "my PPS number is 1234567T thanks", "1234567T", "1234567T");
    one_by(CV_DET_ie_ppsn, CV_ENT_NATIONAL_ID, "PPSN 1234567FA", "1234567FA", "1234567FA");
    one_by(CV_DET_ie_ppsn, CV_ENT_NATIONAL_ID, "it's 1234567 FA.", "1234567 FA", "1234567FA");
    one_by(CV_DET_ie_ppsn, CV_ENT_NATIONAL_ID, "pps no 1234567fa", "1234567fa", "1234567FA");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "my PPS number is 1234567A");        /* wrong check letter */
    none("GB", CV_ENT_NATIONAL_ID, "code 1234567fa");                   /* lower case, no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "order 1234567T has shipped");       /* an order number */
    none("GB", CV_ENT_NATIONAL_ID, "ticket no. 1234567T");
    none("GB", CV_ENT_NATIONAL_ID, "SKU 91234567T");                    /* eight digits */
    none("GB", CV_ENT_NATIONAL_ID, "A1234567T");                        /* glued */
    none("GB", CV_ENT_NATIONAL_ID, "call 0871234567 today");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_ie_ppsn.txt", CV_ENT_NATIONAL_ID, CV_DET_ie_ppsn), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ie_ppsn");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
