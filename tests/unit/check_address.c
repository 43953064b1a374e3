/*
 * check_address.c - street addresses in every locale.
 */
#include <check.h>

#include "tests/unit/detect_helpers.h"

START_TEST(test_placeholder)
{
    one("GB", CV_ENT_ADDRESS, "I live at 12 Acacia Avenue now", "12 Acacia Avenue", "12 acacia avenue");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("address");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_placeholder);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
