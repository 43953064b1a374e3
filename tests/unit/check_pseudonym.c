/*
 * check_pseudonym.c - known-answer tests for the token contract (DESIGN §6).
 * Expected values were computed independently with Python's hashlib.blake2b
 * (key = bytes 0..31, tenant "acme"), so the contract cannot drift.
 */
#include <check.h>
#include <stdlib.h>

#include <sodium.h>

#include "pipeline/pseudonym.h"
#include "filters/filters.h"

static cv_key *test_key(void)
{
    cv_key *k = calloc(1, sizeof *k);
    k->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) k->k[i] = (unsigned char)i;
    return k;
}

static void tok(const cvi_tenant_key *t, const char *domain, const char *v, char out[17])
{
    cvi_token(t, domain, strlen(domain), v, strlen(v), out);
}

START_TEST(test_known_answers)
{
    cv_key *k = test_key();
    cvi_tenant_key t = { 0 };
    ck_assert_int_eq(cvi_tenant_key_derive(k, "acme", 0, &t), 0);
    char out[17];
    tok(&t, "phone", "+447700900123", out);
    ck_assert_str_eq(out, "899v1wcpp79y1wf2");
    tok(&t, "email", "jane.doe@example.co.uk", out);
    ck_assert_str_eq(out, "y12hkpe37k4anxnf");
    tok(&t, "person", "jane doe", out);
    ck_assert_str_eq(out, "e1s026vscsvteqyz");
    char id[17];
    cvi_key_id(k, id);
    ck_assert_str_eq(id, "751d3d7c9848a856");
    cvi_tenant_key_free(&t);
    cv_key_free(k);
}
END_TEST

START_TEST(test_domains_tenants_epochs_separate)
{
    cv_key *k = test_key();
    cvi_tenant_key a = { 0 }, b = { 0 }, e1 = { 0 };
    ck_assert_int_eq(cvi_tenant_key_derive(k, "acme", 0, &a), 0);
    ck_assert_int_eq(cvi_tenant_key_derive(k, "globex", 0, &b), 0);
    ck_assert_int_eq(cvi_tenant_key_derive(k, "acme", 1, &e1), 0);
    char x[17], y[17], z[17], w[17];
    tok(&a, "phone", "+447700900123", x);
    tok(&b, "phone", "+447700900123", y);
    tok(&e1, "phone", "+447700900123", z);
    tok(&a, "account", "+447700900123", w);
    ck_assert_str_ne(x, y);
    ck_assert_str_ne(x, z);
    ck_assert_str_ne(x, w);
    /* the 0x00 separator: ("ab","c") and ("a","bc") differ */
    tok(&a, "ab", "c", x);
    tok(&a, "a", "bc", y);
    ck_assert_str_ne(x, y);
    cvi_tenant_key_free(&a);
    cvi_tenant_key_free(&b);
    cvi_tenant_key_free(&e1);
    cv_key_free(k);
}
END_TEST

START_TEST(test_precomputed_domain_state)
{
    cv_key *k = test_key();
    cvi_tenant_key t = { 0 };
    ck_assert_int_eq(cvi_tenant_key_derive(k, "acme", 0, &t), 0);
    crypto_generichash_state pre;
    cvi_token_domain_init(&t, "phone", 5, &pre);
    char a[17], b[17];
    cvi_token_from(&pre, "+447700900123", 13, a);
    ck_assert_str_eq(a, "899v1wcpp79y1wf2");
    /* the state is reusable, and long values (several blocks) agree too */
    char longv[1000];
    memset(longv, 'x', sizeof longv);
    cvi_token_from(&pre, longv, sizeof longv, a);
    cvi_token(&t, "phone", 5, longv, sizeof longv, b);
    ck_assert_str_eq(a, b);
    cvi_tenant_key_free(&t);
    cv_key_free(k);
}
END_TEST

START_TEST(test_base32)
{
    unsigned char zero[10] = { 0 }, ones[10], seq[10] = { 0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf };
    memset(ones, 0xff, sizeof ones);
    char out[17];
    cvi_base32_80(zero, out);
    ck_assert_str_eq(out, "0000000000000000");
    cvi_base32_80(ones, out);
    ck_assert_str_eq(out, "zzzzzzzzzzzzzzzz");
    /* 5-bit groups 0,1,2,...,15 */
    cvi_base32_80(seq, out);
    ck_assert_str_eq(out, "0123456789abcdef");
}
END_TEST

START_TEST(test_render)
{
    const char tokv[17] = "899v1wcpp79y1wf2";
    cv_buf b = { 0 };
    ck_assert_int_eq(cvi_render_token(&b, "phone", tokv, "+447700900123", 13, 0), 0);
    ck_assert_str_eq(cvi_buf_cstr(&b), "phone:899v1wcpp79y1wf2");
    cv_buf_clear(&b);
    cvi_render_token(&b, "phone", tokv, "+447700900123", 13, CVI_R_TEXT | CVI_R_KEEP_CC);
    ck_assert_str_eq(cvi_buf_cstr(&b), "[phone:+44:899v1wcpp79y1wf2]");
    cv_buf_clear(&b);
    cvi_render_token(&b, "phone", tokv, "+12125550142", 12, CVI_R_KEEP_CC);
    ck_assert_str_eq(cvi_buf_cstr(&b), "phone:+1:899v1wcpp79y1wf2");
    cv_buf_clear(&b);
    cvi_render_token(&b, "email", tokv, "jane@example.com", 16, CVI_R_KEEP_DOMAIN);
    ck_assert_str_eq(cvi_buf_cstr(&b), "email:899v1wcpp79y1wf2@example.com");
    cvi_buf_free(&b);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0) return 1;
    Suite *s = suite_create("pseudonym");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_known_answers);
    tcase_add_test(tc, test_domains_tenants_epochs_separate);
    tcase_add_test(tc, test_base32);
    tcase_add_test(tc, test_precomputed_domain_state);
    tcase_add_test(tc, test_render);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
