/*
 * check_national_id.c - the entity national_id as a whole: the field
 * normaliser (any scheme's checksum), the scheme of each span, and the
 * negative corpus (ordinary contact-centre text with numbers) through the
 * new detectors and the NINO and SSN ones.
 */
#include "tests/unit/natid_helpers.h"

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_NATIONAL_ID, NULL, "123.456.789-09", 14, norm, &n), 1);
    ck_assert_str_eq(norm, "12345678909");
    ck_assert_int_eq(cvi_normalise(CV_ENT_NATIONAL_ID, NULL, " x-1234567-l", 12, norm, &n), 1);
    ck_assert_str_eq(norm, "X1234567L");
    ck_assert_int_eq(cvi_normalise(CV_ENT_NATIONAL_ID, NULL, "1 84 12 76 451 089 46", 21, norm, &n), 1);
    ck_assert_str_eq(norm, "184127645108946");
    /* equal numbers, equal tokens: the field's form is the text's */
    cv_span_list l = run("GB", CV_ENT_NATIONAL_ID, "CPF 123.456.789-09");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(l.v[0].norm, "12345678909");
    cvi_span_list_free(&l);
    /* not any scheme's: the generic form, and 0 */
    ck_assert_int_eq(cvi_normalise(CV_ENT_NATIONAL_ID, NULL, "12345678A", 9, norm, &n), 0);
    ck_assert_str_eq(norm, "12345678a");
}
END_TEST

/* Each scheme's span names its detector (the manifest counts by it). */
START_TEST(test_scheme)
{
    static const struct { const char *text; int det; } c[] = {
        { "PPS 1234567T", CV_DET_ie_ppsn }, { "DNI 12345678Z", CV_DET_es_dni },
        { "BSN 123456782", CV_DET_nl_bsn }, { "CPF 123.456.789-09", CV_DET_br_cpf },
        { "CNPJ 11.222.333/0001-81", CV_DET_br_cnpj }, { "NIR 1 84 12 76 451 089 46", CV_DET_fr_nir },
        { "CF RSSMRA80A01H501U", CV_DET_it_cf }, { "Steuer-ID 86095742719", CV_DET_de_stid },
        { "NIF 123456789", CV_DET_pt_nif },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cv_span_list l = run("GB", -1, c[i].text);
        ck_assert_msg(l.n == 1, "%s", c[i].text);
        ck_assert_int_eq(l.v[0].entity, CV_ENT_NATIONAL_ID);
        ck_assert_int_eq(l.v[0].detector, c[i].det);
        cvi_span_list_free(&l);
    }
}
END_TEST

/* At most 1 % of ordinary lines with numbers change. */
START_TEST(test_negative_corpus)
{
    static const int ents[] = { CV_ENT_NATIONAL_ID, CV_ENT_ACCOUNT, CV_ENT_NINO, CV_ENT_SSN, -1 };
    unsigned lines = 0, changed = negative_changed(ents, &lines);
    printf("negative corpus: %u of %u lines changed\n", changed, lines);
    ck_assert_uint_ge(lines, 200);
    ck_assert_uint_le(changed * 100, lines);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("national_id");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_scheme);
    tcase_add_test(tc, test_negative_corpus);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
