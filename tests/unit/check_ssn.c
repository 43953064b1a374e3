/*
 * check_ssn.c - US Social Security number detector and normaliser.
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
