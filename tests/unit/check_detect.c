/*
 * check_detect.c - the detection engine with the whole detector set: mixed
 * texts that must survive, overlaps, restarts after rejected candidates,
 * the registry and entity names, generic/person normalisation, and a
 * policy's regex detectors against PCRE2's own matches.
 */
#include <check.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/detect_int.h"
#include "tests/unit/detect_helpers.h"


/* Spans of a whole-set run, rendered "entity:norm" in order, for compact checks. */
static void expect_all(const char *region, const char *text, const char *want)
{
    cv_span_list l = run(region, -1, text);
    char got[1024] = "";
    uint32_t prev_end = 0;
    for (size_t i = 0; i < l.n; i++) {
        ck_assert_uint_ge(l.v[i].start, prev_end);              /* sorted, non-overlapping */
        ck_assert_uint_lt(l.v[i].start, l.v[i].end);
        prev_end = l.v[i].end;
        if (i) strcat(got, " ");
        strcat(got, cvi_entity_name(l.v[i].entity));
        strcat(got, ":");
        strcat(got, l.v[i].norm);
    }
    ck_assert_str_eq(got, want);
    cvi_span_list_free(&l);
}

/* ---- the cue gate ------------------------------------------------------ */

/* gate vs no gate on one text, with two prepared sets */
typedef struct gate_pair {
    cv_detector_set *on, *off;
    cv_detect_ws *won, *woff;
    size_t texts, skipped_spans;
} gate_pair;

static void gate_open(gate_pair *g)
{
    memset(g, 0, sizeof *g);
    g->on = mkset_gate("GB", -1, 0);
    g->off = mkset_gate("GB", -1, 1);
    g->won = cvi_detect_ws_create(g->on);
    g->woff = cvi_detect_ws_create(g->off);
    ck_assert_ptr_nonnull(g->won);
    ck_assert_ptr_nonnull(g->woff);
}

static void gate_close(gate_pair *g)
{
    cvi_detect_ws_free(g->won);
    cvi_detect_ws_free(g->woff);
    cvi_detector_set_free(g->on);
    cvi_detector_set_free(g->off);
}

static void gate_same(gate_pair *g, const char *text, size_t n)
{
    cv_span_list a = { 0 }, b = { 0 };
    ck_assert_int_eq(cvi_detect(g->on, g->won, text, n, &a), 0);
    ck_assert_int_eq(cvi_detect(g->off, g->woff, text, n, &b), 0);
    ck_assert_msg(a.n == b.n, "cue gate: %zu spans, %zu without it, in text %zu", a.n, b.n, g->texts);
    for (size_t i = 0; i < a.n; i++) {
        ck_assert_uint_eq(a.v[i].start, b.v[i].start);
        ck_assert_uint_eq(a.v[i].end, b.v[i].end);
        ck_assert_int_eq(a.v[i].detector, b.v[i].detector);
        ck_assert_str_eq(a.v[i].norm, b.v[i].norm);
    }
    g->texts++;
    g->skipped_spans += b.n;
    cvi_span_list_free(&a);
    cvi_span_list_free(&b);
}

/* text, its ASCII capitals, and its Latin-1 capitals too (UTF-8 C3 A0-BE
 * to C3 80-9E): the gate folds as the detectors do */
