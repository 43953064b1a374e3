/*
 * check_es_dni.c - Spanish DNI / NIE detector (es-dni, entity national_id).
 */
#include "tests/unit/natid_helpers.h"

/* Known answers: 12345678 mod 23 = 14 → "Z" (12345678Z, the example number
 * of the Ministerio del Interior's DNI description); NIE X1234567: X reads
 * 0, 01234567 mod 23 = 19 → "L". */
START_TEST(test_checksum)
{
    ck_assert(cvi_natid_es_dni_valid("12345678Z", 9));
    ck_assert(cvi_natid_es_dni_valid("X1234567L", 9));
    ck_assert(cvi_natid_es_dni_valid("Y1234567X", 9));    /* Y reads 1: 11234567 mod 23 = 10 → X */
    ck_assert(cvi_natid_es_dni_valid("00000000T", 9));
    ck_assert(!cvi_natid_es_dni_valid("12345678A", 9));
    ck_assert(!cvi_natid_es_dni_valid("X1234567A", 9));
    ck_assert(!cvi_natid_es_dni_valid("W1234567L", 9));
}
END_TEST

START_TEST(test_found)
{
    one_by(CV_DET_es_dni, CV_ENT_NATIONAL_ID, "Mi DNI es 12345678Z.", "12345678Z", "12345678Z");
    one_by(CV_DET_es_dni, CV_ENT_NATIONAL_ID, "DNI 12.345.678-Z gracias", "12.345.678-Z", "12345678Z");
    one_by(CV_DET_es_dni, CV_ENT_NATIONAL_ID, "NIE X-1234567-L", "X-1234567-L", "X1234567L");
    one_by(CV_DET_es_dni, CV_ENT_NATIONAL_ID, "nie x1234567l", "x1234567l", "X1234567L");
    one_by(CV_DET_es_dni, CV_ENT_NATIONAL_ID, "12345678 Z", "12345678 Z", "12345678Z");
}
END_TEST

START_TEST(test_refused)
{
    none("GB", CV_ENT_NATIONAL_ID, "DNI 12345678A");                    /* wrong letter */
    none("GB", CV_ENT_NATIONAL_ID, "room 12345678z");                   /* lower case, no keyword */
    none("GB", CV_ENT_NATIONAL_ID, "pedido 12345678Z enviado");          /* an order */
    none("GB", CV_ENT_NATIONAL_ID, "12345678ZZ");
    none("GB", CV_ENT_NATIONAL_ID, "ES91 2100 0418 4502 0005 1332");    /* an IBAN */
    none("GB", CV_ENT_NATIONAL_ID, "llámame al 612 345 678");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_es_dni.txt", CV_ENT_NATIONAL_ID, CV_DET_es_dni), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("es_dni");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_found);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
