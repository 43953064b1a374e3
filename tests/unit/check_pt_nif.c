/*
 * check_pt_nif.c - Portuguese NIF detector (pt-nif, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 123456789 (sum 156, 156 mod 11 = 2, 11 - 2 = 9),
 * 234567899 and the non-resident 451234561, made with the rule. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_pt_nif_valid("123456789", 9));
    ck_assert(cvi_natid_pt_nif_valid("234567899", 9));
    ck_assert(cvi_natid_pt_nif_valid("451234561", 9));
    ck_assert(!cvi_natid_pt_nif_valid("123456788", 9));
    ck_assert(!cvi_natid_pt_nif_valid("523456780", 9));   /* a company's, not a person's */
    ck_assert(!cvi_natid_pt_nif_valid("12345678", 8));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_pt_nif, CV_ENT_NATIONAL_ID, "o meu NIF é 123456789", "123456789", "123456789");
    one_by(CV_DET_pt_nif, CV_ENT_NATIONAL_ID, "contribuinte 234 567 899", "234 567 899", "234567899");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "NIF 123456788");
    none("GB", CV_ENT_NATIONAL_ID, "encomenda 123456789 enviada");
    none("GB", CV_ENT_NATIONAL_ID, "ligue 912 345 678");
    none("GB", CV_ENT_NATIONAL_ID, "PT50 0002 0123 1234 5678 9015 4");    /* an IBAN */
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_pt_nif.txt", CV_ENT_NATIONAL_ID, CV_DET_pt_nif), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pt_nif");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