static void gate_same_cases(gate_pair *g, const char *text, size_t n)
{
    char up[2048];
    if (n >= sizeof up) n = sizeof up - 1;
    gate_same(g, text, n);
    for (size_t i = 0; i < n; i++) up[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
    gate_same(g, up, n);
    for (size_t i = 1; i < n; i++)
        if ((unsigned char)up[i - 1] == 0xC3 && (unsigned char)up[i] >= 0xA0 && (unsigned char)up[i] <= 0xBE &&
            (unsigned char)up[i] != 0xB7)
            up[i] = (char)((unsigned char)up[i] - 0x20);
    gate_same(g, up, n);
}

/* Every line of every fixture corpus (recall and false-positive sets of
 * all detectors), as written and in capitals: the same spans with the gate
 * as without it. */
START_TEST(test_cue_gate_corpora)
{
    static const char *const files[] = {
        "tests/fixtures/national_id/recall_account.txt", "tests/fixtures/national_id/recall_nino.txt",
        "tests/fixtures/national_id/recall_ssn.txt", "tests/fixtures/national_id/negative.txt",
        "tests/fixtures/national_id/recall_ie_ppsn.txt", "tests/fixtures/national_id/recall_es_dni.txt",
        "tests/fixtures/national_id/recall_nl_bsn.txt", "tests/fixtures/national_id/recall_br_cpf.txt",
        "tests/fixtures/national_id/recall_br_cnpj.txt", "tests/fixtures/national_id/recall_fr_nir.txt",
        "tests/fixtures/national_id/recall_it_cf.txt", "tests/fixtures/national_id/recall_de_stid.txt",
        "tests/fixtures/national_id/recall_pt_nif.txt", "tests/fixtures/agent/recall.tsv",
        "tests/fixtures/agent/negative.txt", "tests/fixtures/address/recall.tsv", "tests/fixtures/address/fp.tsv",
        "tests/fixtures/address/recall_hand.tsv", "tests/fixtures/address/fp_hand.tsv",
        "tests/fixtures/person/recall.tsv", "tests/fixtures/person/fp.tsv", "tests/unit/phone_negative.txt",
    };
    const char *src = getenv("CV_SRC");
    ck_assert_msg(src != NULL, "CV_SRC must name the source directory");
    gate_pair g;
    gate_open(&g);
    char path[4096], line[2048];
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(path, sizeof path, "%s/%s", src, files[k]);
        FILE *f = fopen(path, "r");
        ck_assert_msg(f != NULL, "no corpus %s", files[k]);
        while (fgets(line, sizeof line, f)) {
            size_t n = strcspn(line, "\t\n");
            gate_same_cases(&g, line, n);
        }
        fclose(f);
    }
    ck_assert_uint_ge(g.texts, 3000);
    ck_assert_uint_ge(g.skipped_spans, 1000);   /* the corpora hold identifiers, so the check has teeth */
    gate_close(&g);
}
END_TEST

/* Each gated detector finds its value behind each of its cue words and the
 * cases the gate must fold; a text without a cue finds nothing. */
