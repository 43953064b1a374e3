/*
 * check_postcode.c - postcodes: the UK detector, the other locales'
 * scanner (forms, valid ranges, context), normaliser, shape and masks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"

START_TEST(test_postcode)
{
    /* each outward form: A9, A99, AA9, AA99, A9A, AA9A */
    one("GB", CV_ENT_POSTCODE, "I live at M1 1AE now", "M1 1AE", "M11AE");
    one("GB", CV_ENT_POSTCODE, "post code B33 8TH.", "B33 8TH", "B338TH");
    one("GB", CV_ENT_POSTCODE, "(CR2 6XH)", "CR2 6XH", "CR26XH");
    one("GB", CV_ENT_POSTCODE, "DN55 1PT, England", "DN55 1PT", "DN551PT");
    one("GB", CV_ENT_POSTCODE, "W1A 0AX", "W1A 0AX", "W1A0AX");
    one("GB", CV_ENT_POSTCODE, "it's SW1A 1AA", "SW1A 1AA", "SW1A1AA");
    /* lower case, no space; any region */
    one("GB", CV_ENT_POSTCODE, "ec1a1bb please", "ec1a1bb", "EC1A1BB");
    one("US", CV_ENT_POSTCODE, "ship to EH1 2NG", "EH1 2NG", "EH12NG");
    /* letters no position allows, wrong shapes, glued to other text */
    none("GB", CV_ENT_POSTCODE, "QA1 1AA");        /* Q never first */
    none("GB", CV_ENT_POSTCODE, "AI1 1AA");        /* I never second */
    none("GB", CV_ENT_POSTCODE, "M1 1CA");         /* C never inward */
    none("GB", CV_ENT_POSTCODE, "W1I 0AX");        /* I no district letter after one area letter */
    none("GB", CV_ENT_POSTCODE, "EC1C 1BB");       /* C no district letter after two */
    none("GB", CV_ENT_POSTCODE, "SW1A  1AA");      /* two spaces */
    none("GB", CV_ENT_POSTCODE, "XSW1A 1AA");
    none("GB", CV_ENT_POSTCODE, "SW1A 1AAB");
    none("GB", CV_ENT_POSTCODE, "order 12 3AB");   /* no area letter */
    none("GB", CV_ENT_POSTCODE, "room 4B, floor 2");
    none("GB", CV_ENT_POSTCODE, "GB82 WEST 1234 5698 7654 32");   /* an IBAN's groups */
}
END_TEST

