/*
 * check_account.c - account-type numbers by context (account, entity
 * account): the owner words of every language, the whole code as the
 * span, and what stays (orders, tickets, amounts, codes, readings).
 */
#include "tests/unit/natid_helpers.h"

#define ACC(text, covered, norm) one_by(CV_DET_account, CV_ENT_ACCOUNT, text, covered, norm)

START_TEST(test_languages)
{
    ACC("account 7604894019", "7604894019", "7604894019");
    ACC("my account no. is 12345678.", "12345678", "12345678");
    ACC("acct #55667788", "55667788", "55667788");
    ACC("customer ref BW8982281", "BW8982281", "bw8982281");
    ACC("customer ref BW 8982281 please", "BW 8982281", "bw8982281");
    ACC("policy number: PX-445566", "PX-445566", "px445566");
    ACC("membership no 9988776", "9988776", "9988776");
    ACC("Kundennummer 4458 9866 3255", "4458 9866 3255", "445898663255");
    ACC("Kunden-Nr.: 998877", "998877", "998877");
    ACC("Vertragsnummer lautet 77-1234-99", "77-1234-99", "77123499");
    ACC("numéro de client : 12345678", "12345678", "12345678");
    ACC("N° de contrat 123456", "123456", "123456");
    ACC("numéro de police 7788990", "7788990", "7788990");
    ACC("numero cliente 33445566", "33445566", "33445566");
    ACC("codice cliente AB12345", "AB12345", "ab12345");
    ACC("número de cliente 554433", "554433", "554433");
    ACC("NÚMERO DE PÓLIZA 99887766", "99887766", "99887766");
    ACC("klantnummer 1234567", "1234567", "1234567");
    ACC("número de conta 12345-6", "12345-6", "123456");
    ACC("customer CUST-123456 called", "CUST-123456", "cust123456");
}
END_TEST

START_TEST(test_stays)
{
    none("GB", CV_ENT_ACCOUNT, "order 12345678 has shipped");
    none("GB", CV_ENT_ACCOUNT, "customer order 12345678");
    none("GB", CV_ENT_ACCOUNT, "ticket 998877, tracking 1Z999AA10123456784");
    none("GB", CV_ENT_ACCOUNT, "invoice 2024-001234 and booking 556677");
    none("GB", CV_ENT_ACCOUNT, "account balance 1234.56");
    none("GB", CV_ENT_ACCOUNT, "account 123.45 credited");
    none("GB", CV_ENT_ACCOUNT, "contract 12.03.2024");
    none("GB", CV_ENT_ACCOUNT, "contract 2024-03-12");
    none("GB", CV_ENT_ACCOUNT, "policy 2024");
    none("GB", CV_ENT_ACCOUNT, "customer service 0800 123 4567");
    none("GB", CV_ENT_ACCOUNT, "member since 2015");
    none("GB", CV_ENT_ACCOUNT, "your verification code is 123456");
    none("GB", CV_ENT_ACCOUNT, "meter reading 123456 kWh");
    none("GB", CV_ENT_ACCOUNT, "la police 17 est venue");            /* the French police, not a policy */
    none("GB", CV_ENT_ACCOUNT, "account ending 1234");
    none("GB", CV_ENT_ACCOUNT, "account12345678");
}
END_TEST

/* A number after "account" that phone.c refuses as a phone is found here
 * whole: no part of it in clear. */
START_TEST(test_after_account_not_phone)
{
    ACC("account 07700 900123", "07700 900123", "07700900123");
    cv_span_list l = run("GB", -1, "my account number is 07700 900123, thanks");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_ACCOUNT);
    cvi_span_list_free(&l);
    /* a card or an IBAN in that place is that */
    l = run("GB", -1, "account 4111 1111 1111 1111");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_CARD);
    cvi_span_list_free(&l);
    l = run("GB", -1, "account GB82WEST12345698765432");
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(l.v[0].entity, CV_ENT_IBAN);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_ACCOUNT, NULL, " 4458-9866-3255 ", 16, norm, &n), 1);
    ck_assert_str_eq(norm, "445898663255");
    ck_assert_int_eq(cvi_normalise(CV_ENT_ACCOUNT, NULL, "BW8982281", 9, norm, &n), 1);
    ck_assert_str_eq(norm, "bw8982281");
    /* a CDR accountcode naming a tenant keeps the generic form (and token) */
    ck_assert_int_eq(cvi_normalise(CV_ENT_ACCOUNT, NULL, "acme-uk", 7, norm, &n), 0);
    ck_assert_str_eq(norm, "acme-uk");
}
END_TEST

START_TEST(test_recall)
{
    ck_assert_uint_ge(recall_permille("recall_account.txt", CV_ENT_ACCOUNT, CV_DET_account), 950);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("account");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_languages);
    tcase_add_test(tc, test_stays);
    tcase_add_test(tc, test_after_account_not_phone);
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_recall);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