START_TEST(test_cue_gate_cases)
{
    static const char *const texts[] = {
        "CVV 123", "cvv2: 456", "the security code is 789", "Prüfnummer 123", "CÓDIGO DE SEGURIDAD 123",
        "code de sécurité: 4321", "three digits on the back: 321", "expiry 09/27", "VALID THRU 09/27",
        "válido até 09/29", "GÜLTIG BIS 12/28", "sort code 12-34-56", "SORTCODE 123456", "s/c 12 34 56",
        "routing 021000021", "ABA: 021000021", "account 7604894019", "ACCOUNT NO. 7604894019",
        "customer ref BW8982281", "Kundennummer 4458 9866 3255", "APÓLICE 12345678", "número de conta 12345",
        "n° de contrat 123456", "numéro de police 1234567", "ext 2177", "EXTENSION 2177", "opérateur 2177",
        "call 1001@default", "voicemail u1001@default", "born 3 May 1985", "DOB: 12/03/1985",
        "D.O.B. 12/03/1985", "date of birth 12/03/1985", "geboren am 3. Mai 1985", "GEB. 03.05.1985",
        "née le 3 mai 1985", "NÉ LE 03/05/1985", "nato il 3/5/1985", "data di nascita 03/05/1985",
        "fecha de nacimiento 3 de mayo de 1985", "NACIDO el 3/5/85", "f. nac. 03/05/1985",
        "data de nascimento 03/05/1985", "nasceu em 3/5/1985", "geboortedatum 03-05-1985",
        "data di na\xc5\xbf" "cita 03/05/1985", "it's 1985-05-03 and 12/03/1985 and 09/27 and 123456",
    };
    gate_pair g;
    gate_open(&g);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) gate_same_cases(&g, texts[i], strlen(texts[i]));
    ck_assert_uint_ge(g.skipped_spans, 40);
    gate_close(&g);
    /* the gate does skip: no cue, no CVV, however the digits stand */
    cv_span_list l = run("GB", CV_ENT_CVV, "order 123 shipped, room 456");
    ck_assert_uint_eq(l.n, 0);
    cvi_span_list_free(&l);
    l = run("GB", CV_ENT_CVV, "order 123 shipped, CVV 456");
    ck_assert_uint_eq(l.n, 1);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_registry_and_names)
{
    size_t n = 0;
    while (cvi_detectors[n]) {
        ck_assert_ptr_nonnull(cvi_detectors[n]->name);
        ck_assert(cvi_detectors[n]->pattern != NULL || cvi_detectors[n]->scan != NULL);
        ck_assert_int_ge(cvi_detectors[n]->entity, 0);
        ck_assert_int_lt(cvi_detectors[n]->entity, CV_ENT__COUNT);
        n++;
    }
    ck_assert_uint_ge(n, 8);
    /* Entity names are token domains, a public contract: these stay. */
    static const char *names[] = { "phone", "email", "card", "iban", "ip", "nino", "ssn", "dob", "postcode", "person" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        ck_assert_int_ge(cvi_entity_from_name(names[i], strlen(names[i])), 0);
    /* Every descriptor is complete, names are unique lower-case words, and
     * cv_entity_names lists them all in id order. */
    cv_buf all = { 0 };
    for (int i = 0; i < CV_ENT__COUNT; i++) {
        const cv_entity_type *t = cvi_entity(i);
        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_eq(cvi_entity_name(i), t->name);
        ck_assert_ptr_nonnull(t->normalise);
        ck_assert_int_ge((int)t->default_action, CV_DEFAULT_REDACT);
        ck_assert_int_le((int)t->default_action, CV_DEFAULT_MASK);
        for (const char *c = t->name; *c; c++) ck_assert(( *c >= 'a' && *c <= 'z') || *c == '_');
        ck_assert_int_eq(cvi_entity_from_name(t->name, strlen(t->name)), i);
        ck_assert_int_eq(cvi_buf_printf(&all, "%s%s", i ? ", " : "", t->name), 0);
    }
    ck_assert_str_eq(cv_entity_names(), cvi_buf_cstr(&all));
    cvi_buf_free(&all);
    ck_assert_ptr_null(cvi_entity_name(-1));
    ck_assert_ptr_null(cvi_entity_name(CV_ENT__COUNT));
    ck_assert_ptr_null(cvi_entity(CV_ENT__COUNT));
    ck_assert_int_eq(cvi_entity_from_name("phones", 6), -1);
    ck_assert_int_eq(cvi_entity_from_name("phone", 4), -1);
    ck_assert_int_eq(cvi_entity_from_name("emailx", 5), CV_ENT_EMAIL);
    /* the spelled forms moved into the descriptors */
    ck_assert_int_eq(cvi_entity(CV_ENT_NINO)->spelled("QQ123456C", 9), 1);
    ck_assert_int_eq(cvi_entity(CV_ENT_NINO)->spelled("QQ123456E", 9), 0);
    ck_assert_int_eq(cvi_entity(CV_ENT_IBAN)->spelled("GB82WEST12345698765432", 22), 1);
    ck_assert_int_eq(cvi_entity(CV_ENT_IBAN)->spelled("12WEST12345698765432", 20), 0);
    ck_assert_ptr_null(cvi_entity(CV_ENT_PHONE)->spelled);
}
END_TEST

START_TEST(test_must_survive)
{
    expect_all("GB",
               "Hi, I'm Jane. Call me on +44 (0)20 7946 0958 or 07700 900123, email jane.doe@example.co.uk "
               "or jane dot doe at gmail dot com. Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, "
               "NI number AB 12 34 56 C, born 12/03/1980, from 192.168.1.20.",
               "person:jane phone:+442079460958 phone:+447700900123 email:jane.doe@example.co.uk email:jane.doe@gmail.com "
               "card:4111111111111111 iban:GB82WEST12345698765432 nino:AB123456C dob:1980-03-12 ip:192.168.1.20");
    expect_all("GB",
               "Order ORD-2024-118734 (ref 020 7946 0958) total \xc2\xa3" "1,234.56 paid 12/03/2024 at 14:30, "
               "ticket INC0012345, SKU-4411-220, order no. 07700 900123, invoice 4111 1111 1111 1112, v1.2.3.4",
               "");
    expect_all("US", "SSN 123-45-6789, call (212) 555-0142 or 212.555.0142; DOB 03/12/1980",
               "ssn:123456789 phone:+12125550142 phone:+12125550142 dob:1980-03-12");
    expect_all("DE", "Tel. 030 12345678, geboren am 01.02.1980, IBAN DE89 3704 0044 0532 0130 00",
               "phone:+493012345678 dob:1980-02-01 iban:DE89370400440532013000");
}
END_TEST

START_TEST(test_no_digits_no_at)
{
    const char *text = "Thanks for waiting, I'll check that for you at once and come back with an answer.";
    expect_all("GB", text, "");
    expect_all("GB", "", "");
    /* non-ASCII text around an identifier keeps byte offsets exact */
    cv_span_list l = run("GB", -1, "\xc3\xa9t\xc3\xa9 07700 900123 \xe2\x82\xac");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(l.v[0].start, 6);
    ck_assert_uint_eq(l.v[0].end, 18);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_rejected_candidate_restart)
{
    /* the date is a rejected phone candidate that runs into the real number */
    expect_all("GB", "12/03/2024 020 7946 0958", "phone:+442079460958");
    /* a rejected, unbalanced bracket run still yields the number inside */
    expect_all("GB", "(020 7946 0958", "phone:+442079460958");
    /* a Luhn-invalid run of groups followed by a real card */
    expect_all("GB", "1234 5678 9012 3456 4111 1111 1111 1111", "card:4111111111111111");
}
END_TEST

START_TEST(test_overlaps)
{
    /* equal spans: ssn (priority) beats phone */
    expect_all("ES", "SSN 612345678", "ssn:612345678");
    one("ES", CV_ENT_SSN, "SSN 612345678", "612345678", "612345678");
    none("ES", CV_ENT_SSN, "movil 612345678");
    /* without the SSN context the same digits are a Spanish mobile */
    expect_all("ES", "movil 612345678", "phone:+34612345678");
    /* longer wins: a German number (open plan, 13-digit subscriber part) is
     * longer than the 13-digit card inside it ("+378282246310005" was the
     * example once, but San Marino has no 12-digit numbers) */
    cv_span_list l = run("GB", -1, "+49 4222222222222");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_PHONE);
    ck_assert_uint_eq(l.v[0].start, 0);
    ck_assert_uint_eq(l.v[0].end, 17);
    cvi_span_list_free(&l);
    expect_all("GB", "4222222222222", "card:4222222222222");
    /* the card alone is a card */
    expect_all("GB", "378282246310005", "card:378282246310005");
}
END_TEST

