/*
 * card.c - payment card number detector: 13-19 digits, first digit 2-6,
 * plain or grouped with single spaces or dashes (one kind per number),
 * Luhn-valid, not glued to other letters or digits. Normalised to digits.
 */
#include <string.h>

#include "filters.h"


static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Digits of s[0..n) if it is a well-formed card number; else 0. */
static int card_digits(const char *s, size_t n, char *d, size_t *nd)
{
    size_t k = 0;
    char sep = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (k == 19) return 0;
            d[k++] = (char)c;
        } else if (c == ' ' || c == '-') {
            if (sep && sep != c) return 0;
            if (i == 0 || i + 1 == n || !is_digit((unsigned char)s[i - 1])) return 0;
            sep = (char)c;
        } else {
            return 0;
        }
    }
    if (k < 13 || d[0] < '2' || d[0] > '6' || !cv_luhn_valid(d, k)) return 0;
    d[k] = '\0';
    *nd = k;
    return 1;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const char *s = text + *start;
    size_t n = *end - *start;
    if (card_digits(s, n, norm, norm_len)) return 1;
    /* Grouped numbers run together ("... 3456 4111 1111 1111 1111"): try
     * ending at an earlier separator. */
    for (size_t e = n - 1; e >= 13; e--) {
        if ((s[e] == ' ' || s[e] == '-') && card_digits(s, e, norm, norm_len)) {
            *end = *start + e;
            return 1;
        }
    }
    return 0;
}

static int norm_card(const char *in, size_t len, char *norm, size_t *norm_len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_digit(c)) {
            if (k == 19) return 0;
            norm[k++] = (char)c;
        } else if (c != ' ' && c != '-' && c != '\t') {
            return 0;
        }
    }
    norm[k] = '\0';
    *norm_len = k;
    return k >= 13 && cv_luhn_valid(norm, k);
}

static int wanted(const cv_text_facts *f) { return f->digits >= 13; }
static size_t search_from(const cv_text_facts *f) { return f->first_digit; }

const cv_detector_type cvi_detector_card = {
    .name = "card",
    .entity = CV_ENT_CARD,
    .priority = 7,
    .pattern = "(?<![A-Za-z0-9])[2-6](?:[ \\-]?[0-9]){12,18}(?![A-Za-z0-9])",
    .compile_flags = 0,
    .wanted = wanted,
    .search_from = search_from,
    .validate = validate,
    .win_before = 1,
    .win_after = 1,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return len <= 64 && norm_card(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_card = {
    .name = "card",
    .default_action = CV_DEFAULT_MASK,
    .normalise = normalise,
};
