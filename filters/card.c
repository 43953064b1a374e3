/*
 * card.c - payment card number detector: 12-19 digits, plain or grouped
 * with single spaces, dashes or dots (one kind per number), Luhn-valid and
 * in an issuer range (issuer_range: Visa, Mastercard, Amex, Diners,
 * Discover, JCB, UnionPay, Mir, Maestro, UATP; 12-digit Maestro (50,
 * 56-69) after a card word). Not
 * glued to digits; glued to letters only after a card word ("card4111...").
 * Normalised to digits.
 */
#include <string.h>
#include <strings.h>

#include "filters.h"


static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* The issuer ranges (ISO/IEC 7812 IINs) by length, as the schemes publish
 * them: 2200-2204 Mir (16-19), 2221-2720 Mastercard (16), 34/37 Amex (15),
 * 30/36/38/39 Diners (14-19), 35 JCB (16-19), 4 Visa (13-19), 5
 * Mastercard and Maestro (12-19), 6 Discover, UnionPay, Maestro (12-19);
 * 15 digits beginning 1800, 2131 (JCB) or 1 (UATP). The rest of the 2 and
 * 3 ranges is no card's, so "20250911043427" (a timestamp) is none. */
static int issuer_range(const char *d, size_t k)
{
    if (k < 12 || k > 19) return 0;
    if (k == 12) return d[0] == '5' ? d[1] == '0' || d[1] >= '6' : d[0] == '6';
    unsigned p4 = (unsigned)(d[0] - '0') * 1000 + (unsigned)(d[1] - '0') * 100 + (unsigned)(d[2] - '0') * 10 +
                  (unsigned)(d[3] - '0');
    switch (d[0]) {
    case '1':
        return k == 15;
    case '2':
        if (k == 15 && p4 == 2131) return 1;
        return (p4 >= 2200 && p4 <= 2204 && k >= 16) || (p4 >= 2221 && p4 <= 2720 && k == 16);
    case '3':
        if (d[1] == '4' || d[1] == '7') return k == 15;
        if (d[1] == '0' || d[1] == '6' || d[1] == '8' || d[1] == '9') return k >= 14;
        return d[1] == '5' && k >= 16;
    case '4':
        return k >= 13;
    case '5':
    case '6':
        return k >= 13;
    default:
        return 0;
    }
}

/* Digits of s[0..n) if it is a well-formed card number; else 0. */
static int card_digits(const char *s, size_t n, char *d, size_t *nd)
{
    size_t k = 0;
    char sep = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (k == 19) return 0;
            d[k++] = (char)c;
        } else if (c == ' ' || c == '-' || c == '.') {
            if (sep && sep != c) return 0;
            if (i == 0 || i + 1 == n || !is_digit((unsigned char)s[i - 1])) return 0;
            sep = (char)c;
        } else {
            return 0;
        }
    }
    d[k] = '\0';
    if (!issuer_range(d, k) || !cvi_luhn_valid(d, k)) return 0;
    *nd = k;
    return 1;
}

static const char *const card_words[] = {
    "card", "cards", "cc", "visa", "amex", "mastercard", "maestro", "debit", "credit", "carta", "karte",
    "kreditkarte", "tarjeta", "cartão", "cartao", "kaart", "creditcard", "pinpas", "bancomat", "cb", "jcb",
    "diners", "discover", "unionpay", NULL
};

static int is_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Letters glued before the number ("card4111...") must be a card word. */
static int glued_ok(const char *text, size_t start)
{
    if (start == 0 || !is_letter((unsigned char)text[start - 1])) return 1;
    size_t i = start;
    while (i > 0 && is_letter((unsigned char)text[i - 1])) i--;
    if (i > 0 && (is_digit((unsigned char)text[i - 1]) || text[i - 1] == '_')) return 0;
    for (size_t k = 0; card_words[k]; k++)
        if (strlen(card_words[k]) == start - i && strncasecmp(text + i, card_words[k], start - i) == 0) return 1;
    return 0;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    if (!glued_ok(text, *start)) return 0;
    const char *s = text + *start;
    size_t n = *end - *start;
    /* 12 digits are a Maestro card only where a card word says so */
    int word = cvi_keyword_before(text, *start, 40, card_words);
    if (card_digits(s, n, norm, norm_len) && (*norm_len > 12 || word)) return 1;
    /* Grouped numbers run together ("... 3456 4111 1111 1111 1111"): try
     * ending at an earlier separator. */
    for (size_t e = n - 1; e >= 13; e--) {
        if ((s[e] == ' ' || s[e] == '-' || s[e] == '.') && card_digits(s, e, norm, norm_len) &&
            (*norm_len > 12 || word)) {
            *end = *start + e;
            return 1;
        }
    }
    return 0;
}

static int norm_card(const char *in, size_t len, char *norm, size_t *norm_len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_digit(c)) {
            if (k == 19) return 0;
            norm[k++] = (char)c;
        } else if (c != ' ' && c != '-' && c != '.' && c != '\t') {
            return 0;
        }
    }
    norm[k] = '\0';
    *norm_len = k;
    return issuer_range(norm, k) && cvi_luhn_valid(norm, k);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }

const cv_detector_type cvi_detector_card = {
    .name = "card",
    .entity = CV_ENT_CARD,
    .priority = 7,
    /* letters glued before are judged by validate; a '+' or a digit
     * before is a phone's or another number's */
    .pattern = "(?<![0-9+.])[1-6](?:[ .\\-]?[0-9]){11,18}(?![A-Za-z0-9]|[.\\-][0-9])",
    .compile_flags = 0,
    .min_digits = 12,
    .cluster_digits = 12,   /* 12 to 19 digits, at most one byte apart: all in one cluster */
    .search_from = search_from,
    .validate = validate,
    .win_before = 1,
    .win_after = 1,
};

static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    return len <= 64 && norm_card(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_card = {
    .name = "card",
    .default_action = CV_DEFAULT_MASK,
    .normalise = normalise,
};