START_TEST(test_enabled_subset_and_reuse)
{
    cv_detector_set *s = mkset("GB", CV_ENT_EMAIL);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    const char *t1 = "07700 900123 a@b.com";
    ck_assert_int_eq(cvi_detect(s, ws, t1, strlen(t1), &l), 0);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_EMAIL);
    /* out is cleared, not appended to */
    const char *t2 = "nothing here";
    ck_assert_int_eq(cvi_detect(s, ws, t2, strlen(t2), &l), 0);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_int_eq(cvi_detect(s, ws, t1, strlen(t1), &l), 0);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(l.v[0].norm, "a@b.com");
    cvi_span_list_free(&l);
    ck_assert_ptr_null(l.v);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    cvi_detect_ws_free(NULL);
    cvi_detector_set_free(NULL);
    cvi_span_list_free(NULL);
}
END_TEST

/* Every built-in detector set takes the bit-mask gates (detect_int.h): a
 * detector whose min_digits is above GATE_DIGITS once turned them off for
 * all, and every text then paid a test per detector. */
START_TEST(test_builtin_sets_masked)
{
    cv_detector_set *s = mkset("GB", -1);
    ck_assert_int_eq(s->masked, 1);
    ck_assert_uint_ge(s->n, CV_DET__COUNT);
    cvi_detector_set_free(s);
    s = mkset("GB", CV_ENT_PHONE);
    ck_assert_int_eq(s->masked, 1);
    cvi_detector_set_free(s);
}
END_TEST

