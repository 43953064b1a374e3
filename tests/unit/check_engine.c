/*
 * check_engine.c - the policy applied to records: fail-closed drops, exact
 * tokens (known answers computed with Python's hashlib, key = bytes 0..31,
 * tenant "acme"), the same token for a value in a field and in free text,
 * names from structured fields replaced in text, containers, generalisation,
 * masks, caller ids, and the counters.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pipeline/engine.h"
#include "formats/formats.h"

#define T_PHONE_GB "899v1wcpp79y1wf2"   /* phone +447700900123 */
#define T_PERSON_PRIYA "kf5gc792t2wfnm04" /* person "priya shah" */
#define T_PHONE_US "5tf9a51vj084gjzy"   /* phone +12125550142 */
#define T_PHONE_CLID "vp2xw7heyef26kqs" /* phone +441632960123 */
#define T_PERSON_JANE "e1s026vscsvteqyz"  /* person "jane doe" */
#define T_EMAIL_JOHN "c176v6x4af1gqk5t" /* email john.smith@gmail.com */
#define T_ACCOUNT "nt36811p29a1wjvt"    /* account "acc-7" */

static cv_ctx *ctx;
static cv_key *key;

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    key = calloc(1, sizeof *key);
    key->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) key->k[i] = (unsigned char)i;
}

static void teardown(void)
{
    cv_key_free(key);
    cv_ctx_free(ctx);
}

/* Apply the policy's first input to each JSON line of `in`; return the output
 * lines (malloc'ed) and the counters. */
static char *apply(const char *policy, const char *fmtname, const char *in, cvi_counts *c)
{
    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "test.yaml", policy, strlen(policy), &p);
    ck_assert_msg(rc == 0, "policy: %s", cv_ctx_error(ctx));
    cvi_engine *e = NULL;
    ck_assert_int_eq(cvi_engine_create(ctx, p, key, &e), 0);
    cvi_worker *w = cvi_worker_create(e);
    const cv_format_type *f = cv_format_find(fmtname);
    ck_assert_ptr_nonnull(f);
    void *st = calloc(1, f->state_size + 1);
    cv_record r;
    cv_record_init(&r);
    cv_buf out = { 0 };
    cvi_counts local = { 0 };
    if (!c) c = &local;
    memset(c, 0, sizeof *c);
    const char *s = in;
    int first = 1;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
        cv_diag d = { 0 };
        if (first && f->has_header) {
            ck_assert_int_eq(f->parse_header(st, s, n, &d), 0);
            const cv_str *names;
            size_t nc = f->columns(st, &names);
            uint8_t kept[64];
            for (size_t i = 0; i < nc; i++) kept[i] = (uint8_t)cvi_engine_column_kept(e, &p->inputs[0], names[i], NULL);
            ck_assert_int_eq(f->write_header(st, kept, NULL, &out), 0);
        } else {
            cv_record_reset(&r);
            ck_assert_int_eq(f->parse(st, s, n, &r, &d), 0);
            ck_assert_int_eq(cvi_engine_apply(w, &p->inputs[0], &r, c, NULL), 0);
            ck_assert_int_eq(f->write(st, &r, &out), 0);
        }
        first = 0;
        s += n;
    }
    char *res = strdup(cv_buf_cstr(&out));
    cv_buf_free(&out);
    cv_record_free(&r);
    if (f->state_free) f->state_free(st);
    free(st);
    cvi_worker_free(w);
    cvi_engine_free(e);
    cv_policy_free(p);
    return res;
}

static const char *POLICY =
    "version: 1\n"
    "tenant: acme\n"
    "region: GB\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n"
    "    format: jsonl\n"
    "    fields:\n"
    "      id: keep\n"
    "      started_at: {generalise: hour}\n"
    "      duration: {generalise: duration, bands: [30, 60, 120]}\n"
    "      agent.name: {token: person}\n"
    "      customer.phone: {token: phone}\n"
    "      customer.account: {token: account}\n"
    "      messages[].text: scan\n"
    "      messages[].from: keep\n"
    "      notes: redact\n"
    "      card: mask\n"
    "      \"*\": drop\n";

