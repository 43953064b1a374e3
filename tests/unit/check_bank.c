/*
 * check_bank.c - bank details (sort codes, ABA routing numbers, BICs) and
 * card security data (CVV, expiry): spans, checksums, keywords required,
 * and the ordinary-text corpus (tests/fixtures/agent/negative.txt).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

START_TEST(test_sort_codes)
{
    one("GB", CV_ENT_BANK, "sort code 12-34-56 account 12345678", "12-34-56", "123456");
    one("GB", CV_ENT_BANK, "Sort Code: 12 34 56", "12 34 56", "123456");
    one("GB", CV_ENT_BANK, "sortcode 123456", "123456", "123456");
    one("GB", CV_ENT_BANK, "NSC 90-00-17", "90-00-17", "900017");
    none("GB", CV_ENT_BANK, "the code is 12-34-56");       /* no sort code keyword */
    none("GB", CV_ENT_BANK, "sort code 12-34 56");         /* mixed separators */
    none("GB", CV_ENT_BANK, "sort code 12-34-567");
}
END_TEST

START_TEST(test_aba)
{
    /* published routing numbers of the Federal Reserve Banks (ABA checksum) */
    one("GB", CV_ENT_BANK, "routing 021000021 account 1234567890", "021000021", "021000021");
    one("GB", CV_ENT_BANK, "ABA: 011000015", "011000015", "011000015");
    one("GB", CV_ENT_BANK, "routing number is 121000358", "121000358", "121000358");
    none("GB", CV_ENT_BANK, "routing 021000022");          /* checksum */
    none("GB", CV_ENT_BANK, "routing 991000021");          /* no Federal Reserve district 99 */
    none("GB", CV_ENT_BANK, "order 021000021");            /* no keyword */
}
END_TEST

START_TEST(test_bic)
{
    one("GB", CV_ENT_BANK, "BIC DEUTDEFF500", "DEUTDEFF500", "DEUTDEFF500");
    one("GB", CV_ENT_BANK, "SWIFT NWBKGB2L", "NWBKGB2L", "NWBKGB2L");
    one("GB", CV_ENT_BANK, "send it to NWBKGB2L now", "NWBKGB2L", "NWBKGB2L");
    none("GB", CV_ENT_BANK, "CUSTOMER SERVICE");
    none("GB", CV_ENT_BANK, "ABCDXX2L");                   /* XX is no country */
    none("GB", CV_ENT_BANK, "nwbkgb2l");                   /* BICs are written in capitals */
    /* a promotion's code: a word and a year ("SOMM" "ER" "24" reads as a BIC) */
    none("DE", CV_ENT_BANK, "Aktionscode SOMMER24 funktioniert nicht");
    none("ES", CV_ENT_BANK, "El código descuento VERANO24 no funciona");
    one("GB", CV_ENT_BANK, "promo failed, pay to SWIFT NWBKGB2L instead", "NWBKGB2L", "NWBKGB2L");
}
END_TEST

START_TEST(test_cvv_and_expiry)
{
    one("GB", CV_ENT_CVV, "cvv 123", "123", "123");
    one("GB", CV_ENT_CVV, "CVV2: 4567", "4567", "4567");
    one("GB", CV_ENT_CVV, "security code: 456 thanks", "456", "456");
    one("GB", CV_ENT_CVV, "the 3 digits on the back are 789", "789", "789");
    one("GB", CV_ENT_CVV, "codice di sicurezza 321", "321", "321");
    one("GB", CV_ENT_CVV, "Kartenprüfnummer 852", "852", "852");
    none("GB", CV_ENT_CVV, "CVV check failed on order 123");
    none("GB", CV_ENT_CVV, "cvv 12");
    none("GB", CV_ENT_CVV, "cvv 12345");
    one("GB", CV_ENT_CARD_EXPIRY, "expiry 09/27", "09/27", "2027-09");
    one("GB", CV_ENT_CARD_EXPIRY, "expiry date: 09/2027", "09/2027", "2027-09");
    one("GB", CV_ENT_CARD_EXPIRY, "valid thru 12-26", "12-26", "2026-12");
    one("GB", CV_ENT_CARD_EXPIRY, "la fecha de caducidad es 11/29", "11/29", "2029-11");
    one("GB", CV_ENT_CARD_EXPIRY, "gültig bis 3/28", "3/28", "2028-03");
    none("GB", CV_ENT_CARD_EXPIRY, "the meeting is 09/27");
    none("GB", CV_ENT_CARD_EXPIRY, "expiry 13/27");
    none("GB", CV_ENT_CARD_EXPIRY, "expiry 09/27/2024");
    /* all of a card's details at once, with the card */
    cv_span_list l = run("GB", -1, "card 4111 1111 1111 1111 exp 09/27 cvv 123");
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_CARD);
    ck_assert_int_eq(l.v[1].entity, CV_ENT_CARD_EXPIRY);
    ck_assert_int_eq(l.v[2].entity, CV_ENT_CVV);
    cvi_span_list_free(&l);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_CARD_EXPIRY, NULL, "09/27", 5, norm, &n), 1);
    ck_assert_str_eq(norm, "2027-09");
    ck_assert_int_eq(cvi_normalise(CV_ENT_CVV, NULL, " 123 ", 5, norm, &n), 1);
    ck_assert_str_eq(norm, "123");
    ck_assert_int_eq(cvi_normalise(CV_ENT_BANK, NULL, "12-34-56", 8, norm, &n), 1);
    ck_assert_str_eq(norm, "123456");
}
END_TEST

START_TEST(test_ordinary_text)
{
    const char *src = getenv("CV_SRC");
    ck_assert_msg(src != NULL, "CV_SRC must name the source directory");
    char p[4096], line[1024];
    snprintf(p, sizeof p, "%s/tests/fixtures/agent/negative.txt", src);
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    cv_detector_set *s = mkset("GB", -1);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    size_t total = 0, hit = 0;
    while (fgets(line, sizeof line, f)) {
        total++;
        ck_assert_int_eq(cvi_detect(s, ws, line, strcspn(line, "\n"), &l), 0);
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i].entity == CV_ENT_BANK || l.v[i].entity == CV_ENT_CVV || l.v[i].entity == CV_ENT_CARD_EXPIRY ||
                l.v[i].entity == CV_ENT_CARD) {
                hit++;
                break;
            }
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    printf("bank/card details on ordinary lines: %zu of %zu\n", hit, total);
    ck_assert_msg(hit * 100 <= total, "%zu of %zu lines", hit, total);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bank");
    TCase *tc = tcase_create("bank");
    tcase_add_test(tc, test_sort_codes);
    tcase_add_test(tc, test_aba);
    tcase_add_test(tc, test_bic);
    tcase_add_test(tc, test_cvv_and_expiry);
    tcase_add_test(tc, test_ordinary_text);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
