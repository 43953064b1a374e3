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

#include "tests/unit/engine_helpers.h"

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

/* ---- regions per input and per record (issue 15) ------------------------ */

static const char *REGION_POLICY =
    "version: 1\n"
    "region: GB\n"
    "inputs:\n"
    "  - match: \"*.jsonl\"\n"
    "    format: jsonl\n"
    "    region_field: customer.country\n"
    "    fields:\n"
    "      customer.country: keep\n"
    "      customer.phone: {token: phone}\n"
    "      text: scan\n"
    "      \"*\": drop\n";

/* The token rendered after `marker` in s (16 characters), into tok. */
static void token_after(const char *s, const char *marker, char tok[17])
{
    const char *at = strstr(s, marker);
    ck_assert_msg(at != NULL, "no %s in %s", marker, s);
    memcpy(tok, at + strlen(marker), 16);
    tok[16] = '\0';
}

/* A scanned value that is exactly one identifier is written in the field
 * form, so it joins a tokenised field by plain equality (issue 11, item 6). */
START_TEST(test_whole_value_field_form)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"*\"\n    format: jsonl\n    fields:\n"
                      "      a: {token: phone}\n      \"*\": scan\n";
    char *out = apply(pol, "jsonl", "{\"a\":\"07700 900123\",\"b\":\"07700 900123\",\"c\":\"call 07700 900123\"}\n", NULL);
    /* a and b hold the same token in the same form; c keeps the text form */
    const char *a = strstr(out, "\"a\":\"phone:"), *b = strstr(out, "\"b\":\"phone:");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(memcmp(a + 5, b + 5, 22), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"c\":\"call [phone:"));
    free(out);
}
END_TEST

START_TEST(test_region_field)
{
    cvi_counts c;
    /* the record's country first: a Spanish mobile in a GB policy */
    char *out = apply(REGION_POLICY, "jsonl",
                      "{\"customer\":{\"country\":\"es\",\"phone\":\"694 214 225\"},\"text\":\"movil 694 214 225\"}\n", &c);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    char a[17], b[17];
    token_after(out, "\"phone\":\"phone:", a);
    token_after(out, "movil [phone:", b);
    ck_assert_str_eq(a, b);
    free(out);
    /* the same line without it (GB, or a value that is no country): not a phone */
    static const char *const others[] = {
        "{\"customer\":{\"country\":\"GB\"},\"text\":\"movil 694 214 225\"}\n",
        "{\"customer\":{\"country\":\"Spain\"},\"text\":\"movil 694 214 225\"}\n",
        "{\"customer\":{\"country\":\"XX\"},\"text\":\"movil 694 214 225\"}\n",
        "{\"text\":\"movil 694 214 225\"}\n",
    };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        out = apply(REGION_POLICY, "jsonl", others[i], &c);
        ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);
        ck_assert_ptr_nonnull(strstr(out, "movil 694 214 225"));
        free(out);
    }
    /* records of one worker switching countries: each read with its own */
    out = apply(REGION_POLICY, "jsonl",
                "{\"customer\":{\"country\":\"ES\"},\"text\":\"movil 694 214 225\"}\n"
                "{\"customer\":{\"country\":\"GB\"},\"text\":\"movil 694 214 225\"}\n"
                "{\"customer\":{\"country\":\"ES\"},\"text\":\"movil 694 214 225\"}\n", &c);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 2);
    free(out);
    /* the policy's countries still apply after the record's */
    out = apply(REGION_POLICY, "jsonl", "{\"customer\":{\"country\":\"ES\"},\"text\":\"tel 020 7946 0958\"}\n", &c);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    free(out);
}
END_TEST

