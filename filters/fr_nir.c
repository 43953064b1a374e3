/*
 * fr_nir.c - French NIR (numéro de sécurité sociale, "numéro INSEE"):
 * sex (1, 2; 3, 4, 7, 8 for provisional numbers), year, month (01-12, or
 * 20 and 30-42, 50-99 when unknown), département (two digits, 2A or 2B for
 * Corsica), commune, order and the key 97 - (the 13 digits mod 97), with
 * 2A read as 19 and 2B as 18 (INSEE). Spaced as on the carte Vitale
 * ("1 84 12 76 451 089 46") or not; the key's 1 in 97 and the structure
 * let it stand alone.
 */
#include "national_id.h"


static int month_ok(int m) { return (m >= 1 && m <= 12) || m == 20 || (m >= 30 && m <= 42) || (m >= 50 && m <= 99); }

int cvi_natid_fr_nir_valid(const char *c, size_t n)
{
    if (n != 15) return 0;
    if (c[0] != '1' && c[0] != '2' && c[0] != '3' && c[0] != '4' && c[0] != '7' && c[0] != '8') return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < 13; i++) {
        unsigned d;
        if (i == 6 && c[5] == '2' && (c[6] == 'A' || c[6] == 'B')) {
            d = 0;
        } else if (c[i] >= '0' && c[i] <= '9') {
            d = (unsigned)(c[i] - '0');
        } else {
            return 0;
        }
        v = v * 10 + d;
    }
    if (c[6] == 'A') v -= 1000000;        /* 2A: "20" - 1 = "19" */
    else if (c[6] == 'B') v -= 2000000;   /* 2B: "20" - 2 = "18" */
    if (c[13] < '0' || c[13] > '9' || c[14] < '0' || c[14] > '9') return 0;
    int key = (c[13] - '0') * 10 + (c[14] - '0');
    int month = (c[3] - '0') * 10 + (c[4] - '0');
    return month_ok(month) && key >= 1 && key == 97 - (int)(v % 97);
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_fr_nir_valid, 0, NULL);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }


/* fifteen in a row, 13 and 2, the card's 1 2 2 2 3 3 2, or Corsica's
 * 6 digits, A or B, 8 */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)text;
    (void)len;
    uint32_t r = f->cl_runs[i];
    return (r & CV_RUN(15)) || (r & CV_RUN(13)) || ((r & CV_RUN(3)) && (r & (CV_RUN(1) | CV_RUN(2)))) ||
           ((r & CV_RUN(6)) && (f->cl_gaps[i] & CV_GAP_LETTER));
}

const cv_detector_type cvi_detector_fr_nir = {
    .name = "fr-nir",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][ .])[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3}"
               " ?(?:- ?)?[0-9]{2}(?![A-Za-z0-9]|[.,\\-][0-9])",
    .min_digits = 13,
    .runs_any = CV_RUN(15) | CV_RUN(13) | CV_RUN(1) | CV_RUN(6),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 13,
    .win_before = 1,
    .win_after = 2,
};