START_TEST(test_fail_closed_and_tokens)
{
    cvi_counts c;
    char *out = apply(POLICY, "jsonl",
                      "{\"id\":\"CH-1\",\"secret\":\"x\",\"customer\":{\"name\":\"Jane\",\"phone\":\"+44 7700 900123\","
                      "\"account\":\"ACC-7\"},\"extra\":{\"a\":1}}\n",
                      &c);
    ck_assert_str_eq(out, "{\"id\":\"CH-1\",\"customer\":{\"phone\":\"phone:" T_PHONE_GB "\",\"account\":\"account:"
                          T_ACCOUNT "\"}}\n");
    ck_assert_uint_eq(c.tokenised, 2);
    ck_assert_uint_eq(c.fields_dropped, 3);     /* secret, customer.name, extra.a */
    free(out);
}
END_TEST

START_TEST(test_same_token_field_and_text)
{
    cvi_counts c;
    char *out = apply(POLICY, "jsonl",
                      "{\"customer\":{\"phone\":\"07700 900123\"},\"messages\":[{\"from\":\"customer\",\"text\":"
                      "\"call me on (07700) 900-123 or +1 212-555-0142\"}]}\n",
                      &c);
    ck_assert_str_eq(out, "{\"customer\":{\"phone\":\"phone:" T_PHONE_GB "\"},\"messages\":[{\"from\":\"customer\","
                          "\"text\":\"call me on [phone:" T_PHONE_GB "] or [phone:" T_PHONE_US "]\"}]}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 2);
    free(out);
}
END_TEST

/* A name the person detector finds in one text recurs in the record's
 * other texts, before or after it, alone or in part, with its token. */
START_TEST(test_detected_name_recurs)
{
    cvi_counts c;
    char *out = apply(POLICY, "jsonl",
                      "{\"messages\":[{\"text\":\"Connor rang earlier about it\"},"
                      "{\"text\":\"Hi, my name is Sarah Connor.\"},{\"text\":\"Sarah will send it\"}]}\n",
                      &c);
    const char *t = strstr(out, "my name is [person:");
    ck_assert_ptr_nonnull(t);
    char tok[17];
    memcpy(tok, t + strlen("my name is [person:"), 16);
    tok[16] = '\0';
    char want[512];
    snprintf(want, sizeof want,
             "{\"messages\":[{\"text\":\"[person:%s] rang earlier about it\"},{\"text\":\"Hi, my name is "
             "[person:%s].\"},{\"text\":\"[person:%s] will send it\"}]}\n",
             tok, tok, tok);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.detections[CV_ENT_PERSON], 3);
    free(out);
    /* without the detected name, neither bare word is one */
    out = apply(POLICY, "jsonl", "{\"messages\":[{\"text\":\"Connor rang earlier\"},{\"text\":\"Sarah will send it\"}]}\n",
                NULL);
    ck_assert_str_eq(out, "{\"messages\":[{\"text\":\"Connor rang earlier\"},{\"text\":\"Sarah will send it\"}]}\n");
    free(out);
}
END_TEST

START_TEST(test_names_in_text)
{
    char *out = apply(POLICY, "jsonl",
                      "{\"messages\":[{\"text\":\"Hi, this is Priya. priya shah here!\"}],"
                      "\"agent\":{\"name\":\"Priya  Shah\"}}\n",
                      NULL);
    /* the name field comes after the text: names are collected first */
    ck_assert_str_eq(out, "{\"messages\":[{\"text\":\"Hi, this is [person:" T_PERSON_PRIYA "]. [person:" T_PERSON_PRIYA
                          "] here!\"}],\"agent\":{\"name\":\"person:" T_PERSON_PRIYA "\"}}\n");
    free(out);
}
END_TEST

