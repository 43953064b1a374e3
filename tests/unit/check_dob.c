/*
 * check_dob.c - date-of-birth detector (keyword context, forms, calendar) and normaliser.
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

START_TEST(test_dob_forms)
{
    one("GB", CV_ENT_DOB, "Date of birth: 12 March 1980", "12 March 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "DOB March 12, 1980.", "March 12, 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "born on the 12th of March 1980", "12th of March 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "D.O.B. 12/03/1980", "12/03/1980", "1980-03-12");
    one("US", CV_ENT_DOB, "D.O.B. 03/12/1980", "03/12/1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "birthday 12-03-1980", "12-03-1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "dob: 1980-03-12", "1980-03-12", "1980-03-12");
    one("GB", CV_ENT_DOB, "born 12/3/80", "12/3/80", "1980-03-12");
    one("DE", CV_ENT_DOB, "geboren am 3. M\xc3\xa4rz 1975", "3. M\xc3\xa4rz 1975", "1975-03-03");
    one("DE", CV_ENT_DOB, "Geburtsdatum 01.02.1980", "01.02.1980", "1980-02-01");
    one("FR", CV_ENT_DOB, "n\xc3\xa9" "e le 14 juillet 1985", "14 juillet 1985", "1985-07-14");
    one("IT", CV_ENT_DOB, "nato il 02/05/1990", "02/05/1990", "1990-05-02");
    one("ES", CV_ENT_DOB, "fecha de nacimiento 5 de mayo de 1970", "5 de mayo de 1970", "1970-05-05");
    one("NL", CV_ENT_DOB, "geboortedatum 29 februari 2000", "29 februari 2000", "2000-02-29");
}
END_TEST

START_TEST(test_not_dob)
{
    none("GB", CV_ENT_DOB, "Your appointment is on 12/03/2025");
    none("GB", CV_ENT_DOB, "DOB 31/02/1980");                 /* no such day */
    none("GB", CV_ENT_DOB, "born 29 February 1981");
    none("GB", CV_ENT_DOB, "born 12 Foo 1980");
    none("GB", CV_ENT_DOB, "born March 12, 80");               /* 2-digit years: numeric only */
    none("GB", CV_ENT_DOB, "adobe 12/03/1980");
    none("GB", CV_ENT_DOB, "born 12/03/1980/5");
    none("GB", CV_ENT_DOB, "I was born in a small town near the sea, far away. 12/03/2025");
}
END_TEST

START_TEST(test_normalise)
{
    cv_detect_opts us;
    memset(&us, 0, sizeof us);
    memcpy(us.region, "US", 2);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_DOB, NULL, "12 March 1980", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "1980-03-12");
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(cv_normalise(CV_ENT_DOB, &us, "03/12/1980", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "1980-03-12");
    ck_assert_int_eq(cv_normalise(CV_ENT_DOB, NULL, "31/02/1980", 10, norm, &n), 0);
    ck_assert_str_eq(norm, "31/02/1980");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dob");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_dob_forms);
    tcase_add_test(tc, test_not_dob);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
