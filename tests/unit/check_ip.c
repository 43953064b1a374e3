/*
 * check_ip.c - IPv4/IPv6 detectors and canonical normalisation (inet_ntop).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/detect_helpers.h"


START_TEST(test_ipv4)
{
    one("GB", CV_ENT_IP, "from 192.168.100.200, then", "192.168.100.200", "192.168.100.200");
    one("GB", CV_ENT_IP, "host 10.0.0.1.", "10.0.0.1", "10.0.0.1");
    none("GB", CV_ENT_IP, "1.2.3.4.5");
    none("GB", CV_ENT_IP, "see 1.2.3.4.5 now");
    none("GB", CV_ENT_IP, "01.2.3.4");
    none("GB", CV_ENT_IP, "256.1.1.1");
    none("GB", CV_ENT_IP, "version 1.2.3.4");
    none("GB", CV_ENT_IP, "v1.2.3.4");
    none("GB", CV_ENT_IP, "1.2.3");
}
END_TEST

START_TEST(test_ipv6)
{
    one("GB", CV_ENT_IP, "addr 2001:DB8::1 ok", "2001:DB8::1", "2001:db8::1");
    one("GB", CV_ENT_IP, "2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "2001:db8::ff00:42:8329");
    one("GB", CV_ENT_IP, "mapped ::ffff:192.0.2.1", "::ffff:192.0.2.1", "::ffff:192.0.2.1");
    one("GB", CV_ENT_IP, "[fe80::1]:443", "fe80::1", "fe80::1");
    none("GB", CV_ENT_IP, "at 10:30:45");
    none("GB", CV_ENT_IP, "mac 00:1a:2b:3c:4d:5e");
    none("GB", CV_ENT_IP, "std::vector a::b");
    none("GB", CV_ENT_IP, "1:2:3:4:5:6:7:8:9");
}
END_TEST

START_TEST(test_normalise)
{
    char norm[CV_NORM_MAX + 1];
    size_t n;
    ck_assert_int_eq(cvi_normalise(CV_ENT_IP, NULL, " 2001:DB8:0:0:0:0:0:1 ", 22, norm, &n), 1);
    ck_assert_str_eq(norm, "2001:db8::1");
    ck_assert_uint_eq(n, 11);
    ck_assert_int_eq(cvi_normalise(CV_ENT_IP, NULL, "[::1]", 5, norm, &n), 1);
    ck_assert_str_eq(norm, "::1");
    ck_assert_int_eq(cvi_normalise(CV_ENT_IP, NULL, "10.0.0.1", 8, norm, &n), 1);
    ck_assert_str_eq(norm, "10.0.0.1");
    ck_assert_int_eq(cvi_normalise(CV_ENT_IP, NULL, "10.0.0.256", 10, norm, &n), 0);
    ck_assert_str_eq(norm, "10.0.0.256");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ip");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ipv4);
    tcase_add_test(tc, test_ipv6);
    tcase_add_test(tc, test_normalise);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
