/*
 * check_recname.c - the parties of call-recording file names (FreePBX,
 * Issabel, Vicidial, 3CX, channel names with their '/' replaced): which
 * fields become agent, phone and person spans, their normal forms (those of
 * the same values as fields, so tokens join), what stays (type words,
 * dates, uniqueids, queue numbers, trunks), names that are not recordings',
 * truncated input, a recall set and a false-positive corpus
 * (tests/fixtures/recname, written by its make.py).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

/* The spans of every detector over text, as (entity, covered text) pairs
 * in order, compared with want: "agent:2177 phone:07700900123". */
static void parties(const char *text, const char *want)
{
    cv_span_list l = run("GB", -1, text);
    char got[1024] = "";
    size_t at = 0;
    for (size_t i = 0; i < l.n; i++)
        at += (size_t)snprintf(got + at, sizeof got - at, "%s%s:%.*s", i ? " " : "", cvi_entity_name(l.v[i].entity),
                               (int)(l.v[i].end - l.v[i].start), text + l.v[i].start);
    ck_assert_msg(strcmp(got, want) == 0, "got \"%s\", want \"%s\"", got, want);
    cvi_span_list_free(&l);
}

START_TEST(test_freepbx)
{
    parties("in-2177-07700900123-20240101-120000-1700000000.123.wav", "agent:2177 phone:07700900123");
    parties("out-07700900123-2177-20240101-120000-1700000000.5.wav", "phone:07700900123 agent:2177");
    parties("exten-2177-2178-20240101-120000-1700000000.6.wav", "agent:2177 agent:2178");
    parties("external-2177-+447700900123-20240101-120000-1700000000.7.mp3", "agent:2177 phone:+447700900123");
    parties("force-ag1142-447700900123-20240101-120000-1700000000.8.wav", "agent:ag1142 phone:447700900123");
    parties("/var/spool/asterisk/monitor/2024/01/01/ondemand-2177-2025550123-20240101-120000-1700000000.9.wav",
            "agent:2177 phone:2025550123");
    /* a caller-id stand-in is no one's */
    parties("in-2177-anonymous-20240101-120000-1700000000.10.wav", "agent:2177");
    /* a masked number is still part of one */
    parties("in-2177-0821XXXX8663-20240101-120000-1700000000.2.wav", "agent:2177 phone:0821XXXX8663");
    /* queues, ring groups, conferences: their number stays */
    parties("q-500-2177-20240101-120000-1700000000.12.wav", "agent:2177");
    parties("rg-600-07700900123-20240101-120000-1700000000.13.wav", "phone:07700900123");
    parties("conf-8000-2177-20240101-120000-1700000000.14.wav", "agent:2177");
    /* Issabel / Elastix: the type glued to the extension */
    parties("OUT2177-20100715-103212-1279209132.4.wav", "agent:2177");
    parties("g600-20100715-103212-1279209132.4.wav", "");
    /* a custom MixMonitor name with no type word, but a uniqueid */
    parties("07700900123-2177-20240101-120000-1700000000.1.wav", "phone:07700900123 agent:2177");
    /* in a line of text */
    parties("Recording saved as in-2177-07700900123-20240101-120000-1700000000.1.wav.",
            "agent:2177 phone:07700900123");
}
END_TEST

START_TEST(test_vicidial_3cx_channels)
{
    parties("20240101-120000_07700900123_6666-all.wav", "phone:07700900123 agent:6666");
    parties("SALES_20240101-120000_2025550123_jsmith-all.wav", "phone:2025550123 agent:jsmith");
    parties("20240101-120000_6666.wav", "agent:6666");
    parties("20240101-120000_jsmith-all.wav", "agent:jsmith");
    parties("20240101-120000_07700900123", "phone:07700900123");
    /* Vicidial's own words are no one's */
    parties("20240101-120000_07700900123_VDAD-all.wav", "phone:07700900123");
    parties("[Jane Smith]_101-07700900123_20240101120000(12).wav", "person:Jane Smith agent:101 phone:07700900123");
    parties("/var/lib/3cxpbx/Instance1/Data/Recordings/101/[Smith, Jane]_101-07700900123_20240101120000(3).wav",
            "agent:101 person:Smith, Jane agent:101 phone:07700900123");
    parties("[07700900123]_101-102_20240101120000(1).wav", "phone:07700900123 agent:101 agent:102");
    parties("PJSIP-2177-00000020", "agent:2177");
    parties("SIP_ag1142-0000001a.wav", "agent:ag1142");
    parties("pjsip-alice7-0000001f-20240101-120000.wav", "agent:alice7");
}
END_TEST

/* A sanitised input file name (engine_record.c: '_' and a letter's '-'
 * read as spaces) is read the same. */
