/*
 * check_card.c - card number detector (Luhn, grouping, boundaries) and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


START_TEST(test_cards)
{
    one("GB", CV_ENT_CARD, "card 4111 1111 1111 1111 thanks", "4111 1111 1111 1111", "4111111111111111");
    one("GB", CV_ENT_CARD, "5555-5555-5555-4444", "5555-5555-5555-4444", "5555555555554444");
    one("GB", CV_ENT_CARD, "amex 378282246310005.", "378282246310005", "378282246310005");
    one("GB", CV_ENT_CARD, "6011 1111 1111 1117", "6011 1111 1111 1117", "6011111111111117");
    one("GB", CV_ENT_CARD, "4111111111111111", "4111111111111111", "4111111111111111");
    /* a run of groups: the card ends at a separator */
    one("GB", CV_ENT_CARD, "4111 1111 1111 1111 5", "4111 1111 1111 1111", "4111111111111111");
    /* dots, a card word glued before, 15-digit JCB, 19-digit Visa, 12-digit Maestro after a card word */
    one("GB", CV_ENT_CARD, "4111.1111.1111.1111", "4111.1111.1111.1111", "4111111111111111");
    one("GB", CV_ENT_CARD, "card4111111111111111", "4111111111111111", "4111111111111111");
    one("GB", CV_ENT_CARD, "JCB 180000000000002", "180000000000002", "180000000000002");
    one("GB", CV_ENT_CARD, "visa 4111 1111 1111 1111 003", "4111 1111 1111 1111 003", "4111111111111111003");
    one("GB", CV_ENT_CARD, "maestro card 5018 0000 0009", "5018 0000 0009", "501800000009");
    one("GB", CV_ENT_CARD, "tarjeta: 6759 6498 2643 8453", "6759 6498 2643 8453", "6759649826438453");
    /* the 2 and 3 ranges the schemes use: Mir, Mastercard 2-series, Diners 14, JCB */
    one("GB", CV_ENT_CARD, "2200 1234 5678 9019", "2200 1234 5678 9019", "2200123456789019");
    one("GB", CV_ENT_CARD, "2221000000000009", "2221000000000009", "2221000000000009");
    one("GB", CV_ENT_CARD, "2720 1234 5678 9010", "2720 1234 5678 9010", "2720123456789010");
    one("GB", CV_ENT_CARD, "diners 3012 345678 9019", "3012 345678 9019", "30123456789019");
    one("GB", CV_ENT_CARD, "3528 1234 5678 9012", "3528 1234 5678 9012", "3528123456789012");
}
END_TEST

START_TEST(test_not_cards)
{
    none("GB", CV_ENT_CARD, "order 4111 1111 1111 1112");       /* Luhn fails */
    none("GB", CV_ENT_CARD, "1234567812345670");                /* Luhn ok, first digit 1 */
    none("GB", CV_ENT_CARD, "x4111111111111111");
    none("GB", CV_ENT_CARD, "4111111111111111x");
    none("GB", CV_ENT_CARD, "94111111111111111");
    none("GB", CV_ENT_CARD, "4111 1111-1111 1111");             /* mixed separators */
    none("GB", CV_ENT_CARD, "4111  1111 1111 1111");            /* double space */
    none("GB", CV_ENT_CARD, "411111111111");                    /* 12 digits, not Maestro */
    none("GB", CV_ENT_CARD, "ref 501800000009");                /* 12-digit Maestro needs a card word */
    none("GB", CV_ENT_CARD, "order4111111111111111");           /* glued to a word that is no card word */
    none("GB", CV_ENT_CARD, "+4111111111111111");               /* a phone's plus */
    none("GB", CV_ENT_CARD, "1.234.567.890.123");               /* an amount: 13 digits beginning 1 */
    /* timestamps pass Luhn one time in ten; no scheme issues 20xx or 14-digit 2s */
    none("GB", CV_ENT_CARD, "order 86337-20250911043427 shipped");
    none("GB", CV_ENT_CARD, "20250911-043427");
    none("GB", CV_ENT_CARD, "2025010112000001");                /* 16 digits, 2025: no Mastercard */
    none("GB", CV_ENT_CARD, "3312345678901238");                /* 33: no scheme's */
}
END_TEST

START_TEST(test_luhn_and_normalise)
{
    ck_assert_int_eq(cvi_luhn_valid("4111111111111111", 16), 1);
    ck_assert_int_eq(cvi_luhn_valid("4111111111111112", 16), 0);
    ck_assert_int_eq(cvi_luhn_valid("79927398713", 11), 1);
    ck_assert_int_eq(cvi_luhn_valid("7992739871x", 11), 0);
    ck_assert_int_eq(cvi_luhn_valid("0", 1), 0);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_CARD, NULL, "4111-1111-1111-1111", 19, norm, &n), 1);
    ck_assert_str_eq(norm, "4111111111111111");
    ck_assert_uint_eq(n, 16);
    ck_assert_int_eq(cvi_normalise(CV_ENT_CARD, NULL, "4111 1111 1111 1112", 19, norm, &n), 0);
    ck_assert_str_eq(norm, "4111 1111 1111 1112");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("card");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cards);
    tcase_add_test(tc, test_not_cards);
    tcase_add_test(tc, test_luhn_and_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
