/*
 * check_phone.c - phone detector and E.164 normaliser: international and
 * national forms of each country served (from their numbering plans), region
 * lists and their order, drama ranges, glued words, extensions, "(0)",
 * non-geographic ranges, equivalent spellings, and the numbers that must not
 * be read as phones (orders, amounts, dates, ids; a negative corpus).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

START_TEST(test_bare_international_and_dial_strings)
{
    /* a field that holds a number: calling code first, no "+" (SMS gateways, CDRs) */
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, "GB", 2);
    char norm[CV_NORM_MAX + 1];
    size_t n = 0;
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, "447700900123", 12, norm, &n), 1);
    ck_assert_str_eq(norm, "+447700900123");
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, " 12025550143 ", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "+12025550143");
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, "100", 3, norm, &n), 0);   /* an extension */
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, "999999999999", 12, norm, &n), 0);  /* no such code */
    /* a value that is only such a number is a phone; inside text it is not */
    one("GB", CV_ENT_PHONE, "447700900781", "447700900781", "+447700900781");
    none("GB", CV_ENT_PHONE, "ref 447700900781 ok");
    /* Asterisk dial strings carry numbers after a '/' */
    one("GB", CV_ENT_PHONE, "PJSIP/07700900610@trunk,60", "07700900610", "+447700900610");
    one("GB", CV_ENT_PHONE, "SIP/trunk/+12025550143", "+12025550143", "+12025550143");
    none("GB", CV_ENT_PHONE, "see ABC/02079460958/x");
}
END_TEST


static void e164(const char *region, const char *in, const char *want)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, region, 2);
    char out[64];
    size_t n = 0;
    ck_assert_int_eq(cvi_phone_e164(&o, in, strlen(in), out, sizeof out, &n), 1);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_international)
{
    one("GB", CV_ENT_PHONE, "Call +44 20 7946 0958 now", "+44 20 7946 0958", "+442079460958");
    one("GB", CV_ENT_PHONE, "tel +44 (0)20 7946 0958.", "+44 (0)20 7946 0958", "+442079460958");
    one("DE", CV_ENT_PHONE, "ruf 0049 30 12345678 an", "0049 30 12345678", "+493012345678");
    one("US", CV_ENT_PHONE, "dial 011 44 20 7946 0958", "011 44 20 7946 0958", "+442079460958");
    one("GB", CV_ENT_PHONE, "+33 6.12.34.56.78", "+33 6.12.34.56.78", "+33612345678");
    one("GB", CV_ENT_PHONE, "+39 06 1234 5678", "+39 06 1234 5678", "+390612345678");
    one("GB", CV_ENT_PHONE, "+1 212-555-0142", "+1 212-555-0142", "+12125550142");
    /* unknown calling code, too short, too long */
    none("GB", CV_ENT_PHONE, "+999 1234 5678");
    none("GB", CV_ENT_PHONE, "+44 1234");
    none("GB", CV_ENT_PHONE, "+44 7700 9001234567");
    /* a number followed by more digits than its plan allows: the rest is
     * covered too (issue 15 point 3: no part of a number left in clear) */
    one("GB", CV_ENT_PHONE, "+44 7700 900123 456789", "+44 7700 900123 456789", "+447700900123");
}
END_TEST

START_TEST(test_gb_equivalences)
{
    static const char *forms[] = { "+44 7700 900123", "07700 900123", "(07700) 900-123",
                                   "+44 (0)7700 900123", "0044 7700 900123", "+447700900123" };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char text[80];
        strcpy(text, "call me on ");
        strcat(text, forms[i]);
        strcat(text, " today");
        one("GB", CV_ENT_PHONE, text, forms[i], "+447700900123");
        e164("GB", forms[i], "+447700900123");
    }
    one("GB", CV_ENT_PHONE, "office 020 7946 0958", "020 7946 0958", "+442079460958");
    one("GB", CV_ENT_PHONE, "01632 960123", "01632 960123", "+441632960123");
}
END_TEST

