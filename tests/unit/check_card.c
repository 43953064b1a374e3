/*
 * check_card.c - card number detector (Luhn, grouping, boundaries) and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filters.h"

/* Shared test helpers: run a detector set over a string and check spans. */
static cv_detector_set *mkset(const char *region, int entity)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, region, 2);
    uint8_t en[CV_ENT__COUNT];
    for (int i = 0; i < CV_ENT__COUNT; i++) en[i] = entity < 0 || i == entity;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cv_detector_set_create(&o, en, &s, &err), 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

static cv_span_list run(const char *region, int entity, const char *text)
{
    cv_detector_set *s = mkset(region, entity);
    cv_detect_ws *ws = cv_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    ck_assert_int_eq(cv_detect(s, ws, text, strlen(text), &l), 0);
    cv_detect_ws_free(ws);
    cv_detector_set_free(s);
    return l;
}

/* Exactly one span: entity, the covered text and the norm. */
static void one(const char *region, int entity, const char *text, const char *covered, const char *norm)
{
    cv_span_list l = run(region, entity, text);
    ck_assert_msg(l.n == 1, "%zu spans in case starting %.12s", l.n, text);
    const char *at = strstr(text, covered);
    ck_assert_ptr_nonnull(at);
    ck_assert_uint_eq(l.v[0].start, (size_t)(at - text));
    ck_assert_uint_eq(l.v[0].end, (size_t)(at - text) + strlen(covered));
    if (entity >= 0) ck_assert_int_eq(l.v[0].entity, entity);
    ck_assert_str_eq(l.v[0].norm, norm);
    ck_assert_uint_eq(l.v[0].norm_len, strlen(norm));
    cv_span_list_free(&l);
}

static void none(const char *region, int entity, const char *text)
{
    cv_span_list l = run(region, entity, text);
    ck_assert_msg(l.n == 0, "unexpected span [%u,%u)", l.n ? l.v[0].start : 0, l.n ? l.v[0].end : 0);
    cv_span_list_free(&l);
}

static int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

START_TEST(test_cards)
{
    one("GB", CV_ENT_CARD, "card 4111 1111 1111 1111 thanks", "4111 1111 1111 1111", "4111111111111111");
    one("GB", CV_ENT_CARD, "5555-5555-5555-4444", "5555-5555-5555-4444", "5555555555554444");
    one("GB", CV_ENT_CARD, "amex 378282246310005.", "378282246310005", "378282246310005");
    one("GB", CV_ENT_CARD, "6011 1111 1111 1117", "6011 1111 1111 1117", "6011111111111117");
    one("GB", CV_ENT_CARD, "4111111111111111", "4111111111111111", "4111111111111111");
    /* a run of groups: the card ends at a separator */
    one("GB", CV_ENT_CARD, "4111 1111 1111 1111 5", "4111 1111 1111 1111", "4111111111111111");
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
    none("GB", CV_ENT_CARD, "411111111111");                    /* 12 digits */
}
END_TEST

START_TEST(test_luhn_and_normalise)
{
    ck_assert_int_eq(cv_luhn_valid("4111111111111111", 16), 1);
    ck_assert_int_eq(cv_luhn_valid("4111111111111112", 16), 0);
    ck_assert_int_eq(cv_luhn_valid("79927398713", 11), 1);
    ck_assert_int_eq(cv_luhn_valid("7992739871x", 11), 0);
    ck_assert_int_eq(cv_luhn_valid("0", 1), 0);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_CARD, NULL, "4111-1111-1111-1111", 19, norm, &n), 1);
    ck_assert_str_eq(norm, "4111111111111111");
    ck_assert_uint_eq(n, 16);
    ck_assert_int_eq(cv_normalise(CV_ENT_CARD, NULL, "4111 1111 1111 1112", 19, norm, &n), 0);
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
