/*
 * account.c - account-type numbers found by their context: a number or
 * code right after an account, customer, contract, policy or membership
 * word ("account no. 7604894019", "customer ref BW8982281", "Kundennummer
 * 4458 9866 3255", "n° de contrat 123456", "codice cliente AB12345",
 * "klantnummer 1234567", "número de conta 12345") is entity `account`,
 * tokenised by default. Only such a word, past fillers ("no", "nr", "#",
 * ":", "is", "ref", ...), makes one: order, ticket, tracking, invoice and
 * booking numbers, amounts, codes and readings stay. The span is the whole
 * code, inner spaces and dashes included, so no part of it is left.
 */
#include <string.h>

#include "filters.h"


/* The word that owns the number (lower-case; Latin-1 letters as UTF-8).
 * `after` non-NULL: only right after that word ("numéro de police": the
 * French "police" is an insurance policy only there). */
static const struct { const char *w, *after; } owners[] = {
    /* en */
    {"account", NULL}, {"acct", NULL}, {"acc", NULL}, {"customer", NULL}, {"client", NULL}, {"contract", NULL},
    {"policy", NULL}, {"membership", NULL}, {"member", NULL}, {"subscriber", NULL},
    /* de */
    {"konto", NULL}, {"kontonummer", NULL}, {"kontonr", NULL}, {"kunde", NULL}, {"kunden", NULL},
    {"kundennummer", NULL}, {"kundennr", NULL}, {"kundenid", NULL}, {"kundenreferenz", NULL}, {"kd", NULL},
    {"kdnr", NULL}, {"vertrag", NULL}, {"vertrags", NULL}, {"vertragsnummer", NULL}, {"vertragsnr", NULL},
    {"vertragskonto", NULL}, {"policennummer", NULL}, {"versicherungsnummer", NULL},
    {"versicherungsscheinnummer", NULL}, {"mitglied", NULL}, {"mitglieds", NULL}, {"mitgliedsnummer", NULL},
    /* fr */
    {"compte", NULL}, {"contrat", NULL}, {"adh\xc3\xa9rent", NULL}, {"adherent", NULL}, {"abonn\xc3\xa9", NULL},
    {"abonne", NULL}, {"soci\xc3\xa9taire", NULL}, {"societaire", NULL}, {"police", "de"},
    /* it */
    {"cliente", NULL}, {"conto", NULL}, {"contratto", NULL}, {"polizza", NULL}, {"tessera", NULL}, {"socio", NULL},
    {"utenza", NULL}, {"utente", NULL}, {"abbonato", NULL},
    /* es */
    {"cuenta", NULL}, {"contrato", NULL}, {"p\xc3\xb3liza", NULL}, {"poliza", NULL}, {"abonado", NULL},
    {"afiliado", NULL},
    /* nl */
    {"klant", NULL}, {"klantnummer", NULL}, {"klantnr", NULL}, {"klantcode", NULL}, {"klantreferentie", NULL},
    {"rekening", NULL}, {"rekeningnummer", NULL}, {"contractnummer", NULL}, {"polis", NULL}, {"polisnummer", NULL},
    {"lidnummer", NULL}, {"lidmaatschap", NULL}, {"lidmaatschapsnummer", NULL}, {"abonnementsnummer", NULL},
    /* pt */
    {"conta", NULL}, {"ap\xc3\xb3lice", NULL}, {"apolice", NULL}, {"s\xc3\xb3" "cio", NULL}, {"assinante", NULL},
};

/* Words that may stand between the owner and the number. */
static const char *const fillers[] = {
    "no", "n", "nr", "nro", "num", "number", "numero", "n\xc3\xbamero", "num\xc3\xa9ro", "nummer", "id", "ref",
    "reference", "r\xc3\xa9" "f\xc3\xa9rence", "referencia", "refer\xc3\xaancia", "riferimento", "referentie",
    "code", "codice", "c\xc3\xb3" "digo", "codigo", "cod", "is", "ist", "lautet", "est", "\xc3\xa8", "es",
    "\xc3\xa9", "was", NULL
};

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Bytes between words: ASCII punctuation and the UTF-8 "°", "º", NBSP, "’". */
static size_t sep_len_back(const unsigned char *p, size_t i)
{
    unsigned char c = p[i - 1];
    if (c == ' ' || c == '\t' || c == ':' || c == '#' || c == '.' || c == '=' || c == '-' || c == '(' ||
        c == ',' || c == '/' || c == '\'' || c == '"')
        return 1;
    if (i >= 2 && p[i - 2] == 0xC2 && (c == 0xB0 || c == 0xBA || c == 0xA0)) return 2;
    if (i >= 3 && p[i - 3] == 0xE2 && p[i - 2] == 0x80 && c == 0x99) return 3;
    return 0;
}

/* The word ending at i (after separators): its start in *b, lower-cased
 * into w (cap 32). 0 if there is none or it is longer. */
