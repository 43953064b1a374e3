/*
 * check_br_cnpj.c - Brazilian CNPJ detector (br-cnpj, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 11.222.333/0001-81, the usual worked example of the
 * CNPJ algorithm; 12.ABC.345/01DE-35, the example of the alphanumeric
 * CNPJ in the Receita Federal's description (letters worth ASCII - 48). */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_br_cnpj_valid("11222333000181", 14));
    ck_assert(cvi_natid_br_cnpj_valid("12ABC34501DE35", 14));
    ck_assert(!cvi_natid_br_cnpj_valid("11222333000180", 14));
    ck_assert(!cvi_natid_br_cnpj_valid("12ABC34501DE36", 14));
    ck_assert(!cvi_natid_br_cnpj_valid("00000000000000", 14));
    ck_assert(!cvi_natid_br_cnpj_valid("112223330001AB", 14));   /* check digits are digits */
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_br_cnpj, CV_ENT_NATIONAL_ID, "empresa 11.222.333/0001-81 ativa", "11.222.333/0001-81",
           "11222333000181");
    one_by(CV_DET_br_cnpj, CV_ENT_NATIONAL_ID, "novo 12.ABC.345/01DE-35", "12.ABC.345/01DE-35", "12ABC34501DE35");
    one_by(CV_DET_br_cnpj, CV_ENT_NATIONAL_ID, "CNPJ 11222333000181", "11222333000181", "11222333000181");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "empresa 11.222.333/0001-80");
    none("GB", CV_ENT_NATIONAL_ID, "parcel 11222333000181 delivered");    /* bare, no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "on 12/03/2024-10");
    none("GB", CV_ENT_NATIONAL_ID, "claim 123456/2024-01");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_br_cnpj.txt", CV_ENT_NATIONAL_ID, CV_DET_br_cnpj), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("br_cnpj");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