START_TEST(test_next_to_others)
{
    /* with every detector: the postcode and the phone number both found */
    cv_span_list l = run("GB", -1, "SW1A 1AA, call 07700 900123");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_POSTCODE);
    ck_assert_str_eq(l.v[0].norm, "SW1A1AA");
    ck_assert_int_eq(l.v[1].entity, CV_ENT_PHONE);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_normalise_shape_mask)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    const cv_entity_type *pc = cvi_entity(CV_ENT_POSTCODE);
    ck_assert_ptr_nonnull(pc->spelled);
    ck_assert_ptr_nonnull(pc->mask);
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, " sw1a 1aa ", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "SW1A1AA");
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, "SW1 A1AA", 8, norm, &n), 0);   /* space misplaced */
    ck_assert_int_eq(pc->spelled("M11AE", 5), 1);
    ck_assert_int_eq(pc->spelled("DN551PT", 7), 1);
    ck_assert_int_eq(pc->spelled("DN551P", 6), 0);
    ck_assert_int_eq(pc->spelled("1N551PT", 7), 0);
    ck_assert_int_eq(pc->spelled("SW1AB1AA", 8), 0);
    cv_buf b = { 0 };
    ck_assert_int_eq(pc->mask("sw1a 1aa", 8, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "SW1A ***");
    cv_buf_clear(&b);
    ck_assert_int_eq(pc->mask("M11AE", 5, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "M1 ***");
    cv_buf_clear(&b);
    ck_assert_int_eq(pc->mask("nothing", 7, &b), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "[postcode]");
    cvi_buf_free(&b);
}
END_TEST

START_TEST(test_intl_forms)
{
    /* with the postcode detectors only: exact spans, normal forms */
    one("GB", CV_ENT_POSTCODE, "my zip is 94105", "94105", "94105");
    one("GB", CV_ENT_POSTCODE, "zip code: 30301-1234", "30301-1234", "30301-1234");
    one("GB", CV_ENT_POSTCODE, "Springfield, IL 62704", "62704", "62704");
    one("GB", CV_ENT_POSTCODE, "Eircode is D02 X285", "D02 X285", "D02X285");
    one("GB", CV_ENT_POSTCODE, "eircode a94f4e2 thanks", "a94f4e2", "A94F4E2");
    one("GB", CV_ENT_POSTCODE, "Dublin 6W, D6W Y2K0", "D6W Y2K0", "D6WY2K0");
    one("GB", CV_ENT_POSTCODE, "it's D02 XKPW", "D02 XKPW", "D02XKPW");   /* letters only after the key */
    one("GB", CV_ENT_POSTCODE, "PLZ 10115", "10115", "10115");
    one("GB", CV_ENT_POSTCODE, "meine Postleitzahl lautet 22767", "22767", "22767");
    one("GB", CV_ENT_POSTCODE, "wohne in 10115 Berlin", "10115", "10115");
    one("GB", CV_ENT_POSTCODE, "code postal : 75002", "75002", "75002");
    one("GB", CV_ENT_POSTCODE, "..., 20000 Ajaccio", "20000", "20000");
    one("GB", CV_ENT_POSTCODE, "il CAP è 00184", "00184", "00184");
    one("GB", CV_ENT_POSTCODE, "el código postal es 28013", "28013", "28013");
    one("GB", CV_ENT_POSTCODE, "C.P. 46002", "46002", "46002");
    one("GB", CV_ENT_POSTCODE, "mijn postcode is 1012 AB", "1012 AB", "1012AB");
    one("GB", CV_ENT_POSTCODE, "postcode 3511LX", "3511LX", "3511LX");
    one("GB", CV_ENT_POSTCODE, "código postal 1100-148", "1100-148", "1100-148");
    one("GB", CV_ENT_POSTCODE, "meu CEP é 01310-100", "01310-100", "01310-100");
    one("GB", CV_ENT_POSTCODE, "Rua X, 10, 4050-011 Porto", "4050-011", "4050-011");
}
END_TEST

START_TEST(test_intl_ranges)
{
    /* the keyword names the country, and the country's ranges apply */
    none("GB", CV_ENT_POSTCODE, "el código postal es 53001");   /* ES provinces end at 52 */
    none("GB", CV_ENT_POSTCODE, "code postal 96000");            /* no French department 96 */
    none("GB", CV_ENT_POSTCODE, "CAP 98200");                    /* IT ends at 98168 */
    none("GB", CV_ENT_POSTCODE, "PLZ 05123");                    /* Leitregion 05 is unused */
    none("GB", CV_ENT_POSTCODE, "zip 00400");                    /* US starts at 00501 */
    none("GB", CV_ENT_POSTCODE, "zip 99951");
    one("GB", CV_ENT_POSTCODE, "PLZ 01067", "01067", "01067");
    one("GB", CV_ENT_POSTCODE, "code postal 97110", "97110", "97110");   /* overseas */
    one("GB", CV_ENT_POSTCODE, "CAP 98168", "98168", "98168");
    /* Eircode: the routing key must be one of An Post's, the identifier from its letters */
    none("GB", CV_ENT_POSTCODE, "code D19 X285");    /* no routing key D19 */
    none("GB", CV_ENT_POSTCODE, "code D02 X2B5");    /* B is no identifier letter */
    none("GB", CV_ENT_POSTCODE, "code D02 2024");    /* digits only: needs context */
    one("GB", CV_ENT_POSTCODE, "eircode D02 2024", "D02 2024", "D022024");
    /* NL: never SA, SD, SS; mixed case is a word */
    none("GB", CV_ENT_POSTCODE, "postcode 1012 SS");
    none("GB", CV_ENT_POSTCODE, "postcode 1012 Ab");
    none("GB", CV_ENT_POSTCODE, "postcode 0123 AB");
}
END_TEST

START_TEST(test_intl_no_context)
{
    /* amounts, years, order and ticket numbers, times, product codes */
    static const char *const texts[] = {
        "my order 12345 hasn't arrived",
        "I paid 12345 Euro in 2023",
        "ticket 44120 closed",
        "I have 60000 points",
        "Ich habe 12000 Punkte gesammelt",
        "Kundennummer 10115 bitte",
        "la référence 20150 est en rupture",
        "el pedido 28013 no ha llegado",
        "o pedido 01310-100 foi cancelado",
        "o processo 12345-678 está em análise",
        "o código do produto 1100-053 esgotou",
        "version 1012 AB test",
        "12345 in total",
        "call 07700 900123",
        "at 14:30 on 12/03/2025",
        "the price is 12345.67",
        "between 10000 and 20000",
        "10000 Jahren",
        "ref 1234-567",
        "in 2024 Mai",
        NULL,
    };
    for (size_t i = 0; texts[i]; i++) none("GB", CV_ENT_POSTCODE, texts[i]);
}
END_TEST

START_TEST(test_intl_masks)
{
    static const char *const cases[][2] = {
        { "75002", "75***" },           { "10115", "10***" },          { "94105", "94***" },
        { "30301-1234", "303**-****" }, { "01310-100", "013**-***" },  { "1100-148", "11**-***" },
        { "1012 AB", "10** **" },       { "1012ab", "10** **" },       { "D02 X285", "D02 ****" },
        { "d6wy2k0", "D6W ****" },      { "SW1A 1AA", "SW1A ***" },    { "12345-67", "[postcode]" },
        { "D19 X285", "[postcode]" },   { "1012 SS", "[postcode]" },   { "00001", "[postcode]" },
    };
    const cv_entity_type *pc = cvi_entity(CV_ENT_POSTCODE);
    cv_buf b = { 0 };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cv_buf_clear(&b);
        ck_assert_int_eq(pc->mask(cases[i][0], strlen(cases[i][0]), &b), 0);
        ck_assert_msg(strcmp(cvi_buf_cstr(&b), cases[i][1]) == 0, "mask(%s) = %s, want %s", cases[i][0], cvi_buf_cstr(&b),
                      cases[i][1]);
    }
    cvi_buf_free(&b);
    /* given as a field: every form normalises */
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, " 1012 ab ", 9, norm, &n), 1);
    ck_assert_str_eq(norm, "1012AB");
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, "d02 x285", 8, norm, &n), 1);
    ck_assert_str_eq(norm, "D02X285");
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, "30301-1234", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "30301-1234");
    ck_assert_int_eq(cvi_normalise(CV_ENT_POSTCODE, NULL, "3030-11234", 10, norm, &n), 0);
}
END_TEST

START_TEST(test_intl_with_address)
{
    /* with every detector: a postcode after a street line goes with the address */
    cv_span_list l = run("GB", -1, "12 rue de la Paix, 75002 Paris");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_ADDRESS);
    ck_assert_uint_eq(l.v[0].end, 30);
    cvi_span_list_free(&l);
    /* without the address detector, the street line is the postcode's context */
    one("GB", CV_ENT_POSTCODE, "Kerkstraat 12, 1017 GC", "1017 GC", "1017GC");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("postcode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_postcode);
    tcase_add_test(tc, test_next_to_others);
    tcase_add_test(tc, test_normalise_shape_mask);
    tcase_add_test(tc, test_intl_forms);
    tcase_add_test(tc, test_intl_ranges);
    tcase_add_test(tc, test_intl_no_context);
    tcase_add_test(tc, test_intl_masks);
    tcase_add_test(tc, test_intl_with_address);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
