/*
 * check_partial.c - no partial leaks (issue 15, point 3): every positive case
 * of a detector, run through the embedded default policy's detectors and
 * rendering (the engine, as the `scan` action writes free text), must leave
 * no group of 3 or more digits of its value in the output. A table per
 * family of detectors (phones, national ids, bank and card details, agents,
 * addresses, dates); add rows or tables to `tables`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/engine.h"

typedef struct partial_case {
    const char *text;        /* free text holding the value, no other digits */
    const char *value;       /* the identifier as written in text */
} partial_case;

/* Phones: many formats, every country of the default policy and a few more
 * written internationally; extensions, glued words, "(0)", non-geographic
 * ranges, numbers longer than their plan. */
static const partial_case phone_cases[] = {
    { "call +353 1800 123 456 now", "+353 1800 123 456" },
    { "IE freephone 1800 123 456 ok", "1800 123 456" },
    { "IE mobile 087 123 4567 ok", "087 123 4567" },
    { "IE Dublin (01) 234 5678 ok", "(01) 234 5678" },
    { "GB +44 20 7946 0958 ok", "+44 20 7946 0958" },
    { "GB 020 7946 0958 ok", "020 7946 0958" },
    { "GB 07700 900123 ok", "07700 900123" },
    { "GB +44 (0)7700 900123 ok", "+44 (0)7700 900123" },
    { "GB 0044 7700 900123 ok", "0044 7700 900123" },
    { "GB 0800 123 4567 ok", "0800 123 4567" },
    { "GB glued call07400 123456 ok", "07400 123456" },
    { "GB extension +44 2034567890x456 ok", "+44 2034567890x456" },
    { "GB extension 020 7946 0958 ext. 456 ok", "020 7946 0958 ext. 456" },
    { "GB too long +44 7700 900123 456789 ok", "+44 7700 900123 456789" },
    { "US (415) 770-8275 ok", "(415) 770-8275" },
    { "US 415 770 8275 ok", "415 770 8275" },
    { "US 1-800-555-0199 ok", "1-800-555-0199" },
    { "US +1 202-555-0142 ok", "+1 202-555-0142" },
    { "US 202.555.0123 ok", "202.555.0123" },
    { "IT 339 645 0651 ok", "339 645 0651" },
    { "IT +39 (0)2 1234 5678 ok", "+39 (0)2 1234 5678" },
    { "IT 06 1234 5678 ok", "06 1234 5678" },
    { "IT 800 123 456 ok", "800 123 456" },
    { "ES 694 214 225 ok", "694 214 225" },
    { "ES +34 612 345 678 ok", "+34 612 345 678" },
    { "ES 900 123 456 ok", "900 123 456" },
    { "PT 912 345 678 ok", "912 345 678" },
    { "PT +351 21 123 4567 ok", "+351 21 123 4567" },
    { "FR 06 12 34 56 78 ok", "06 12 34 56 78" },
    { "FR +33 (0)6 12 34 56 78 ok", "+33 (0)6 12 34 56 78" },
    { "FR 0 800 12 34 56 ok", "0 800 12 34 56" },
    { "FR 01.23.45.67.89 ok", "01.23.45.67.89" },
    { "NL 0800 1234 ok", "0800 1234" },
    { "NL 06-12345678 ok", "06-12345678" },
    { "NL +31 (0)20 123 4567 ok", "+31 (0)20 123 4567" },
    { "DE 030 12345678 ok", "030 12345678" },
    { "DE +49 (0)30 1234567 ok", "+49 (0)30 1234567" },
    { "DE 0151 23456789 ok", "0151 23456789" },
    { "BR (11) 98765-4321 ok", "(11) 98765-4321" },
    { "BR +55 11 98765 4321 ok", "+55 11 98765 4321" },
    { "BR (11) 3456-7890 ok", "(11) 3456-7890" },
    { "AU +61 2 9876 5432 ok", "+61 2 9876 5432" },
    { "IN +91 98765 43210 ok", "+91 98765 43210" },
    { "JP +81 3-1234-5678 ok", "+81 3-1234-5678" },
    { "PL +48 512 345 678 ok", "+48 512 345 678" },
    { "CH +41 44 668 18 00 ok", "+41 44 668 18 00" },
    { "tel:+44 20 7946 0958 ok", "+44 20 7946 0958" },
    { "dial Dial(PJSIP/trunk/+447700900123,thirty)", "+447700900123" },
};


/* National ids of every scheme, SSN and NINO groupings (tests/fixtures/national_id). */
static const partial_case national_id_cases[] = {
    { "empresa 42.973.227/0006-78 ativa", "42.973.227/0006-78" },
    { "CNPJ 92786001000989 da empresa", "92786001000989" },
    { "745.501.298-59 é o meu documento", "745.501.298-59" },
    { "meine Steuer-ID ist 34029756107", "34029756107" },
    { "Steuer-IdNr: 79 360 424 181", "79 360 424 181" },
    { "Mi DNI es 73469729R", "73469729R" },
    { "DNI: 37150888-T", "37150888-T" },
    { "mon numéro de sécu est 2 64 09 06 438 209 81", "2 64 09 06 438 209 81" },
    { "NIR 136091712072248", "136091712072248" },
    { "My PPS number is 3811742T", "3811742T" },
    { "il mio codice fiscale è NYRHXS11R15B679N", "NYRHXS11R15B679N" },
    { "mijn BSN is 953095885", "953095885" },
    { "BSN: 643 546 340", "643 546 340" },
    { "o meu NIF é 171998014", "171998014" },
    { "NIF: 151 325 049", "151 325 049" },
    { "my SSN is 653-77-8470", "653-77-8470" },
    { "SSN: 310.53.7289", "310.53.7289" },
    { "NINO MS 89 76 72 A", "MS 89 76 72 A" },
};

