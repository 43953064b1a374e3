/*
 * pt_nif.c - Portuguese NIF (número de identificação fiscal) of a person:
 * nine digits, the first 1, 2 or 3 (or 45, a non-resident), the ninth 11 -
 * (9*d1 + 8*d2 + ... + 2*d8 mod 11), 0 when that is 10 or 11 (Autoridade
 * Tributária). One number in eleven passes by chance: it needs "NIF" or
 * "contribuinte" nearby; bare, in threes with spaces or dots.
 */
#include "national_id.h"


static const char *const nif_context[] = { "nif", "n.i.f", "contribuinte", "número fiscal", "numero fiscal",
                                           "identificação fiscal", "identificacao fiscal", NULL };

int cvi_natid_pt_nif_valid(const char *c, size_t n)
{
    if (n != 9) return 0;
    for (size_t i = 0; i < 9; i++)
        if (c[i] < '0' || c[i] > '9') return 0;
    if (c[0] != '1' && c[0] != '2' && c[0] != '3' && !(c[0] == '4' && c[1] == '5')) return 0;
    unsigned sum = 0;
    for (size_t i = 0; i < 8; i++) sum += (unsigned)(c[i] - '0') * (unsigned)(9 - i);
    unsigned r = sum % 11;
    unsigned check = r < 2 ? 0 : 11 - r;
    return (unsigned)(c[8] - '0') == check;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_pt_nif_valid, 1, nif_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }


/* nine in a row, or only threes (3-3-3), and the keyword before */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    uint32_t r = f->cl_runs[i];
    if (!(r & CV_RUN(9)) && r != CV_RUN(3)) return 0;
    char d[9];
    if (cvi_natid_cluster_is(text, f, i, 9, d) && !cvi_natid_pt_nif_valid(d, 9)) return 0;
    return cvi_keyword_before(text, f->cl_end[i], 40 + f->cl_end[i] - f->cl_start[i], nif_context);
}

const cv_detector_type cvi_detector_pt_nif = {
    .name = "pt-nif",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][.,\\-])(?:[0-9]{9}|[0-9]{3}([ .])[0-9]{3}\\1[0-9]{3})(?![A-Za-z0-9]|[.,\\-][0-9])",
    .min_digits = 9,
    .runs_any = CV_RUN(9) | CV_RUN(3),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 9,
    .win_before = 1,
    .win_after = 1,
};