START_TEST(test_region_of_input)
{
    cvi_counts c;
    char *out = apply("version: 1\nregion: GB\ninputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                      "    region: [IT, US]\n    fields: {text: scan, \"*\": drop}\n",
                      "jsonl", "{\"text\":\"cell 339 645 0651 or 694 214 225\"}\n", &c);
    /* the input's list replaces the policy's: Italian, no Spanish */
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    ck_assert_ptr_nonnull(strstr(out, "or 694 214 225"));
    free(out);
}
END_TEST

START_TEST(test_token_command_matches_pipeline)
{
    /* `callveil token --type phone` (cv_token) gives the pipeline's token,
     * with the embedded default policy's countries */
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load(ctx, NULL, &p), 0);
    static const char *const nums[] = { "339 645 0651", "694 214 225", "(11) 98765-4321", "06 12 34 56 78",
                                        "07700 900123", "+353 1800 123 456", "415 770 8275" };
    cvi_engine *e = NULL;
    ck_assert_int_eq(cvi_engine_create(ctx, p, key, &e), 0);
    cvi_worker *w = cvi_worker_create(e);
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        char tok[64];
        ck_assert_int_eq(cv_token(ctx, p, key, "phone", nums[i], strlen(nums[i]), tok, sizeof tok), 0);
        char text[64];
        snprintf(text, sizeof text, "call %s now", nums[i]);
        const cv_span *sp;
        size_t ns;
        ck_assert_int_eq(cvi_engine_find(w, text, strlen(text), &sp, &ns, NULL), 0);
        ck_assert_uint_eq(ns, 1);
        cv_buf r = { 0 };
        ck_assert_int_eq(cvi_engine_render(w, text, &sp[0], &r), 0);
        ck_assert_int_eq(cvi_buf_putc(&r, '\0'), 0);
        char want[80];
        snprintf(want, sizeof want, "[%s]", tok);
        ck_assert_str_eq(r.p, want);
        cvi_buf_free(&r);
    }
    cvi_worker_free(w);
    cvi_engine_free(e);
    cv_policy_free(p);
}
END_TEST

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
                      "{\"messages\":[{\"text\":\"then Connor sent the photos\"},"
                      "{\"text\":\"Hi, my name is Sarah Connor.\"},{\"text\":\"Sarah will send it\"}]}\n",
                      &c);
    const char *t = strstr(out, "my name is [person:");
    ck_assert_ptr_nonnull(t);
    char tok[17];
    memcpy(tok, t + strlen("my name is [person:"), 16);
    tok[16] = '\0';
    char want[512];
    snprintf(want, sizeof want,
             "{\"messages\":[{\"text\":\"then [person:%s] sent the photos\"},{\"text\":\"Hi, my name is "
             "[person:%s].\"},{\"text\":\"[person:%s] will send it\"}]}\n",
             tok, tok, tok);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.detections[CV_ENT_PERSON], 3);
    free(out);
    /* without the detected name, neither bare word opening its text is one */
    out = apply(POLICY, "jsonl", "{\"messages\":[{\"text\":\"Connor took it\"},{\"text\":\"Sarah took it\"}]}\n",
                NULL);
    ck_assert_str_eq(out, "{\"messages\":[{\"text\":\"Connor took it\"},{\"text\":\"Sarah took it\"}]}\n");
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

/* An internal call: the agent's extension in src and in the clid's number
 * gets the agent token its channel gets, a real number stays a phone. */
