/*
 * check_recproc.c - the one-record C API (callveil.h: cv_version,
 * CV_TOKEN_BUF_SIZE, cv_recproc_create, cv_process_record) through the
 * public header only: tokens in, values out, the same bytes as `callveil
 * filter` writes for the line, fail closed on bad input (error code,
 * nothing written, no content in the message), record and buffer sizes.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callveil.h"

static cv_ctx *ctx;
static cv_key *key;
static char keypath[128];
static char tmpdir[64];

static const char policy_jsonl[] =
    "version: 1\n"
    "tenant: t\n"
    "region: [GB]\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n"
    "    format: jsonl\n"
    "    fields:\n"
    "      id: keep\n"
    "      phone: {token: phone}\n"
    "      email: {token: email, keep_domain: true}\n"
    "      text: scan\n"
    "      \"*\": drop\n"
    "  - match: \"*.csv\"\n"
    "    format: csv\n"
    "    fields:\n"
    "      id: keep\n"
    "      phone: {token: phone}\n"
    "      \"*\": drop\n";

static const char rec1[] = "{\"id\":\"c1\",\"phone\":\"07700 900123\",\"email\":\"Q.R@example.org\",\"text\":\"call me on 07700900456 or "
                           "a.b@example.org\",\"secret\":\"x\"}\n";

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cv_recproc_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(keypath, sizeof keypath, "%s/test.key", tmpdir);
    FILE *f = fopen(keypath, "w");
    ck_assert_ptr_nonnull(f);
    fputs("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", f);
    fclose(f);
    chmod(keypath, 0600);
    ck_assert_int_eq(cv_key_load_file(ctx, keypath, &key), 0);
}

static void teardown(void)
{
    cv_key_free(key);
    cv_ctx_free(ctx);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static cv_policy *load(const char *text)
{
    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "test.yaml", text, strlen(text), &p);
    ck_assert_msg(rc == 0, "policy: %s", cv_ctx_error(ctx));
    return p;
}

static cv_recproc *make(const cv_policy *p, const char *format, const cv_run_opts *o)
{
    cv_recproc *rp = NULL;
    int rc = cv_recproc_create(ctx, p, key, format, NULL, o, &rp);
    ck_assert_msg(rc == 0, "create: %s", cv_ctx_error(ctx));
    return rp;
}

START_TEST(test_version)
{
    ck_assert_str_eq(cv_version(), CV_VERSION);
    ck_assert_ptr_eq(cv_version(), cv_version());
}
END_TEST

START_TEST(test_token_buf_size)
{
    /* the longest e-mail address (254 bytes) with its domain kept */
    cv_policy *p = load("version: 1\ntenant: t\nentities:\n  email: {action: token, keep_domain: true}\n"
                        "inputs:\n  - match: \"*\"\n    fields:\n      \"*\": scan\n");
    /* 64 + 1 + 189 = 254 bytes: labels of 63, 63, 57 and "org" */
    char email[255];
    memset(email, 'a', 64);
    email[64] = '@';
    char *d = email + 65;
    memset(d, 'b', 63), d += 63, *d++ = '.';
    memset(d, 'c', 63), d += 63, *d++ = '.';
    memset(d, 'e', 57), d += 57;
    memcpy(d, ".org", 5);
    ck_assert_uint_eq(strlen(email), 254);
    char tok[CV_TOKEN_BUF_SIZE];
    int rc = cv_token(ctx, p, key, "email", email, 254, tok, sizeof tok);
    ck_assert_msg(rc == 0, "cv_token: %s", cv_ctx_error(ctx));
    ck_assert_ptr_nonnull(strstr(tok, "@bbbb"));
    ck_assert_uint_lt(strlen(tok), CV_TOKEN_BUF_SIZE);
    /* a buffer too small is an error, not a cut token */
    ck_assert_int_eq(cv_token(ctx, p, key, "email", email, 254, tok, 20), CV_EUSAGE);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_jsonl_record)
{
    cv_policy *p = load(policy_jsonl);
    cv_recproc *rp = make(p, "jsonl", NULL);
    char out[4096];
    size_t n = 0;
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1), out, sizeof out, &n), 0);
    ck_assert_uint_eq(strlen(out), n);
    ck_assert_int_eq(out[n - 1], '\n');
    char tok[CV_TOKEN_BUF_SIZE];
    ck_assert_int_eq(cv_token(ctx, p, key, "phone", "07700 900123", 12, tok, sizeof tok), 0);
    ck_assert_msg(strstr(out, tok), "no %s in %s", tok, out);
    ck_assert_ptr_null(strstr(out, "900123"));
    ck_assert_ptr_null(strstr(out, "900456"));
    ck_assert_ptr_null(strstr(out, "a.b@"));
    ck_assert_ptr_null(strstr(out, "Q.R"));
    ck_assert_ptr_nonnull(strstr(out, "@example.org"));
    ck_assert_ptr_null(strstr(out, "secret"));
    ck_assert_ptr_nonnull(strstr(out, "\"id\":\"c1\""));
    /* deterministic: again, and without the line end */
    char out2[4096];
    size_t n2 = 0;
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1) - 1, out2, sizeof out2, &n2), 0);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(out, out2, n);
    /* a second processor (another "thread") gives the same bytes */
    cv_recproc *rp2 = make(p, "jsonl", NULL);
    ck_assert_int_eq(cv_process_record(rp2, rec1, strlen(rec1), out2, sizeof out2, &n2), 0);
    ck_assert_uint_eq(n2, n);
    ck_assert_mem_eq(out, out2, n);
    cv_recproc_free(rp2);
    cv_recproc_free(rp);
    cv_policy_free(p);
}
END_TEST

