/*
 * check_agent.c - the agent detectors: Asterisk channel names, dial strings,
 * queue interfaces and voicemail boxes (the peer alone becomes the span),
 * ids after agent / extension words in the languages served; trunks stay;
 * a recall set and a false-positive corpus (tests/fixtures/agent).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

START_TEST(test_channels)
{
    one("GB", CV_ENT_AGENT, "PJSIP/2177-00000020", "2177", "2177");
    one("GB", CV_ENT_AGENT, "SIP/ag1142-00000026", "ag1142", "ag1142");
    one("GB", CV_ENT_AGENT, "SIP/AG1142-00000026", "AG1142", "ag1142");
    one("GB", CV_ENT_AGENT, "Local/1001@from-internal-0000001a;1", "1001", "1001");
    one("GB", CV_ENT_AGENT, "SIP/1001,30,tT", "1001", "1001");
    one("GB", CV_ENT_AGENT, "Agent/1001", "1001", "1001");
    one("GB", CV_ENT_AGENT, "IAX2/alice7-12345", "alice7", "alice7");
    one("GB", CV_ENT_AGENT, "AddQueueMember(support,PJSIP/2001)", "2001", "2001");
    one("GB", CV_ENT_AGENT, "PJSIP/alice-desk-0000001f", "alice-desk", "alice-desk");
    cv_span_list l = run("GB", CV_ENT_AGENT, "PJSIP/1001&PJSIP/1002");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_uint_eq(l.v[0].start, 6);
    ck_assert_uint_eq(l.v[0].end, 10);
    ck_assert_uint_eq(l.v[1].start, 17);
    ck_assert_uint_eq(l.v[1].end, 21);
    cvi_span_list_free(&l);
    /* trunks, gateways and hardware channels are not people */
    none("GB", CV_ENT_AGENT, "PJSIP/trunk-0000001a");
    none("GB", CV_ENT_AGENT, "SIP/provider-gw-0000001f");
    none("GB", CV_ENT_AGENT, "DAHDI/1-1");
    /* a dialled number is the phone detector's */
    none("GB", CV_ENT_AGENT, "Local/07700900123@outbound");
    cv_span_list all = run("GB", -1, "Dial(PJSIP/trunk/+447700900123,30,tT)");
    ck_assert_uint_eq(all.n, 1);
    ck_assert_int_eq(all.v[0].entity, CV_ENT_PHONE);
    cvi_span_list_free(&all);
    /* a technology name inside a word is no channel */
    none("GB", CV_ENT_AGENT, "GOSSIP/1234-00000001");
}
END_TEST

START_TEST(test_free_text_and_mailboxes)
{
    one("GB", CV_ENT_AGENT, "please hold, agent 1048 will help", "1048", "1048");
    one("GB", CV_ENT_AGENT, "transfer to ext. 2177", "2177", "2177");
    one("GB", CV_ENT_AGENT, "extension: 2177", "2177", "2177");
    one("GB", CV_ENT_AGENT, "agent id 1048", "1048", "1048");
    one("GB", CV_ENT_AGENT, "Durchwahl 214", "214", "214");
    one("GB", CV_ENT_AGENT, "interno 4410", "4410", "4410");
    one("GB", CV_ENT_AGENT, "1001@default,b", "1001", "1001");
    one("GB", CV_ENT_AGENT, "u1001@default", "1001", "1001");
    none("GB", CV_ENT_AGENT, "agent 24/7 support");
    none("GB", CV_ENT_AGENT, "next 2000 calls");
    none("GB", CV_ENT_AGENT, "agents 2024 review");
    none("GB", CV_ENT_AGENT, "order 12345");
    none("GB", CV_ENT_AGENT, "agent 12");            /* too short for an id */
    none("GB", CV_ENT_AGENT, "1001@example.com");    /* an e-mail address */
}
END_TEST

/* The policy's trunks: peers it names stay readable, in any case. */
START_TEST(test_trunks_list)
{
    static const char *const trunks[] = { "acme_x1", "bt01" };
    cv_detector_set *s = mkset_trunks("GB", trunks, 2);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    const char *t = "PJSIP/acme_x1-0000001a SIP/BT01-00000001 PJSIP/2177-0000001b";
    ck_assert_int_eq(cvi_detect(s, ws, t, strlen(t), &l), 0);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(l.v[0].norm, "2177");
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    /* without the list, they are agents */
    l = run("GB", CV_ENT_AGENT, t);
    ck_assert_uint_eq(l.n, 3);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_AGENT, NULL, " AG1142 ", 8, norm, &n), 1);
    ck_assert_str_eq(norm, "ag1142");
    ck_assert_int_eq(cvi_normalise(CV_ENT_AGENT, NULL, "", 0, norm, &n), 0);
    ck_assert_str_eq(cvi_entity_name(CV_ENT_AGENT), "agent");
}
END_TEST

static FILE *fixture(const char *name) { return fixture_file("agent", name); }

/* Every line's id is covered exactly by an agent span. */
START_TEST(test_recall_set)
{
    FILE *f = fixture("recall.tsv");
    char line[1024];
    size_t total = 0, found = 0;
    cv_detector_set *s = mkset("GB", -1);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        char *id = tab + 1;
        id[strcspn(id, "\n")] = '\0';
        total++;
        ck_assert_int_eq(cvi_detect(s, ws, line, strlen(line), &l), 0);
        const char *at = strstr(line, id);
        for (size_t i = 0; at && i < l.n; i++)
            if (l.v[i].entity == CV_ENT_AGENT && l.v[i].start == (size_t)(at - line) &&
                l.v[i].end == (size_t)(at - line) + strlen(id))
                found++;
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(total, 150);
    printf("agent recall: %zu of %zu\n", found, total);
    ck_assert_msg(found * 100 >= total * 95, "recall %zu of %zu", found, total);
}
END_TEST

static int any_span(const cv_span_list *l) { return l->n > 0; }

/* At most 1 % of ordinary lines get an agent span. */
START_TEST(test_false_positive_corpus)
{
    cv_detector_set *s = mkset("GB", CV_ENT_AGENT);
    size_t total, hit = corpus_hits(fixture("negative.txt"), s, any_span, &total);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(total, 300);
    printf("agent false positives: %zu of %zu lines\n", hit, total);
    ck_assert_msg(hit * 100 <= total, "%zu of %zu lines changed", hit, total);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent");
    TCase *tc = tcase_create("agent");
    tcase_add_test(tc, test_channels);
    tcase_add_test(tc, test_free_text_and_mailboxes);
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_trunks_list);
    tcase_add_test(tc, test_recall_set);
    tcase_add_test(tc, test_false_positive_corpus);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