START_TEST(test_national_regions)
{
    one("IE", CV_ENT_PHONE, "mobile 087 123 4567", "087 123 4567", "+353871234567");
    one("IE", CV_ENT_PHONE, "Dublin 01 234 5678", "01 234 5678", "+35312345678");
    one("IT", CV_ENT_PHONE, "Roma 06 1234 5678", "06 1234 5678", "+390612345678");
    one("IT", CV_ENT_PHONE, "cell 333 123 4567", "333 123 4567", "+393331234567");
    one("DE", CV_ENT_PHONE, "Berlin 030 12345678", "030 12345678", "+493012345678");
    one("DE", CV_ENT_PHONE, "Handy 0151 23456789", "0151 23456789", "+4915123456789");
    one("FR", CV_ENT_PHONE, "portable 06 12 34 56 78", "06 12 34 56 78", "+33612345678");
    one("FR", CV_ENT_PHONE, "fixe 01.23.45.67.89", "01.23.45.67.89", "+33123456789");
    one("ES", CV_ENT_PHONE, "movil 612 345 678", "612 345 678", "+34612345678");
    one("NL", CV_ENT_PHONE, "mobiel 06-12345678", "06-12345678", "+31612345678");
    one("NL", CV_ENT_PHONE, "kantoor 020 123 4567", "020 123 4567", "+31201234567");
    one("US", CV_ENT_PHONE, "(212) 555-0142", "(212) 555-0142", "+12125550142");
    one("US", CV_ENT_PHONE, "212.555.0142", "212.555.0142", "+12125550142");
    one("US", CV_ENT_PHONE, "1-212-555-0142", "1-212-555-0142", "+12125550142");
    /* distinctive NANP shapes are US in any region */
    one("GB", CV_ENT_PHONE, "NY office (212) 555-0142", "(212) 555-0142", "+12125550142");
    one("DE", CV_ENT_PHONE, "212-555-0142", "212-555-0142", "+12125550142");
    /* NANP: area code and exchange start 2-9 */
    none("US", CV_ENT_PHONE, "(112) 555-0142");
    none("US", CV_ENT_PHONE, "212-155-0142");
    /* national length rules */
    none("FR", CV_ENT_PHONE, "06 12 34 56 7");
    /* 4xx is no Spanish range (51x is: CNMC's corporate numbers) */
    none("ES", CV_ENT_PHONE, "412 345 678");
}
END_TEST

START_TEST(test_not_phones)
{
    none("GB", CV_ENT_PHONE, "order 07700 900123");
    none("GB", CV_ENT_PHONE, "Order no. 07700 900123 shipped");
    none("GB", CV_ENT_PHONE, "ref: 020 7946 0958");
    none("GB", CV_ENT_PHONE, "ticket #07700900123");
    none("GB", CV_ENT_PHONE, "invoice 02079460958");
    none("GB", CV_ENT_PHONE, "tracking number 07700 900123");
    none("GB", CV_ENT_PHONE, "booking 01632 960123");
    none("GB", CV_ENT_PHONE, "total \xc2\xa3" "1,234.56 or \xe2\x82\xac 49.99");
    none("GB", CV_ENT_PHONE, "at 14:30 or 09:15:00");
    none("GB", CV_ENT_PHONE, "on 12/03/2024 or 2024-03-12");
    none("DE", CV_ENT_PHONE, "am 01.02.2024");
    none("GB", CV_ENT_PHONE, "INC0012345 ORD-2024-118734 SKU-4411-220");
    none("GB", CV_ENT_PHONE, "ORD-020-7946-0958");
    none("GB", CV_ENT_PHONE, "card 4111 1111 1111 1111");
    none("GB", CV_ENT_PHONE, "host 192.168.100.200");
    none("DE", CV_ENT_PHONE, "host 010.123.045.067");
    none("GB", CV_ENT_PHONE, "123456789");
    none("GB", CV_ENT_PHONE, "x07700900123");
    none("GB", CV_ENT_PHONE, "07700900123x");
    none("GB", CV_ENT_PHONE, "3.07700900123");
    none("GB", CV_ENT_PHONE, "\xe2\x82\xac" "07700900123");
    none("GB", CV_ENT_PHONE, "");
}
END_TEST

