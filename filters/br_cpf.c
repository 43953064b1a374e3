/*
 * br_cpf.c - Brazilian CPF (Cadastro de Pessoas Físicas): nine digits and
 * two check digits, each 11 - (weighted sum mod 11), 0 when that is 10 or
 * 11, weights 10..2 then 11..2 (Receita Federal). "123.456.789-09" and
 * "123456789-09" stand alone; eleven bare digits need "CPF" nearby. A run
 * of one digit ("111.111.111-11") passes the sum but is no CPF.
 */
#include "national_id.h"


static const char *const cpf_context[] = { "cpf", "c.p.f", "cadastro de pessoa", NULL };

static int mod11_digit(const char *c, size_t n, unsigned w0)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += (unsigned)(c[i] - '0') * (w0 - (unsigned)i);
    unsigned r = sum % 11;
    return r < 2 ? 0 : (int)(11 - r);
}

int cvi_natid_br_cpf_valid(const char *c, size_t n)
{
    if (n != 11) return 0;
    int same = 1;
    for (size_t i = 0; i < 11; i++) {
        if (c[i] < '0' || c[i] > '9') return 0;
        same &= c[i] == c[0];
    }
    return !same && mod11_digit(c, 9, 10) == c[9] - '0' && mod11_digit(c, 10, 11) == c[10] - '0';
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    int bare = *end - *start == 11;
    return cvi_natid_validate(text, start, end, norm, norm_len, cvi_natid_br_cpf_valid, bare, cpf_context);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }


/* eleven in a row, 9-2, or 3.3.3-2 */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)text;
    (void)len;
    uint32_t r = f->cl_runs[i], g = f->cl_gaps[i];
    return (r & CV_RUN(11)) || ((r & CV_RUN(9)) && (r & CV_RUN(2)) && (g & CV_GAP_DASH)) ||
           ((r & CV_RUN(3)) && (r & CV_RUN(2)) && (g & CV_GAP_DOT));
}

const cv_detector_type cvi_detector_br_cpf = {
    .name = "br-cpf",
    .entity = CV_ENT_NATIONAL_ID,
    .priority = 6,
    .pattern = "(?<![A-Za-z0-9]|[0-9][.\\-/])(?:[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}[\\-.]|[0-9]{9}-?)[0-9]{2}"
               "(?![A-Za-z0-9]|[.\\-/][0-9])",
    .min_digits = 11,
    .runs_any = CV_RUN(11) | CV_RUN(9) | CV_RUN(3),
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .cluster_digits = 11,
    .win_before = 1,
    .win_after = 1,
};
