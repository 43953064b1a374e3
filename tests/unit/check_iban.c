/*
 * check_iban.c - IBAN detector (country lengths, mod-97, grouping) and normaliser.
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
}
END_TEST

START_TEST(test_valid_and_normalise)
{
    ck_assert_int_eq(cv_iban_valid("GB82WEST12345698765432", 22), 1);
    ck_assert_int_eq(cv_iban_valid("GB82WEST12345698765433", 22), 0);
    ck_assert_int_eq(cv_iban_valid("gb82WEST12345698765432", 22), 0);
    ck_assert_int_eq(cv_iban_valid("GB82WEST1234569876543", 21), 0);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_IBAN, NULL, "fr14 2004 1010 0505 0001 3m02 606", 33, norm, &n), 1);
    ck_assert_str_eq(norm, "FR1420041010050500013M02606");
    ck_assert_uint_eq(n, 27);
    ck_assert_int_eq(cv_normalise(CV_ENT_IBAN, NULL, "FR15 2004", 9, norm, &n), 0);
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
