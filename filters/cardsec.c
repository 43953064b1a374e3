/*
 * cardsec.c - what completes a card number: its security code (entity cvv:
 * 3 or 4 digits after CVV, CVC, CVV2, CID, CSC, "security code" and their
 * names in the languages served) and its expiry date (entity card_expiry:
 * MM/YY, MM/YYYY, MM-YY after "exp", "expiry", "valid thru", "scadenza",
 * "gültig bis", "date d'expiration", "caducidad", "vervaldatum",
 * "validade", ...). Both are redacted by default: PCI DSS forbids keeping
 * the code at all. Without their keyword three digits or a month and a
 * year are something else, so the keyword is required right before the
 * value (separators and a few filler words between: "CVV is 123").
 */
#include <string.h>
#include <strings.h>

#include "filters.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static unsigned char ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c; }

/* A lower-case word of a list and its length: the lists are tried at every
 * 3-4 digit run, so a word is ruled out by its length and one byte before
 * any strncasecmp (ASCII-only in the C locale, as the compare here). */
typedef struct kw {
    const char *s;
    uint8_t n;
} kw;
#define KW(x) { x, sizeof x - 1 }

/* Words that may stand between a keyword and its value ("CVV is 123",
 * "expiry date: 09/27", "security code on the back: 456"). */
static const kw fillers[] = {
    KW("is"), KW("are"), KW("was"), KW("number"), KW("no"), KW("nr"), KW("code"), KW("date"), KW("the"),
    KW("on"), KW("back"), KW("of"), KW("card"), KW("your"), KW("my"), KW("it's"), KW("sono"), KW("sind"),
    KW("son"), KW("zijn"), KW("são"), KW("sont"), KW("es"), KW("est"), KW("ist"), KW("e"), KW("è"), KW("é"),
    KW("de"), KW("del"), KW("la"), KW("le"), KW("il"), KW("der"), KW("die"), KW("van"), KW("da"), KW("do"),
    { NULL, 0 }
};

static int word_in(const char *w, size_t n, const kw *list)
{
    unsigned char c0 = n ? ascii_lower((unsigned char)w[0]) : 0;
    for (size_t k = 0; list[k].s; k++)
        if (list[k].n == n && (unsigned char)list[k].s[0] == c0 && strncasecmp(w, list[k].s, n) == 0) return 1;
    return 0;
}

/* One of list ends right at text[p], starting at a word boundary; ASCII
 * case-insensitive. */
static int keyword_ends_at(const char *text, size_t p, const kw *list)
{
    if (p == 0) return 0;   /* no keyword is empty */
    unsigned char last = ascii_lower((unsigned char)text[p - 1]);
    for (size_t k = 0; list[k].s; k++) {
        size_t n = list[k].n;
        if (n > p || (unsigned char)list[k].s[n - 1] != last || strncasecmp(text + p - n, list[k].s, n) != 0)
            continue;
        if (p - n == 0 || !is_alpha((unsigned char)text[p - n - 1])) return 1;
    }
    return 0;
}

/* A keyword of list right before text[d], past separators and at most four
 * filler words. */
static int keyword_before_value(const char *text, size_t d, const kw *list)
{
    size_t p = d;
    for (int round = 0; round < 5; round++) {
        while (p > 0 && (text[p - 1] == ' ' || text[p - 1] == ':' || text[p - 1] == '=' || text[p - 1] == '-' ||
                         text[p - 1] == '#' || text[p - 1] == '(' || text[p - 1] == ','))
            p--;
        if (keyword_ends_at(text, p, list)) return 1;
        size_t e = p;
        while (p > 0 && (is_alpha((unsigned char)text[p - 1]) || (unsigned char)text[p - 1] >= 0x80 ||
                         text[p - 1] == '\''))
            p--;
        if (p == e || !word_in(text + p, e - p, fillers)) return 0;
    }
    return 0;
}

static const kw cvv_words[] = {
    KW("cvv"), KW("cvc"), KW("cvv2"), KW("cvc2"), KW("cvn"), KW("cid"), KW("csc"), KW("security code"),
    KW("security number"), KW("card verification"), KW("verification code"), KW("3 digits"), KW("three digits"),
    KW("codice di sicurezza"), KW("codice cvv"), KW("prüfnummer"), KW("kartenprüfnummer"),
    KW("sicherheitscode"), KW("cryptogramme"), KW("code de sécurité"), KW("código de seguridad"),
    KW("codigo de seguridad"), KW("beveiligingscode"), KW("veiligheidscode"), KW("código de segurança"),
    KW("codigo de seguranca"), { NULL, 0 }
};

/* A list's words as the gate's cues (cv_detector_type.cues). */
static size_t kw_cues(const kw *list, const char **v, size_t cap)
{
    size_t n = 0;
    for (; list[n].s; n++)
        if (n < cap) v[n] = list[n].s;
    return n;
}

static size_t cvv_cues(const char **v, size_t cap) { return kw_cues(cvv_words, v, cap); }

/* The digit runs try_cvv takes: 3 or 4 digits. */
#define CVV_RUNS (CV_RUN(3) | CV_RUN(4))

