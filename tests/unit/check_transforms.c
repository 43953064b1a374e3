/*
 * check_transforms.c - the pure value transforms: format-keeping mask,
 * timestamp generalisation (style and offset kept; month, quarter, year;
 * epoch seconds and milliseconds) and duration bands (ranges or lower
 * bounds).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filters.h"

static void mask_is(const char *in, unsigned keep, const char *want)
{
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_buf_append(&b, "<", 1), 0);
    ck_assert_int_eq(cvi_mask(in, strlen(in), keep, &b), 0);
    ck_assert_uint_eq(b.n, strlen(want) + 1);
    ck_assert_int_eq(memcmp(b.p, "<", 1), 0);
    ck_assert_int_eq(memcmp(b.p + 1, want, strlen(want)), 0);
    cvi_buf_free(&b);
}

static void time_is(const char *in, cv_gen_unit u, const char *want)
{
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_generalise_time(in, strlen(in), u, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), want);
    cvi_buf_free(&b);
}

static void time_bad(const char *in)
{
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_buf_append(&b, "keep", 4), 0);
    ck_assert_int_eq(cvi_generalise_time(in, strlen(in), CV_GEN_HOUR, &b), CV_EINPUT);
    ck_assert_uint_eq(b.n, 4);
    cvi_buf_free(&b);
}

static void band_is(const char *in, const uint32_t *bounds, size_t n, const char *want)
{
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_generalise_duration(in, strlen(in), bounds, n, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), want);
    cvi_buf_free(&b);
}

START_TEST(test_mask)
{
    mask_is("4111 1111 1111 4242", 4, "**** **** **** 4242");
    mask_is("4111-1111-1111-4242", 4, "****-****-****-4242");
    mask_is("GB82 WEST 1234 5698 7654 32", 4, "**** **** **** **** **54 32");
    mask_is("+44 7700 900123", 0, "+** **** ******");
    mask_is("Jos\xc3\xa9 #12", 1, "**** #*2");
    mask_is("", 4, "");
    mask_is("ab-cd", 4, "**-**");
}
END_TEST

START_TEST(test_time_styles)
{
    time_is("2024-03-05 14:23:11", CV_GEN_HOUR, "2024-03-05 14:00:00");
    time_is("2024-03-05 14:23:11", CV_GEN_DAY, "2024-03-05 00:00:00");
    time_is("2024-03-05T14:23:11.123Z", CV_GEN_HOUR, "2024-03-05T14:00:00Z");
    time_is("2024-03-05T14:23:11.5+01:00", CV_GEN_HOUR, "2024-03-05T14:00:00+01:00");
    time_is("2024-03-05T14:23:11.5+01:00", CV_GEN_DAY, "2024-03-05T00:00:00+01:00");
    time_is("2024-03-05T14:23-0500", CV_GEN_HOUR, "2024-03-05T14:00-0500");
    time_is("2024-03-05", CV_GEN_HOUR, "2024-03-05");
    time_is("2024-03-05", CV_GEN_DAY, "2024-03-05");
}
END_TEST

START_TEST(test_time_week)
{
    time_is("2024-03-05 14:23:11", CV_GEN_WEEK, "2024-03-04 00:00:00");   /* Tuesday → Monday */
    time_is("2024-03-04T09:00:00Z", CV_GEN_WEEK, "2024-03-04T00:00:00Z");
    time_is("2023-01-01", CV_GEN_WEEK, "2022-12-26");                     /* Sunday, previous year */
    time_is("2024-03-10T23:59:59+02:00", CV_GEN_WEEK, "2024-03-04T00:00:00+02:00");
    time_is("2024-03-05 14:23:11", CV_GEN_WEEKDAY_HOUR, "Tue 14:00");
    time_is("2024-03-10T09:05:00Z", CV_GEN_WEEKDAY_HOUR, "Sun 09:00");
    time_is("2000-02-29", CV_GEN_WEEKDAY_HOUR, "Tue");
}
END_TEST