START_TEST(test_cdr_extension_is_agent)
{
    const char *pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"Master.csv\"\n    format: asterisk-cdr\n"
                      "    fields: {src: {token: phone}, dst: {token: phone}, clid: {token: clid}, channel: scan, \"*\": drop}\n";
    char *out = apply(pol, "asterisk-cdr",
                      "\"\",\"2177\",\"07700900123\",\"from-internal\",\"\"\"Desk\"\" < 2177 >\",\"PJSIP/2177-00000020\","
                      "\"\",\"Dial\",\"\",\"2024-03-05 14:23:11\",,\"2024-03-05 14:25:40\",149,145,\"ANSWERED\","
                      "\"DOCUMENTATION\",\"1709648591.1\",\"\"\n",
                      NULL);
    const char *a = strstr(out, "agent:");
    ck_assert_ptr_nonnull(a);
    char tok[64];
    size_t n = strcspn(a, "\",]> ");
    ck_assert_uint_lt(n, sizeof tok);
    memcpy(tok, a, n);
    tok[n] = '\0';
    /* src, the clid's number and the channel's peer: one agent token */
    size_t times = 0;
    for (const char *p = out; (p = strstr(p, tok)); p += n) times++;
    ck_assert_uint_eq(times, 3);
    ck_assert_ptr_nonnull(strstr(out, "phone:" T_PHONE_GB));   /* dst: a phone number */
    ck_assert_ptr_null(strstr(out, "2177"));
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
    ck_assert_str_eq(out, "{\"id\":{\"phone\":\"phone:899v1wcpp79y1wf2\"}}\n");
    free(out);
    pol = "version: 1\ntenant: acme\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
          "    fields: {id: keep, n: keep, \"*\": drop}\n";
    out = apply(pol, "jsonl", "{\"id\":{\"phone\":\"+447700900123\"},\"n\":1}\n", NULL);
    ck_assert_str_eq(out, "{\"id\":{},\"n\":1}\n");
    free(out);
}
END_TEST

/* issue 8 item 3: member names are scanned as free text is, so an
 * identifier used as a name is replaced by its rendering ("[phone:…]",
 * "[card]", a mask), with the same token as in a value. */
static const char *POL_SCAN = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                              "    fields: {\"*\": scan}\n";

START_TEST(test_member_names_scanned)
{
    cvi_counts c;
    char *out = apply(POL_SCAN, "jsonl", "{\"contacts\":{\"+447700900123\":\"mobile\"}}\n", &c);
    ck_assert_str_eq(out, "{\"contacts\":{\"[phone:" T_PHONE_GB "]\":\"mobile\"}}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    free(out);
    /* part of a name; an object's and an array's own name; top level; in array elements */
    out = apply(POL_SCAN, "jsonl",
                "{\"call 07700 900123 back\":1,\"+447700900123\":{\"x\":[1]},\"l\":[{\"07700900123\":\"a\"},"
                "{\"07700900123\":\"b\"}],\"n\":{\"+1 212-555-0142\":[0]}}\n",
                &c);
    ck_assert_str_eq(out, "{\"call [phone:" T_PHONE_GB "] back\":1,\"[phone:" T_PHONE_GB "]\":{\"x\":[1]},"
                          "\"l\":[{\"[phone:" T_PHONE_GB "]\":\"a\"},{\"[phone:" T_PHONE_GB "]\":\"b\"}],"
                          "\"n\":{\"[phone:" T_PHONE_US "]\":[0]}}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 5);
    free(out);
    /* the entity's action decides: redact, mask, keep */
    const char *pol = "version: 1\ntenant: acme\nregion: GB\nentities: {card: redact, phone: keep, email: mask}\n"
                      "inputs:\n  - match: \"**\"\n    format: jsonl\n    fields: {\"*\": scan}\n";
    out = apply(pol, "jsonl", "{\"4111 1111 1111 1111\":1,\"+447700900123\":2,\"a@b.example\":3}\n", &c);
    ck_assert_str_eq(out, "{\"[card]\":1,\"+447700900123\":2,\"*@*.*******\":3}\n");
    free(out);
    /* names without identifiers, and timestamps, are left alone */
    out = apply(POL_SCAN, "jsonl", "{\"id\":1,\"2024-03-04T09:14:16Z\":2,\"line 2\":3,\"\":4}\n", &c);
    ck_assert_str_eq(out, "{\"id\":1,\"2024-03-04T09:14:16Z\":2,\"line 2\":3,\"\":4}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 0);
    free(out);
}
END_TEST

/* The clean-name cache holds a name for the regions it was found clean
 * under: one worker, two inputs with their own regions, the same member
 * name ("07700 900123" is a phone in GB only), in both orders. */
START_TEST(test_member_names_per_region)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\nentities: {phone: redact}\ninputs:\n"
                      "  - match: \"us/**\"\n    format: jsonl\n    region: US\n    fields: {\"*\": scan}\n"
                      "  - match: \"gb/**\"\n    format: jsonl\n    region: GB\n    fields: {\"*\": scan}\n";
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "test.yaml", pol, strlen(pol), &p), 0);
    cvi_engine *e = NULL;
    ck_assert_int_eq(cvi_engine_create(ctx, p, key, &e), 0);
    cvi_worker *w = cvi_worker_create(e);
    ck_assert_ptr_nonnull(w);
    const cv_format_type *f = cvi_format_find("jsonl");
    static const int order[][3] = { { 0, 1, 0 }, { 1, 0, 1 } };
    static const char *const want[] = { "{\"07700 900123\":1}\n", "{\"[phone]\":1}\n" };
    for (size_t k = 0; k < 2; k++)
        for (size_t j = 0; j < 3; j++) {
            int in = order[k][j];
            const char *rec = "{\"07700 900123\":1}\n";
            cv_record r;
            cvi_record_init(&r);
            cv_diag d = { 0 };
            ck_assert_int_eq(f->parse(NULL, rec, strlen(rec), &r, &d), 0);
            cvi_counts c = { 0 };
            ck_assert_int_eq(cvi_engine_apply(w, &p->inputs[in], &r, &c, NULL), 0);
            cv_buf out = { 0 };
            ck_assert_int_eq(f->write(NULL, &r, &out), 0);
            ck_assert_str_eq(cvi_buf_cstr(&out), want[in]);
            ck_assert_uint_eq(c.detections[CV_ENT_PHONE], (uint64_t)in);
            cvi_buf_free(&out);
            cvi_record_free(&r);
        }
    cvi_worker_free(w);
    cvi_engine_free(e);
    cv_policy_free(p);
}
END_TEST

