/*
 * check_nino.c - UK National Insurance number detector and normaliser.
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

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_NINO, NULL, "ce 12 34 56 a", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "CE123456A");
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(cv_normalise(CV_ENT_NINO, NULL, "QQ 12 34 56 A", 13, norm, &n), 0);
    ck_assert_str_eq(norm, "qq 12 34 56 a");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nino");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_nino);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