START_TEST(test_free_text_entities)
{
    cvi_counts c;
    char *out = apply(POLICY, "jsonl",
                      "{\"messages\":[{\"text\":\"card 4111 1111 1111 1111, mail john dot smith at gmail dot com, "
                      "order 1234567890 for \\u00a349.99 at 14:30\"}]}\n",
                      &c);
    ck_assert_str_eq(out, "{\"messages\":[{\"text\":\"card **** **** **** 1111, mail [email:" T_EMAIL_JOHN
                          "], order 1234567890 for \xc2\xa3" "49.99 at 14:30\"}]}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_CARD], 1);
    ck_assert_uint_eq(c.detections[CV_ENT_EMAIL], 1);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);
    free(out);
}
END_TEST

START_TEST(test_generalise_redact_mask)
{
    cvi_counts c;
    char *out = apply(POLICY, "jsonl",
                      "{\"started_at\":\"2024-03-05T14:23:11Z\",\"duration\":75,\"notes\":\"anything\","
                      "\"card\":\"5555-5555-5555-4444\"}\n"
                      "{\"started_at\":\"yesterday\",\"duration\":\"\",\"notes\":null,\"card\":\"PIN 12-34\"}\n",
                      &c);
    ck_assert_str_eq(out, "{\"started_at\":\"2024-03-05T14:00:00Z\",\"duration\":\"60-119\",\"notes\":\"[redacted]\","
                          "\"card\":\"****-****-****-4444\"}\n"
                          "{\"started_at\":\"\",\"duration\":\"\",\"notes\":null,\"card\":\"*** **-**\"}\n");
    ck_assert_uint_eq(c.unparseable, 1);
    free(out);
}
END_TEST

START_TEST(test_containers)
{
    char *out = apply(POLICY, "jsonl",
                      "{\"id\":1,\"messages\":[{\"text\":\"hello\",\"meta\":{\"ip\":\"1.2.3.4\"}},{\"x\":1}],"
                      "\"customer\":{\"name\":\"n\"}}\n",
                      NULL);
    /* messages[1] had no surviving member: dropped; customer likewise */
    ck_assert_str_eq(out, "{\"id\":1,\"messages\":[{\"text\":\"hello\"}]}\n");
    free(out);
}
END_TEST

static const char *CDR_POLICY =
    "version: 1\n"
    "tenant: acme\n"
    "inputs:\n"
    "  - match: \"Master.csv\"\n"
    "    format: asterisk-cdr\n"
    "    fields: {src: {token: phone}, clid: {token: clid}, lastdata: scan, start: {generalise: hour},\n"
    "             answer: {generalise: hour}, duration: keep, \"*\": drop}\n";

START_TEST(test_cdr_clid)
{
    char *out = apply(CDR_POLICY, "asterisk-cdr",
                      "\"\",\"07700900123\",\"100\",\"from-internal\",\"\"\"Jane Doe\"\" <+441632960123>\",\"SIP/a-1\","
                      "\"SIP/b-2\",\"Dial\",\"call from Jane Doe\",\"2024-03-05 14:23:11\",,\"2024-03-05 14:25:40\","
                      "149,145,\"ANSWERED\",\"DOCUMENTATION\",\"1709648591.1\",\"\"\n",
                      NULL);
    ck_assert_str_eq(out, "\"\",\"phone:" T_PHONE_GB "\",\"\",\"\",\"\"\"person:" T_PERSON_JANE "\"\" <phone:"
                          T_PHONE_CLID ">\",\"\",\"\",\"\",\"call from [person:" T_PERSON_JANE "]\","
                          "\"2024-03-05 14:00:00\",,,149,,\"\",\"\",\"\",\"\"\n");
    free(out);
}
END_TEST

START_TEST(test_csv_header_and_columns)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"*.csv\"\n    format: csv\n"
                      "    fields: {id: keep, from: {token: phone}, body: scan, \"*\": drop}\n";
    char *out = apply(pol, "csv", "id,sent_at,from,body\n1,2024-01-01,+447700900123,\"hi, it's 07700 900123\"\n", NULL);
    ck_assert_str_eq(out, "id,from,body\n1,phone:" T_PHONE_GB ",\"hi, it's [phone:" T_PHONE_GB "]\"\n");
    free(out);
}
END_TEST