/* Two names that become one get "#2", "#3", ... in input order; a name
 * written unchanged keeps its spelling, so a replacement equal to it is the
 * one suffixed. The output stays valid JSON with unique names (the reader
 * rejects duplicates). */
START_TEST(test_member_names_unique)
{
    cvi_counts c;
    const char *in = "{\"c\":{\"+447700900123\":1,\"07700900123\":2,\"x\":0,\"07700 900123\":3},"
                     "\"d\":{\"[phone:" T_PHONE_GB "]#2\":0,\"[phone:" T_PHONE_GB "]\":5,\"+447700900123\":1,"
                     "\"07700900123\":2}}\n";
    char *out = apply(POL_SCAN, "jsonl", in, &c);
    const char *want = "{\"c\":{\"[phone:" T_PHONE_GB "]\":1,\"[phone:" T_PHONE_GB "]#2\":2,\"x\":0,\"[phone:" T_PHONE_GB
                       "]#3\":3},\"d\":{\"[phone:" T_PHONE_GB "]#2\":0,\"[phone:" T_PHONE_GB "]\":5,\"[phone:" T_PHONE_GB
                       "]#3\":1,\"[phone:" T_PHONE_GB "]#4\":2}}\n";
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 5);
    /* valid JSON, every name unique in its object */
    const cv_format_type *f = cvi_format_find("jsonl");
    cv_record r;
    cvi_record_init(&r);
    cv_diag d = { 0 };
    ck_assert_int_eq(f->parse(NULL, out, strlen(out), &r, &d), 0);
    cvi_record_free(&r);
    /* the same input gives the same names, whatever came before */
    char *again = apply(POL_SCAN, "jsonl", "{\"c\":{\"+12125550142\":1}}\n{\"c\":{\"x\":1}}\n", NULL);
    ck_assert_str_eq(again, "{\"c\":{\"[phone:" T_PHONE_US "]\":1}}\n{\"c\":{\"x\":1}}\n");
    free(again);
    again = apply(POL_SCAN, "jsonl", in, NULL);
    ck_assert_str_eq(again, want);
    free(again);
    free(out);
    /* a dropped member's name is neither scanned nor taken */
    const char *pol = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {secret: drop, \"o.[phone:" T_PHONE_GB "]\": drop, \"*\": scan}\n";
    out = apply(pol, "jsonl", "{\"secret\":{\"+447700900123\":1},\"o\":{\"[phone:" T_PHONE_GB "]\":1,\"07700900123\":2}}\n",
                &c);
    ck_assert_str_eq(out, "{\"o\":{\"[phone:" T_PHONE_GB "]\":2}}\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    free(out);
}
END_TEST

/* Rules match the paths as read: the policy's author wrote the names the
 * data has; the value gets its path's rule, the name its rendering. */
START_TEST(test_member_names_keep_rules)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {\"calls.+447700900123\": redact, \"**.07700900123\": {token: account}, "
                      "calls.n: keep, \"*\": drop}\n";
    char *out = apply(pol, "jsonl",
                      "{\"calls\":{\"+447700900123\":\"Jane\",\"n\":\"07700900123\",\"other\":1},"
                      "\"x\":{\"07700900123\":\"acc-7\"}}\n",
                      NULL);
    ck_assert_str_eq(out, "{\"calls\":{\"[phone:" T_PHONE_GB "]\":\"[redacted]\",\"n\":\"07700900123\"},"
                          "\"x\":{\"[phone:" T_PHONE_GB "]\":\"account:" T_ACCOUNT "\"}}\n");
    free(out);
}
END_TEST

/* Names from a record's structured fields are found in its member names
 * too, and only in that record's (the per-worker cache of clean names must
 * not carry a verdict over from one record to the next). */
START_TEST(test_member_names_person)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"**\"\n    format: jsonl\n"
                      "    fields: {agent.name: {token: person}, \"*\": scan}\n";
    char *out = apply(pol, "jsonl",
                      "{\"agent\":{\"name\":\"Priya Shah\"},\"Jane\":1,\"notes\":{\"Jane\":1}}\n"
                      "{\"agent\":{\"name\":\"Jane Doe\"},\"Jane\":1,\"notes\":{\"Jane\":1,\"Priya\":2}}\n"
                      "{\"agent\":{\"name\":\"Priya Shah\"},\"Jane\":1,\"notes\":{\"Jane\":1}}\n",
                      NULL);
    ck_assert_str_eq(out, "{\"agent\":{\"name\":\"person:" T_PERSON_PRIYA "\"},\"Jane\":1,\"notes\":{\"Jane\":1}}\n"
                          "{\"agent\":{\"name\":\"person:" T_PERSON_JANE "\"},\"[person:" T_PERSON_JANE "]\":1,"
                          "\"notes\":{\"[person:" T_PERSON_JANE "]\":1,\"Priya\":2}}\n"
                          "{\"agent\":{\"name\":\"person:" T_PERSON_PRIYA "\"},\"Jane\":1,\"notes\":{\"Jane\":1}}\n");
    free(out);
    /* a value and a member name cached clean under one record's names are
     * scanned again for the next record's, which begin at one of their
     * word starts (here the third, in capitals) */
    out = apply(pol, "jsonl",
                "{\"agent\":{\"name\":\"Priya Shah\"},\"t\":\"sent to 2 DOE\",\"re 2 DOE\":1}\n"
                "{\"agent\":{\"name\":\"Jane Doe\"},\"t\":\"sent to 2 DOE\",\"re 2 DOE\":1}\n",
                NULL);
    ck_assert_str_eq(out, "{\"agent\":{\"name\":\"person:" T_PERSON_PRIYA "\"},\"t\":\"sent to 2 DOE\",\"re 2 DOE\":1}\n"
                          "{\"agent\":{\"name\":\"person:" T_PERSON_JANE "\"},\"t\":\"sent to 2 [person:" T_PERSON_JANE
                          "]\",\"re 2 [person:" T_PERSON_JANE "]\":1}\n");
    free(out);
    /* long names: one of the same length, first and last 8 bytes as a
     * cached clean one, still gets scanned; past the cache's size too */
    out = apply(POL_SCAN, "jsonl",
                "{\"name_one xyexample.com tail_end\":1}\n{\"name_one x@example.com tail_end\":1}\n"
                "{\"a name longer than the cache holds, with +447700900123\":1}\n"
                "{\"a name longer than the cache holds, with +447700900123\":1}\n",
                NULL);
    ck_assert_ptr_nonnull(strstr(out, "{\"name_one xyexample.com tail_end\":1}\n{\"name_one [email:"));
    ck_assert_ptr_null(strstr(out, "x@example.com"));
    ck_assert_ptr_nonnull(strstr(out, "\n{\"a name longer than the cache holds, with [phone:" T_PHONE_GB "]\":1}\n"
                                      "{\"a name longer than the cache holds, with [phone:" T_PHONE_GB "]\":1}\n"));
    free(out);
}
END_TEST