START_TEST(test_runs_and_lists)
{
    /* dial strings and comma lists: the number beside ",digit" is no amount */
    one("GB", CV_ENT_PHONE, "Dial(PJSIP/trunk/+447700900123,30,tT)", "+447700900123", "+447700900123");
    one("GB", CV_ENT_PHONE, "Dial(SIP/07700900123@trunk,30)", "07700900123", "+447700900123");
    cv_span_list c = run("GB", CV_ENT_PHONE, "call 07700900123,07700900124");
    ck_assert_uint_eq(c.n, 2);
    ck_assert_uint_eq(c.v[0].start, 5);
    ck_assert_uint_eq(c.v[0].end, 16);
    ck_assert_uint_eq(c.v[1].start, 17);
    ck_assert_uint_eq(c.v[1].end, 28);
    ck_assert_str_eq(c.v[1].norm, "+447700900124");
    cvi_span_list_free(&c);
    none("GB", CV_ENT_PHONE, "paid 1,234,567 at 12:30:45");
    /* a list longer than one candidate can hold (44 digits): every number */
    const char *four = "numbers 07700900123 07700900124 07700900125 07700900126";
    cv_span_list f = run("GB", CV_ENT_PHONE, four);
    ck_assert_uint_eq(f.n, 4);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(f.v[i].start, 8 + 12 * i);
        ck_assert_uint_eq(f.v[i].end, 19 + 12 * i);
    }
    ck_assert_str_eq(f.v[0].norm, "+447700900123");
    cvi_span_list_free(&f);
    /* ten groups and more: 5 numbers of three groups each */
    cv_span_list g = run("GB", CV_ENT_PHONE, "020 7946 0958 020 7946 0959 020 7946 0960 020 7946 0961 020 7946 0962");
    ck_assert_uint_eq(g.n, 5);
    ck_assert_str_eq(g.v[4].norm, "+442079460962");
    cvi_span_list_free(&g);
    cv_span_list l = run("GB", CV_ENT_PHONE, "020 7946 0958 07700 900123");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_uint_eq(l.v[0].start, 0);
    ck_assert_uint_eq(l.v[0].end, 13);
    ck_assert_str_eq(l.v[0].norm, "+442079460958");
    ck_assert_uint_eq(l.v[1].start, 14);
    ck_assert_uint_eq(l.v[1].end, 26);
    ck_assert_str_eq(l.v[1].norm, "+447700900123");
    cvi_span_list_free(&l);
    one("GB", CV_ENT_PHONE, "Call 07700 900123 4 times", "07700 900123", "+447700900123");
    one("GB", CV_ENT_PHONE, "(020 7946 0958)", "020 7946 0958", "+442079460958");
}
END_TEST

/* The cluster gate searches only around clusters that may hold a number
 * (a segment of 6 digits) or its extension: the spans equal those found
 * around every cluster (run() compares), here beside small clusters,
 * extensions in clusters of their own and gaps of every width. */
START_TEST(test_gates_change_no_span)
{
    static const char *const texts[] = {
        "07700 900123 extension 456", "07700 900123 extension  456", "07700 900123 extension   4567",
        "+44 20 7946 0958 ext. 12, and 3-5 days", "order 1234567890, it takes 3-5 working days, call 020 7946 0958",
        "12 34 x 56 78 90 12", "on 12/03/2025 between 08:00 and 13:00 call 07700 900123 x 7",
        "SKU-4411-220 or 07700-900123", "ab-07700900123 and 1.07700900123 and x_07700 900123",
        "+44 (0)20 7946 0958 #12", "123 extension 4567890", "tel 0770 090 0123 ext 1234 ext 5678",
        "07700 900123     x 45", "12 ext 34 ext 56 ext 78 ext 90 ext 12", "0 7 7 0 0 9 0 0 1 2 3 x 4",
        "(020) 7946-0958 Ext 9 or 9 Ext 020 7946 0958", "1-2-3-4-5-6 and 12.34.56 and 1 2 3 4 5 6",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        cv_span_list l = run("GB", CV_ENT_PHONE, texts[i]);
        cvi_span_list_free(&l);
    }
}
END_TEST

