/*
 * check_custom.c - what a policy adds to detection (issue 9): custom
 * detectors (regex and word lists, context words, checks, normal forms,
 * new entities with their own token domain), the allow list (over
 * detectors and field rules, counted, never listed), declared domains and
 * the policy errors that catch typos, each with its line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pipeline/engine.h"
#include "formats/formats.h"

#include "tests/unit/engine_helpers.h"


#define HEAD "version: 1\ntenant: acme\nregion: GB\n"
#define IN "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n      \"*\": scan\n"

/* The token `callveil token --type domain` prints under policy pol. */
static char *tok_in(const char *pol, const char *domain, const char *norm)
{
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", pol, strlen(pol), &p), 0);
    cvi_engine *e = NULL;
    ck_assert_int_eq(cvi_engine_create(ctx, p, key, &e), 0);
    cvi_worker *w = cvi_worker_create(e);
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_engine_token(w, domain, norm, strlen(norm), &b), 0);
    char *r = strdup(cvi_buf_cstr(&b));
    cvi_buf_free(&b);
    cvi_worker_free(w);
    cvi_engine_free(e);
    cv_policy_free(p);
    return r;
}

static char *tok(const char *domain, const char *norm) { return tok_in(HEAD IN, domain, norm); }

START_TEST(test_regex_detector_new_entity)
{
    const char *pol = HEAD
        "detectors:\n"
        "  - name: loyalty\n"
        "    entity: loyalty_id\n"
        "    regex: '(?i)\\bLY-?[0-9]{6}\\b'\n"
        "    normalise: upper\n" IN;
    cvi_counts c;
    char *out = apply(pol, "jsonl", "{\"t\":\"my card ly-123456 and LY123456, not LY12345\"}\n", &c);
    /* a new entity is its own token domain, tokenised by default */
    /* the field form normalises as the detector does: upper-cased */
    char *t1 = tok_in(pol, "loyalty_id", "ly-123456"), *t2 = tok_in(pol, "loyalty_id", "LY123456");
    char want[256];
    snprintf(want, sizeof want, "{\"t\":\"my card [%s] and [%s], not LY12345\"}\n", t1, t2);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.detections[CV_ENT__COUNT], 2);
    ck_assert_uint_eq(c.by_detector[CV_DET__COUNT], 2);
    free(out), free(t1), free(t2);
}
END_TEST

START_TEST(test_context_check_normalise)
{
    const char *pol = HEAD
        "detectors:\n"
        "  - name: member\n"
        "    entity: member_no\n"
        "    regex: '[0-9]{4} ?[0-9]{4} ?[0-9]{4}'\n"
        "    context: [member, \"membership number\"]\n"
        "    context_window: 3\n"
        "    validate: luhn\n"
        "    normalise: digits\n"
        "entities:\n"
        "  member_no: redact\n"
        "  account: keep\n" IN;   /* the built-in account detector would take the Luhn-invalid one */
    cvi_counts c;
    /* 400000000002 passes Luhn, 400000000003 does not */
    char *out = apply(pol, "jsonl",
                      "{\"t\":\"membership number 4000 0000 0002\"}\n"   /* context, Luhn: found */
                      "{\"t\":\"member id is 4000 0000 0002\"}\n"         /* context 3 words before */
                      "{\"t\":\"member of the club since then 4000 0000 0002\"}\n"   /* too far */
                      "{\"t\":\"order 4000 0000 0002\"}\n"                /* no context */
                      "{\"t\":\"member 4000 0000 0003\"}\n",              /* Luhn fails */
                      &c);
    ck_assert_str_eq(out, "{\"t\":\"membership number [member_no]\"}\n"
                          "{\"t\":\"member id is [member_no]\"}\n"
                          "{\"t\":\"member of the club since then 4000 0000 0002\"}\n"
                          "{\"t\":\"order 4000 0000 0002\"}\n"
                          "{\"t\":\"member 4000 0000 0003\"}\n");
    ck_assert_uint_eq(c.detections[CV_ENT__COUNT], 2);
    free(out);
}
END_TEST

