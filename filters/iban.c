/*
 * iban.c - IBAN detector: country code, check digits and BBAN, plain or
 * grouped with single spaces, dashes or dots anywhere (also right after the
 * country code), any case; the country's registered length and mod-97
 * decide (after the word "IBAN", length and shape alone). A longer run is cut at the country's length when that ends on a
 * group boundary. Normalised upper-case without spaces.
 */
#include <string.h>

#include "filters.h"


static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }
static int is_sep(char c) { return c == ' ' || c == '-' || c == '.'; }

static const char *const iban_words[] = { "iban", NULL };

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    /* the match starts at the check digits (or a separator before them);
     * the country code is right behind it */
    if (*start < 2) return 0;
    *start -= 2;
    const char *s = text + *start;
    size_t n = *end - *start, k = 0, i = 0;
    char cc[2] = { upper(s[0]), upper(s[1]) };
    size_t want = (size_t)cvi_iban_length(cc);
    if (!want) return 0;
    for (; i < n && k < want; i++) {
        if (is_sep(s[i])) {
            if (i + 1 < n && is_sep(s[i + 1])) return 0;
            continue;
        }
        norm[k++] = upper(s[i]);
    }
    if (k != want) return 0;
    /* must end on a boundary, not inside a group of the following text */
    if (i < n && !is_sep(s[i])) return 0;
    norm[k] = '\0';
    /* A mistyped IBAN is still a customer's account: after "IBAN" the
     * country's length and shape are enough. */
    if (!cvi_iban_valid(norm, k) && !cvi_keyword_before(text, *start, 24, iban_words)) return 0;
    *norm_len = k;
    *end = *start + i;
    return 1;
}

static int norm_iban(const char *in, size_t len, char *norm, size_t *norm_len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '-' || c == '.') continue;
        if (!is_alnum(c) || k == 34) return 0;
        norm[k++] = upper((char)c);
    }
    norm[k] = '\0';
    *norm_len = k;
    return cvi_iban_valid(norm, k);
}

/* every registered IBAN format carries at least 10 digits */
static size_t search_from(const cv_text_facts *f) { return f->first_digit; }

/* A match begins at check digits right after the country letters (and a
 * separator) and spans at most 63 bytes: a cluster is wanted if such check
 * digits stand in it or in a cluster that ends less than 64 bytes before
 * it begins (one IBAN, split into clusters by letter groups). */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    for (uint32_t j = i + 1; j-- > 0;) {
        if (j < i && f->cl_end[j] + 64 <= f->cl_start[i]) break;
        if (cvi_run_after_letters(text, f, j, " .-")) return 1;
    }
    return 0;
}

const cv_detector_type cvi_detector_iban = {
    .name = "iban",
    .entity = CV_ENT_IBAN,
    .priority = 8,
    /* Starts at the check digits (the scan then stops at digits only); the
     * lookbehind requires the country letters, validate takes them in. */
    .pattern = "(?i)(?<=(?<![A-Za-z0-9])[A-Z]{2})[ .\\-]?[0-9]{2}(?:[ .\\-]?[A-Z0-9]){11,30}(?![A-Za-z0-9])",
    .compile_flags = 0,
    .min_digits = 10,
    .cluster_wanted = cluster_wanted,
    .search_from = search_from,
    .validate = validate,
    .win_before = 5,
    .win_after = 40,
};

/* Spelled out: two letters, two digits, 11-30 letters or digits; the
 * checksum is the detector's. */
static int spelled(const char *p, size_t n)
{
    if (n < 15 || n > 34 || !is_alnum((unsigned char)p[0]) || !is_alnum((unsigned char)p[1])) return 0;
    if (p[0] <= '9' || p[1] <= '9' || p[2] < '0' || p[2] > '9' || p[3] < '0' || p[3] > '9') return 0;
    for (size_t i = 4; i < n; i++)
        if (!is_alnum((unsigned char)p[i])) return 0;
    return 1;
}

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return len <= 64 && norm_iban(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_iban = {
    .name = "iban",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
    .spelled = spelled,
};