START_TEST(test_e164_helpers)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, "GB", 2);
    char out[32];
    size_t n = 99;
    e164("GB", "  tel:+44 20 7946 0958 ", "+442079460958");
    e164("US", "(212) 555-0142", "+12125550142");
    e164("IT", "06 1234 5678", "+390612345678");
    e164("GB", "+44 07700 900123", "+447700900123");
    ck_assert_int_eq(cvi_phone_e164(&o, "hello", 5, out, sizeof out, &n), 0);
    ck_assert_int_eq(cvi_phone_e164(&o, "12345", 5, out, sizeof out, &n), 0);
    ck_assert_int_eq(cvi_phone_e164(&o, "+44 20 7946 0958", 16, out, 5, &n), 0);   /* no room */
    ck_assert_int_eq(cvi_phone_cc_len("+442079460958", 13), 2);
    ck_assert_int_eq(cvi_phone_cc_len("+12125550142", 12), 1);
    ck_assert_int_eq(cvi_phone_cc_len("+353871234567", 13), 3);
    ck_assert_int_eq(cvi_phone_cc_len("+999123", 7), 0);
    ck_assert_int_eq(cvi_phone_cc_len("442079460958", 12), 0);

    char norm[CV_NORM_MAX + 1];
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, "(07700) 900-123", 15, norm, &n), 1);
    ck_assert_str_eq(norm, "+447700900123");
    ck_assert_int_eq(cvi_normalise(CV_ENT_PHONE, &o, " Not A  Phone ", 14, norm, &n), 0);
    ck_assert_str_eq(norm, "not a phone");
    ck_assert_uint_eq(n, 11);
}
END_TEST

/* ---- libphonenumber: every country, region lists ------------------------ */

/* The embedded default policy's countries, in its order. */
#define DEFAULT_REGIONS "GB IE IT US ES PT FR NL DE BR"

static cv_detect_opts opts_of(const char *list)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        char *dst = o.region[0] ? o.more[o.nmore++] : o.region;
        dst[0] = p[0];
        dst[1] = p[1];
        dst[2] = '\0';
        p += 2;
    }
    return o;
}

static cv_span_list run_list(const char *list, const char *text)
{
    cv_detect_opts o = opts_of(list);
    uint8_t en[CV_ENT__COUNT] = { 0 };
    en[CV_ENT_PHONE] = 1;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cvi_detector_set_create(&o, en, &s, &err), 0);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    ck_assert_int_eq(cvi_detect(s, ws, text, strlen(text), &l), 0);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    return l;
}

/* text holds exactly one phone, `covered`, normalised to e164 */
static void found(const char *list, const char *text, const char *covered, const char *want)
{
    cv_span_list l = run_list(list, text);
    const char *at = strstr(text, covered);
    ck_assert_ptr_nonnull(at);
    ck_assert_msg(l.n == 1, "[%s] %zu spans in \"%s\"", list, l.n, text);
    ck_assert_msg(l.v[0].start == (size_t)(at - text) && l.v[0].end == (size_t)(at - text) + strlen(covered),
                  "[%s] \"%s\": span [%u,%u) is not \"%s\"", list, text, l.v[0].start, l.v[0].end, covered);
    ck_assert_msg(strcmp(l.v[0].norm, want) == 0, "[%s] \"%s\" -> %s, not %s", list, text, l.v[0].norm, want);
    cvi_span_list_free(&l);
}

static void not_found(const char *list, const char *text)
{
    cv_span_list l = run_list(list, text);
    ck_assert_msg(l.n == 0, "[%s] \"%s\": a phone at [%u,%u)", list, text, l.n ? l.v[0].start : 0,
                  l.n ? l.v[0].end : 0);
    cvi_span_list_free(&l);
}

typedef struct country_case {
    const char *cc;          /* the country the number belongs to */
    const char *text, *covered, *e164;
} country_case;

/* National and international forms from each country's numbering plan
 * (Ofcom, ComReg, NANP, AGCOM, CNMC, ANACOM, ARCEP, ACM, BNetzA, Anatel),
 * found with the default policy's region list. Drama and example ranges
 * where the regulator keeps them. */