START_TEST(test_sanitised_names)
{
    parties("exten 2177-07700900123-20240101-120000-1700000000.123.wav", "agent:2177 phone:07700900123");
    parties("q 500-2177-20240101-120000-1700000000.12.wav", "agent:2177");
    /* the phone detector takes a group after a number with it (so none of
     * it is left): the user is hidden inside the phone's span, whose token
     * is the number's own */
    parties("20240101-120000 07700900123 6666-all.wav", "phone:07700900123 6666");
    parties("PJSIP 2177-00000020", "agent:2177");
    parties("OUT2177-20100715-103212-1279209132.4.wav", "agent:2177");
}
END_TEST

/* The normal forms are the entities' own: the same token as the value in
 * a field (the CDR's src, a chat's agent_id, a caller's display name). */
START_TEST(test_norms_join_fields)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    cv_detect_opts gb;
    memset(&gb, 0, sizeof gb);
    memcpy(gb.region, "GB", 3);
    const char *t = "out-07700900123-AG1142-20240101-120000-1700000000.5.wav";
    cv_span_list l = run("GB", -1, t);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &gb, "07700900123", 11, norm, &n), 1);
    ck_assert_str_eq(l.v[0].norm, norm);
    ck_assert_str_eq(l.v[0].norm, "+447700900123");
    ck_assert_int_eq(cvi_normalise(CV_ENT_AGENT, NULL, "ag1142", 6, norm, &n), 1);
    ck_assert_str_eq(l.v[1].norm, norm);
    ck_assert_uint_eq(l.v[0].detector, CV_DET_recname_phone);
    ck_assert_uint_eq(l.v[1].detector, CV_DET_recname_agent);
    cvi_span_list_free(&l);
    one("GB", CV_ENT_PERSON, "[JANE  Smith]_101-102_20240101120000(1).wav", "JANE  Smith", "jane smith");
    ck_assert_int_eq(cvi_normalise(CV_ENT_PERSON, NULL, "Jane Smith", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "jane smith");
    /* a number no region reads keeps its own characters, lower-cased */
    one("GB", CV_ENT_PHONE, "in-2177-0821XXXX8663-20240101-120000-1700000000.2.wav", "0821XXXX8663",
        "0821xxxx8663");
}
END_TEST

/* Trunks, by name or listed in the policy, are not agents. */
START_TEST(test_trunks)
{
    parties("out-07700900123-trunk1-20240101-120000-1700000000.5.wav", "phone:07700900123");
    static const char *const trunks[] = { "bt01" };
    cv_detector_set *s = mkset_trunks("GB", trunks, 1);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    const char *t = "out-07700900123-BT01-20240101-120000-1700000000.5.wav";
    ck_assert_int_eq(cvi_detect(s, ws, t, strlen(t), &l), 0);
    ck_assert_uint_eq(l.n, 0);
    const char *c = "SIP_bt01-0000001a";
    ck_assert_int_eq(cvi_detect(s, ws, c, strlen(c), &l), 0);
    ck_assert_uint_eq(l.n, 0);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
}
END_TEST

/* Not recordings' names: nothing of them is a party. */
START_TEST(test_not_recordings)
{
    none("GB", CV_ENT_AGENT, "order 4411-20240101-120000");
    none("GB", CV_ENT_AGENT, "db-0042-20240101-120000-1700000000.1.bak");
    none("GB", CV_ENT_AGENT, "backup-0042-20240101-120000.tar.gz");
    none("GB", CV_ENT_AGENT, "scan_0042_20240101120000(1).pdf");
    none("GB", CV_ENT_AGENT, "4411_20240101120000(1).jpg");
    none("GB", CV_ENT_AGENT, "in-2177-20241301-120000-1700000000.1.wav");   /* month 13 */
    none("GB", CV_ENT_AGENT, "in-2177-20240101-250000-1700000000.1.wav");   /* hour 25 */
    none("GB", CV_ENT_AGENT, "in-2177-20240101-1200001-1700000000.1.wav");  /* 7 digits */
    none("GB", CV_ENT_AGENT, "20240101-120000_hello there");
    none("GB", CV_ENT_AGENT, "report-20240101-120000_final.pdf");
    none("GB", CV_ENT_AGENT, "report-20240101-120000_v2");
    none("GB", CV_ENT_AGENT, "GOSSIP-1234-00000001");
    none("GB", CV_ENT_AGENT, "SIP-20240101-00000001");
    /* a dialled number after a technology is the phone's, not an agent */
    none("GB", CV_ENT_AGENT, "SIP-07700900123-0000001a");
}
END_TEST

