/*
 * check_engine_fields.c - what analysts read in fields (issue 11, items 6
 * and 8): keep_country_code's code in its own column or member and the
 * token in the field form (cv_token prints it), the combined form on
 * request; bands written as numbers; epoch timestamps read by every time
 * action, and a value no action can read still emptied and counted.
 */
#include <stdio.h>

#include "engine_helpers.h"

#define HEAD "version: 1\ntenant: acme\nregion: [GB, IE]\n"

/* The token callveil token prints for a value under a policy. */
static void token_of(const char *policy, const char *value, char out[64])
{
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", policy, strlen(policy), &p), 0);
    ck_assert_int_eq(cv_token(ctx, p, key, "phone", value, strlen(value), out, 64), 0);
    cv_policy_free(p);
}

START_TEST(test_country_in_its_own_member)
{
    const char *pol = HEAD "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      customer.phone: {token: phone, keep_country_code: true}\n"
                      "      b: {token: phone, keep_country_code: true, country_column: cc}\n"
                      "      c: {token: phone, keep_country_code: true, country: combined}\n"
                      "      d: {token: phone}\n"
                      "      \"*\": drop\n";
    char tok[64], tie[64], want[512];
    token_of(pol, "+44 7700 900123", tok);
    token_of(pol, "+353 87 123 4567", tie);
    ck_assert_int_eq((int)strlen(tok), 22);
    ck_assert_int_eq(strncmp(tok, "phone:", 6), 0);
    char *out = apply(pol, "jsonl",
                      "{\"customer\":{\"phone\":\"0044 7700 900123\"},\"b\":\"+353871234567\",\"c\":\"07700900123\","
                      "\"d\":\"07700 900123\"}\n"
                      "{\"customer\":{\"phone\":\"\"},\"b\":null}\n", NULL);
    snprintf(want, sizeof want,
             "{\"customer\":{\"phone\":\"%s\",\"phone_country\":\"+44\"},\"b\":\"%s\",\"cc\":\"+353\","
             "\"c\":\"phone:+44:%s\",\"d\":\"%s\"}\n"
             "{\"customer\":{\"phone\":\"\",\"phone_country\":\"\"},\"b\":null,\"cc\":\"\"}\n",
             tok, tie, tok + 6, tok);
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

START_TEST(test_country_in_its_own_column)
{
    const char *pol = HEAD "inputs:\n  - match: \"*\"\n    format: csv\n    fields:\n"
                      "      id: keep\n      to: {token: phone, keep_country_code: true}\n      \"*\": drop\n";
    char tok[64], want[256];
    token_of(pol, "07700 900123", tok);
    char *out = apply(pol, "csv", "id,to,body\n1,+447700900123,hi\n2,not a number,hi\n", NULL);
    /* the header is the runner's (e2e_joins); the rows: the code after its column */
    snprintf(want, sizeof want, "id,to\n1,%s,+44\n", tok);
    ck_assert_int_eq(strncmp(out, want, strlen(want)), 0);
    ck_assert_ptr_nonnull(strstr(out + strlen(want), "2,phone:"));
    ck_assert_int_eq(out[strlen(out) - 2], ',');      /* no code for a value that is no number */
    free(out);
}
END_TEST

START_TEST(test_scanned_whole_value_has_no_code)
{
    /* the entity option keeps the code in running text only: a scanned
     * field that is one number is written as {token: phone} writes it */
    const char *pol = HEAD "entities:\n  phone: {action: token, keep_country_code: true}\n"
                      "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      a: scan\n      b: scan\n      c: {token: phone}\n      \"*\": drop\n";
    char tok[64], want[512];
    token_of(pol, "07700 900123", tok);
    char *out = apply(pol, "jsonl", "{\"a\":\"+44 7700 900123\",\"b\":\"call 07700 900123 now\",\"c\":\"07700900123\"}\n",
                      NULL);
    snprintf(want, sizeof want, "{\"a\":\"%s\",\"b\":\"call [phone:+44:%s] now\",\"c\":\"%s\"}\n", tok, tok + 6, tok);
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

START_TEST(test_bands_as_numbers)
{
    const char *pol = HEAD "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      a: {generalise: duration, bands: [30, 60, 120], bands_as: lower_bound}\n"
                      "      b: {generalise: duration, bands_as: lower_bound}\n"
                      "      c: {generalise: duration, bands: [30, 60, 120]}\n"
                      "      \"*\": drop\n";
    cvi_counts c;
    char *out = apply(pol, "jsonl",
                      "{\"a\":75,\"b\":\"1:15\",\"c\":75}\n"
                      "{\"a\":5,\"b\":99999,\"c\":\"3:02:00\"}\n"
                      "{\"a\":\"soon\",\"b\":-3,\"c\":\"x\"}\n", &c);
    ck_assert_str_eq(out, "{\"a\":60,\"b\":60,\"c\":\"60-119\"}\n"
                          "{\"a\":0,\"b\":1800,\"c\":\"120+\"}\n"
                          "{\"a\":\"\",\"b\":\"\",\"c\":\"\"}\n");
    ck_assert_uint_eq(c.unparseable, 3);
    free(out);
    const char *csvpol = HEAD "inputs:\n  - match: \"*\"\n    format: csv\n    fields:\n"
                         "      d: {generalise: duration, bands: [30, 60], bands_as: lower_bound}\n";
    out = apply(csvpol, "csv", "d\n45\n\"61\"\n", NULL);
    ck_assert_str_eq(out, "d\n30\n60\n");
    free(out);
}
END_TEST

START_TEST(test_epoch_times)
{
    const char *pol = HEAD "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      h: {generalise: hour}\n      d: {generalise: day}\n      w: {generalise: weekday_hour}\n"
                      "      m: {generalise: month}\n      q: {generalise: quarter}\n      y: {generalise: year}\n"
                      "      \"*\": drop\n";
    cvi_counts c;
    char *out = apply(pol, "jsonl",
                      "{\"h\":1709649820,\"d\":\"1709649820123\",\"w\":1709649820123,\"m\":\"1709649820\","
                      "\"q\":1709649820,\"y\":\"2024-03-05T14:43:40Z\"}\n", &c);
    ck_assert_str_eq(out, "{\"h\":\"2024-03-05T14:00:00Z\",\"d\":\"2024-03-05T00:00:00Z\",\"w\":\"Tue 14:00\","
                          "\"m\":\"2024-03\",\"q\":\"2024-Q1\",\"y\":\"2024\"}\n");
    ck_assert_uint_eq(c.unparseable, 0);
    free(out);
    /* not readable: emptied and counted, by every unit */
    out = apply(pol, "jsonl",
                "{\"h\":170964982,\"d\":\"17096498201\",\"w\":1709649820.5,\"m\":\"yesterday\",\"q\":-1709649820,"
                "\"y\":\"0709649820\"}\n", &c);
    ck_assert_str_eq(out, "{\"h\":\"\",\"d\":\"\",\"w\":\"\",\"m\":\"\",\"q\":\"\",\"y\":\"\"}\n");
    ck_assert_uint_eq(c.unparseable, 6);
    free(out);
}
END_TEST

START_TEST(test_epoch_shift)
{
    const char *pol = HEAD "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      s: {token: phone}\n"
                      "      t: {shift_days: 3, subject: s}\n"
                      "      u: {shift_days: 3, subject: s}\n"
                      "      v: {shift_days: 3, subject: s, generalise: day}\n"
                      "      \"*\": drop\n";
    cvi_counts c;
    char *out = apply(pol, "jsonl", "{\"s\":\"07700900123\",\"t\":1709649820,\"u\":\"1709649820123\",\"v\":1709649820}\n",
                      &c);
    ck_assert_uint_eq(c.dates_shifted, 3);
    long long t = 0, u = 0;
    const char *pt = strstr(out, "\"t\":"), *pu = strstr(out, "\"u\":\""), *pv = strstr(out, "\"v\":\"2024-03-");
    ck_assert_ptr_nonnull(pt);
    ck_assert_ptr_nonnull(pu);
    ck_assert_ptr_nonnull(pv);
    ck_assert_int_eq(sscanf(pt + 4, "%lld", &t), 1);       /* a JSON number stays a number */
    ck_assert_int_eq(sscanf(pu + 5, "%lld", &u), 1);       /* a string stays a string, in milliseconds */
    long long dt = t - 1709649820LL;
    ck_assert(dt != 0 && dt % 86400 == 0 && dt >= -3 * 86400 && dt <= 3 * 86400);
    ck_assert_int_eq(u, 1709649820123LL + dt * 1000);      /* one subject, one offset */
    char day[32];
    long long days = 19787 + dt / 86400;                   /* 2024-03-05 is day 19787 */
    snprintf(day, sizeof day, "2024-03-%02lldT00:00:00Z", 5 + (days - 19787));
    ck_assert_ptr_nonnull(strstr(out, day));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine_fields");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_country_in_its_own_member);
    tcase_add_test(tc, test_country_in_its_own_column);
    tcase_add_test(tc, test_scanned_whole_value_has_no_code);
    tcase_add_test(tc, test_bands_as_numbers);
    tcase_add_test(tc, test_epoch_times);
    tcase_add_test(tc, test_epoch_shift);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
