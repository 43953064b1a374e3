/*
 * nino.c - UK National Insurance number detector: two prefix letters
 * (HMRC's excluded letters and prefixes refused), six digits, suffix A-D,
 * in any grouping ("CE123456A", "CE 12 34 56 A", "CE 123 456 A"). Without
 * the suffix it counts only right after "NI number", "national insurance"
 * or "NINO".
 */
#include <string.h>

#include "filters.h"


static const char *const nino_context[] = {
    "ni number", "ni no", "ni num", "n.i. number", "n.i. no", "national insurance", "nino", "nin:", "ni:", NULL
};

static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c; }

/* Compact upper-case form of s[0..n) if it is a NINO (suffix optional). */
static int nino_compact(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t') continue;
        if (k == 9) return 0;
        out[k++] = upper(s[i]);
    }
    out[k] = '\0';
    if (k != 8 && k != 9) return 0;
    char a = out[0], b = out[1];
    if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return 0;
    if (strchr("DFIQUV", a) || strchr("DFIOQUV", b)) return 0;
    static const char bad[][3] = { "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (a == bad[i][0] && b == bad[i][1]) return 0;
    for (size_t i = 2; i < 8; i++)
        if (out[i] < '0' || out[i] > '9') return 0;
    if (k == 9 && (out[8] < 'A' || out[8] > 'D')) return 0;
    *out_len = k;
    return 1;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    /* the match starts at the digits; the prefix letters (and a space) are behind it */
    if (*start < 2) return 0;
    int spaced = text[*start - 1] == ' ';
    if (spaced && *start < 3) return 0;
    size_t b = *start - (spaced ? 3 : 2);
    if (!nino_compact(text + b, *end - b, norm, norm_len)) return 0;
    *start = b;
    if (*norm_len == 8 && !cvi_keyword_before(text, *start, 40, nino_context)) return 0;
    return 1;
}

static int norm_nino(const char *in, size_t len, char *norm, size_t *norm_len)
{
    if (len > 32) return 0;
    return nino_compact(in, len, norm, norm_len);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }
/* Its six digits, at most one space apart, are in one cluster (cluster_digits). */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    /* the prefix letters (and a space) stand right before the digits */
    return cvi_run_after_letters(text, f, i, " ");
}

const cv_detector_type cvi_detector_nino = {
    .name = "nino",
    .entity = CV_ENT_NINO,
    .priority = 5,
    /* Starts at the digits so the scan stops at digits only; the lookbehind
     * requires the prefix letters, validate takes them in. */
    .pattern = "(?i)(?<=(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|"
               "(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] )"
               "(?:[0-9]{2} ?[0-9]{2} ?[0-9]{2}|[0-9]{3} [0-9]{3})(?: ?[A-D])?(?![A-Za-z0-9])",
    .compile_flags = 0,
    .min_digits = 6,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 6,
    .search_from = search_from,
    .validate = validate,
    .win_before = 4,
    .win_after = 4,
};

/* Spelled out: two letters, six digits, an optional A-D; the prefix rules
 * are the detector's. */
static int is_alpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

static int spelled(const char *p, size_t n)
{
    if ((n != 8 && n != 9) || !is_alpha(p[0]) || !is_alpha(p[1])) return 0;
    for (size_t i = 2; i < 8; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return n == 8 || (p[8] >= 'A' && p[8] <= 'D');
}

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return norm_nino(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_nino = {
    .name = "nino",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
    .spelled = spelled,
};
