/*
 * check_br_cpf.c - Brazilian CPF detector (br-cpf, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 123.456.789-09 (sums 210 and 255: check digits 0 and 9)
 * and 529.982.247-25, the usual worked examples of the CPF algorithm. */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_br_cpf_valid("12345678909", 11));
    ck_assert(cvi_natid_br_cpf_valid("52998224725", 11));
    ck_assert(!cvi_natid_br_cpf_valid("12345678900", 11));
    ck_assert(!cvi_natid_br_cpf_valid("11111111111", 11));   /* one digit: passes the sums, no CPF */
    ck_assert(!cvi_natid_br_cpf_valid("1234567890", 10));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_br_cpf, CV_ENT_NATIONAL_ID, "documento 123.456.789-09 ok", "123.456.789-09", "12345678909");
    one_by(CV_DET_br_cpf, CV_ENT_NATIONAL_ID, "segue 529982247-25", "529982247-25", "52998224725");
    one_by(CV_DET_br_cpf, CV_ENT_NATIONAL_ID, "meu CPF: 52998224725", "52998224725", "52998224725");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "documento 123.456.789-00");           /* wrong check digits */
    none("GB", CV_ENT_NATIONAL_ID, "pedido 52998224725 enviado");         /* bare, no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "111.111.111-11");
    none("GB", CV_ENT_NATIONAL_ID, "ligue +55 11 98765-4321");
    none("GB", CV_ENT_NATIONAL_ID, "v123.456.789-09");
    none("GB", CV_ENT_NATIONAL_ID, "R$ 1.234.567,89");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_br_cpf.txt", CV_ENT_NATIONAL_ID, CV_DET_br_cpf), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("br_cpf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