START_TEST(test_many_spans)
{
    /* many identifiers in one value: all found, in order */
    char text[8192] = "";
    for (int i = 0; i < 200; i++) strcat(text, "x 07700 900123, a@b.io; ");
    cv_span_list l = run("GB", -1, text);
    ck_assert_uint_eq(l.n, 400);
    for (size_t i = 0; i < l.n; i++) {
        ck_assert_int_eq(l.v[i].entity, i % 2 ? CV_ENT_EMAIL : CV_ENT_PHONE);
        ck_assert_uint_eq(l.v[i].start, (i / 2) * 24 + (i % 2 ? 16 : 2));
    }
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_normalise_generic_person)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_PERSON, NULL, "  Jos\xc3\xa9   DE la\tCruz ", 21, norm, &n), 1);
    ck_assert_str_eq(norm, "jos\xc3\xa9 de la cruz");
    ck_assert_uint_eq(n, 16);
    ck_assert_int_eq(cvi_normalise(CV_ENT_PERSON, NULL, "   ", 3, norm, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(cvi_normalise_generic(" A\n\nB ", 6, norm, &n), 0);
    ck_assert_str_eq(norm, "a b");
    char big[CV_NORM_MAX + 1];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(cvi_normalise_generic(big, CV_NORM_MAX, norm, &n), 0);
    ck_assert_uint_eq(n, CV_NORM_MAX);
    ck_assert_int_eq(cvi_normalise_generic(big, CV_NORM_MAX + 1, norm, &n), -1);
    ck_assert_int_eq(cvi_normalise(CV_ENT_PERSON, NULL, big, CV_NORM_MAX + 1, norm, &n), -1);
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, NULL, big, CV_NORM_MAX + 1, norm, &n), -1);
}
END_TEST

/* One span of a whole-set run: [start, end) in the original bytes, entity, norm. */
static void span_at(const char *text, uint32_t start, uint32_t end, int entity, const char *norm)
{
    cv_span_list l = run("GB", -1, text);
    ck_assert_msg(l.n == 1, "%zu spans in case starting %.12s", l.n, text);
    ck_assert_uint_eq(l.v[0].start, start);
    ck_assert_uint_eq(l.v[0].end, end);
    ck_assert_int_eq(l.v[0].entity, entity);
    ck_assert_str_eq(l.v[0].norm, norm);
    cvi_span_list_free(&l);
}

START_TEST(test_lookalikes)
{
    /* full-width digits: 12 chars of 3 bytes, one ASCII space, after "tel " */
    span_at("tel \xef\xbc\x90\xef\xbc\x97\xef\xbc\x97\xef\xbc\x90\xef\xbc\x90 "
            "\xef\xbc\x99\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93 ok",
            4, 4 + 11 * 3 + 1, CV_ENT_PHONE, "+447700900123");
    /* the same number with a no-break space, a narrow one, a figure space */
    span_at("07700\xc2\xa0" "900123", 0, 13, CV_ENT_PHONE, "+447700900123");
    span_at("07700\xe2\x80\xaf" "900123", 0, 14, CV_ENT_PHONE, "+447700900123");
    span_at("07700\xe2\x80\x87" "900123", 0, 14, CV_ENT_PHONE, "+447700900123");
    /* dashes: non-breaking hyphen, figure dash, en, em dash, minus */
    span_at("x 020\xe2\x80\x91" "7946\xe2\x80\x91" "0958", 2, 19, CV_ENT_PHONE, "+442079460958");
    span_at("5555\xe2\x80\x92" "5555\xe2\x80\x92" "5555\xe2\x80\x92" "4444", 0, 25, CV_ENT_CARD, "5555555555554444");
    span_at("5555\xe2\x80\x93" "5555\xe2\x80\x93" "5555\xe2\x80\x93" "4444", 0, 25, CV_ENT_CARD, "5555555555554444");
    span_at("5555\xe2\x80\x94" "5555\xe2\x80\x94" "5555\xe2\x80\x94" "4444", 0, 25, CV_ENT_CARD, "5555555555554444");
    span_at("5555\xe2\x88\x92" "5555\xe2\x88\x92" "5555\xe2\x88\x92" "4444", 0, 25, CV_ENT_CARD, "5555555555554444");
    /* zero-width characters inside a number are covered by its span */
    span_at("4111\xe2\x80\x8b" "1111\xe2\x80\x8c" "1111\xe2\x80\x8d" "11\xe2\x81\xa0" "11\xef\xbb\xbf" "!",
            0, 28, CV_ENT_CARD, "4111111111111111");
    /* ... also when the last digit is followed by one, which stays outside */
    span_at("4111111111111111\xe2\x80\x8b.", 0, 16, CV_ENT_CARD, "4111111111111111");
    /* full-width '@' and a full-width address */
    span_at("mail jane\xef\xbc\xa0" "example.com", 5, 23, CV_ENT_EMAIL, "jane@example.com");
    span_at("\xef\xbd\x8a\xef\xbd\x8f\xef\xbc\xa0\xef\xbd\x98\xef\xbc\x8e\xef\xbd\x89\xef\xbd\x8f", 0, 21,
            CV_ENT_EMAIL, "jo@x.io");
    /* other non-ASCII text around a folded one keeps offsets exact */
    span_at("\xc3\xa9t\xc3\xa9 07700\xc2\xa0" "900123 \xe2\x82\xac", 6, 19, CV_ENT_PHONE, "+447700900123");
    /* the folded and the ASCII form give the same norm (so the same token) */
    expect_all("GB", "\xef\xbc\x90\xef\xbc\x97\xef\xbc\x97\xef\xbc\x90\xef\xbc\x90 "
                     "\xef\xbc\x99\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93 or 07700 900123",
               "phone:+447700900123 phone:+447700900123");
}
END_TEST