/* Cards, IBANs in every written form, bank and card details. */
static const partial_case bank_cases[] = {
    { "card 4111 1111 1111 1111 thanks", "4111 1111 1111 1111" },
    { "card 4111.1111.1111.1111 thanks", "4111.1111.1111.1111" },
    { "JCB 180000000000002 ok", "180000000000002" },
    { "maestro card 5018 0000 0009 ok", "5018 0000 0009" },
    { "IBAN NO 02 1503 7577 003 thanks", "NO 02 1503 7577 003" },
    { "pay AL47-2121-1009-0000-0002-3569-8741 ok", "AL47-2121-1009-0000-0002-3569-8741" },
    { "to GB82.WEST.1234.5698.7654.32 ok", "GB82.WEST.1234.5698.7654.32" },
    { "my iban is ES58 0049 1500 0512 3456 7892 ok", "ES58 0049 1500 0512 3456 7892" },
    { "sort code 12-34-56 please", "12-34-56" },
    { "routing 021000021 please", "021000021" },
    { "SWIFT NWBKGB2L please", "NWBKGB2L" },
    { "cvv 123 please", "123" },
    { "expiry 09/27 please", "09/27" },
    { "my account number is 6250260520", "6250260520" },
    { "my account number is 436-989-374", "436-989-374" },
};

/* Agents, addresses and postcodes, dates of birth. */
static const partial_case other_cases[] = {
    { "PJSIP/2177-abcdefab joined", "2177" },
    { "transfer to ext. 2177 now", "2177" },
    { "I live at 125 Acacia Avenue now", "125 Acacia Avenue" },
    { "Hauptstraße 125a, Berlin please", "Hauptstraße 125a" },
    { "code postal 75002 Paris please", "75002" },
    { "my ZIP is 30301-1234 please", "30301-1234" },
    { "CEP 01310-100 please", "01310-100" },
    { "DOB 22-nov-1972 please", "22-nov-1972" },
    { "geboren am 03.05.1985 please", "03.05.1985" },
};

typedef struct partial_table {
    const char *detector;
    const partial_case *cases;
    size_t n;
} partial_table;

#define TABLE(name, cases) { name, cases, sizeof cases / sizeof *cases }
static const partial_table tables[] = {
    TABLE("phone", phone_cases),
    TABLE("national_id", national_id_cases),
    TABLE("bank", bank_cases),
    TABLE("other", other_cases),
};

/* Case i over all tables. */
static const partial_case *case_at(int i, const char **detector)
{
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        if ((size_t)i < tables[t].n) {
            *detector = tables[t].detector;
            return &tables[t].cases[i];
        }
        i -= (int)tables[t].n;
    }
    return NULL;
}

static int ncases(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) n += tables[t].n;
    return (int)n;
}

static cv_ctx *ctx;
static cv_policy *pol;
static cv_key *key;
static cvi_engine *eng;
static cvi_worker *wk;

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(cv_policy_load(ctx, NULL, &pol), 0);
    ck_assert_int_eq(cv_key_ephemeral(ctx, &key), 0);
    ck_assert_int_eq(cvi_engine_create(ctx, pol, key, &eng), 0);
    wk = cvi_worker_create(eng);
    ck_assert_ptr_nonnull(wk);
}

static void teardown(void)
{
    cvi_worker_free(wk);
    cvi_engine_free(eng);
    cv_key_free(key);
    cv_policy_free(pol);
    cv_ctx_free(ctx);
}

START_TEST(test_no_partial_leak)
{
    const char *detector = NULL;
    const partial_case *c = case_at(_i, &detector);
    ck_assert_ptr_nonnull(c);
    const char *text = c->text;
    size_t n = strlen(text);
    ck_assert_ptr_nonnull(strstr(text, c->value));
    const cv_span *sp;
    size_t ns;
    ck_assert_int_eq(cvi_engine_find(wk, text, n, &sp, &ns, NULL), 0);
    /* the output as the scan action writes it, and the text it kept (the
     * renderings are tokens, whose letters and digits are no leak) */
    cv_buf out = { 0 }, kept = { 0 };
    size_t at = 0;
    for (size_t i = 0; i < ns; i++) {
        ck_assert_int_eq(cvi_buf_append(&out, text + at, sp[i].start - at), 0);
        ck_assert_int_eq(cvi_buf_append(&kept, text + at, sp[i].start - at), 0);
        ck_assert_int_eq(cvi_engine_render(wk, text, &sp[i], &out), 0);
        ck_assert_int_eq(cvi_buf_putc(&kept, '\n'), 0);
        at = sp[i].end;
    }
    ck_assert_int_eq(cvi_buf_append(&out, text + at, n - at), 0);
    ck_assert_int_eq(cvi_buf_append(&kept, text + at, n - at), 0);
    ck_assert_int_eq(cvi_buf_putc(&kept, '\0'), 0);
    ck_assert_msg(ns > 0, "%s: nothing found in \"%s\"", detector, text);
    /* no group of 3 or more digits of the value is left */
    for (const char *v = c->value; *v;) {
        if (*v < '0' || *v > '9') {
            v++;
            continue;
        }
        size_t k = strspn(v, "0123456789");
        if (k >= 3) {
            char grp[64];
            snprintf(grp, sizeof grp, "%.*s", (int)k, v);
            ck_assert_msg(strstr(kept.p, grp) == NULL, "%s: \"%s\" left in \"%.*s\"", detector, grp, (int)out.n,
                          out.p);
        }
        v += k;
    }
    cvi_buf_free(&out);
    cvi_buf_free(&kept);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("partial");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_no_partial_leak, 0, ncases());
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