START_TEST(test_time_bad)
{
    time_bad("");
    time_bad("yesterday");
    time_bad("2024-13-05 14:23:11");
    time_bad("2023-02-29");
    time_bad("2024-03-05 24:00:00");
    time_bad("2024-03-05X14:23:11");
    time_bad("2024-03-05T14:23:11+1");
    time_bad("2024-03-05T14:23:11Zjunk");
    time_bad("2024-03-05T14");
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_generalise_time("2024-03-05", 10, CV_GEN_BANDS, &b), CV_EUSAGE);
    ck_assert_uint_eq(b.n, 0);
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_duration)
{
    static const uint32_t b3[] = { 30, 60, 120 };
    band_is("75", b3, 3, "60-119");
    band_is("1:15", b3, 3, "60-119");
    band_is("3:02:00", b3, 3, "120+");
    band_is("0", b3, 3, "0-29");
    band_is("29.9", b3, 3, "0-29");
    band_is("30", b3, 3, "30-59");
    band_is(" 59 ", b3, 3, "30-59");
    band_is("120", b3, 3, "120+");
    band_is("0:45", b3, 3, "30-59");
    band_is("10920", NULL, 0, "0+");
    static const uint32_t b1[] = { 3600 };
    band_is("3:02:00", b1, 1, "3600+");
    band_is("59:59", b1, 1, "0-3599");

    cv_buf b;
    cvi_buf_init(&b);
    static const char *bad[] = { "", "-5", "1:75", "1:2", "abc", "1:00:00:00", "12s", "1.", ":30" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(cvi_generalise_duration(bad[i], strlen(bad[i]), b3, 3, &b), CV_EINPUT);
    static const uint32_t unsorted[] = { 60, 30 };
    ck_assert_int_eq(cvi_generalise_duration("75", 2, unsorted, 2, &b), CV_EUSAGE);
    ck_assert_uint_eq(b.n, 0);
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_time_calendar)
{
    time_is("2024-03-05 14:23:11", CV_GEN_MONTH, "2024-03");
    time_is("2024-03-05T14:23:11.5+01:00", CV_GEN_MONTH, "2024-03");
    time_is("2024-12-31", CV_GEN_MONTH, "2024-12");
    time_is("2024-01-01T00:00:00Z", CV_GEN_QUARTER, "2024-Q1");
    time_is("2024-03-31 23:59:59", CV_GEN_QUARTER, "2024-Q1");
    time_is("2024-04-01", CV_GEN_QUARTER, "2024-Q2");
    time_is("2024-09-30", CV_GEN_QUARTER, "2024-Q3");
    time_is("2024-10-01", CV_GEN_QUARTER, "2024-Q4");
    time_is("2024-12-31T23:59:59-05:00", CV_GEN_QUARTER, "2024-Q4");   /* the date as written, in its own offset */
    time_is("2024-12-31T23:59:59-05:00", CV_GEN_YEAR, "2024");
    time_is("1999-06-15", CV_GEN_YEAR, "1999");
}
END_TEST

START_TEST(test_time_epoch)
{
    /* 1709649820 is 2024-03-05 14:43:40 UTC (a Tuesday) */
    time_is("1709649820", CV_GEN_HOUR, "2024-03-05T14:00:00Z");
    time_is("1709649820", CV_GEN_DAY, "2024-03-05T00:00:00Z");
    time_is("1709649820", CV_GEN_WEEK, "2024-03-04T00:00:00Z");
    time_is("1709649820", CV_GEN_WEEKDAY_HOUR, "Tue 14:00");
    time_is("1709649820", CV_GEN_MONTH, "2024-03");
    time_is("1709649820", CV_GEN_QUARTER, "2024-Q1");
    time_is("1709649820", CV_GEN_YEAR, "2024");
    time_is("1709649820123", CV_GEN_HOUR, "2024-03-05T14:00:00Z");    /* milliseconds */
    time_is("1709649820999", CV_GEN_WEEKDAY_HOUR, "Tue 14:00");
    time_is("1704067199", CV_GEN_YEAR, "2023");                       /* 2023-12-31 23:59:59 */
    time_is("1704067200000", CV_GEN_YEAR, "2024");

    int64_t t = 0;
    ck_assert_int_eq(cvi_time_parse("1709649820", 10, &t), 0);
    ck_assert_int_eq(t, 1709649820);
    ck_assert_int_eq(cvi_time_parse("1709649820123", 13, &t), 0);
    ck_assert_int_eq(t, 1709649820);
    ck_assert_int_eq(cvi_time_parse("2024-03-05T14:43:40Z", 20, &t), 0);
    ck_assert_int_eq(t, 1709649820);

    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_shift_time("1709649820", 10, 2, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "1709822620");                 /* an epoch stays one, same unit */
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_shift_time("1709649820123", 13, -1, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "1709563420123");
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_shift_time("1000000000", 10, -1, &b), CV_EINPUT);   /* would leave 10 digits */
    ck_assert_uint_eq(b.n, 0);
    int y, m, d;
    ck_assert_int_eq(cvi_date_parse("1709649820", 10, &y, &m, &d), CV_EINPUT);   /* not a date of birth */
    cvi_buf_free(&b);

    /* digit runs of other lengths are not times: still unreadable */
    time_bad("170964982");           /* 9 digits */
    time_bad("17096498201");         /* 11 */
    time_bad("170964982012");        /* 12 */
    time_bad("17096498201234");      /* 14 */
    time_bad("0709649820");          /* a leading zero: an id, not a time */
    time_bad("1709649820.5");
    time_bad("-1709649820");
    time_bad("17096498x0");
    time_bad(" 1709649820");
    ck_assert_int_eq(cvi_time_parse("170964982", 9, &t), CV_EINPUT);
}
END_TEST

static void lower_is(const char *in, const uint32_t *bounds, size_t n, const char *want)
{
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_generalise_duration_as(in, strlen(in), bounds, n, CV_BANDS_LOWER_BOUND, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), want);
    cvi_buf_free(&b);
}

START_TEST(test_duration_lower_bound)
{
    static const uint32_t b3[] = { 30, 60, 120 };
    lower_is("0", b3, 3, "0");
    lower_is("29", b3, 3, "0");
    lower_is("30", b3, 3, "30");
    lower_is("75", b3, 3, "60");
    lower_is("1:15", b3, 3, "60");
    lower_is("3:02:00", b3, 3, "120");
    lower_is("10920", NULL, 0, "0");
    cv_buf b;
    cvi_buf_init(&b);
    ck_assert_int_eq(cvi_generalise_duration_as("75", 2, b3, 3, CV_BANDS_RANGE, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "60-119");
    cv_buf_clear(&b);
    ck_assert_int_eq(cvi_generalise_duration_as("abc", 3, b3, 3, CV_BANDS_LOWER_BOUND, &b), CV_EINPUT);
    ck_assert_int_eq(cvi_generalise_duration_as("1:75", 4, b3, 3, CV_BANDS_LOWER_BOUND, &b), CV_EINPUT);
    ck_assert_uint_eq(b.n, 0);
    cvi_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("transforms");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_mask);
    tcase_add_test(tc, test_time_styles);
    tcase_add_test(tc, test_time_week);
    tcase_add_test(tc, test_time_bad);
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_time_calendar);
    tcase_add_test(tc, test_time_epoch);
    tcase_add_test(tc, test_duration_lower_bound);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
