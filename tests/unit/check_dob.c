/*
 * check_dob.c - date-of-birth detector (keyword context, forms, calendar) and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


START_TEST(test_dob_forms)
{
    one("GB", CV_ENT_DOB, "Date of birth: 12 March 1980", "12 March 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "DOB March 12, 1980.", "March 12, 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "born on the 12th of March 1980", "12th of March 1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "D.O.B. 12/03/1980", "12/03/1980", "1980-03-12");
    one("US", CV_ENT_DOB, "D.O.B. 03/12/1980", "03/12/1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "birthday 12-03-1980", "12-03-1980", "1980-03-12");
    one("GB", CV_ENT_DOB, "dob: 1980-03-12", "1980-03-12", "1980-03-12");
    one("GB", CV_ENT_DOB, "born 12/3/80", "12/3/80", "1980-03-12");
    one("DE", CV_ENT_DOB, "geboren am 3. M\xc3\xa4rz 1975", "3. M\xc3\xa4rz 1975", "1975-03-03");
    one("DE", CV_ENT_DOB, "Geburtsdatum 01.02.1980", "01.02.1980", "1980-02-01");
    one("FR", CV_ENT_DOB, "n\xc3\xa9" "e le 14 juillet 1985", "14 juillet 1985", "1985-07-14");
    one("IT", CV_ENT_DOB, "nato il 02/05/1990", "02/05/1990", "1990-05-02");
    one("ES", CV_ENT_DOB, "fecha de nacimiento 5 de mayo de 1970", "5 de mayo de 1970", "1970-05-05");
    one("NL", CV_ENT_DOB, "geboortedatum 29 februari 2000", "29 februari 2000", "2000-02-29");
}
END_TEST

/* Month abbreviations and names of every language served, two-digit
 * years, and the birth cues of each language. */
START_TEST(test_dob_languages)
{
    one("GB", CV_ENT_DOB, "DOB 22-nov-1972", "22-nov-1972", "1972-11-22");
    one("GB", CV_ENT_DOB, "born on the 3rd of May 1985", "3rd of May 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "DOB 3 May 85", "3 May 85", "1985-05-03");
    one("GB", CV_ENT_DOB, "born March 12, 80", "March 12, 80", "1980-03-12");
    one("GB", CV_ENT_DOB, "geboren am 3. Mai 1985", "3. Mai 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "né le 3 mai 1985", "3 mai 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "fecha de nacimiento: 3 de mayo de 1985", "3 de mayo de 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "nato il 3 maggio 1985", "3 maggio 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "geboortedatum 3 mei 1985", "3 mei 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "data de nascimento 3 de maio de 1985", "3 de maio de 1985", "1985-05-03");
    one("GB", CV_ENT_DOB, "nascida em 12 de outubro de 1990", "12 de outubro de 1990", "1990-10-12");
    one("GB", CV_ENT_DOB, "geb. 01.02.1960", "01.02.1960", "1960-02-01");
    one("GB", CV_ENT_DOB, "data de nascimento: 7 março 1979", "7 março 1979", "1979-03-07");
}
END_TEST

START_TEST(test_not_dob)
{
    none("GB", CV_ENT_DOB, "Your appointment is on 12/03/2025");
    none("GB", CV_ENT_DOB, "DOB 31/02/1980");                 /* no such day */
    none("GB", CV_ENT_DOB, "born 29 February 1981");
    none("GB", CV_ENT_DOB, "born 12 Foo 1980");
    none("GB", CV_ENT_DOB, "order placed 22-nov-2023");        /* no birth keyword */
    none("GB", CV_ENT_DOB, "the 3 May 1985 meeting");
    none("GB", CV_ENT_DOB, "adobe 12/03/1980");
    none("GB", CV_ENT_DOB, "born 12/03/1980/5");
    none("GB", CV_ENT_DOB, "I was born in a small town near the sea, far away. 12/03/2025");
}
END_TEST

START_TEST(test_normalise)
{
    cv_detect_opts us;
    memset(&us, 0, sizeof us);
    memcpy(us.region, "US", 2);
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_DOB, NULL, "12 March 1980", 13, norm, &n), 1);
    ck_assert_str_eq(norm, "1980-03-12");
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(cvi_normalise(CV_ENT_DOB, &us, "03/12/1980", 10, norm, &n), 1);
    ck_assert_str_eq(norm, "1980-03-12");
    ck_assert_int_eq(cvi_normalise(CV_ENT_DOB, NULL, "31/02/1980", 10, norm, &n), 0);
    ck_assert_str_eq(norm, "31/02/1980");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dob");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_dob_forms);
    tcase_add_test(tc, test_not_dob);
    tcase_add_test(tc, test_dob_languages);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