START_TEST(test_leaf_rules)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {\"**.name\": {token: person}, agent.id: keep, \"*\": scan}\n";
    char *out = apply(pol, "jsonl",
                      "{\"agent\":{\"id\":\"A-1\",\"name\":\"Priya Shah\"},\"name\":\"Jane Doe\","
                      "\"msgs\":[{\"text\":\"Jane, Priya speaking\"}],\"names\":\"not a name rule\"}\n",
                      NULL);
    ck_assert_str_eq(out, "{\"agent\":{\"id\":\"A-1\",\"name\":\"person:" T_PERSON_PRIYA "\"},\"name\":\"person:"
                          T_PERSON_JANE "\",\"msgs\":[{\"text\":\"[person:" T_PERSON_JANE "], [person:" T_PERSON_PRIYA
                          "] speaking\"}],\"names\":\"not a name rule\"}\n");
    free(out);
}
END_TEST

/* issue 8 item 15: a keep rule written for a scalar must not keep a subtree
 * placed at that path; the subtree gets the default ("*") rule instead */
START_TEST(test_keep_not_inherited)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {id: keep, \"*\": scan}\n";
    char *out = apply(pol, "jsonl", "{\"id\":{\"phone\":\"+447700900123\"}}\n", NULL);
    ck_assert_str_eq(out, "{\"id\":{\"phone\":\"[phone:899v1wcpp79y1wf2]\"}}\n");
    free(out);
    pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
          "    fields: {id: keep, n: keep, \"*\": drop}\n";
    out = apply(pol, "jsonl", "{\"id\":{\"phone\":\"+447700900123\"},\"n\":1}\n", NULL);
    ck_assert_str_eq(out, "{\"id\":{},\"n\":1}\n");
    free(out);
}
END_TEST

/* The person tokens (16 characters after "person:") in out, in order;
 * returns how many (at most max). */
static int person_toks(const char *out, char (*tok)[17], int max)
{
    /* one pass (strstr per token re-measures the rest of out under ASan) */
    int n = 0;
    for (const char *p = out; *p && n < max; p++)
        if (p[0] == 'p' && strncmp(p, "person:", 7) == 0) {
            memcpy(tok[n], p + 7, 16);
            tok[n++][16] = '\0';
            p += 6;
        }
    return n;
}

static void person_tok(const char *out, int k, char tok[17])
{
    char t[8][17];
    ck_assert_int_gt(person_toks(out, t, 8), k);
    memcpy(tok, t[k], 17);
}

/* issue 8 item 14: the record's names as one word set: Unicode case
 * variants, whole words only, the longest name wins, many names at once */
