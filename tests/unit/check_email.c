/*
 * check_email.c - e-mail detectors (written and spoken/obfuscated forms) and normaliser.
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

static void norm_ok(const char *in, const char *want)
{
    char norm[CV_NORM_MAX + 1];
    size_t n = 0;
    ck_assert_int_eq(cv_normalise(CV_ENT_EMAIL, NULL, in, strlen(in), norm, &n), 1);
    ck_assert_str_eq(norm, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_written)
{
    one("GB", CV_ENT_EMAIL, "mail Jane.Doe+tag@Example.co.uk now", "Jane.Doe+tag@Example.co.uk",
        "jane.doe+tag@example.co.uk");
    one("GB", CV_ENT_EMAIL, "<a.b-c_d@sub.example.org>.", "a.b-c_d@sub.example.org", "a.b-c_d@sub.example.org");
    one("GB", CV_ENT_EMAIL, "end: x@y.io.", "x@y.io", "x@y.io");
    none("GB", CV_ENT_EMAIL, "john..smith@x.com");
    none("GB", CV_ENT_EMAIL, "john.@x.com");
    none("GB", CV_ENT_EMAIL, "hi .john@x.com");
    none("GB", CV_ENT_EMAIL, "a@b");
    none("GB", CV_ENT_EMAIL, "me@localhost today");
    none("GB", CV_ENT_EMAIL, "logo@2x.png");
    none("GB", CV_ENT_EMAIL, "@handle on twitter");
}
END_TEST

START_TEST(test_spoken)
{
    one("GB", CV_ENT_EMAIL, "it is john dot smith at gmail dot com thanks", "john dot smith at gmail dot com",
        "john.smith@gmail.com");
    one("GB", CV_ENT_EMAIL, "john.smith at gmail dot com", "john.smith at gmail dot com", "john.smith@gmail.com");
    one("GB", CV_ENT_EMAIL, "john underscore smith at outlook dot com", "john underscore smith at outlook dot com",
        "john_smith@outlook.com");
    one("GB", CV_ENT_EMAIL, "john [at] gmail [dot] com", "john [at] gmail [dot] com", "john@gmail.com");
    one("GB", CV_ENT_EMAIL, "write to John (at) Gmail (dot) com.", "John (at) Gmail (dot) com", "john@gmail.com");
    one("GB", CV_ENT_EMAIL, "mary at bbc dot co dot uk", "mary at bbc dot co dot uk", "mary@bbc.co.uk");
    one("GB", CV_ENT_EMAIL, "contact me at jo dot bloggs at acme dot ie. Then", "jo dot bloggs at acme dot ie",
        "jo.bloggs@acme.ie");
    none("GB", CV_ENT_EMAIL, "meet me at the office");
    none("GB", CV_ENT_EMAIL, "reach me at gmail dot com");
    none("GB", CV_ENT_EMAIL, "john at gmail dot community");
    none("GB", CV_ENT_EMAIL, "john at home dot local");
    none("GB", CV_ENT_EMAIL, "I'll be at work at five");
}
END_TEST

START_TEST(test_normalise)
{
    norm_ok("  Jane.Doe+tag@Example.co.uk ", "jane.doe+tag@example.co.uk");
    norm_ok("john dot smith at gmail dot com", "john.smith@gmail.com");
    norm_ok("john [at] gmail [dot] com", "john@gmail.com");
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cv_normalise(CV_ENT_EMAIL, NULL, " Not An  Address ", 17, norm, &n), 0);
    ck_assert_str_eq(norm, "not an address");
    ck_assert_int_eq(cv_normalise(CV_ENT_EMAIL, NULL, "a..b@x.com", 10, norm, &n), 0);
    char big[CV_NORM_MAX + 10];
    memset(big, 'a', sizeof big);
    ck_assert_int_eq(cv_normalise(CV_ENT_EMAIL, NULL, big, sizeof big, norm, &n), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("email");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_written);
    tcase_add_test(tc, test_spoken);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
