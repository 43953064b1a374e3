/*
 * check_de_stid.c - German Steuer-IdNr detector (de-stid, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 86095742719, the example Steuer-IdNr used in tax
 * software documentation (MOD 11,10 gives 9; the 7 occurs twice); others
 * made with the rule. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_de_stid_valid("86095742719", 11));
    ck_assert(cvi_natid_de_stid_valid("68978530418", 11));
    ck_assert(!cvi_natid_de_stid_valid("86095742718", 11));   /* wrong check digit */
    ck_assert(!cvi_natid_de_stid_valid("06095742719", 11));   /* leading 0 */
    ck_assert(!cvi_natid_de_stid_valid("12345678903", 11));   /* no digit repeated */
    ck_assert(!cvi_natid_de_stid_valid("11123456789", 11));   /* three in a row */
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_de_stid, CV_ENT_NATIONAL_ID, "meine Steuer-ID ist 86095742719", "86095742719", "86095742719");
    one_by(CV_DET_de_stid, CV_ENT_NATIONAL_ID, "IdNr 86 095 742 719", "86 095 742 719", "86095742719");
    one_by(CV_DET_de_stid, CV_ENT_NATIONAL_ID, "tax id: 68978530418", "68978530418", "68978530418");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "Steuer-ID 86095742718");
    none("GB", CV_ENT_NATIONAL_ID, "Bestellung 86095742719 versandt");    /* no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "ruf an: 0171 1234567");
    none("GB", CV_ENT_NATIONAL_ID, "DE89 3704 0044 0532 0130 00");        /* an IBAN */
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_de_stid.txt", CV_ENT_NATIONAL_ID, CV_DET_de_stid), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("de_stid");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
