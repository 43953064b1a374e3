/*
 * check_phone.c - phone detector and E.164 normaliser: international and
 * national forms for GB IE IT DE FR ES NL US, equivalent spellings, and the
 * numbers that must not be read as phones (orders, amounts, dates, ids).
 */
#include <check.h>
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
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, "447700900123", 12, norm, &n), 1);
    ck_assert_str_eq(norm, "+447700900123");
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, " 12025550143 ", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "+12025550143");
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, "100", 3, norm, &n), 0);   /* an extension */
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, "999999999999", 12, norm, &n), 0);  /* no such code */
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
    ck_assert_int_eq(cv_phone_e164(&o, in, strlen(in), out, sizeof out, &n), 1);
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
    cv_span_list_free(&c);
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
    cv_span_list_free(&f);
    /* ten groups and more: 5 numbers of three groups each */
    cv_span_list g = run("GB", CV_ENT_PHONE, "020 7946 0958 020 7946 0959 020 7946 0960 020 7946 0961 020 7946 0962");
    ck_assert_uint_eq(g.n, 5);
    ck_assert_str_eq(g.v[4].norm, "+442079460962");
    cv_span_list_free(&g);
    cv_span_list l = run("GB", CV_ENT_PHONE, "020 7946 0958 07700 900123");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_uint_eq(l.v[0].start, 0);
    ck_assert_uint_eq(l.v[0].end, 13);
    ck_assert_str_eq(l.v[0].norm, "+442079460958");
    ck_assert_uint_eq(l.v[1].start, 14);
    ck_assert_uint_eq(l.v[1].end, 26);
    ck_assert_str_eq(l.v[1].norm, "+447700900123");
    cv_span_list_free(&l);
    one("GB", CV_ENT_PHONE, "Call 07700 900123 4 times", "07700 900123", "+447700900123");
    one("GB", CV_ENT_PHONE, "(020 7946 0958)", "020 7946 0958", "+442079460958");
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
    ck_assert_int_eq(cv_phone_e164(&o, "hello", 5, out, sizeof out, &n), 0);
    ck_assert_int_eq(cv_phone_e164(&o, "12345", 5, out, sizeof out, &n), 0);
    ck_assert_int_eq(cv_phone_e164(&o, "+44 20 7946 0958", 16, out, 5, &n), 0);   /* no room */
    ck_assert_int_eq(cv_phone_cc_len("+442079460958", 13), 2);
    ck_assert_int_eq(cv_phone_cc_len("+12125550142", 12), 1);
    ck_assert_int_eq(cv_phone_cc_len("+353871234567", 13), 3);
    ck_assert_int_eq(cv_phone_cc_len("+999123", 7), 0);
    ck_assert_int_eq(cv_phone_cc_len("442079460958", 12), 0);

    char norm[CV_NORM_MAX + 1];
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, "(07700) 900-123", 15, norm, &n), 1);
    ck_assert_str_eq(norm, "+447700900123");
    ck_assert_int_eq(cv_normalise(CV_ENT_PHONE, &o, " Not A  Phone ", 14, norm, &n), 0);
    ck_assert_str_eq(norm, "not a phone");
    ck_assert_uint_eq(n, 11);
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
    tcase_add_test(tc, test_e164_helpers);
    tcase_add_test(tc, test_bare_international_and_dial_strings);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
