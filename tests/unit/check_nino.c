/*
 * check_nino.c - UK National Insurance number detector and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/natid_helpers.h"


START_TEST(test_nino)
{
    one("GB", CV_ENT_NINO, "NI CE 12 34 56 A thanks", "CE 12 34 56 A", "CE123456A");
    one("GB", CV_ENT_NINO, "it's AB123456C.", "AB123456C", "AB123456C");
    one("GB", CV_ENT_NINO, "it's ab123456c.", "ab123456c", "AB123456C");
    one("GB", CV_ENT_NINO, "NI number: AB 12 34 56", "AB 12 34 56", "AB123456");
    one("GB", CV_ENT_NINO, "my national insurance is JK123456", "JK123456", "JK123456");
    none("GB", CV_ENT_NINO, "code AB123456 here");           /* no suffix, no context */
    none("GB", CV_ENT_NINO, "GB123456A");                    /* invalid prefix */
    none("GB", CV_ENT_NINO, "ZZ123456A");
    none("GB", CV_ENT_NINO, "DA123456A");                    /* first letter D */
    none("GB", CV_ENT_NINO, "AO123456A");                    /* second letter O */
    none("GB", CV_ENT_NINO, "AB123456E");                    /* suffix E */
    none("GB", CV_ENT_NINO, "XAB123456A");
    none("GB", CV_ENT_NINO, "AB1234567A");
}
END_TEST

/* Every grouping (issue 15, point 4): "AZ 123 456 A" too. */
START_TEST(test_groupings)
{
    one("GB", CV_ENT_NINO, "NI AZ 123 456 A ok", "AZ 123 456 A", "AZ123456A");
    one("GB", CV_ENT_NINO, "it's AZ123456A", "AZ123456A", "AZ123456A");
    one("GB", CV_ENT_NINO, "AZ 12 34 56 A", "AZ 12 34 56 A", "AZ123456A");
    one("GB", CV_ENT_NINO, "nino az 123 456 a", "az 123 456 a", "AZ123456A");
    none("GB", CV_ENT_NINO, "GB 123 456 A");                  /* invalid prefix */
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_nino.txt", CV_ENT_NINO, CV_DET_nino), 950);
}
END_TEST

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_NINO, NULL, "ce 12 34 56 a", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "CE123456A");
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(cvi_normalise(CV_ENT_NINO, NULL, "QQ 12 34 56 A", 13, norm, &n), 0);
    ck_assert_str_eq(norm, "qq 12 34 56 a");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nino");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_nino);
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_groupings);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