/* Run the CLI's filter over `in`; return what it wrote (malloc'ed). */
static char *filter_cli(const char *policy_path, const char *extra, const char *in, size_t *outn)
{
    const char *bin = getenv("CV_BIN");
    ck_assert_msg(bin != NULL, "CV_BIN not set");
    char inp[128], outp[128], cmd[1024];
    snprintf(inp, sizeof inp, "%s/in", tmpdir);
    snprintf(outp, sizeof outp, "%s/out", tmpdir);
    FILE *f = fopen(inp, "w");
    ck_assert_ptr_nonnull(f);
    fputs(in, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' filter -q %s -p '%s' -k '%s' --as-of 2024-06-01 < '%s' > '%s'", bin, extra,
             policy_path, keypath, inp, outp);
    ck_assert_int_eq(system(cmd), 0);
    f = fopen(outp, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 1 << 16);
    *outn = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

START_TEST(test_same_as_filter)
{
    char pp[128];
    snprintf(pp, sizeof pp, "%s/policy.yaml", tmpdir);
    FILE *f = fopen(pp, "w");
    ck_assert_ptr_nonnull(f);
    fputs(policy_jsonl, f);
    fclose(f);
    cv_policy *p = load(policy_jsonl);
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.as_of = "2024-06-01";

    /* JSON Lines: two records, each processed alone, equal filter's stream */
    const char *rec2 = "{\"id\":\"c2\",\"phone\":\"+44 7700 900999\",\"email\":\"Z@Example.com\",\"text\":\"hi\"}\n";
    char both[1024];
    snprintf(both, sizeof both, "%s%s", rec1, rec2);
    size_t fn = 0;
    char *want = filter_cli(pp, "--format jsonl", both, &fn);
    cv_recproc *rp = make(p, "jsonl", &o);
    char out[8192];
    size_t n1 = 0, n2 = 0;
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1), out, sizeof out, &n1), 0);
    ck_assert_int_eq(cv_process_record(rp, rec2, strlen(rec2), out + n1, sizeof out - n1, &n2), 0);
    ck_assert_uint_eq(n1 + n2, fn);
    ck_assert_mem_eq(out, want, fn);
    free(want);
    cv_recproc_free(rp);

    /* csv: the header given, as filter --header FILE --no-header */
    char hp[128];
    snprintf(hp, sizeof hp, "%s/header.csv", tmpdir);
    f = fopen(hp, "w");
    ck_assert_ptr_nonnull(f);
    fputs("id,phone,other\n", f);
    fclose(f);
    char extra[256];
    snprintf(extra, sizeof extra, "--format csv --header '%s' --no-header", hp);
    const char *row = "r1,07700 900123,drop me\n";
    want = filter_cli(pp, extra, row, &fn);
    o.header = "id,phone,other\n";
    o.header_len = strlen(o.header);
    rp = make(p, "csv", &o);
    ck_assert_int_eq(cv_process_record(rp, row, strlen(row), out, sizeof out, &n1), 0);
    ck_assert_uint_eq(n1, fn);
    ck_assert_mem_eq(out, want, fn);
    ck_assert_ptr_null(strstr(out, "900123"));
    ck_assert_ptr_null(strstr(out, "drop me"));
    free(want);
    /* a row of the wrong width is rejected */
    ck_assert_int_eq(cv_process_record(rp, "a,b\n", 4, out, sizeof out, &n1), CV_EINPUT);
    cv_recproc_free(rp);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_fail_closed)
{
    cv_policy *p = load(policy_jsonl);
    cv_recproc *rp = make(p, "jsonl", NULL);
    char out[256];
    size_t n = 99;
    static const char *const bad[] = {
        "{\"id\":\"c1\",\"phone\":\"07700 900123\"",            /* truncated */
        "{\"phone\":\"07700 900123\"} trailing",                /* garbage after the object */
        "[\"07700 900123\"]",                                   /* not an object */
        "{\"phone\":\"07700 900123\"}\n{\"phone\":\"07700 900124\"}\n",   /* two records */
        "\n",                                                   /* blank */
        "",                                                     /* nothing */
        "{\"phone\":\"\xff\xfe 07700 900123\"}",                /* invalid UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(out, 'X', sizeof out);
        n = 99;
        int rc = cv_process_record(rp, bad[i], strlen(bad[i]), out, sizeof out, &n);
        ck_assert_msg(rc == CV_EINPUT, "bad[%zu]: rc %d", i, rc);
        ck_assert_uint_eq(n, 0);
        for (size_t j = 0; j < sizeof out; j++) ck_assert_int_eq(out[j], 'X');
        const char *err = cv_ctx_error(ctx);
        ck_assert_msg(*err, "bad[%zu]: no message", i);
        ck_assert_msg(!strstr(err, "07700") && !strstr(err, "900123") && !strstr(err, "trailing"),
                      "bad[%zu]: content in the message: %s", i, err);
    }
    /* a good record still works after the bad ones */
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1), out, sizeof out, &n), 0);
    /* NULL arguments */
    ck_assert_int_eq(cv_process_record(NULL, rec1, strlen(rec1), out, sizeof out, &n), CV_EUSAGE);
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1), out, sizeof out, NULL), CV_EUSAGE);
    ck_assert_int_eq(cv_process_record(rp, NULL, 5, out, sizeof out, &n), CV_EUSAGE);
    cv_recproc_free(rp);
    cv_recproc_free(NULL);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_sizes)
{
    cv_policy *p = load(policy_jsonl);
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.max_record = 64;
    cv_recproc *rp = make(p, "jsonl", &o);
    char out[512];
    size_t n = 0;
    /* larger than max_record: rejected */
    ck_assert_int_eq(cv_process_record(rp, rec1, strlen(rec1), out, sizeof out, &n), CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "maximum record size"));
    const char *small = "{\"id\":\"s\",\"phone\":\"07700 900123\"}\n";
    ck_assert_int_eq(cv_process_record(rp, small, strlen(small), out, sizeof out, &n), 0);
    size_t need = n;
    char want[512];
    memcpy(want, out, n);
    /* a buffer one byte short: CV_ESPACE, the size needed, nothing written */
    memset(out, 'X', sizeof out);
    ck_assert_int_eq(cv_process_record(rp, small, strlen(small), out, need - 1, &n), CV_ESPACE);
    ck_assert_uint_eq(n, need);
    for (size_t j = 0; j < sizeof out; j++) ck_assert_int_eq(out[j], 'X');
    /* exactly the size: written, no NUL after it */
    ck_assert_int_eq(cv_process_record(rp, small, strlen(small), out, need, &n), 0);
    ck_assert_uint_eq(n, need);
    ck_assert_mem_eq(out, want, need);
    ck_assert_int_eq(out[need], 'X');
    /* a size query with no buffer */
    ck_assert_int_eq(cv_process_record(rp, small, strlen(small), NULL, 0, &n), CV_ESPACE);
    ck_assert_uint_eq(n, need);
    cv_recproc_free(rp);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_create_errors)
{
    cv_policy *p = load(policy_jsonl);
    cv_recproc *rp = (cv_recproc *)&rp;
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, "xml", NULL, NULL, &rp), CV_EUSAGE);
    ck_assert_ptr_null(rp);
    /* csv needs its header */
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, "csv", NULL, NULL, &rp), CV_EUSAGE);
    ck_assert_ptr_null(rp);
    /* no input of this format in the policy */
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, "asterisk-cdr", NULL, NULL, &rp), CV_EPOLICY);
    ck_assert_int_eq(cv_recproc_create(ctx, NULL, key, "jsonl", NULL, NULL, &rp), CV_EUSAGE);
    /* by path: the csv rule, header still required; with it, fine */
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.as_of = "2024-13-01";
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, NULL, "x/a.jsonl", &o, &rp), CV_EUSAGE);
    o.as_of = NULL;
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, NULL, "x/a.jsonl", &o, &rp), 0);
    cv_recproc_free(rp);
    cv_policy_free(p);
    /* a policy with a vault: only run writes one */
    char prefix[128], pol[512];
    snprintf(prefix, sizeof prefix, "%s/ctl", tmpdir);
    ck_assert_int_eq(cv_controller_keygen(ctx, prefix), 0);
    snprintf(pol, sizeof pol, "version: 1\ntenant: t\nvault: {public_key: %s.pub}\n"
             "inputs:\n  - match: \"*\"\n    fields:\n      \"*\": scan\n", prefix);
    p = load(pol);
    ck_assert_int_eq(cv_recproc_create(ctx, p, key, "jsonl", NULL, NULL, &rp), CV_EPOLICY);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_retention_dropped)
{
    cv_policy *p = load("version: 1\ntenant: t\ninputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                        "    retention: {field: ts, max_age: 30 days}\n    fields:\n      ts: keep\n      \"*\": scan\n");
    cv_run_opts o;
    cv_run_opts_init(&o);
    o.as_of = "2024-06-01";
    cv_recproc *rp = make(p, "jsonl", &o);
    char out[256];
    size_t n = 5;
    const char *old = "{\"ts\":\"2020-01-01T00:00:00Z\",\"t\":\"07700 900123\"}\n";
    const char *recent = "{\"ts\":\"2024-05-30T00:00:00Z\",\"t\":\"07700 900123\"}\n";
    ck_assert_int_eq(cv_process_record(rp, old, strlen(old), out, sizeof out, &n), CV_RECORD_DROPPED);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(cv_process_record(rp, recent, strlen(recent), out, sizeof out, &n), 0);
    ck_assert_ptr_nonnull(strstr(out, "2024-05-30"));
    ck_assert_ptr_null(strstr(out, "900123"));
    cv_recproc_free(rp);
    cv_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recproc");
    TCase *tc = tcase_create("recproc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_token_buf_size);
    tcase_add_test(tc, test_jsonl_record);
    tcase_add_test(tc, test_same_as_filter);
    tcase_add_test(tc, test_fail_closed);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_create_errors);
    tcase_add_test(tc, test_retention_dropped);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
