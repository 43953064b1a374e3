/*
 * nl_bsn.c - Dutch burgerservicenummer (and the sofinummer it replaced):
 * nine digits passing the 11-test (9*d1 + 8*d2 + ... + 2*d8 - d9 = 0 mod
 * 11, the "elfproef"), bare, "1234.56.782" or in threes. One number in
 * eleven passes by chance, so only the BSN's own "1234.56.782" form stands
 * alone; the others need "BSN", "burgerservicenummer" or "sofinummer"
 * nearby. (An old eight-digit sofinummer is written with its leading 0.)
 */
#include "national_id.h"


static const char *const bsn_context[] = { "bsn", "burgerservicenummer", "burger service nummer", "sofinummer",
                                           "sofi-nummer", "sofi nummer", "sofi", "persoonsnummer", NULL };

int cvi_natid_nl_bsn_valid(const char *c, size_t n)
{
    if (n != 9) return 0;
    int sum = 0;
    unsigned w = 9;
    int nonzero = 0;
    for (size_t i = 0; i < n; i++, w--) {
        if (c[i] < '0' || c[i] > '9') return 0;
        int d = c[i] - '0';
        nonzero |= d;
        sum += i + 1 == n ? -d : d * (int)w;
    }
    return nonzero && sum % 11 == 0;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    size_t n = *end - *start;
    int own_form = n == 11 && text[*start + 4] == '.' && text[*start + 7] == '.';
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_nl_bsn_valid, !own_form, bsn_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }


/* nine in a row, the own 4.2.3, or only threes (3-3-3) */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    uint32_t r = f->cl_runs[i];
    if ((f->cl_gaps[i] & CV_GAP_DOT) && (r & CV_RUN(4)) && (r & CV_RUN(2)) && (r & CV_RUN(3))) return 1;
    /* the other forms need the keyword: once per cluster, after the
     * checksum when the cluster is the number alone */
    if (!(r & CV_RUN(9)) && r != CV_RUN(3)) return 0;
    char d[9];
    if (cvi_natid_cluster_is(text, f, i, 9, d) && !cvi_natid_nl_bsn_valid(d, 9)) return 0;
    return cvi_keyword_before(text, f->cl_end[i], 40 + f->cl_end[i] - f->cl_start[i], bsn_context);
}

const cv_detector_type cvi_detector_nl_bsn = {
    .name = "nl-bsn",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][.,\\-])(?:[0-9]{9}|[0-9]{4}\\.[0-9]{2}\\.[0-9]{3}|[0-9]{3}([ .\\-])[0-9]{3}\\1[0-9]{3})"
               "(?![A-Za-z0-9]|[.,\\-][0-9])",
    .min_digits = 9,
    .runs_any = CV_RUN(9) | CV_RUN(4) | CV_RUN(3),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 9,
    .win_before = 1,
    .win_after = 1,
};
