/*
 * check_email.c - e-mail detectors (written and spoken/obfuscated forms) and normaliser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


static void norm_ok(const char *in, const char *want)
{
    char norm[CV_NORM_MAX + 1];
    size_t n = 0;
    ck_assert_int_eq(cvi_normalise(CV_ENT_EMAIL, NULL, in, strlen(in), norm, &n), 1);
    ck_assert_str_eq(norm, want);
    ck_assert_uint_eq(n, strlen(want));
}

/* Non-ASCII local parts and domains (RFC 6531) are found whole; addresses
 * spelled with a space between characters join to the written address. */
START_TEST(test_international_and_spaced)
{
    one("GB", CV_ENT_EMAIL, "hans.m\xc3\xbcller@example.de", "hans.m\xc3\xbcller@example.de", "hans.m\xc3\xbcller@example.de");
    one("GB", CV_ENT_EMAIL, "mail jos\xc3\xa9@correo.es now", "jos\xc3\xa9@correo.es", "jos\xc3\xa9@correo.es");
    one("GB", CV_ENT_EMAIL, "hans@m\xc3\xbcller.de", "hans@m\xc3\xbcller.de", "hans@m\xc3\xbcller.de");
    /* a curly quote is punctuation, not part of the address */
    one("GB", CV_ENT_EMAIL, "\xe2\x80\x9cjohn@x.com\xe2\x80\x9d", "john@x.com", "john@x.com");
    one("GB", CV_ENT_EMAIL, "j o h n @ g m a i l . c o m", "j o h n @ g m a i l . c o m", "john@gmail.com");
    one("GB", CV_ENT_EMAIL, "it is j o h n . s m i t h @ e x a m p l e . c o . u k thanks",
        "j o h n . s m i t h @ e x a m p l e . c o . u k", "john.smith@example.co.uk");
    none("GB", CV_ENT_EMAIL, "a @ b . c");         /* one character, no known TLD */
    none("GB", CV_ENT_EMAIL, "press @ 1 . 2");
}
END_TEST

START_TEST(test_written)
{
    one("GB", CV_ENT_EMAIL, "mail Jane.Doe+tag@Example.co.uk now", "Jane.Doe+tag@Example.co.uk",
        "jane.doe+tag@example.co.uk");
    one("GB", CV_ENT_EMAIL, "<a.b-c_d@sub.example.org>.", "a.b-c_d@sub.example.org", "a.b-c_d@sub.example.org");
    one("GB", CV_ENT_EMAIL, "end: x@y.io.", "x@y.io", "x@y.io");
    none("GB", CV_ENT_EMAIL, "john..smith@x.com");
    none("GB", CV_ENT_EMAIL, "john.@x.com");
    none("GB", CV_ENT_EMAIL, "hi .john@x.com");
    none("GB", CV_ENT_EMAIL, "a@b");
    none("GB", CV_ENT_EMAIL, "me@localhost today");
    none("GB", CV_ENT_EMAIL, "logo@2x.png");
    none("GB", CV_ENT_EMAIL, "@handle on twitter");
}
END_TEST

START_TEST(test_spoken)
{
    one("GB", CV_ENT_EMAIL, "it is john dot smith at gmail dot com thanks", "john dot smith at gmail dot com",
        "john.smith@gmail.com");
    one("GB", CV_ENT_EMAIL, "john.smith at gmail dot com", "john.smith at gmail dot com", "john.smith@gmail.com");
    one("GB", CV_ENT_EMAIL, "john underscore smith at outlook dot com", "john underscore smith at outlook dot com",
        "john_smith@outlook.com");
    one("GB", CV_ENT_EMAIL, "john [at] gmail [dot] com", "john [at] gmail [dot] com", "john@gmail.com");
    one("GB", CV_ENT_EMAIL, "write to John (at) Gmail (dot) com.", "John (at) Gmail (dot) com", "john@gmail.com");
    one("GB", CV_ENT_EMAIL, "mary at bbc dot co dot uk", "mary at bbc dot co dot uk", "mary@bbc.co.uk");
    one("GB", CV_ENT_EMAIL, "contact me at jo dot bloggs at acme dot ie. Then", "jo dot bloggs at acme dot ie",
        "jo.bloggs@acme.ie");
    none("GB", CV_ENT_EMAIL, "meet me at the office");
    none("GB", CV_ENT_EMAIL, "reach me at gmail dot com");
    none("GB", CV_ENT_EMAIL, "john at gmail dot community");
    none("GB", CV_ENT_EMAIL, "john at home dot local");
    none("GB", CV_ENT_EMAIL, "I'll be at work at five");
}
END_TEST

START_TEST(test_normalise)
{
    norm_ok("  Jane.Doe+tag@Example.co.uk ", "jane.doe+tag@example.co.uk");
    norm_ok("john dot smith at gmail dot com", "john.smith@gmail.com");
    norm_ok("john [at] gmail [dot] com", "john@gmail.com");
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_EMAIL, NULL, " Not An  Address ", 17, norm, &n), 0);
    ck_assert_str_eq(norm, "not an address");
    ck_assert_int_eq(cvi_normalise(CV_ENT_EMAIL, NULL, "a..b@x.com", 10, norm, &n), 0);
    char big[CV_NORM_MAX + 10];
    memset(big, 'a', sizeof big);
    ck_assert_int_eq(cvi_normalise(CV_ENT_EMAIL, NULL, big, sizeof big, norm, &n), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("email");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_written);
    tcase_add_test(tc, test_spoken);
    tcase_add_test(tc, test_normalise);
    tcase_add_test(tc, test_international_and_spaced);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
