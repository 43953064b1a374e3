/*
 * ie_ppsn.c - Irish Personal Public Service Number: seven digits, a check
 * letter and, since 2013, a second letter ("1234567FA"; older numbers
 * "1234567T" or "1234567TW"), spaced or not. The check letter is the
 * weighted sum (8..2 over the digits, 9 x the second letter, A=1 .. Z=26,
 * W=0) mod 23 read in "WABCDEFGHIJKLMNOPQRSTUV". Upper-case stands alone;
 * lower-case needs "PPS" nearby.
 */
#include "national_id.h"


static const char *const ppsn_context[] = { "ppsn", "pps", "personal public service", NULL };

int cvi_natid_ie_ppsn_valid(const char *c, size_t n)
{
    static const char check[] = "WABCDEFGHIJKLMNOPQRSTUV";
    if (n != 8 && n != 9) return 0;
    unsigned sum = 0;
    for (size_t i = 0; i < 7; i++) {
        if (c[i] < '0' || c[i] > '9') return 0;
        sum += (unsigned)(c[i] - '0') * (unsigned)(8 - i);
    }
    if (c[7] < 'A' || c[7] > 'W') return 0;
    unsigned second = 0;
    if (n == 9) {
        if (c[8] < 'A' || c[8] > 'Z') return 0;
        second = c[8] == 'W' ? 0 : (unsigned)(c[8] - 'A') + 1;
    }
    if (check[(sum + 9 * second) % 23] == c[7]) return 1;
    /* numbers issued before 2013 carry a second letter (T, X) outside the sum */
    return n == 9 && (c[8] == 'T' || c[8] == 'X') && check[sum % 23] == c[7];
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    int lower = 0;
    for (size_t i = *start; i < *end; i++) lower |= text[i] >= 'a' && text[i] <= 'z';
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_ie_ppsn_valid, lower, ppsn_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }

static int is_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }

/* seven digits in a row and a letter after them */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    if (!(f->cl_runs[i] & ~(CV_RUN(7) - 1))) return 0;
    if (f->cl_gaps[i] & CV_GAP_LETTER) return 1;
    size_t e = f->cl_end[i];
    return (e < len && is_letter((unsigned char)text[e])) ||
           (e + 1 < len && (text[e] == ' ' || text[e] == '-') && is_letter((unsigned char)text[e + 1]));
}

const cv_detector_type cvi_detector_ie_ppsn = {
    .name = "ie-ppsn",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9])[0-9]{7}[ \\-]?[A-Wa-w](?:[ \\-]?[A-Za-z])?(?![A-Za-z0-9])",
    .min_digits = 7,
    .runs_any = CV_RUN(7),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .win_before = 1,
    .win_after = 5,
};
