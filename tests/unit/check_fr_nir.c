/*
 * check_fr_nir.c - French NIR detector (fr-nir, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers (keys computed by INSEE's rule, 97 - n mod 97):
 * 1 84 12 76 451 089 → key 46; Corsica 1 85 05 2A 006 084 (2A read as
 * 19) → 35, 2 69 03 2B 123 456 (2B as 18) → 83. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_fr_nir_valid("184127645108946", 15));
    ck_assert(cvi_natid_fr_nir_valid("185052A00608435", 15));
    ck_assert(cvi_natid_fr_nir_valid("269032B12345683", 15));
    ck_assert(!cvi_natid_fr_nir_valid("184127645108947", 15));
    ck_assert(!cvi_natid_fr_nir_valid("185052B00608435", 15));   /* 2B instead of 2A: another key */
    ck_assert(!cvi_natid_fr_nir_valid("584127645108946", 15));   /* no sex 5 */
    ck_assert(!cvi_natid_fr_nir_valid("184137645108946", 15));   /* month 13 */
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_fr_nir, CV_ENT_NATIONAL_ID, "mon numéro de sécu est 1 84 12 76 451 089 46.",
           "1 84 12 76 451 089 46", "184127645108946");
    one_by(CV_DET_fr_nir, CV_ENT_NATIONAL_ID, "NIR 184127645108946", "184127645108946", "184127645108946");
    one_by(CV_DET_fr_nir, CV_ENT_NATIONAL_ID, "carte vitale 1 85 05 2A 006 084 35", "1 85 05 2A 006 084 35",
           "185052A00608435");
    one_by(CV_DET_fr_nir, CV_ENT_NATIONAL_ID, "1841276451089 46", "1841276451089 46", "184127645108946");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "NIR 1 84 12 76 451 089 47");          /* wrong key */
    none("GB", CV_ENT_NATIONAL_ID, "appelez le 01 84 12 76 45");
    none("GB", CV_ENT_NATIONAL_ID, "FR76 3000 6000 0112 3456 7890 189");  /* an IBAN */
    none("GB", CV_ENT_NATIONAL_ID, "commande 1841276451089461");          /* sixteen digits */
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_fr_nir.txt", CV_ENT_NATIONAL_ID, CV_DET_fr_nir), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fr_nir");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