START_TEST(test_words_and_words_file)
{
    char path[] = "/tmp/cvwordsXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *list = "# our agents\nMaría José\nO'Brien\r\nZoë Müller\n";
    ck_assert_int_eq(write(fd, list, strlen(list)), (ssize_t)strlen(list));
    close(fd);
    char pol[2048];
    snprintf(pol, sizeof pol, HEAD
             "detectors:\n"
             "  - name: agents\n"
             "    entity: person\n"
             "    words_file: %s\n"
             "  - name: products\n"
             "    entity: product_code\n"
             "    words: [\"Acme Ultra\", widgetpro]\n"
             "entities:\n"
             "  product_code: mask\n" IN, path);
    cvi_counts c;
    char *out = apply(pol, "jsonl", "{\"t\":\"María   JOSÉ and o'brien sold an ACME ULTRA; Zoë Müller too\"}\n", &c);
    /* names from the list are person tokens, the same as the name given in a field */
    /* (ASCII letters are lower-cased; others stay as written: "JOSÉ" -> "josÉ") */
    char *a = tok("person", "maría josÉ"), *b = tok("person", "o'brien"), *z = tok("person", "zoë müller");
    char want[512];
    snprintf(want, sizeof want, "{\"t\":\"[%s] and [%s] sold an **** *****; [%s] too\"}\n", a, b, z);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.detections[CV_ENT_PERSON], 3);
    free(out), free(a), free(b), free(z);
    unlink(path);
}
END_TEST

START_TEST(test_allow_list)
{
    const char *pol = HEAD
        "allow:\n"
        "  - \"0800 123 4567\"\n"                 /* our freephone, in any written form */
        "  - {icase: support@acme.example}\n"
        "  - {regex: 'ACME-[0-9]{6}'}\n"
        "inputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
        "      phone: {token: phone}\n"
        "      \"*\": scan\n";
    cvi_counts c;
    char *out = apply(pol, "jsonl",
                      "{\"phone\":\"+44 800 123 4567\",\"t\":\"call +448001234567 or SUPPORT@acme.example or "
                      "07700 900123\",\"u\":\"ref ACME-123456 / 123456\"}\n",
                      &c);
    char *t = tok("phone", "+447700900123");
    char want[512];
    snprintf(want, sizeof want,
             "{\"phone\":\"+44 800 123 4567\",\"t\":\"call +448001234567 or SUPPORT@acme.example or [%s]\","
             "\"u\":\"ref ACME-123456 / 123456\"}\n", t);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.allowed[CV_ENT_PHONE], 2);   /* the field and the text */
    ck_assert_uint_eq(c.allowed[CV_ENT_EMAIL], 1);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    free(out), free(t);
}
END_TEST

/* Policy errors, each with its line: typos never become new domains. */
START_TEST(test_policy_errors)
{
    static const struct { const char *text; int line; const char *msg; } cases[] = {
        { HEAD "inputs:\n  - match: x\n    fields:\n      a: {token: phnoe}\n", 7,
          "unknown type 'phnoe' for token (did you mean 'phone'?)" },
        { HEAD "entities:\n  emial: token\n" IN, 5, "unknown entity 'emial' (did you mean 'email'?)" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n    regex: '[0-9]*'\n" IN, 7,
          "'regex' can match the empty string" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n    regex: '([0-9]'\n" IN, 7, "'regex' does not compile" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n" IN, 5, "exactly one of 'regex', 'words' or 'words_file'" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n    words: []\n" IN, 7, "'words' holds no words" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n    words: [a]\n    validate: crc32\n" IN, 8,
          "'validate' must be none, luhn, mod97 or mod11" },
        { HEAD "detectors:\n  - name: x\n    entity: thing\n    words_file: /nonexistent/words.txt\n" IN, 7,
          "cannot read the file" },
        { HEAD "allow:\n  - {regex: '(x'}\n" IN, 5, "allow 'regex' does not compile" },
        { HEAD "domains: [phone]\n" IN, 4, "invalid domain 'phone'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cv_policy *p = NULL;
        int rc = cv_policy_load_mem(ctx, "t.yaml", cases[i].text, strlen(cases[i].text), &p);
        ck_assert_msg(rc == CV_EPOLICY, "case %zu: rc %d", i, rc);
        char want[64];
        snprintf(want, sizeof want, "t.yaml:%d: ", cases[i].line);
        const char *err = cv_ctx_error(ctx);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0 && strstr(err, cases[i].msg), "case %zu: %s", i, err);
    }
    /* a declared domain is accepted */
    const char *ok = HEAD "domains: [loyalty_id]\ninputs:\n  - match: x\n    fields:\n      a: {token: loyalty_id}\n";
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", ok, strlen(ok), &p), 0);
    cv_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("custom");
    TCase *tc = tcase_create("custom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_regex_detector_new_entity);
    tcase_add_test(tc, test_context_check_normalise);
    tcase_add_test(tc, test_words_and_words_file);
    tcase_add_test(tc, test_allow_list);
    tcase_add_test(tc, test_policy_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
