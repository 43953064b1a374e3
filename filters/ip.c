/*
 * ip.c - IP address detectors: IPv4 dotted quads (no leading zeros, not
 * part of a longer dotted run, not a "version 1.2.3.4") and IPv6 in full,
 * compressed or IPv4-embedded form. inet_pton validates, inet_ntop gives the
 * canonical form (IPv6 lower-case and compressed).
 */
#include <arpa/inet.h>
#include <string.h>

#include "filters.h"


static int canon(const char *s, size_t n, char *norm, size_t *norm_len)
{
    char buf[64];
    unsigned char addr[16];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    int af = memchr(buf, ':', n) ? AF_INET6 : AF_INET;
    if (inet_pton(af, buf, addr) != 1) return 0;
    if (!inet_ntop(af, addr, norm, CV_NORM_MAX + 1)) return 0;
    *norm_len = strlen(norm);
    return 1;
}

static int norm_ip(const char *in, size_t len, char *norm, size_t *norm_len)
{
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t' || in[len - 1] == '\n' || in[len - 1] == '\r')) len--;
    /* "[2001:db8::1]" as written in URLs */
    if (len > 2 && in[0] == '[' && in[len - 1] == ']') { in++; len -= 2; }
    return canon(in, len, norm, norm_len);
}

static const char *const version_words[] = { "version", "ver", "v", "release", "build", "firmware", NULL };

static int validate4(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                     char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    if (cvi_word_before(text, *start, version_words)) return 0;
    return canon(text + *start, *end - *start, norm, norm_len);
}

static int validate6(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                     char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const char *s = text + *start;
    size_t n = *end - *start, hex = 0, groups = 0;
    int in_group = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ':' || c == '.') { in_group = 0; continue; }
        hex++;
        if (!in_group) groups++;
        in_group = 1;
    }
    /* "a::b" or "::1" say nothing about a person */
    if (hex < 4 || groups < 2) return 0;
    return canon(s, n, norm, norm_len);
}

static size_t search_from4(const cv_text_facts *f) { return f->first_digit; }
/* Four octets joined by dots: all in one cluster (4 digits or more:
 * cluster_digits), with a dot between digits. */
static int cluster_wanted4(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)text;
    (void)len;
    return (f->cl_gaps[i] & CV_GAP_DOT) != 0;
}

#define OCTET "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
const cv_detector_type cvi_detector_ipv4 = {
    .name = "ipv4",
    .entity = CV_ENT_IP,
    .priority = 4,
    .pattern = "(?<![A-Za-z0-9.])" OCTET "(?:\\." OCTET "){3}(?![A-Za-z0-9]|\\.[0-9])",
    .compile_flags = 0,
    .min_digits = 4,
    .cluster_wanted = cluster_wanted4,
    .cluster_digits = 4,
    .search_from = search_from4,
    .validate = validate4,
    .win_before = 1,
    .win_after = 1,
};

const cv_detector_type cvi_detector_ipv6 = {
    .name = "ipv6",
    .entity = CV_ENT_IP,
    .priority = 4,
    .pattern = "(?i)(?<![A-Za-z0-9:.])(?:[0-9a-f]{0,4}:){2,7}(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9a-f]{1,4}|(?<=:))"
               "(?![A-Za-z0-9:]|\\.[0-9])",
    .compile_flags = 0,
    .needs = CV_NEED_IPV6,
    .search_from = NULL,
    .validate = validate6,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return norm_ip(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_ip = {
    .name = "ip",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = normalise,
};