START_TEST(test_lookalikes_not_identifiers)
{
    /* full-width text with no identifiers */
    expect_all("GB", "\xef\xbc\xa8\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x8f\xe3\x80\x80\xef\xbd\x97\xef\xbd\x8f"
                     "\xef\xbd\x92\xef\xbd\x8c\xef\xbd\x84\xef\xbc\x81", "");
    /* a full-width dotted version, an amount with a no-break space, a time */
    expect_all("GB", "v\xef\xbc\x91\xef\xbc\x8e\xef\xbc\x92\xef\xbc\x8e\xef\xbc\x93\xef\xbc\x8e\xef\xbc\x94", "");
    expect_all("GB", "total \xc2\xa3\xc2\xa0" "1\xc2\xa0" "234.56 at 14:30\xe2\x80\x93" "15:00", "");
    /* an invalid card stays invalid when written with look-alikes */
    expect_all("GB", "4111\xe2\x80\x93" "1111\xe2\x80\x93" "1111\xe2\x80\x93" "1112", "");
    /* a zero-width joiner alone, soft hyphens in a word */
    expect_all("GB", "\xe2\x80\x8d", "");
    expect_all("GB", "co\xc2\xad" "op\xc2\xad" "er\xc2\xad" "ate", "");
}
END_TEST

/* A policy's regex detectors are skipped on texts that lack a byte every
 * match needs: the spans must be PCRE2's own matches, left to right, on
 * random texts, for patterns whose needs are a first code unit (also
 * caseless, where K may be U+212A KELVIN SIGN), a start bitmap, a required
 * code unit, a minimum length, lookarounds. */
