/*
 * check_iban.c - IBAN detector (country lengths, mod-97, grouping) and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


START_TEST(test_ibans)
{
    one("GB", CV_ENT_IBAN, "IBAN GB82 WEST 1234 5698 7654 32 thanks", "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432");
    one("GB", CV_ENT_IBAN, "DE89370400440532013000", "DE89370400440532013000", "DE89370400440532013000");
    one("GB", CV_ENT_IBAN, "FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606",
        "FR1420041010050500013M02606");
    one("GB", CV_ENT_IBAN, "ES91 2100 0418 4502 0005 1332.", "ES91 2100 0418 4502 0005 1332",
        "ES9121000418450200051332");
    one("GB", CV_ENT_IBAN, "IT60 X054 2811 1010 0000 0123 456", "IT60 X054 2811 1010 0000 0123 456",
        "IT60X0542811101000000123456");
    one("GB", CV_ENT_IBAN, "to NL91ABNA0417164300 please", "NL91ABNA0417164300", "NL91ABNA0417164300");
    one("GB", CV_ENT_IBAN, "IE29 AIBK 9311 5212 3456 78", "IE29 AIBK 9311 5212 3456 78", "IE29AIBK93115212345678");
    one("GB", CV_ENT_IBAN, "gb82 west 1234 5698 7654 32", "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432");
    /* followed by more groups: cut at the country length */
    one("GB", CV_ENT_IBAN, "GB82 WEST 1234 5698 7654 32 1234", "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432");
    /* every written form: a space after the country code, dashes, dots */
    one("GB", CV_ENT_IBAN, "IBAN NO 02 1503 7577 003 thanks", "NO 02 1503 7577 003", "NO0215037577003");
    one("GB", CV_ENT_IBAN, "AL47-2121-1009-0000-0002-3569-8741", "AL47-2121-1009-0000-0002-3569-8741",
        "AL47212110090000000235698741");
    one("GB", CV_ENT_IBAN, "GB82.WEST.1234.5698.7654.32", "GB82.WEST.1234.5698.7654.32", "GB82WEST12345698765432");
    one("GB", CV_ENT_IBAN, "es 60 0049 1500 0512 3456 7892", "es 60 0049 1500 0512 3456 7892",
        "ES6000491500051234567892");
    /* a mistyped IBAN after the word IBAN is still an account */
    one("GB", CV_ENT_IBAN, "my iban is ES58 0049 1500 0512 3456 7892", "ES58 0049 1500 0512 3456 7892",
        "ES5800491500051234567892");
}
END_TEST

START_TEST(test_not_ibans)
{
    none("GB", CV_ENT_IBAN, "GB83 WEST 1234 5698 7654 32");        /* check digits */
    none("GB", CV_ENT_IBAN, "DE89370400440532013001");
    none("GB", CV_ENT_IBAN, "XX89370400440532013000");             /* no such country */
    none("GB", CV_ENT_IBAN, "DE8937040044053201300");              /* one short */
    none("GB", CV_ENT_IBAN, "xDE89370400440532013000");
    none("GB", CV_ENT_IBAN, "GB82 WEST 1234 5698 7654 321");       /* length ends inside a group */
    none("GB", CV_ENT_IBAN, "at 12 3456 7890 1234 5678");          /* Austria's length, mod-97 fails */
    none("GB", CV_ENT_IBAN, "GB82  WEST 1234 5698 7654 32");       /* a double space */
}
END_TEST

START_TEST(test_valid_and_normalise)
{
    ck_assert_int_eq(cvi_iban_valid("GB82WEST12345698765432", 22), 1);
    ck_assert_int_eq(cvi_iban_valid("GB82WEST12345698765433", 22), 0);
    ck_assert_int_eq(cvi_iban_valid("gb82WEST12345698765432", 22), 0);
    ck_assert_int_eq(cvi_iban_valid("GB82WEST1234569876543", 21), 0);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_IBAN, NULL, "fr14 2004 1010 0505 0001 3m02 606", 33, norm, &n), 1);
    ck_assert_str_eq(norm, "FR1420041010050500013M02606");
    ck_assert_uint_eq(n, 27);
    ck_assert_int_eq(cvi_normalise(CV_ENT_IBAN, NULL, "FR15 2004", 9, norm, &n), 0);
    ck_assert_str_eq(norm, "fr15 2004");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("iban");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ibans);
    tcase_add_test(tc, test_not_ibans);
    tcase_add_test(tc, test_valid_and_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