/* Cut anywhere, a name is read within its bytes: no read past len, and
 * no party from a field cut short of its separator. */
START_TEST(test_truncated)
{
    static const char *const names[] = {
        "in-2177-07700900123-20240101-120000-1700000000.123.wav",
        "20240101-120000_07700900123_6666-all.wav",
        "[Jane Smith]_101-07700900123_20240101120000(12).wav",
        "PJSIP-2177-00000020",
    };
    cv_detector_set *s = mkset("GB", -1);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k]);
        for (size_t cut = 0; cut <= n; cut++) {
            char *p = malloc(cut ? cut : 1);   /* exactly cut bytes: ASan sees any over-read */
            memcpy(p, names[k], cut);
            ck_assert_int_eq(cvi_detect(s, ws, p, cut, &l), 0);
            for (size_t i = 0; i < l.n; i++) ck_assert_uint_le(l.v[i].end, cut);
            free(p);
        }
    }
    /* the date and time whole, no type word, the uniqueid cut: no name */
    const char *t = "07700900123-2177-20240101-120000-17";
    ck_assert_int_eq(cvi_detect(s, ws, t, strlen(t), &l), 0);
    for (size_t i = 0; i < l.n; i++) ck_assert_int_ne(l.v[i].detector, CV_DET_recname_agent);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
}
END_TEST

static FILE *fixture(const char *name) { return fixture_file("recname", name); }

/* Every listed party of every line is covered by a span (none of it left
 * in clear), nearly all exactly by a span of its own entity (a sanitised
 * Vicidial name's user is inside the phone's span, test_sanitised_names). */
START_TEST(test_recall_set)
{
    FILE *f = fixture("recall.tsv");
    char line[2048];
    size_t lines = 0, want = 0, found = 0, covered = 0;
    cv_detector_set *s = mkset("GB", -1);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        ck_assert_ptr_nonnull(tab);
        *tab = '\0';
        lines++;
        ck_assert_int_eq(cvi_detect(s, ws, line, strlen(line), &l), 0);
        size_t from = 0;
        for (char *p = tab + 1; p && *p;) {
            char *next = strchr(p, '\t');
            if (next) *next++ = '\0';
            char *colon = strchr(p, ':');
            ck_assert_ptr_nonnull(colon);
            *colon = '\0';
            int ent = cvi_entity_from_name(p, strlen(p));
            ck_assert_int_ge(ent, 0);
            const char *v = colon + 1;
            /* the party's next occurrence (a 3CX folder and extension may
             * be the same digits) */
            const char *at = strstr(line + from, v);
            ck_assert_ptr_nonnull(at);
            size_t b = (size_t)(at - line), e = b + strlen(v);
            want++;
            int hit = 0, in = 0;
            for (size_t i = 0; i < l.n; i++) {
                hit |= l.v[i].entity == ent && l.v[i].start == b && l.v[i].end == e;
                in |= l.v[i].start <= b && l.v[i].end >= e;
            }
            if (!hit) fprintf(stderr, "recname: %s of line %zu %s\n", p, lines, in ? "inside another span" : "missed");
            found += hit;
            covered += in;
            from = e;
            p = next;
        }
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(lines, 150);
    printf("recording-name recall: %zu of %zu parties exactly, %zu covered, in %zu names\n", found, want, covered,
           lines);
    ck_assert_uint_eq(covered, want);
    ck_assert_msg(found * 100 >= want * 98, "recall %zu of %zu", found, want);
}
END_TEST

/* A span of these detectors. */
static int recname_span(const cv_span_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].detector == CV_DET_recname_agent || l->v[i].detector == CV_DET_recname_phone ||
            l->v[i].detector == CV_DET_recname_person || l->v[i].detector == CV_DET_agent_channel_file)
            return 1;
    return 0;
}

/* At most 1 % of ordinary lines get a span from these detectors. */
START_TEST(test_false_positive_corpus)
{
    cv_detector_set *s = mkset("GB", -1);
    size_t total, hit = corpus_hits(fixture("negative.txt"), s, recname_span, &total);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(total, 300);
    printf("recording-name false positives: %zu of %zu lines\n", hit, total);
    ck_assert_msg(hit * 100 <= total, "%zu of %zu lines changed", hit, total);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recname");
    TCase *tc = tcase_create("recname");
    tcase_add_test(tc, test_freepbx);
    tcase_add_test(tc, test_vicidial_3cx_channels);
    tcase_add_test(tc, test_sanitised_names);
    tcase_add_test(tc, test_norms_join_fields);
    tcase_add_test(tc, test_trunks);
    tcase_add_test(tc, test_not_recordings);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_recall_set);
    tcase_add_test(tc, test_false_positive_corpus);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
