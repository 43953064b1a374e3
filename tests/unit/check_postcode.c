/*
 * check_postcode.c - UK postcode detector, normaliser, shape and mask.
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
    cv_span_list_free(&l);
}
END_TEST

START_TEST(test_normalise_shape_mask)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    const cv_entity_type *pc = cvi_entity(CV_ENT_POSTCODE);
    ck_assert_ptr_nonnull(pc->spelled);
    ck_assert_ptr_nonnull(pc->mask);
    ck_assert_int_eq(cv_normalise(CV_ENT_POSTCODE, NULL, " sw1a 1aa ", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "SW1A1AA");
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(cv_normalise(CV_ENT_POSTCODE, NULL, "SW1 A1AA", 8, norm, &n), 0);   /* space misplaced */
    ck_assert_int_eq(pc->spelled("M11AE", 5), 1);
    ck_assert_int_eq(pc->spelled("DN551PT", 7), 1);
    ck_assert_int_eq(pc->spelled("DN551P", 6), 0);
    ck_assert_int_eq(pc->spelled("1N551PT", 7), 0);
    ck_assert_int_eq(pc->spelled("SW1AB1AA", 8), 0);
    cv_buf b = { 0 };
    ck_assert_int_eq(pc->mask("sw1a 1aa", 8, &b), 0);
    ck_assert_str_eq(cv_buf_cstr(&b), "SW1A ***");
    cv_buf_clear(&b);
    ck_assert_int_eq(pc->mask("M11AE", 5, &b), 0);
    ck_assert_str_eq(cv_buf_cstr(&b), "M1 ***");
    cv_buf_clear(&b);
    ck_assert_int_eq(pc->mask("nothing", 7, &b), 0);
    ck_assert_str_eq(cv_buf_cstr(&b), "[postcode]");
    cv_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("postcode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_postcode);
    tcase_add_test(tc, test_next_to_others);
    tcase_add_test(tc, test_normalise_shape_mask);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