static const country_case countries[] = {
    { "GB", "office 020 7946 0958 ok", "020 7946 0958", "+442079460958" },
    { "GB", "mobile 07700 900123", "07700 900123", "+447700900123" },
    { "GB", "ring (0161) 496 0123", "(0161) 496 0123", "+441614960123" },
    { "GB", "freephone 0800 123 4567", "0800 123 4567", "+448001234567" },
    { "GB", "tel +44 (0)113 496 0123", "+44 (0)113 496 0123", "+441134960123" },
    { "GB", "UK-wide 03069 990123", "03069 990123", "+443069990123" },
    { "IE", "freephone 1800 123 456", "1800 123 456", "+3531800123456" },
    { "IE", "lo-call 1850 123 456", "1850 123 456", "+3531850123456" },
    { "IE", "mobile 087 123 4567", "087 123 4567", "+353871234567" },
    { "IE", "Dublin 01 234 5678", "01 234 5678", "+35312345678" },
    { "IE", "from abroad +353 1800 123 456", "+353 1800 123 456", "+3531800123456" },
    { "IE", "or +353 (0)87 123 4567", "+353 (0)87 123 4567", "+353871234567" },
    { "US", "SF office 415 770 8275", "415 770 8275", "+14157708275" },
    { "US", "call (415) 770-8275", "(415) 770-8275", "+14157708275" },
    { "US", "toll free 1-800-555-0199", "1-800-555-0199", "+18005550199" },
    { "US", "fictional 202-555-0142", "202-555-0142", "+12025550142" },
    { "US", "intl +1 212 555 0100", "+1 212 555 0100", "+12125550100" },
    { "IT", "cellulare 339 645 0651", "339 645 0651", "+393396450651" },
    { "IT", "Roma 06 1234 5678", "06 1234 5678", "+390612345678" },
    { "IT", "Milano +39 (0)2 1234 5678", "+39 (0)2 1234 5678", "+390212345678" },
    { "IT", "numero verde 800 123 456", "800 123 456", "+39800123456" },
    { "ES", "movil 694 214 225", "694 214 225", "+34694214225" },
    { "ES", "Madrid 911 23 45 67", "911 23 45 67", "+34911234567" },
    { "ES", "gratuito 900 123 456", "900 123 456", "+34900123456" },
    { "ES", "intl +34 612 345 678", "+34 612 345 678", "+34612345678" },
    { "PT", "telemovel 912 345 678", "912 345 678", "+351912345678" },
    { "PT", "Lisboa 21 123 4567", "21 123 4567", "+351211234567" },
    { "PT", "intl +351 808 123 456", "+351 808 123 456", "+351808123456" },
    { "FR", "portable 06 12 34 56 78", "06 12 34 56 78", "+33612345678" },
    { "FR", "fixe 01.23.45.67.89", "01.23.45.67.89", "+33123456789" },
    { "FR", "vert 0 800 12 34 56", "0 800 12 34 56", "+33800123456" },
    { "FR", "intl +33 (0)6 12 34 56 78", "+33 (0)6 12 34 56 78", "+33612345678" },
    { "NL", "gratis 0800 1234", "0800 1234", "+318001234" },
    { "NL", "mobiel 06-12345678", "06-12345678", "+31612345678" },
    { "NL", "Amsterdam 020 123 4567", "020 123 4567", "+31201234567" },
    { "NL", "intl +31 (0)20 123 4567", "+31 (0)20 123 4567", "+31201234567" },
    { "DE", "Berlin 030 12345678", "030 12345678", "+493012345678" },
    { "DE", "Handy 0151 23456789", "0151 23456789", "+4915123456789" },
    { "DE", "Koeln 0221 1234567", "0221 1234567", "+492211234567" },
    { "DE", "intl +49 (0)30 1234567", "+49 (0)30 1234567", "+49301234567" },
    { "BR", "celular (11) 98765-4321", "(11) 98765-4321", "+5511987654321" },
    { "BR", "fixo (11) 3456-7890", "(11) 3456-7890", "+551134567890" },
    { "BR", "intl +55 11 98765 4321", "+55 11 98765 4321", "+5511987654321" },
};

START_TEST(test_countries_default_list)
{
    const country_case *c = &countries[_i];
    found(DEFAULT_REGIONS, c->text, c->covered, c->e164);
}
END_TEST

START_TEST(test_countries_own_region)
{
    /* each number is also read alone in its own country */
    const country_case *c = &countries[_i];
    found(c->cc, c->text, c->covered, c->e164);
}
END_TEST

