/*
 * es_dni.c - Spanish DNI (eight digits and a letter, "12345678Z",
 * "12.345.678-Z") and NIE (X, Y or Z, seven digits and a letter,
 * "X-1234567-L"). The letter is the number (X=0, Y=1, Z=2 in front) mod 23
 * read in "TRWAGMYFPDXBNJZSQVHLCKE" (Real Decreto 1553/2005, Orden
 * INT/2058/2008). An upper-case letter stands alone; lower-case needs
 * "DNI", "NIE" or "NIF" nearby.
 */
#include "national_id.h"


static const char *const dni_context[] = { "dni", "d.n.i", "nie", "n.i.e", "nif", "documento de identidad",
                                           "documento nacional", "identidad", NULL };

int cvi_natid_es_dni_valid(const char *c, size_t n)
{
    static const char letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";
    if (n != 9) return 0;
    unsigned long v = 0;
    size_t i = 0;
    if (c[0] == 'X' || c[0] == 'Y' || c[0] == 'Z') {
        v = (unsigned long)(c[0] - 'X');
        i = 1;
    }
    for (; i < 8; i++) {
        if (c[i] < '0' || c[i] > '9') return 0;
        v = v * 10 + (unsigned long)(c[i] - '0');
    }
    return letters[v % 23] == c[8];
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    int lower = 0;
    for (size_t i = *start; i < *end; i++) lower |= text[i] >= 'a' && text[i] <= 'z';
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_es_dni_valid, lower, dni_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit > 3 ? f->first_digit - 3 : 0; }

static int is_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }

/* seven or eight digits (or the dotted 2.3.3) with a letter after, or
 * before (NIE) */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    uint32_t r = f->cl_runs[i];
    if (!((r & (CV_RUN(7) | CV_RUN(8))) || (r & CV_RUN(3) && f->cl_gaps[i] & CV_GAP_DOT)))
        return 0;
    if (f->cl_gaps[i] & CV_GAP_LETTER) return 1;
    size_t b = f->cl_start[i], e = f->cl_end[i];
    return (e < len && is_letter((unsigned char)text[e])) ||
           (e + 1 < len && (text[e] == ' ' || text[e] == '-') && is_letter((unsigned char)text[e + 1])) ||
           (b >= 1 && is_letter((unsigned char)text[b - 1])) ||
           (b >= 2 && (text[b - 1] == ' ' || text[b - 1] == '-') && is_letter((unsigned char)text[b - 2]));
}

const cv_detector_type cvi_detector_es_dni = {
    .name = "es-dni",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9])(?:[0-9]{8}|[0-9]{2}\\.[0-9]{3}\\.[0-9]{3}|[XYZxyz][ \\-]?[0-9]{7})"
               "[ \\-]?[A-HJ-NP-TV-Za-hj-np-tv-z](?![A-Za-z0-9])",
    .min_digits = 7,
    .runs_any = CV_RUN(7) | CV_RUN(8) | CV_RUN(3),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 7,
    .win_before = 3,
    .win_after = 3,
};
