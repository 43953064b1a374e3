/*
 * check_ssn.c - US Social Security number detector and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/natid_helpers.h"


START_TEST(test_ssn)
{
    one("US", CV_ENT_SSN, "SSN 123-45-6789 ok", "123-45-6789", "123456789");
    one("US", CV_ENT_SSN, "it is 078 05 1120.", "078 05 1120", "078051120");
    one("US", CV_ENT_SSN, "my social security number is 123456789", "123456789", "123456789");
    none("US", CV_ENT_SSN, "number 123456789");               /* bare without context */
    none("US", CV_ENT_SSN, "000-45-6789");
    none("US", CV_ENT_SSN, "666-45-6789");
    none("US", CV_ENT_SSN, "900-45-6789");
    none("US", CV_ENT_SSN, "123-00-6789");
    none("US", CV_ENT_SSN, "123-45-0000");
    none("US", CV_ENT_SSN, "123-45 6789");                    /* mixed separators */
    none("US", CV_ENT_SSN, "x123-45-6789");
    none("US", CV_ENT_SSN, "123-45-6789-1");
}
END_TEST

/* Dots too, one separator kind throughout (issue 15, point 4). */
START_TEST(test_dotted)
{
    one("US", CV_ENT_SSN, "SSN 109.99.6000 thanks", "109.99.6000", "109996000");
    one("US", CV_ENT_SSN, "it's 109.99.6000.", "109.99.6000", "109996000");
    one("US", CV_ENT_SSN, "ss# 109996000", "109996000", "109996000");
    none("US", CV_ENT_SSN, "version 1.109.99.6000");          /* part of a longer dotted number */
    none("US", CV_ENT_SSN, "109.99.6000.5");
    none("US", CV_ENT_SSN, "109.99-6000");                    /* mixed separators */
    none("US", CV_ENT_SSN, "666.45.6789");
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_SSN, NULL, "109.99.6000", 11, norm, &n), 1);
    ck_assert_str_eq(norm, "109996000");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_ssn.txt", CV_ENT_SSN, CV_DET_ssn), 950);
}
END_TEST

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_SSN, NULL, " 123-45-6789 ", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "123456789");
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(cvi_normalise(CV_ENT_SSN, NULL, "666-45-6789", 11, norm, &n), 0);
    ck_assert_str_eq(norm, "666-45-6789");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ssn");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ssn);
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_dotted);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