START_TEST(test_names_wordset)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {\"**.name\": {token: person}, \"*\": scan}\n";
    char *out = apply(pol, "jsonl",
                      "{\"a\":{\"name\":\"Élodie Durand\"},\"b\":{\"name\":\"Sam\"},"
                      "\"t\":\"ÉLODIE  DURAND called; élodie durand; Samantha, Sam's son, Durand, durand\"}\n",
                      NULL);
    char te[17], ts[17], want[512];
    person_tok(out, 0, te);
    person_tok(out, 1, ts);
    snprintf(want, sizeof want, "{\"a\":{\"name\":\"person:%s\"},\"b\":{\"name\":\"person:%s\"},"
             "\"t\":\"[person:%s] called; [person:%s]; Samantha, [person:%s]'s son, [person:%s], durand\"}\n",
             te, ts, te, te, ts, te);
    ck_assert_str_eq(out, want);
    free(out);

    /* "Jane Doe" is not "Jane" then a part of "Jane Doe" */
    out = apply(pol, "jsonl", "{\"a\":{\"name\":\"Jane\"},\"b\":{\"name\":\"Jane Doe\"},\"t\":\"Jane Doe and Jane\"}\n",
                NULL);
    char tj[17], tjd[17];
    person_tok(out, 0, tj);
    person_tok(out, 1, tjd);
    ck_assert_str_eq(tjd, T_PERSON_JANE);
    snprintf(want, sizeof want, "{\"a\":{\"name\":\"person:%s\"},\"b\":{\"name\":\"person:%s\"},"
             "\"t\":\"[person:%s] and [person:%s]\"}\n", tj, tjd, tjd, tj);
    ck_assert_str_eq(out, want);
    free(out);

    /* 300 names, each named in the text in reverse order */
    enum { N = 300 };
    cv_buf in = { 0 };
    ck_assert_int_eq(cv_buf_puts(&in, "{\"p\":["), 0);
    for (int i = 0; i < N; i++) ck_assert_int_eq(cv_buf_printf(&in, "%s{\"name\":\"Given%03d Family%03d\"}", i ? "," : "", i, i), 0);
    ck_assert_int_eq(cv_buf_puts(&in, "],\"t\":\""), 0);
    for (int i = N; i-- > 0;) ck_assert_int_eq(cv_buf_printf(&in, "given%03d  FAMILY%03d, ", i, i), 0);
    ck_assert_int_eq(cv_buf_puts(&in, "end\"}\n"), 0);
    out = apply(pol, "jsonl", cv_buf_cstr(&in), NULL);
    ck_assert_ptr_null(strstr(out, "iven"));
    ck_assert_ptr_null(strstr(out, "AMILY"));
    char (*t)[17] = malloc(2 * N * sizeof *t);
    ck_assert_int_eq(person_toks(out, t, 2 * N), 2 * N);
    for (int i = 0; i < N; i++) ck_assert_str_eq(t[i], t[2 * N - 1 - i]);
    free(t);
    free(out);
    cv_buf_free(&in);
}
END_TEST

/* A record with more than 65,536 names: the last one found in text gets
 * its own token (the name's index once wrapped at 16 bits). */
START_TEST(test_names_past_16_bits)
{
    enum { N = 65537 + 3 };
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {\"**.name\": {token: person}, \"*\": scan}\n";
    cv_buf in = { 0 };
    ck_assert_int_eq(cv_buf_puts(&in, "{\"p\":["), 0);
    for (int i = 0; i < N; i++) ck_assert_int_eq(cv_buf_printf(&in, "%s{\"name\":\"N%06d\"}", i ? "," : "", i), 0);
    ck_assert_int_eq(cv_buf_printf(&in, "],\"t\":\"n%06d and N%06d\"}\n", N - 1, 1), 0);
    char *out = apply(pol, "jsonl", cv_buf_cstr(&in), NULL);
    char (*t)[17] = malloc((N + 2) * sizeof *t);
    ck_assert_int_eq(person_toks(out, t, N + 2), N + 2);
    ck_assert_str_eq(t[N], t[N - 1]);
    ck_assert_str_eq(t[N + 1], t[1]);
    ck_assert_str_ne(t[N - 1], t[N - 1 - 65536]);
    free(t);
    free(out);
    cv_buf_free(&in);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fail_closed_and_tokens);
    tcase_add_test(tc, test_same_token_field_and_text);
    tcase_add_test(tc, test_names_in_text);
    tcase_add_test(tc, test_detected_name_recurs);
    tcase_add_test(tc, test_free_text_entities);
    tcase_add_test(tc, test_generalise_redact_mask);
    tcase_add_test(tc, test_containers);
    tcase_add_test(tc, test_cdr_clid);
    tcase_add_test(tc, test_csv_header_and_columns);
    tcase_add_test(tc, test_leaf_rules);
    tcase_add_test(tc, test_keep_not_inherited);
    tcase_add_test(tc, test_names_wordset);
    suite_add_tcase(s, tc);
    TCase *big = tcase_create("big");
    tcase_add_checked_fixture(big, setup, teardown);
    tcase_set_timeout(big, 60);
    tcase_add_test(big, test_names_past_16_bits);
    suite_add_tcase(s, big);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