START_TEST(test_country_negatives)
{
    /* too short or too long for the plan, unassigned without a trunk
     * prefix, or a national number outside the listed countries */
    not_found("GB", "07700 9001");                  /* 9 digits: no GB number is that short */
    not_found("GB", "0 7 7 0 0 9 0 0 1 2 3");       /* digits spelled out one by one */
    not_found("GB", "020 7946 09581");              /* 12 digits */
    not_found("GB", "7700 900123");                 /* GB writes its trunk 0 */
    not_found("IE", "08712345678901");              /* 13 national digits: IE has at most 10 */
    not_found("US", "(112) 555-0142");              /* area codes start 2-9 */
    not_found("US", "770-8275");                    /* local only: no area code */
    /* versions, products, builds and one-time codes in each language */
    not_found("GB US FR", "The router firmware is 3.59.709.0724");
    not_found("GB US IT", "Product code 212-8165-15 is out of stock.");
    not_found("GB", "Enter the verification code 02352693 to continue.");
    not_found("GB", "build 0484713 passed 139 of 1562 tests");
    not_found("FR GB", "Votre commande n° 0612345678 est en route.");
    not_found("PT BR GB", "o pedido 01310-100 foi cancelado");
    not_found("DE GB", "Bestellung 030 1234567 ist unterwegs");
    /* ... but an area code is no product's */
    found("GB", "my area code is 020 7946 0018", "020 7946 0018", "+442079460018");
    found("US", "call 1.800.555.0199 now", "1.800.555.0199", "+18005550199");
    found("US", "call 415.770.8275 now", "415.770.8275", "+14157708275");
    found("FR", "appelez le 06.12.34.56.78", "06.12.34.56.78", "+33612345678");
    not_found("IT", "1234567890");                  /* no Italian range, no trunk prefix to vouch */
    not_found("ES", "412 345 678");
    not_found("PT", "412 345 678");
    not_found("FR", "06 12 34 56 7");
    not_found("FR", "6 12 34 56 78");               /* France writes its trunk 0 */
    not_found("NL", "06-123456789012");             /* 14 national digits */
    not_found("DE", "30 12345678");                 /* Germany writes its trunk 0 */
    not_found("BR", "(11) 98765-432");
    /* a Spanish mobile is no phone where Spain is not listed */
    not_found("GB IE", "694 214 225");
    /* international numbers: impossible lengths, unknown codes */
    not_found(DEFAULT_REGIONS, "+44 20 7946 09");
    not_found(DEFAULT_REGIONS, "+353 180012345678");
    /* one group too many: the number its start makes, the rest covered */
    found(DEFAULT_REGIONS, "+353 1800 123 45678", "+353 1800 123 45678", "+3531800123");
    not_found(DEFAULT_REGIONS, "+999 1234 5678");
}
END_TEST

START_TEST(test_region_order)
{
    /* valid in both: the first listed country wins; the token follows */
    found("US IT", "339 645 0651", "339 645 0651", "+13396450651");
    found("IT US", "339 645 0651", "339 645 0651", "+393396450651");
    found("ES PT", "912345678", "912345678", "+34912345678");
    found("PT ES", "912345678", "912345678", "+351912345678");
    /* written as the second country writes it: that one ("912 345 678" is
     * grouped the Portuguese way, "91 234 56 78" the Spanish) */
    found("ES PT", "912 345 678", "912 345 678", "+351912345678");
    found("PT ES", "912 34 56 78", "912 34 56 78", "+34912345678");
    found("FR NL", "06-12345678", "06-12345678", "+31612345678");
    found("NL FR", "06 12 34 56 78", "06 12 34 56 78", "+33612345678");
    /* one detector workspace, the same digits grouped two ways: two readings
     * (the per-thread memo keys on the grouping) */
    cv_span_list two = run_list(DEFAULT_REGIONS, "FR 06 12 34 56 78, IT 06 1234 5678, FR 06 12 34 56 78");
    ck_assert_uint_eq(two.n, 3);
    ck_assert_str_eq(two.v[0].norm, "+33612345678");
    ck_assert_str_eq(two.v[1].norm, "+390612345678");
    ck_assert_str_eq(two.v[2].norm, "+33612345678");
    cvi_span_list_free(&two);
    /* the NANP shape reads NANP first whatever the order */
    found("IT US", "(339) 645-0651", "(339) 645-0651", "+13396450651");
    /* valid nowhere but possible with the trunk prefix: the first such */
    found("GB DE", "01632 960123", "01632 960123", "+441632960123");
    /* the same digits, the same token, however written */
    found(DEFAULT_REGIONS, "0161 496 0123", "0161 496 0123", "+441614960123");
    found(DEFAULT_REGIONS, "01614960123", "01614960123", "+441614960123");
}
END_TEST

