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


/* The words that own a number (account, customer, contract, policy and
 * membership words of en, de, fr, it, es, nl, pt) and the fillers that may
 * stand between them and it ("no", "nr", "number", "ref", "is", ...),
 * lower-case, Latin-1 letters as UTF-8. `after` non-NULL: an owner only
 * right after that word ("numéro de police": the French "police" is an
 * insurance policy only there). Kept in strcmp order: looked up by binary
 * search. */
enum { W_OWNER = 1, W_FILLER = 2 };
static const struct { const char *w; uint8_t kind; const char *after; } words[] = {
    { "abbonato", W_OWNER, NULL }, { "abonado", W_OWNER, NULL }, { "abonne", W_OWNER, NULL }, { "abonnementsnummer", W_OWNER, NULL },
    { "abonn\xc3\xa9", W_OWNER, NULL }, { "acc", W_OWNER, NULL }, { "account", W_OWNER, NULL }, { "acct", W_OWNER, NULL },
    { "adherent", W_OWNER, NULL }, { "adh\xc3\xa9rent", W_OWNER, NULL }, { "afiliado", W_OWNER, NULL }, { "apolice", W_OWNER, NULL },
    { "ap\xc3\xb3lice", W_OWNER, NULL }, { "assinante", W_OWNER, NULL }, { "client", W_OWNER, NULL }, { "cliente", W_OWNER, NULL },
    { "cod", W_FILLER, NULL }, { "code", W_FILLER, NULL }, { "codice", W_FILLER, NULL }, { "codigo", W_FILLER, NULL },
    { "compte", W_OWNER, NULL }, { "conta", W_OWNER, NULL }, { "conto", W_OWNER, NULL }, { "contract", W_OWNER, NULL },
    { "contractnummer", W_OWNER, NULL }, { "contrat", W_OWNER, NULL }, { "contrato", W_OWNER, NULL }, { "contratto", W_OWNER, NULL },
    { "cuenta", W_OWNER, NULL }, { "customer", W_OWNER, NULL }, { "c\xc3\xb3" "digo", W_FILLER, NULL }, { "es", W_FILLER, NULL },
    { "est", W_FILLER, NULL }, { "id", W_FILLER, NULL }, { "is", W_FILLER, NULL }, { "ist", W_FILLER, NULL }, { "kd", W_OWNER, NULL },
    { "kdnr", W_OWNER, NULL }, { "klant", W_OWNER, NULL }, { "klantcode", W_OWNER, NULL }, { "klantnr", W_OWNER, NULL },
    { "klantnummer", W_OWNER, NULL }, { "klantreferentie", W_OWNER, NULL }, { "konto", W_OWNER, NULL }, { "kontonr", W_OWNER, NULL },
    { "kontonummer", W_OWNER, NULL }, { "kunde", W_OWNER, NULL }, { "kunden", W_OWNER, NULL }, { "kundenid", W_OWNER, NULL },
    { "kundennr", W_OWNER, NULL }, { "kundennummer", W_OWNER, NULL }, { "kundenreferenz", W_OWNER, NULL },
    { "lautet", W_FILLER, NULL }, { "lidmaatschap", W_OWNER, NULL }, { "lidmaatschapsnummer", W_OWNER, NULL },
    { "lidnummer", W_OWNER, NULL }, { "member", W_OWNER, NULL }, { "membership", W_OWNER, NULL }, { "mitglied", W_OWNER, NULL },
    { "mitglieds", W_OWNER, NULL }, { "mitgliedsnummer", W_OWNER, NULL }, { "n", W_FILLER, NULL }, { "no", W_FILLER, NULL },
    { "nr", W_FILLER, NULL }, { "nro", W_FILLER, NULL }, { "num", W_FILLER, NULL }, { "number", W_FILLER, NULL },
    { "numero", W_FILLER, NULL }, { "nummer", W_FILLER, NULL }, { "num\xc3\xa9ro", W_FILLER, NULL },
    { "n\xc3\xbamero", W_FILLER, NULL }, { "police", W_OWNER, "de" }, { "policennummer", W_OWNER, NULL },
    { "policy", W_OWNER, NULL }, { "polis", W_OWNER, NULL }, { "polisnummer", W_OWNER, NULL }, { "poliza", W_OWNER, NULL },
    { "polizza", W_OWNER, NULL }, { "p\xc3\xb3liza", W_OWNER, NULL }, { "ref", W_FILLER, NULL }, { "reference", W_FILLER, NULL },
    { "referencia", W_FILLER, NULL }, { "referentie", W_FILLER, NULL }, { "refer\xc3\xaancia", W_FILLER, NULL },
    { "rekening", W_OWNER, NULL }, { "rekeningnummer", W_OWNER, NULL }, { "riferimento", W_FILLER, NULL },
    { "r\xc3\xa9" "f\xc3\xa9rence", W_FILLER, NULL }, { "societaire", W_OWNER, NULL }, { "socio", W_OWNER, NULL },
    { "soci\xc3\xa9taire", W_OWNER, NULL }, { "subscriber", W_OWNER, NULL }, { "s\xc3\xb3" "cio", W_OWNER, NULL },
    { "tessera", W_OWNER, NULL }, { "utente", W_OWNER, NULL }, { "utenza", W_OWNER, NULL }, { "versicherungsnummer", W_OWNER, NULL },
    { "versicherungsscheinnummer", W_OWNER, NULL }, { "vertrag", W_OWNER, NULL }, { "vertrags", W_OWNER, NULL },
    { "vertragskonto", W_OWNER, NULL }, { "vertragsnr", W_OWNER, NULL }, { "vertragsnummer", W_OWNER, NULL },
    { "was", W_FILLER, NULL }, { "\xc3\xa8", W_FILLER, NULL }, { "\xc3\xa9", W_FILLER, NULL },
};

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Bytes between words: ASCII space and punctuation (one 64-bit mask: all
 * below '@'), and the UTF-8 "°", "º", NBSP, "’" (their length back from i). */