static int try_cvv(const cv_detect_opts *o, const char *text, size_t len, size_t d, size_t e, cv_emit *em)
{
    (void)o;
    if (e - d < 3 || e - d > 4) return 0;
    unsigned char before = d > 0 ? (unsigned char)text[d - 1] : ' ';
    if (before == '.' || before == ',' || before == '/' || before == '-' || before == '+' || before == '#' ||
        before == '@')
        return 0;
    if (e < len) {
        unsigned char c = (unsigned char)text[e];
        if (is_alpha(c)) return 0;
        if ((c == '.' || c == ',' || c == ':' || c == '/' || c == '-') && e + 1 < len &&
            is_digit((unsigned char)text[e + 1]))
            return 0;
    }
    if (!keyword_before_value(text, d, cvv_words)) return 0;
    return cvi_emit(em, d, e, text + d, e - d);
}

static int scan_cvv(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    return cvi_each_digit_run(o, text, len, f, CVV_RUNS, try_cvv, em);
}

static const kw expiry_words[] = {
    KW("exp"), KW("expiry"), KW("expires"), KW("expiration"), KW("expiring"), KW("valid thru"),
    KW("valid through"), KW("valid until"), KW("good thru"), KW("mm/yy"), KW("scadenza"), KW("scade"),
    KW("gültig bis"), KW("gueltig bis"), KW("ablauf"), KW("ablaufdatum"), KW("date d'expiration"), KW("expire"),
    KW("validité"), KW("caducidad"), KW("caduca"), KW("vencimiento"), KW("vence"), KW("vervaldatum"),
    KW("geldig tot"), KW("verloopt"), KW("validade"), KW("vencimento"), KW("válido até"), KW("valido ate"), { NULL, 0 }
};

static size_t expiry_cues(const char **v, size_t cap) { return kw_cues(expiry_words, v, cap); }

/* The match is "M[M] / YY[YY]"; normalised "YYYY-MM". */
static int validate_expiry(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                           char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const char *s = text + *start;
    size_t n = *end - *start, i = 0;
    int m = 0, y = 0, yd = 0;
    while (i < n && is_digit((unsigned char)s[i])) m = m * 10 + (s[i++] - '0');
    while (i < n && !is_digit((unsigned char)s[i])) i++;
    while (i < n && is_digit((unsigned char)s[i])) { y = y * 10 + (s[i++] - '0'); yd++; }
    if (m < 1 || m > 12 || (yd != 2 && yd != 4)) return 0;
    if (yd == 2) y += 2000;
    if (y < 2000 || y > 2099) return 0;
    if (!keyword_before_value(text, *start, expiry_words)) return 0;
    norm[0] = (char)('0' + y / 1000);
    norm[1] = (char)('0' + y / 100 % 10);
    norm[2] = (char)('0' + y / 10 % 10);
    norm[3] = (char)('0' + y % 10);
    norm[4] = '-';
    norm[5] = (char)('0' + m / 10);
    norm[6] = (char)('0' + m % 10);
    norm[7] = '\0';
    *norm_len = 7;
    return 1;
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit; }
/* Month and year (3 digits or more: cluster_digits) stand in one cluster
 * with a '/' or '-' between them. */
static int expiry_cluster(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)text;
    (void)len;
    return (f->cl_gaps[i] & (CV_GAP_SLASH | CV_GAP_DASH)) != 0;
}

const cv_detector_type cvi_detector_cvv = {
    .name = "cvv",
    .entity = CV_ENT_CVV,
    .priority = 5,
    /* texts without a run try_cvv takes are skipped before the scan */
    .min_digits = 3,
    .runs_any = CVV_RUNS,
    .scan = scan_cvv,
    .cues = cvv_cues,
};

const cv_detector_type cvi_detector_card_expiry = {
    .name = "card_expiry",
    .entity = CV_ENT_CARD_EXPIRY,
    .priority = 5,
    .pattern = "(?<![0-9./-])(?:0?[1-9]|1[0-2]) ?[/-] ?(?:20)?[0-9]{2}(?![0-9]|[./-][0-9])",
    .min_digits = 3,
    .runs_any = CV_RUN(1) | CV_RUN(2),   /* the month: no digit before it, a separator after */
    .cluster_wanted = expiry_cluster,
    .cluster_digits = 3,
    .search_from = search_from,
    .validate = validate_expiry,
    .cues = expiry_cues,
    .win_before = 0,
    .win_after = 1,
};

static int normalise_cvv(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    while (len > 0 && in[0] == ' ') { in++; len--; }
    while (len > 0 && in[len - 1] == ' ') len--;
    if (len < 3 || len > 4) return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)in[i])) return 0;
    memcpy(norm, in, len);
    norm[len] = '\0';
    *norm_len = len;
    return 1;
}

static int normalise_expiry(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    /* a field holds the date alone: validate it without the keyword */
    static const char lead[] = "exp ";
    char buf[32];
    while (len > 0 && in[0] == ' ') { in++; len--; }
    while (len > 0 && in[len - 1] == ' ') len--;
    if (len == 0 || len + sizeof lead > sizeof buf) return 0;
    memcpy(buf, lead, sizeof lead - 1);
    memcpy(buf + sizeof lead - 1, in, len);
    size_t st = sizeof lead - 1, en = st + len;
    return validate_expiry(o, buf, en, &st, &en, norm, norm_len);
}

const cv_entity_type cvi_entity_cvv = {
    .name = "cvv",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise_cvv,
};

const cv_entity_type cvi_entity_card_expiry = {
    .name = "card_expiry",
    .default_action = CV_DEFAULT_REDACT,
    .normalise = normalise_expiry,
};