START_TEST(test_fictional_ranges)
{
    /* libphonenumber calls these invalid; they are replaced all the same,
     * read in their own country */
    found("GB", "drama 07700 900000", "07700 900000", "+447700900000");
    found("GB", "drama 07700 900999", "07700 900999", "+447700900999");
    found(DEFAULT_REGIONS, "drama 07700 900456", "07700 900456", "+447700900456");
    found(DEFAULT_REGIONS, "drama 01632 960001", "01632 960001", "+441632960001");
    found(DEFAULT_REGIONS, "drama 0121 496 0000", "0121 496 0000", "+441214960000");
    found("US", "movie 555-0100 is local only, (212) 555-0199 is not", "(212) 555-0199", "+12125550199");
    found(DEFAULT_REGIONS, "movie 310-555-0123", "310-555-0123", "+13105550123");
    found(DEFAULT_REGIONS, "movie +1 310 555 0123", "+1 310 555 0123", "+13105550123");
    /* unassigned but possible, with the trunk prefix: still a phone */
    found("GB", "unassigned 07000 000000", "07000 000000", "+447000000000");
}
END_TEST

START_TEST(test_glued_and_extensions)
{
    found(DEFAULT_REGIONS, "call07400 123456", "07400 123456", "+447400123456");
    found(DEFAULT_REGIONS, "Tel+447700900123", "+447700900123", "+447700900123");
    found(DEFAULT_REGIONS, "tel:+44 20 7946 0958", "+44 20 7946 0958", "+442079460958");
    found("DE", "Telefon0301234567.", "0301234567", "+49301234567");
    /* letters glued that are no word for a phone make an id */
    not_found(DEFAULT_REGIONS, "INC07400123456");
    not_found(DEFAULT_REGIONS, "AB07700900123");
    not_found(DEFAULT_REGIONS, "07700900123abc");
    /* the extension is covered; the token names the line */
    found(DEFAULT_REGIONS, "+44 2034567890x456", "+44 2034567890x456", "+442034567890");
    found(DEFAULT_REGIONS, "+44 20 3456 7890 ext. 456 please", "+44 20 3456 7890 ext. 456", "+442034567890");
    found(DEFAULT_REGIONS, "020 7946 0958 #456", "020 7946 0958 #456", "+442079460958");
    found(DEFAULT_REGIONS, "(415) 770-8275 extension 12", "(415) 770-8275 extension 12", "+14157708275");
    found(DEFAULT_REGIONS, "+1 415 770 8275 Ext 9", "+1 415 770 8275 Ext 9", "+14157708275");
}
END_TEST

START_TEST(test_trunk_in_brackets)
{
    /* "(0)": dropped where it is a trunk prefix, kept where it is part of
     * the number (Italy) */
    static const char *const in[][2] = {
        { "+44 (0)20 7946 0958", "+442079460958" }, { "+353 (0)1 234 5678", "+35312345678" },
        { "+49 (0)30 1234567", "+49301234567" },    { "+33 (0)1 23 45 67 89", "+33123456789" },
        { "+31 (0)6 12345678", "+31612345678" },    { "+39 (0)2 1234 5678", "+390212345678" },
        { "+39 (0)6 1234 5678", "+390612345678" },  { "+55 (0)11 98765 4321", "+5511987654321" },
        { "+44 020 7946 0958", "+442079460958" },
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        found(DEFAULT_REGIONS, in[i][0], in[i][0], in[i][1]);
        e164("GB", in[i][0], in[i][1]);
    }
    /* a national number with its trunk prefix in brackets is one all the same */
    found(DEFAULT_REGIONS, "(0)20 7946 0958", "(0)20 7946 0958", "+442079460958");
}
END_TEST