/* The policy's own detectors find names too, words without a digit
 * included (no shortcut on digits or '@' may skip a name). */
START_TEST(test_member_names_custom)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\ndetectors:\n"
                      "  - {name: loyalty, entity: loyalty_id, regex: \"LY-[0-9]{6}\"}\n"
                      "  - {name: vip, entity: vip, words: [goldmember]}\n"
                      "inputs:\n  - match: \"**\"\n    format: jsonl\n    fields: {\"*\": scan}\n";
    char *out = apply(pol, "jsonl", "{\"LY-123456\":{\"goldmember\":1,\"x\":\"LY-123456\"}}\n{\"goldmember\":2}\n", NULL);
    ck_assert_ptr_null(strstr(out, "LY-123456"));
    ck_assert_ptr_null(strstr(out, "goldmember"));
    /* a value that is the identifier alone is in the field form */
    const char *k = strstr(out, "{\"[loyalty_id:"), *v = strstr(out, "\"x\":\"loyalty_id:");
    ck_assert_ptr_nonnull(k);
    ck_assert_ptr_nonnull(v);
    ck_assert_mem_eq(k + 3, v + 5, 11 + 16);    /* the same token as name and as value */
    ck_assert_ptr_nonnull(strstr(out, "{\"[vip:"));
    ck_assert_ptr_nonnull(strstr(out, "\n{\"[vip:"));
    free(out);
}
END_TEST