#define SEP_MASK ((1ull << ' ') | (1ull << '\t') | (1ull << ':') | (1ull << '#') | (1ull << '.') | (1ull << '=') | \
                  (1ull << '-') | (1ull << '(') | (1ull << ',') | (1ull << '/') | (1ull << '\'') | (1ull << '"'))
static int ascii_sep(unsigned char c) { return c < 64 && (SEP_MASK >> c & 1); }

static size_t high_sep_back(const unsigned char *p, size_t i, size_t floor)
{
    unsigned char c = p[i - 1];
    if (i - floor >= 2 && p[i - 2] == 0xC2 && (c == 0xB0 || c == 0xBA || c == 0xA0)) return 2;
    if (i - floor >= 3 && p[i - 3] == 0xE2 && p[i - 2] == 0x80 && c == 0x99) return 3;
    return 0;
}

/* The word ending at *i (after separators): moves *i to its start and
 * writes it lower-cased into w (cap 32). 0 if there is none (a digit, other
 * punctuation) or it is longer. */
static int word_back(const unsigned char *p, size_t *i, size_t floor, char w[32], size_t *wn)
{
    size_t e = *i;
    for (;;) {
        if (e <= floor) return 0;
        unsigned char c = p[e - 1];
        if (is_alpha(c)) break;
        if (c < 0x80) {
            if (!ascii_sep(c)) return 0;
            e--;
            continue;
        }
        size_t k = high_sep_back(p, e, floor);
        if (!k) break;
        e -= k;
    }
    size_t s = e;
    while (s > floor) {
        unsigned char c = p[s - 1];
        if (is_alpha(c)) { s--; continue; }
        if (c < 0x80 || high_sep_back(p, s, floor)) break;
        s--;
    }
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

static int word_kind(const char *w, const char **after)
{
    size_t lo = 0, hi = sizeof words / sizeof words[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = (unsigned char)words[mid].w[0] - (unsigned char)w[0];
        if (c == 0) c = strcmp(words[mid].w + 1, w + 1);
        if (c == 0) {
            *after = words[mid].after;
            return words[mid].kind;
        }
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return 0;
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
        const char *after = NULL;
        int k = word_kind(w, &after);
        if (k == W_OWNER) {
            if (!after) return 1;
            char v[32];
            size_t vn;
            return word_back(p, &i, floor, v, &vn) && strcmp(v, after) == 0;
        }
        if (k != W_FILLER) return 0;
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

static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }

/* The end of the code that starts at s: groups of letters and digits
 * joined by single dashes, dots or slashes, or by a space before a group
 * with a digit in its first four characters (so "12345678 please" ends at
 * the number); a joined group without digits is at most four capitals
 * ("123456-AB"). */
static size_t code_end(const unsigned char *p, size_t len, size_t s)
{
    size_t e = s;
    while (e < len && is_alnum(p[e])) e++;
    for (;;) {
        if (e + 1 >= len || !is_alnum(p[e + 1])) return e;
        unsigned char sep = p[e];
        size_t g = e + 1, ge = g, first_digit = (size_t)-1;
        int caps = 1;
        while (ge < len && is_alnum(p[ge])) {
            if (is_digit(p[ge]) && first_digit == (size_t)-1) first_digit = ge - g;
            caps &= p[ge] >= 'A' && p[ge] <= 'Z';
            ge++;
        }
        if (sep == ' ') {
            if (first_digit > 3) return e;
        } else if (sep == '-' || sep == '.' || sep == '/') {
            if (first_digit == (size_t)-1 && !(caps && ge - g <= 4)) return e;
        } else {
            return e;
        }
        e = ge;
    }
}

/* The code's start, if it begins with the digit run at d: up to six
 * letters glued before it ("BW8982281"), on a word boundary. */
static int code_start(const unsigned char *p, size_t d, size_t *s)
{
    size_t b = d;
    while (b > 0 && is_alpha(p[b - 1]) && d - b < 7) b--;
    if (b > 0 && is_alnum(p[b - 1])) return 0;
    *s = b;
    return 1;
}

/* "customer ref BW 8982281", "CUST-123456": a short capital prefix
 * before the digits belongs to the code; its start, or 0. */
static int capital_prefix(const char *text, size_t s, size_t *ps)
{
    size_t b = s;
    if (b < 3 || (text[b - 1] != ' ' && text[b - 1] != '-' && text[b - 1] != '/')) return 0;
    b--;
    while (b > 0 && text[b - 1] >= 'A' && text[b - 1] <= 'Z' && s - b <= 5) b--;
    if (s - b < 3 || s - b > 6 || (b > 0 && is_alnum((unsigned char)text[b - 1]))) return 0;
    *ps = b;
    return 1;
}

/* Try a code at every digit run that starts a word, cluster by cluster:
 * the owner word before it is looked for first (most numbers have none),
 * only then is the code read forward and judged. */
static int scan(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)o;
    const unsigned char *p = (const unsigned char *)text;
    int whole = f->nclusters > CV_MAX_CLUSTERS;
    uint32_t nc = whole ? 1 : f->nclusters;
    size_t done = 0;
    for (uint32_t c = 0; c < nc; c++) {
        size_t i = whole ? f->first_digit : f->cl_start[c], ce = whole ? len : f->cl_end[c];
        if (i < done) i = done;
        for (; i < ce; i++) {
            if (!is_digit(p[i]) || (i > 0 && is_digit(p[i - 1]))) continue;
            size_t s, ps;
            if (!code_start(p, i, &s)) continue;
            if (!owner_before(text, s)) {
                if (!capital_prefix(text, s, &ps) || !owner_before(text, ps)) continue;
                s = ps;
            }
            size_t e = code_end(p, len, s);
            char norm[48];
            size_t nl;
            if (!account_compact(text + s, e - s, norm, &nl) || amount_or_date(text + s, e - s)) continue;
            int rc = cvi_emit(em, s, e, norm, nl);
            if (rc) return rc;
            done = e;
            i = e;
        }
    }
    return 0;
}

const cv_detector_type cvi_detector_account = {
    .name = "account",
    .entity = CV_ENT_ACCOUNT,
    .priority = 2,   /* a card, IBAN or national id in the same place is that */
    .min_digits = 4,
    .scan = scan,
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
