/*
 * check_ssn.c - US Social Security number detector and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


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

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_SSN, NULL, " 123-45-6789 ", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "123456789");
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(cv_normalise(CV_ENT_SSN, NULL, "666-45-6789", 11, norm, &n), 0);
    ck_assert_str_eq(norm, "666-45-6789");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ssn");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ssn);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
