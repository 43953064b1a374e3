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
 * insurance policy only there). Grouped by first byte: a lookup compares
 * a few words of the right length. */
enum { W_OWNER = 1, W_FILLER = 2 };
typedef struct word { const char *w; uint8_t n, kind; const char *after; } word;
#define W(s, kind, after) { s, sizeof s - 1, kind, after }
static const word w_a[] = { W("abbonato", W_OWNER, NULL), W("abonado", W_OWNER, NULL),
    W("abonne", W_OWNER, NULL), W("abonnementsnummer", W_OWNER, NULL), W("abonn\xc3\xa9", W_OWNER, NULL),
    W("acc", W_OWNER, NULL), W("account", W_OWNER, NULL), W("acct", W_OWNER, NULL),
    W("adherent", W_OWNER, NULL), W("adh\xc3\xa9rent", W_OWNER, NULL), W("afiliado", W_OWNER, NULL),
    W("apolice", W_OWNER, NULL), W("ap\xc3\xb3lice", W_OWNER, NULL), W("assinante", W_OWNER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_c[] = { W("client", W_OWNER, NULL), W("cliente", W_OWNER, NULL), W("cod", W_FILLER, NULL),
    W("code", W_FILLER, NULL), W("codice", W_FILLER, NULL), W("codigo", W_FILLER, NULL),
    W("compte", W_OWNER, NULL), W("conta", W_OWNER, NULL), W("conto", W_OWNER, NULL),
    W("contract", W_OWNER, NULL), W("contractnummer", W_OWNER, NULL), W("contrat", W_OWNER, NULL),
    W("contrato", W_OWNER, NULL), W("contratto", W_OWNER, NULL), W("cuenta", W_OWNER, NULL),
    W("customer", W_OWNER, NULL), W("c\xc3\xb3" "digo", W_FILLER, NULL), { NULL, 0, 0, NULL } };
static const word w_e[] = { W("es", W_FILLER, NULL), W("est", W_FILLER, NULL), { NULL, 0, 0, NULL } };
static const word w_high[] = { W("\xc3\xa8", W_FILLER, NULL), W("\xc3\xa9", W_FILLER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_i[] = { W("id", W_FILLER, NULL), W("is", W_FILLER, NULL), W("ist", W_FILLER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_k[] = { W("kd", W_OWNER, NULL), W("kdnr", W_OWNER, NULL), W("klant", W_OWNER, NULL),
    W("klantcode", W_OWNER, NULL), W("klantnr", W_OWNER, NULL), W("klantnummer", W_OWNER, NULL),
    W("klantreferentie", W_OWNER, NULL), W("konto", W_OWNER, NULL), W("kontonr", W_OWNER, NULL),
    W("kontonummer", W_OWNER, NULL), W("kunde", W_OWNER, NULL), W("kunden", W_OWNER, NULL),
    W("kundenid", W_OWNER, NULL), W("kundennr", W_OWNER, NULL), W("kundennummer", W_OWNER, NULL),
    W("kundenreferenz", W_OWNER, NULL), { NULL, 0, 0, NULL } };
static const word w_l[] = { W("lautet", W_FILLER, NULL), W("lidmaatschap", W_OWNER, NULL),
    W("lidmaatschapsnummer", W_OWNER, NULL), W("lidnummer", W_OWNER, NULL), { NULL, 0, 0, NULL } };
static const word w_m[] = { W("member", W_OWNER, NULL), W("membership", W_OWNER, NULL),
    W("mitglied", W_OWNER, NULL), W("mitglieds", W_OWNER, NULL), W("mitgliedsnummer", W_OWNER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_n[] = { W("n", W_FILLER, NULL), W("no", W_FILLER, NULL), W("nr", W_FILLER, NULL),
    W("nro", W_FILLER, NULL), W("num", W_FILLER, NULL), W("number", W_FILLER, NULL),
    W("numero", W_FILLER, NULL), W("nummer", W_FILLER, NULL), W("num\xc3\xa9ro", W_FILLER, NULL),
    W("n\xc3\xbamero", W_FILLER, NULL), { NULL, 0, 0, NULL } };
static const word w_p[] = { W("police", W_OWNER, "de"), W("policennummer", W_OWNER, NULL),
    W("policy", W_OWNER, NULL), W("polis", W_OWNER, NULL), W("polisnummer", W_OWNER, NULL),
    W("poliza", W_OWNER, NULL), W("polizza", W_OWNER, NULL), W("p\xc3\xb3liza", W_OWNER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_r[] = { W("ref", W_FILLER, NULL), W("reference", W_FILLER, NULL),
    W("referencia", W_FILLER, NULL), W("referentie", W_FILLER, NULL), W("refer\xc3\xaancia", W_FILLER, NULL),
    W("rekening", W_OWNER, NULL), W("rekeningnummer", W_OWNER, NULL), W("riferimento", W_FILLER, NULL),
    W("r\xc3\xa9" "f\xc3\xa9rence", W_FILLER, NULL), { NULL, 0, 0, NULL } };
static const word w_s[] = { W("societaire", W_OWNER, NULL), W("socio", W_OWNER, NULL),
    W("soci\xc3\xa9taire", W_OWNER, NULL), W("subscriber", W_OWNER, NULL), W("s\xc3\xb3" "cio", W_OWNER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_t[] = { W("tessera", W_OWNER, NULL), { NULL, 0, 0, NULL } };
static const word w_u[] = { W("utente", W_OWNER, NULL), W("utenza", W_OWNER, NULL), { NULL, 0, 0, NULL } };
static const word w_v[] = { W("versicherungsnummer", W_OWNER, NULL),
    W("versicherungsscheinnummer", W_OWNER, NULL), W("vertrag", W_OWNER, NULL), W("vertrags", W_OWNER, NULL),
    W("vertragskonto", W_OWNER, NULL), W("vertragsnr", W_OWNER, NULL), W("vertragsnummer", W_OWNER, NULL),
    { NULL, 0, 0, NULL } };
static const word w_w[] = { W("was", W_FILLER, NULL), { NULL, 0, 0, NULL } };

/* The words beginning with byte c: ASCII letters, and C3 (accented ones). */
static const word *bucket(unsigned char c)
{
    switch (c) {
    case 'a': return w_a;
    case 'c': return w_c;
    case 'e': return w_e;
    case 0xC3: return w_high;
    case 'i': return w_i;
    case 'k': return w_k;
    case 'l': return w_l;
    case 'm': return w_m;
    case 'n': return w_n;
    case 'p': return w_p;
    case 'r': return w_r;
    case 's': return w_s;
    case 't': return w_t;
    case 'u': return w_u;
    case 'v': return w_v;
    case 'w': return w_w;
    default: return NULL;
    }
}


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

/* The word ending at *i (after separators): moves *i to its start, its
 * length to *wn. 0 if there is none (a digit, other punctuation) or it is
 * 32 bytes or longer. */
static int word_back(const unsigned char *p, size_t *i, size_t floor, size_t *wn)
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
    *wn = e - s;
    *i = s;
    return 1;
}

/* p[0..n) equals the lower-case w, ASCII letters and Latin-1 capitals
 * (À-Þ but ×, as UTF-8 C3 80-9E) folded. */
static int same_folded(const unsigned char *p, const char *w, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char c = p[k];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        else if (k > 0 && p[k - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) c += 0x20;
        if (c != (unsigned char)w[k]) return 0;
    }
    return 1;
}

/* The kind of the word p[0..n) (W_OWNER, W_FILLER, 0), compared in place. */
static int word_kind(const unsigned char *p, size_t n, const char **after)
{
    const word *b = bucket(p[0] >= 'A' && p[0] <= 'Z' ? p[0] | 0x20 : p[0]);
    for (; b && b->w; b++)
        if (b->n == n && same_folded(p, b->w, n)) {
            *after = b->after;
            return b->kind;
        }
    return 0;
}

/* The owner words, the gate's cues: every code has one before it. */
static size_t owner_cues(const char **v, size_t cap)
{
    static const word *const all[] = { w_a, w_c, w_e, w_high, w_i, w_k, w_l, w_m, w_n, w_p, w_r, w_s, w_t, w_u,
                                       w_v, w_w };
    size_t n = 0;
    for (size_t b = 0; b < sizeof all / sizeof *all; b++)
        for (const word *w = all[b]; w->w; w++)
            if (w->kind == W_OWNER) {
                if (n < cap) v[n] = w->w;
                n++;
            }
    return n;
}

/* Does an owner word stand before start, past at most three fillers? */
static int owner_before(const char *text, size_t start)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t floor = start > 96 ? start - 96 : 0;
    size_t i = start, wn;
    for (int round = 0; round < 4; round++) {
        if (!word_back(p, &i, floor, &wn)) return 0;
        const char *after = NULL;
        int k = word_kind(p + i, wn, &after);
        if (k == W_OWNER) {
            if (!after) return 1;
            size_t an = strlen(after);
            return word_back(p, &i, floor, &wn) && wn == an && same_folded(p + i, after, an);
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
        if (!whole && f->cl_digits[c] < 4) continue;   /* a code's digits are in one cluster */
        size_t i = whole ? f->first_digit : f->cl_start[c], ce = whole ? len : f->cl_end[c];
        if (i < done) i = done;
        while (i < ce) {
            if (!is_digit(p[i])) { i++; continue; }
            size_t run = i;   /* a run starts here; the next try is after it */
            while (i < ce && is_digit(p[i])) i++;
            size_t s, ps;
            if (!code_start(p, run, &s)) continue;
            /* the next group of a number ("6" in "+33 6 39"): no word before it */
            if (s >= 2 && is_digit(p[s - 2]) && !is_alnum(p[s - 1])) continue;
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
            i = e;   /* a code ends on a byte that is no digit */
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
    .cues = owner_cues,
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