/* An allowed identifier in a name stays as written and is counted at each
 * occurrence (the clean-name cache must not swallow it: the counts would
 * then depend on which records a worker saw, so on -j). */
START_TEST(test_member_names_allowed)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\nallow: [\"0800 123 4567\"]\n"
                      "inputs:\n  - match: \"**\"\n    format: jsonl\n    fields: {\"*\": scan}\n";
    cvi_counts c;
    char *out = apply(pol, "jsonl", "{\"+448001234567\":1}\n{\"+448001234567\":2,\"+447700900123\":3}\n", &c);
    ck_assert_str_eq(out, "{\"+448001234567\":1}\n{\"+448001234567\":2,\"[phone:" T_PHONE_GB "]\":3}\n");
    ck_assert_uint_eq(c.allowed[CV_ENT_PHONE], 2);
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 1);
    free(out);
}
END_TEST

/* CSV: the header's names are scanned (kept columns only), made unique the
 * same way, and rules still match the names as read. */
START_TEST(test_csv_header_names)
{
    const char *pol = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"*.csv\"\n    format: csv\n"
                      "    fields: {\"07700900123\": drop, \"+447700900123\": redact, \"*\": scan}\n";
    cvi_counts c;
    char *out = apply(pol, "csv", "id,+447700900123,07700900123,note,07700 900123\n1,x,y,call +12125550142,z\n", &c);
    ck_assert_str_eq(out, "id,[phone:" T_PHONE_GB "],note,[phone:" T_PHONE_GB "]#2\n1,[redacted],call [phone:"
                          T_PHONE_US "],z\n");
    ck_assert_uint_eq(c.detections[CV_ENT_PHONE], 3);
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
    ck_assert_int_eq(cvi_buf_puts(&in, "{\"p\":["), 0);
    for (int i = 0; i < N; i++) ck_assert_int_eq(cvi_buf_printf(&in, "%s{\"name\":\"Given%03d Family%03d\"}", i ? "," : "", i, i), 0);
    ck_assert_int_eq(cvi_buf_puts(&in, "],\"t\":\""), 0);
    for (int i = N; i-- > 0;) ck_assert_int_eq(cvi_buf_printf(&in, "given%03d  FAMILY%03d, ", i, i), 0);
    ck_assert_int_eq(cvi_buf_puts(&in, "end\"}\n"), 0);
    out = apply(pol, "jsonl", cvi_buf_cstr(&in), NULL);
    ck_assert_ptr_null(strstr(out, "iven"));
    ck_assert_ptr_null(strstr(out, "AMILY"));
    char (*t)[17] = malloc(2 * N * sizeof *t);
    ck_assert_int_eq(person_toks(out, t, 2 * N), 2 * N);
    for (int i = 0; i < N; i++) ck_assert_str_eq(t[i], t[2 * N - 1 - i]);
    free(t);
    free(out);
    cvi_buf_free(&in);
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
    ck_assert_int_eq(cvi_buf_puts(&in, "{\"p\":["), 0);
    for (int i = 0; i < N; i++) ck_assert_int_eq(cvi_buf_printf(&in, "%s{\"name\":\"N%06d\"}", i ? "," : "", i), 0);
    ck_assert_int_eq(cvi_buf_printf(&in, "],\"t\":\"n%06d and N%06d\"}\n", N - 1, 1), 0);
    char *out = apply(pol, "jsonl", cvi_buf_cstr(&in), NULL);
    char (*t)[17] = malloc((N + 2) * sizeof *t);
    ck_assert_int_eq(person_toks(out, t, N + 2), N + 2);
    ck_assert_str_eq(t[N], t[N - 1]);
    ck_assert_str_eq(t[N + 1], t[1]);
    ck_assert_str_ne(t[N - 1], t[N - 1 - 65536]);
    free(t);
    free(out);
    cvi_buf_free(&in);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fail_closed_and_tokens);
    tcase_add_test(tc, test_region_field);
    tcase_add_test(tc, test_region_of_input);
    tcase_add_test(tc, test_token_command_matches_pipeline);
    tcase_add_test(tc, test_same_token_field_and_text);
    tcase_add_test(tc, test_names_in_text);
    tcase_add_test(tc, test_detected_name_recurs);
    tcase_add_test(tc, test_free_text_entities);
    tcase_add_test(tc, test_generalise_redact_mask);
    tcase_add_test(tc, test_containers);
    tcase_add_test(tc, test_cdr_clid);
    tcase_add_test(tc, test_cdr_extension_is_agent);
    tcase_add_test(tc, test_csv_header_and_columns);
    tcase_add_test(tc, test_leaf_rules);
    tcase_add_test(tc, test_keep_not_inherited);
    tcase_add_test(tc, test_member_names_scanned);
    tcase_add_test(tc, test_member_names_per_region);
    tcase_add_test(tc, test_member_names_unique);
    tcase_add_test(tc, test_member_names_keep_rules);
    tcase_add_test(tc, test_member_names_person);
    tcase_add_test(tc, test_member_names_custom);
    tcase_add_test(tc, test_member_names_allowed);
    tcase_add_test(tc, test_csv_header_names);
    tcase_add_test(tc, test_names_wordset);
    tcase_add_test(tc, test_whole_value_field_form);
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