START_TEST(test_custom_regex_needs)
{
    static const char *const pats[] = {
        "\\bLY-?[0-9]{2}\\b", "(?i)ly-?[0-9]{2}", "x(?i:y)z", "Q(?i)z", "[A-C]{2}[0-9]", "(?i)[a-c]k1",
        "\xC3\xA9[0-9]", "(?i)\xC3\xA9" "1", "(?i)k1", "(?i)s[0-9]", "[0-9]{3}", "(?<=#)a1", "a(?=b)",
        "(?-i)Ly", "\\Q(?i\\E", "1(?:z|Y)2", "(?xi) q 1",
    };
    /* per pattern, a text it matches, planted with letters' case flipped at random */
    static const char *const plant[] = {
        "LY-12", "ly12", "xYz", "Qz", "AB1", "bK1", "\xC3\xA9" "1", "\xC3\x89" "1", "\xE2\x84\xAA" "1",
        "\xC5\xBF" "1", "123", "#a1", "ab", "Ly", "(?i", "1Y2", "q1",
    };
    _Static_assert(sizeof plant == sizeof pats, "one planted text per pattern");
    static const char *const sym[] = { "L", "l", "Y", "y", "-", "1", "2", " ", "A", "b", "c", "k", "K", "s", "S",
                                       "\xE2\x84\xAA", "\xC5\xBF", "\xC3\xA9", "\xC3\x89", "#", "q", "Q", "z", "x",
                                       "(", "?", "i", "a", "B" };
    enum { NSYM = sizeof sym / sizeof *sym };
    uint8_t en[CV_ENT__COUNT] = { 0 };   /* no built-in detectors */
    uint32_t seed = 4242;
    size_t total = 0;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
        cv_custom_detector cd = { .name = "t", .entity = CV_ENT__COUNT, .regex = pats[k] };
        cv_detector_set *s = NULL;
        const char *err = NULL;
        ck_assert_int_eq(cvi_detector_set_create_ex(NULL, en, &cd, 1, &s, &err, NULL), 0);
        cv_detect_ws *ws = cvi_detect_ws_create(s);
        ck_assert_ptr_nonnull(ws);
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pats[k], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
        ck_assert_ptr_nonnull(re);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        size_t found = 0;
        for (int iter = 0; iter < 3000; iter++) {
            char text[160];
            size_t n = 0, nsym = RND(12), at = RND(2) ? RND(nsym + 1) : nsym + 1;
            for (size_t j = 0; j <= nsym; j++) {
                if (j == at)
                    for (const char *q = plant[k]; *q; q++) {
                        char c = *q;
                        if (RND(3) == 0 && (unsigned)((c | 0x20) - 'a') < 26u) c ^= 0x20;
                        text[n++] = c;
                    }
                if (j == nsym) break;
                const char *y = sym[RND(NSYM)];
                memcpy(text + n, y, strlen(y));
                n += strlen(y);
            }
            cv_span_list l = { 0 };
            ck_assert_int_eq(cvi_detect(s, ws, text, n, &l), 0);
            size_t got = 0;
            for (size_t off = 0; off <= n;) {
                int rc = pcre2_match(re, (PCRE2_SPTR)text, n, off, 0, md, NULL);
                if (rc == PCRE2_ERROR_NOMATCH) break;
                ck_assert_int_ge(rc, 0);
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                ck_assert_msg(got < l.n, "pattern %s, text '%.*s': a match at %zu missed", pats[k], (int)n, text,
                              (size_t)ov[0]);
                ck_assert_uint_eq(l.v[got].start, ov[0]);
                ck_assert_uint_eq(l.v[got].end, ov[1]);
                got++;
                off = ov[1];
            }
            ck_assert_uint_eq(got, l.n);
            found += got;
            cvi_span_list_free(&l);
        }
        ck_assert_msg(found > 20, "pattern %s: %zu matches in all texts", pats[k], found);   /* not vacuous */
        total += found;
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        cvi_detect_ws_free(ws);
        cvi_detector_set_free(s);
    }
#undef RND
    ck_assert_uint_gt(total, 1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("detect");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);   /* the gate corpora under ASan on a loaded machine */
    tcase_add_test(tc, test_registry_and_names);
    tcase_add_test(tc, test_must_survive);
    tcase_add_test(tc, test_no_digits_no_at);
    tcase_add_test(tc, test_rejected_candidate_restart);
    tcase_add_test(tc, test_overlaps);
    tcase_add_test(tc, test_enabled_subset_and_reuse);
    tcase_add_test(tc, test_builtin_sets_masked);
    tcase_add_test(tc, test_many_spans);
    tcase_add_test(tc, test_normalise_generic_person);
    tcase_add_test(tc, test_lookalikes);
    tcase_add_test(tc, test_lookalikes_not_identifiers);
    tcase_add_test(tc, test_custom_regex_needs);
    tcase_add_test(tc, test_cue_gate_corpora);
    tcase_add_test(tc, test_cue_gate_cases);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
