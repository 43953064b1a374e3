/*
 * ssn.c - US Social Security number detector: AAA-GG-SSSS, AAA.GG.SSSS or
 * AAA GG SSSS (one separator kind), area
 * 001-899 except 666, group 01-99, serial 0001-9999. A bare nine-digit run
 * counts only right after "SSN" or "social security". Normalised to 9 digits.
 */
#include <string.h>

#include "filters.h"


static const char *const ssn_context[] = { "ssn", "social security", "soc sec", "s.s.n", "ss#", "ss no", NULL };

/* Nine digits of s[0..n) if it is an SSN; *sep = separator seen (0 bare). */
static int ssn_digits(const char *s, size_t n, char *out, size_t *out_len, int *sep)
{
    size_t k = 0;
    *sep = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (k == 9) return 0;
            out[k++] = c;
        } else if ((c == '-' || c == ' ' || c == '.') && (k == 3 || k == 5)) {
            *sep = c;
        } else {
            return 0;
        }
    }
    out[k] = '\0';
    if (k != 9) return 0;
    if (!memcmp(out, "000", 3) || !memcmp(out, "666", 3) || out[0] == '9') return 0;
    if (!memcmp(out + 3, "00", 2) || !memcmp(out + 5, "0000", 4)) return 0;
    *out_len = 9;
    return 1;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    int sep;
    if (!ssn_digits(text + *start, *end - *start, norm, norm_len, &sep)) return 0;
    if (!sep && !cvi_keyword_before(text, *start, 40, ssn_context)) return 0;
    return 1;
}

static int norm_ssn(const char *in, size_t len, char *norm, size_t *norm_len)
{
    int sep;
    while (len > 0 && in[0] == ' ') { in++; len--; }
    while (len > 0 && in[len - 1] == ' ') len--;
    return ssn_digits(in, len, norm, norm_len, &sep);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }
/* Its nine digits, at most one byte apart, are in one cluster (cluster_digits). */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)text;
    (void)len;
    /* nine digits as one run, or runs of 3, 2 and 4 (each group is a
     * whole run: the pattern allows no digit around it) */
    const uint32_t groups = CV_RUN(3) | CV_RUN(2) | CV_RUN(4);
    uint32_t r = f->cl_runs[i];
    return (r & CV_RUN(9)) || (r & groups) == groups;
}

const cv_detector_type cvi_detector_ssn = {
    .name = "ssn",
    .entity = CV_ENT_SSN,
    .priority = 6,
    /* one separator kind throughout: dashes, dots or spaces; a dotted run
     * that continues a longer dotted number is not one */
    .pattern = "(?<![A-Za-z0-9\\-]|[0-9][.,])[0-9]{3}([\\-. ]?)[0-9]{2}\\1[0-9]{4}(?![A-Za-z0-9]|[\\-.,][0-9])",
    .compile_flags = 0,
    .min_digits = 9,
    .runs_any = CV_RUN(9) | CV_RUN(4),
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 9,
    .search_from = search_from,
    .validate = validate,
    .win_before = 1,
    .win_after = 1,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return len <= 32 && norm_ssn(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_ssn = {
    .name = "ssn",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
};