START_TEST(test_non_geographic)
{
    /* freephone, shared-cost and premium ranges, each in its country */
    static const char *const in[][3] = {
        { "GB", "0800 123 4567", "+448001234567" }, { "GB", "0845 123 4567", "+448451234567" },
        { "GB", "0909 879 0123", "+449098790123" },
        { "IE", "1800 123 456", "+3531800123456" }, { "IE", "1850 123 456", "+3531850123456" },
        { "IE", "1890 123 456", "+3531890123456" },
        { "US", "1-888-555-0123", "+18885550123" },  { "US", "(800) 555-0199", "+18005550199" },
        { "IT", "800 123 456", "+39800123456" },    { "IT", "899 123 456", "+39899123456" },
        { "ES", "900 123 456", "+34900123456" },    { "ES", "902 123 456", "+34902123456" },
        { "PT", "800 123 456", "+351800123456" },   { "PT", "808 123 456", "+351808123456" },
        { "FR", "0 800 12 34 56", "+33800123456" }, { "FR", "0 892 12 34 56", "+33892123456" },
        { "NL", "0800 1234", "+318001234" },        { "NL", "0900 1234", "+319001234" },
        { "DE", "0800 1234567", "+498001234567" },  { "DE", "0180 6123456", "+491806123456" },
        { "DE", "0900 1 234567", "+499001234567" }, /* one lone digit, as BNetzA's ranges are written */
        { "BR", "0800 123 4567", "+558001234567" },
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        char text[64];
        snprintf(text, sizeof text, "call %s now", in[i][1]);
        found(in[i][0], text, in[i][1], in[i][2]);
    }
}
END_TEST

/* A corpus of numbers that are not phones (CV_SRC/tests/unit/phone_negative.txt):
 * with the default policy's countries, at most 1 % of its lines may change. */
START_TEST(test_negative_corpus)
{
    const char *src = getenv("CV_SRC");
    ck_assert_msg(src != NULL, "CV_SRC must name the source directory");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/unit/phone_negative.txt", src);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    cv_detect_opts o = opts_of(DEFAULT_REGIONS);
    uint8_t en[CV_ENT__COUNT] = { 0 };
    en[CV_ENT_PHONE] = 1;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cvi_detector_set_create(&o, en, &s, &err), 0);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    char line[1024];
    unsigned lines = 0, changed = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        if (n == 0 || line[0] == '#') continue;
        lines++;
        ck_assert_int_eq(cvi_detect(s, ws, line, n, &l), 0);
        if (l.n) {
            changed++;
            fprintf(stderr, "phone_negative.txt: a phone [%u,%u) in: %.*s\n", l.v[0].start, l.v[0].end, (int)n, line);
        }
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(lines, 200);
    ck_assert_msg(changed * 100 <= lines, "%u of %u lines changed (over 1 %%)", changed, lines);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("phone");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_international);
    tcase_add_test(tc, test_gb_equivalences);
    tcase_add_test(tc, test_national_regions);
    tcase_add_test(tc, test_not_phones);
    tcase_add_test(tc, test_runs_and_lists);
    tcase_add_test(tc, test_gates_change_no_span);
    tcase_add_test(tc, test_e164_helpers);
    tcase_add_test(tc, test_bare_international_and_dial_strings);
    suite_add_tcase(s, tc);
    TCase *lp = tcase_create("libphonenumber");
    tcase_add_loop_test(lp, test_countries_default_list, 0, (int)(sizeof countries / sizeof *countries));
    tcase_add_loop_test(lp, test_countries_own_region, 0, (int)(sizeof countries / sizeof *countries));
    tcase_add_test(lp, test_country_negatives);
    tcase_add_test(lp, test_region_order);
    tcase_add_test(lp, test_fictional_ranges);
    tcase_add_test(lp, test_glued_and_extensions);
    tcase_add_test(lp, test_trunk_in_brackets);
    tcase_add_test(lp, test_non_geographic);
    tcase_add_test(lp, test_negative_corpus);
    suite_add_tcase(s, lp);
    return run_suite(s);
}
