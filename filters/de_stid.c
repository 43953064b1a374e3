/*
 * de_stid.c - German Steuerliche Identifikationsnummer (Steuer-IdNr, IdNr):
 * eleven digits, the first not 0; among the first ten exactly one digit
 * occurs twice or three times (three never in a row) and no other repeats;
 * the eleventh is the ISO 7064 MOD 11,10 check digit (§ 139b AO,
 * Steueridentifikationsnummerverordnung). One random number in about sixty
 * passes, so it needs "Steuer-ID", "IdNr", "Identifikationsnummer" or "tax
 * id" nearby, bare or grouped "12 345 678 901".
 */
#include "national_id.h"


static const char *const stid_context[] = { "steuer-id", "steuerid", "steuer id", "steuer-idnr", "steueridnr",
                                            "identifikationsnummer", "idnr", "id-nr", "steuernummer", "tin",
                                            "tax id", "tax-id", "tax identification", NULL };

int cvi_natid_de_stid_valid(const char *c, size_t n)
{
    if (n != 11 || c[0] == '0') return 0;
    unsigned count[10] = { 0 };
    for (size_t i = 0; i < 11; i++)
        if (c[i] < '0' || c[i] > '9') return 0;
    for (size_t i = 0; i < 10; i++) count[c[i] - '0']++;
    int repeated = 0;
    for (int d = 0; d < 10; d++) {
        if (count[d] > 3) return 0;
        if (count[d] >= 2) repeated++;
    }
    if (repeated != 1) return 0;
    for (size_t i = 2; i < 10; i++)
        if (c[i] == c[i - 1] && c[i] == c[i - 2]) return 0;
    unsigned product = 10;
    for (size_t i = 0; i < 10; i++) {
        unsigned sum = ((unsigned)(c[i] - '0') + product) % 10;
        if (sum == 0) sum = 10;
        product = (sum * 2) % 11;
    }
    unsigned check = 11 - product;
    if (check == 10) check = 0;
    return (unsigned)(c[10] - '0') == check;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_de_stid_valid, 1, stid_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }


/* eleven in a row, or eleven spaced in twos and threes, and the keyword */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    uint32_t r = f->cl_runs[i];
    if (!((r & CV_RUN(11)) || (r == (CV_RUN(2) | CV_RUN(3)) && f->cl_gaps[i] == CV_GAP_SPACE)))
        return 0;
    char d[11];
    if (cvi_natid_cluster_is(text, f, i, 11, d) && !cvi_natid_de_stid_valid(d, 11)) return 0;
    return cvi_keyword_before(text, f->cl_end[i], 40 + f->cl_end[i] - f->cl_start[i], stid_context);
}

const cv_detector_type cvi_detector_de_stid = {
    .name = "de-stid",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][.\\-/])(?:[1-9][0-9]{10}|[1-9][0-9] [0-9]{3} [0-9]{3} [0-9]{3}|"
               "[1-9][0-9]{2} [0-9]{3} [0-9]{3} [0-9]{2})(?![A-Za-z0-9]|[.\\-/][0-9])",
    .min_digits = 11,
    .runs_any = CV_RUN(11) | CV_RUN(2) | CV_RUN(3),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 11,
    .win_before = 1,
    .win_after = 1,
};
