/*
 * br_cnpj.c - Brazilian CNPJ (Cadastro Nacional da Pessoa Jurídica): a
 * twelve-character root and branch and two check digits, each 11 -
 * (weighted sum mod 11), 0 when that is 10 or 11, weights 5..2,9..2 then
 * 6..2,9..2 (Receita Federal). Since July 2026 the twelve may be upper-case
 * letters, each worth its ASCII code - 48 (Instrução Normativa RFB
 * 2.229/2024). "12.345.678/0001-95" stands alone; fourteen bare digits
 * need "CNPJ" nearby. (A CNPJ names a business, often a one-person one.)
 */
#include "national_id.h"


static const char *const cnpj_context[] = { "cnpj", "c.n.p.j", "cadastro nacional", NULL };

static int check_digit(const char *c, size_t n)
{
    static const uint8_t w[13] = { 6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2 };
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += (unsigned)(c[i] - '0') * w[13 - n + i];
    unsigned r = sum % 11;
    return r < 2 ? 0 : (int)(11 - r);
}

int cvi_natid_br_cnpj_valid(const char *c, size_t n)
{
    if (n != 14) return 0;
    int same = 1;
    for (size_t i = 0; i < 14; i++) {
        int digit = c[i] >= '0' && c[i] <= '9';
        if (!digit && (i >= 12 || c[i] < 'A' || c[i] > 'Z')) return 0;
        same &= c[i] == c[0];
    }
    return !same && check_digit(c, 12) == c[12] - '0' && check_digit(c, 13) == c[13] - '0';
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    int bare = *end - *start == 14;
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_br_cnpj_valid, bare, cnpj_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit > 18 ? f->first_digit - 18 : 0; }


/* fourteen in a row, or the written form's slash and dash */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    uint32_t g = f->cl_gaps[i];
    return (f->cl_runs[i] & CV_RUN(14)) ||
           ((g & CV_GAP_DASH) && ((g & CV_GAP_SLASH) || (f->cl_start[i] > 0 && text[f->cl_start[i] - 1] == '/')));
}

const cv_detector_type cvi_detector_br_cnpj = {
    .name = "br-cnpj",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][.\\-/])(?:[0-9A-Z]{2}\\.[0-9A-Z]{3}\\.[0-9A-Z]{3}/|[0-9A-Z]{8}/)"
               "[0-9A-Z]{4}-[0-9]{2}(?![A-Za-z0-9]|[.\\-/][0-9])|"
               "(?<![A-Za-z0-9]|[0-9][.\\-/])[0-9]{14}(?![A-Za-z0-9]|[.\\-/][0-9])",
    .min_digits = 2,
    .runs_any = CV_RUN(14) | CV_RUN(2),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .win_before = 18,
    .win_after = 1,
};
