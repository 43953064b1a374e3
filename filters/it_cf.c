/*
 * it_cf.c - Italian codice fiscale: six letters (surname, name), year,
 * month letter (ABCDEHLMPRST), day (01-31, 41-71 for women), the
 * birthplace's letter and three digits, and a check letter: characters in
 * odd places read in the odd table, in even places as 0-25, the sum mod
 * 26 (DM 23 dicembre 1976). Omocodia: any of the seven digits may be
 * written as LMNPQRSTUV (0-9). Any case; stands alone.
 */
#include "national_id.h"


static int omo_digit(char c)
{
    static const char omo[] = "LMNPQRSTUV";
    if (c >= '0' && c <= '9') return c - '0';
    for (int i = 0; i < 10; i++)
        if (omo[i] == c) return i;
    return -1;
}

int cvi_natid_it_cf_valid(const char *c, size_t n)
{
    static const uint8_t odd[36] = {
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21,                                            /* 0-9 */
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23   /* A-Z */
    };
    static const uint8_t digit_at[7] = { 6, 7, 9, 10, 12, 13, 14 };
    if (n != 16) return 0;
    for (size_t i = 0; i < 16; i++)
        if (!((c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9'))) return 0;
    for (size_t i = 0; i < 6; i++)
        if (c[i] < 'A' || c[i] > 'Z') return 0;
    if (c[11] < 'A' || c[11] > 'Z' || c[15] < 'A' || c[15] > 'Z') return 0;
    int d[7];
    for (size_t i = 0; i < 7; i++)
        if ((d[i] = omo_digit(c[digit_at[i]])) < 0) return 0;
    const char *months = "ABCDEHLMPRST";
    int month_ok = 0;
    for (const char *m = months; *m; m++) month_ok |= *m == c[8];
    int day = d[2] * 10 + d[3];
    if (!month_ok || !((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return 0;
    unsigned sum = 0;
    for (size_t i = 0; i < 15; i++) {
        unsigned v = c[i] >= 'A' ? (unsigned)(c[i] - 'A') : (unsigned)(c[i] - '0');
        sum += i % 2 == 0 ? odd[c[i] >= 'A' ? 10 + v : v] : v;   /* place 1 is odd */
    }
    return c[15] == (char)('A' + sum % 26);
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    if (!cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_it_cf_valid, 0, NULL)) return 0;
    /* a code with no digit left (omocodia in all seven) is not taken: the
     * gates look for the digits, and the README says so */
    return *norm_len == 16 && norm[6] >= '0' && norm[6] <= '9';
}


static int is_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }

/* Six letters then the first digit. Omocodia replaces digits by letters
 * from the right (the last one first), so a code that keeps any digit
 * keeps its first, right after the six letters; it may keep only the
 * year's two (no letter between them) or one: no more is asked of the
 * cluster than the six ASCII letters before it. */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    size_t b = f->cl_start[i];
    if (b < 6) return 0;
    for (size_t k = b - 6; k < b; k++)
        if (!is_letter((unsigned char)text[k])) return 0;
    return 1;
}

const cv_detector_type cvi_detector_it_cf = {
    .name = "it-cf",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?i)(?<![A-Za-z0-9])[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]"
               "(?![A-Za-z0-9])",
    .needs = CV_NEED_LETTER_DIGIT,
    .min_digits = 1,
    .runs_any = CV_RUN(1) | CV_RUN(2) | CV_RUN(3),
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .win_before = 14,
    .win_after = 10,
};
