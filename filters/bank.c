/*
 * bank.c - bank details beside an account number (entity bank, redacted by
 * default): UK and Irish sort codes ("12-34-56", "12 34 56", "123456")
 * after "sort code" / "NSC", US ABA routing numbers (nine digits, the ABA
 * checksum and a Federal Reserve prefix) after "routing" / "ABA" / "RTN",
 * and BIC / SWIFT codes (ISO 9362: bank, ISO 3166 country, location,
 * optional branch) that carry a digit or follow "BIC" / "SWIFT". Account
 * numbers themselves are the account detector's. A sort code or routing
 * number names a branch, not a person, but beside an account number it
 * completes what identifies one; without their keyword six or nine digits
 * are far more often something else, so the keyword is required.
 */
#include <string.h>

#include "filters.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

/* Digits of s[0..n) without separators into out; their count. */
static size_t digits_of(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (is_digit((unsigned char)s[i])) {
            if (k + 1 >= cap) return 0;
            out[k++] = s[i];
        }
    out[k] = '\0';
    return k;
}

static const char *const sortcode_words[] = { "sort code", "sort-code", "sortcode", "sorting code", "nsc", "s/c",
                                              "bank code", NULL };

static size_t sortcode_cues(const char **v, size_t cap) { return cvi_cue_list(sortcode_words, v, cap); }

static int validate_sortcode(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                             char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    if (digits_of(text + *start, *end - *start, norm, CV_NORM_MAX + 1) != 6) return 0;
    if (!cvi_keyword_before(text, *start, 32, sortcode_words)) return 0;
    *norm_len = 6;
    return 1;
}

/* ABA: 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) = 0 mod 10; the first two
 * digits name a Federal Reserve district (00-12, 21-32 thrift, 61-72
 * electronic, 80 traveller's cheques). */
static int aba_valid(const char *d)
{
    int p = (d[0] - '0') * 10 + (d[1] - '0');
    if (!(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p == 80)) return 0;
    int sum = 0;
    static const int w[3] = { 3, 7, 1 };
    for (int i = 0; i < 9; i++) sum += w[i % 3] * (d[i] - '0');
    return sum % 10 == 0;
}

static const char *const routing_words[] = { "routing", "aba", "rtn", "transit number", "ach", "wire", NULL };

static size_t routing_cues(const char **v, size_t cap) { return cvi_cue_list(routing_words, v, cap); }

static int validate_aba(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                        char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    if (digits_of(text + *start, *end - *start, norm, CV_NORM_MAX + 1) != 9 || !aba_valid(norm)) return 0;
    if (!cvi_keyword_before(text, *start, 40, routing_words)) return 0;
    *norm_len = 9;
    return 1;
}

/* ISO 3166-1 alpha-2, the countries a BIC may name (and XK, Kosovo). */
static const char countries[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW ";

static int country(const char *cc)
{
    for (const char *p = countries; *p; p += 3)
        if (p[0] == cc[0] && p[1] == cc[1]) return 1;
    return 0;
}

static const char *const bic_words[] = { "bic", "swift", NULL };
static const char *const promo_words[] = { "code", "codice", "aktionscode", "rabattcode", "gutschein", "promo",
                                           "voucher", "coupon", "cupon", "cupom", "descuento", "discount", "sconto",
                                           "korting", "actiecode", "remise", "promocional", NULL };

static int validate_bic(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                        char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const char *s = text + *start;
    size_t n = *end - *start;
    if (n != 8 && n != 11) return 0;
    if (!country(s + 4)) return 0;
    int digit = 0;
    for (size_t i = 6; i < n; i++) digit |= is_digit((unsigned char)s[i]);
    /* An all-letter code is as often a word in capitals ("CUSTOMER"):
     * only after BIC / SWIFT. */
    if (!digit && !cvi_keyword_before(text, *start, 24, bic_words)) return 0;
    /* "Aktionscode SOMMER24", "código descuento VERANO24": a word and a
     * year, after a promotion's word, is no bank's code */
    if (!cvi_keyword_before(text, *start, 24, bic_words) && cvi_keyword_before(text, *start, 24, promo_words)) return 0;
    memcpy(norm, s, n);
    norm[n] = '\0';
    *norm_len = n;
    return 1;
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }

const cv_detector_type cvi_detector_sortcode = {
    .name = "sortcode",
    .entity = CV_ENT_BANK,
    .priority = 5,
    .pattern = "(?<![A-Za-z0-9./-])[0-9]{2}([- ]?)[0-9]{2}\\1[0-9]{2}(?![A-Za-z0-9]|[-./,][0-9])",
    .min_digits = 6,
    .runs_any = CV_RUN(2) | CV_RUN(6),   /* 12-34-56 or 123456, no digit either side */
    .cluster_digits = 6,   /* its six digits, at most one byte apart, are in one cluster */
    .search_from = search_from,
    .validate = validate_sortcode,
    .cues = sortcode_cues,
    .win_before = 1,
    .win_after = 1,
};

const cv_detector_type cvi_detector_aba = {
    .name = "aba",
    .entity = CV_ENT_BANK,
    .priority = 5,
    .pattern = "(?<![A-Za-z0-9./-])[0-9]{9}(?![A-Za-z0-9]|[-./,][0-9])",
    .min_digits = 9,
    .runs_any = CV_RUN(9),
    .cluster_digits = 9,   /* its nine digits are one run, in one cluster */
    .search_from = search_from,
    .validate = validate_aba,
    .cues = routing_cues,
    .win_before = 1,
    .win_after = 1,
};

/* A BIC with a digit has it in its location or branch code, so the
 * windows around digit clusters hold every candidate. */
const cv_detector_type cvi_detector_bic = {
    .name = "bic",
    .entity = CV_ENT_BANK,
    .priority = 5,
    .pattern = "(?<![A-Za-z0-9])[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![A-Za-z0-9])",
    .needs = CV_NEED_LETTER_DIGIT,
    .validate = validate_bic,
    .win_before = 11,
    .win_after = 5,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    while (len > 0 && in[0] == ' ') { in++; len--; }
    while (len > 0 && in[len - 1] == ' ') len--;
    if (len == 0 || len > 16) return 0;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '-') continue;
        if (!is_digit(c) && !is_upper(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return 0;
        norm[k++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    norm[k] = '\0';
    *norm_len = k;
    return k == 6 || k == 8 || k == 9 || k == 11;
}

const cv_entity_type cvi_entity_bank = {
    .name = "bank",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise,
};