static int word_back(const unsigned char *p, size_t *i, size_t floor, char w[32], size_t *wn)
{
    size_t e = *i, s;
    while (e > floor) {
        size_t k = sep_len_back(p, e);
        if (!k) break;
        e -= k;
    }
    s = e;
    while (s > floor && !sep_len_back(p, s) && (is_alpha(p[s - 1]) || p[s - 1] >= 0x80)) s--;
    if (s == e || e - s >= 32) return 0;
    if (s > floor && is_digit(p[s - 1])) return 0;   /* glued to a number: not a word */
    for (size_t k = 0; k < e - s; k++) {
        unsigned char c = p[s + k];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        /* Latin-1 capitals (À-Þ, not ×) as UTF-8: C3 80-9E → C3 A0-BE */
        else if (k > 0 && p[s + k - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) c += 0x20;
        w[k] = (char)c;
    }
    w[e - s] = '\0';
    *wn = e - s;
    *i = s;
    return 1;
}

/* Does an owner word stand before start, past at most three fillers? */
static int owner_before(const char *text, size_t start)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t floor = start > 96 ? start - 96 : 0;
    size_t i = start;
    char w[32];
    size_t wn;
    for (int round = 0; round < 4; round++) {
        if (!word_back(p, &i, floor, w, &wn)) return 0;
        for (size_t k = 0; k < sizeof owners / sizeof owners[0]; k++) {
            if (owners[k].w[0] != w[0] || strcmp(owners[k].w, w) != 0) continue;
            if (!owners[k].after) return 1;
            size_t j = i;
            char v[32];
            size_t vn;
            return word_back(p, &j, floor, v, &vn) && strcmp(v, owners[k].after) == 0;
        }
        int filler = 0;
        for (size_t k = 0; fillers[k] && !filler; k++) filler = strcmp(fillers[k], w) == 0;
        if (!filler) return 0;
    }
    return 0;
}

/* Shapes that are not codes: an amount ("123.45", "1.234.567,00" has a
 * comma and never gets here), a date ("12.03.2024", "2024-03-12"). */
static int amount_or_date(const char *s, size_t n)
{
    size_t g[4], ng = 0, len = 0;
    char sep = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && is_digit((unsigned char)s[i])) { len++; continue; }
        if (i < n && !(s[i] == '.' || s[i] == '/' || s[i] == '-')) return 0;   /* letters, spaces */
        if (i < n && sep && s[i] != sep) return 0;
        if (i < n) sep = s[i];
        if (ng == 4 || len == 0) return 0;
        g[ng++] = len;
        len = 0;
    }
    if (ng == 2 && sep == '.' && g[1] == 2) return 1;                                  /* 1234.56 */
    if (ng == 3 && g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4)) return 1;         /* d.m.y */
    if (ng == 3 && g[0] == 4 && g[1] <= 2 && g[2] <= 2) return 1;                       /* y-m-d */
    return 0;
}

/* The lower-case compact form (letters and digits), if s[0..n) is a code
 * of 5 to 40 letters and digits with at least 4 digits. */
static int account_compact(const char *s, size_t n, char *norm, size_t *norm_len)
{
    size_t k = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-' || c == '.' || c == '/') continue;
        if (!is_digit(c) && !is_alpha(c)) return 0;
        if (k == 40) return 0;
        digits += is_digit(c);
        norm[k++] = (char)(is_alpha(c) ? c | 0x20 : c);
    }
    norm[k] = '\0';
    *norm_len = k;
    return k >= 5 && digits >= 4;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    (void)o;
    (void)len;
    const char *s = text + *start;
    size_t n = *end - *start;
    if (!account_compact(s, n, norm, norm_len) || amount_or_date(s, n)) return 0;
    if (owner_before(text, *start)) return 1;
    /* "customer ref BW 8982281": a short capital prefix is the code's */
    size_t b = *start;
    if (b < 2 || text[b - 1] != ' ') return 0;
    b--;
    while (b > 0 && text[b - 1] >= 'A' && text[b - 1] <= 'Z' && *start - b <= 5) b--;
    if (*start - b < 2 || *start - b > 5 || (b > 0 && (is_alpha((unsigned char)text[b - 1]) ||
                                                      is_digit((unsigned char)text[b - 1]))))
        return 0;
    if (!owner_before(text, b) || !account_compact(text + b, *end - b, norm, norm_len)) return 0;
    *start = b;
    return 1;
}

static int wanted(const cv_text_facts *f) { return f->digits >= 4; }

const cv_detector_type cvi_detector_account = {
    .name = "account",
    .entity = CV_ENT_ACCOUNT,
    .priority = 2,   /* a card, IBAN or national id in the same place is that */
    /* A code: groups of letters and digits joined by single dashes, dots or
     * slashes, or by spaces before a group with a digit in its first four
     * characters (so "12345678 please" ends at the number). */
    .pattern = "(?<![A-Za-z0-9])(?:[A-Za-z]{0,6}[0-9][A-Za-z0-9]*|[A-Z]{1,6}(?=[\\-./][A-Za-z0-9]*[0-9]))"
               "(?:[\\-./](?:[A-Za-z]{0,6}[0-9][A-Za-z0-9]*|[A-Z]{1,4}(?![A-Za-z0-9]))|"
               " [A-Za-z]{0,3}[0-9][A-Za-z0-9]*)*",
    .wanted = wanted,
    .validate = validate,
    .win_before = 8,
    .win_after = 6,
};

/* A value given as a field: a code of 5-40 letters and digits, 4 or more
 * of them digits, separators left out, lower-cased (as found in text). Any
 * other value ("acme-uk", a CDR accountcode naming a tenant) keeps the
 * generic form, so its token is what it was before this entity existed. */
static int normalise(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    (void)o;
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) len--;
    return len <= 64 && account_compact(in, len, norm, norm_len);
}

const cv_entity_type cvi_entity_account = {
    .name = "account",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = normalise,
};
