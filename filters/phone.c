/*
 * phone.c - phone number detector and E.164 normaliser. Candidates are
 * runs of digit groups with the usual separators; validation reads them as
 * international (+CC, 00CC, 011 in US) or national numbers of opts->region
 * (GB IE IT DE FR ES NL US), and rejects dates, amounts, IPs, glued ids and
 * numbers that follow words like "order" or "ticket".
 */
#include <string.h>

#include "filters.h"


#define MAXG 10
#define MAXD 40

typedef struct pparse {
    char d[MAXD + 1];
    int nd;
    int plus;
    int ng;
    uint8_t glen[MAXG];
    uint8_t gparen[MAXG];
    char sep[MAXG];           /* separator before group g: ' ', '-', '.', '/', or 'p' (bracket) */
    uint32_t gend[MAXG];      /* offset just after group g */
    int zero_paren;           /* index in d of a "(0)" trunk digit, or -1 */
} pparse;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* ITU-T E.164 assigned country calling codes (prefix-free). */
static const uint8_t cc2[] = { 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
                               51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84,
                               86, 90, 91, 92, 93, 94, 95, 98 };
static const uint16_t cc3[][2] = {
    {211, 213}, {216, 216}, {218, 218}, {220, 258}, {260, 269}, {290, 291}, {297, 299}, {350, 359},
    {370, 383}, {385, 387}, {389, 389}, {420, 421}, {423, 423}, {500, 509}, {590, 599}, {670, 670},
    {672, 683}, {685, 692}, {800, 800}, {808, 808}, {850, 850}, {852, 853}, {855, 856}, {870, 870},
    {878, 878}, {880, 883}, {886, 886}, {888, 888}, {960, 968}, {970, 977}, {979, 979}, {992, 996},
    {998, 998},
};

static int cc_lookup(const char *d, size_t n)
{
    if (n < 1 || !is_digit((unsigned char)d[0])) return 0;
    if (d[0] == '1' || d[0] == '7') return 1;
    if (n < 2 || !is_digit((unsigned char)d[1])) return 0;
    unsigned two = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
    for (size_t i = 0; i < sizeof cc2; i++)
        if (cc2[i] == two) return 2;
    if (n < 3 || !is_digit((unsigned char)d[2])) return 0;
    unsigned three = two * 10 + (unsigned)(d[2] - '0');
    for (size_t i = 0; i < sizeof cc3 / sizeof cc3[0]; i++)
        if (three >= cc3[i][0] && three <= cc3[i][1]) return 3;
    return 0;
}

int cv_phone_cc_len(const char *e164, size_t len)
{
    if (len < 2 || e164[0] != '+') return 0;
    return cc_lookup(e164 + 1, len - 1);
}

/* Structure of a written number; 0 if it is not shaped like one. */
static int parse(const char *s, size_t n, pparse *pp)
{
    pp->nd = pp->plus = pp->ng = 0;
    pp->zero_paren = -1;
    size_t i = 0;
    int depth = 0, prev_digit = 0, paren_seen = 0;
    char sep = 0;
    if (i < n && s[i] == '(') { depth = 1; i++; while (i < n && s[i] == ' ') i++; }
    if (i < n && s[i] == '+') { pp->plus = 1; i++; }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (!prev_digit) {
                if (pp->ng == MAXG) return 0;
                pp->gparen[pp->ng] = depth > 0;
                pp->glen[pp->ng] = 0;
                pp->sep[pp->ng] = pp->ng == 0 ? 0 : sep ? sep : paren_seen ? 'p' : ' ';
                pp->ng++;
                sep = 0;
                paren_seen = 0;
            }
            if (pp->nd == MAXD) return 0;
            pp->d[pp->nd++] = (char)c;
            pp->glen[pp->ng - 1]++;
            pp->gend[pp->ng - 1] = (uint32_t)(i + 1);
            prev_digit = 1;
            continue;
        }
        prev_digit = 0;
        if (pp->ng == 0) return 0;
        if (c == '(') {
            if (depth) return 0;
            depth = 1;
            paren_seen = 1;
        } else if (c == ')') {
            if (!depth) return 0;
            depth = 0;
            paren_seen = 1;
            /* "+44 (0)20 ...": the bracketed national trunk prefix */
            int g = pp->ng - 1;
            if (g > 0 && pp->glen[g] == 1 && pp->gparen[g] && pp->d[pp->nd - 1] == '0' && pp->zero_paren < 0)
                pp->zero_paren = pp->nd - 1;
        } else if (c == '-' || c == '.' || c == '/') {
            if (sep && sep != ' ') return 0;
            sep = (char)c;
        } else if (c == ' ' || c == '\t') {
            if (!sep) sep = ' ';
        } else {
            return 0;
        }
    }
    if (depth || pp->ng == 0 || !prev_digit) return 0;
    pp->d[pp->nd] = '\0';
    return 1;
}

static int nanp_ok(const char *d) { return d[0] >= '2' && d[3] >= '2'; }

/* "(NXX) NXX-XXXX", "NXX-NXX-XXXX", optionally after "1-" / "1 ": a shape
 * no other supported country writes. */
static int nanp_distinctive(const pparse *pp, const char **digits)
{
    int g = 0;
    if (pp->plus) return 0;
    if (pp->ng == 4 && pp->glen[0] == 1 && pp->d[0] == '1') g = 1;
    if (pp->ng - g != 3 || pp->glen[g] != 3 || pp->glen[g + 1] != 3 || pp->glen[g + 2] != 4) return 0;
    const char *d = pp->d + g;
    if (!nanp_ok(d)) return 0;
    int ok = 0;
    if (pp->gparen[g] && !pp->gparen[g + 1] && !pp->gparen[g + 2] &&
        (pp->sep[g + 2] == '-' || pp->sep[g + 2] == '.' || pp->sep[g + 2] == ' '))
        ok = 1;
    if (!pp->gparen[g] && pp->sep[g + 1] == '-' && pp->sep[g + 2] == '-') ok = 1;
    if (ok) *digits = d;
    return ok;
}

static int put(char *out, size_t cap, size_t *out_len, const char *cc, const char *nat, size_t nn)
{
    size_t lc = strlen(cc);
    if (1 + lc + nn + 1 > cap) return 0;
    out[0] = '+';
    memcpy(out + 1, cc, lc);
    memcpy(out + 1 + lc, nat, nn);
    out[1 + lc + nn] = '\0';
    *out_len = 1 + lc + nn;
    return 1;
}

#define RG(a, b) ((a) << 8 | (b))

/* International digits (calling code first) → E.164. */
static int intl(const char *d, size_t n, int zero_dropped, char *out, size_t cap, size_t *out_len)
{
    int cl = cc_lookup(d, n);
    if (cl < 1 || cl > 3) return 0;
    char cc[4];
    int ccv = 0;
    for (int i = 0; i < cl; i++) {
        cc[i] = d[i];
        ccv = ccv * 10 + (d[i] - '0');
    }
    cc[cl] = '\0';
    const char *nat = d + cl;
    size_t nn = n - (size_t)cl;
    /* A written national trunk 0 after the code ("+44 07700 ..."), except where
     * the 0 belongs to the number (Italy, Ivory Coast, Congo, San Marino, Vatican). */
    int keep0 = ccv == 39 || ccv == 225 || ccv == 242 || ccv == 378 || ccv == 379;
    if (!zero_dropped && !keep0 && nn > 0 && nat[0] == '0') { nat++; nn--; }
    size_t lo = 4, hi = 14;
    switch (ccv) {
    case 44: lo = 9; hi = 10; break;
    case 353: lo = 7; hi = 9; break;
    case 39: lo = 6; hi = 11; break;
    case 49: lo = 6; hi = 13; break;
    case 33: case 34: case 31: lo = 9; hi = 9; break;
    case 1: lo = 10; hi = 10; break;
    default: break;
    }
    if (nn < lo || nn > hi || (size_t)cl + nn < 8 || (size_t)cl + nn > 15) return 0;
    if (ccv == 1 && !nanp_ok(nat)) return 0;
    return put(out, cap, out_len, cc, nat, nn);
}

static int nd_ok(char c) { return c >= '1' && c <= '9'; }

/* National number of region `rg` (RG code) → E.164. */
static int national(int rg, const char *d, size_t n, char *out, size_t cap, size_t *out_len)
{
    switch (rg) {
    case RG('G', 'B'):
        if (d[0] == '0' && nd_ok(d[1]) && n >= 10 && n <= 11) return put(out, cap, out_len, "44", d + 1, n - 1);
        break;
    case RG('I', 'E'):
        if (d[0] == '0' && nd_ok(d[1]) && n >= 8 && n <= 10) return put(out, cap, out_len, "353", d + 1, n - 1);
        break;
    case RG('I', 'T'):
        if ((d[0] == '0' && n >= 6 && n <= 11) || (d[0] == '3' && n >= 9 && n <= 10))
            return put(out, cap, out_len, "39", d, n);
        break;
    case RG('D', 'E'):
        if (d[0] == '0' && nd_ok(d[1]) && n >= 7 && n <= 12) return put(out, cap, out_len, "49", d + 1, n - 1);
        break;
    case RG('F', 'R'):
        if (d[0] == '0' && nd_ok(d[1]) && n == 10) return put(out, cap, out_len, "33", d + 1, n - 1);
        break;
    case RG('E', 'S'):
        if (n == 9 && d[0] >= '6' && d[0] <= '9') return put(out, cap, out_len, "34", d, n);
        break;
    case RG('N', 'L'):
        if (d[0] == '0' && nd_ok(d[1]) && n == 10) return put(out, cap, out_len, "31", d + 1, n - 1);
        break;
    case RG('U', 'S'):
        if (n == 10 && nanp_ok(d)) return put(out, cap, out_len, "1", d, n);
        if (n == 11 && d[0] == '1' && nanp_ok(d + 1)) return put(out, cap, out_len, "1", d + 1, 10);
        break;
    default: break;
    }
    return 0;
}

enum { F_INTL = 1, F_NATIONAL = 2 };

/* E.164 from a parsed number; *form tells international from national. */
static int to_e164(const cv_detect_opts *o, const pparse *pp, int strict, char *out, size_t cap,
                   size_t *out_len, int *form)
{
    char d[MAXD + 1];
    size_t n = 0;
    for (int i = 0; i < pp->nd; i++)
        if (i != pp->zero_paren) d[n++] = pp->d[i];
    d[n] = '\0';
    int rg = o ? RG((unsigned char)o->region[0] & ~0x20, (unsigned char)o->region[1] & ~0x20) : 0;
    if (n < 6) return 0;
    *form = F_INTL;
    if (pp->plus) return intl(d, n, pp->zero_paren >= 0, out, cap, out_len);
    if (d[0] == '0' && d[1] == '0' && !pp->gparen[0]) return intl(d + 2, n - 2, pp->zero_paren >= 0, out, cap, out_len);
    if (rg == RG('U', 'S') && d[0] == '0' && d[1] == '1' && d[2] == '1') return intl(d + 3, n - 3, pp->zero_paren >= 0, out, cap, out_len);
    *form = F_NATIONAL;
    if (pp->zero_paren >= 0) return 0;
    if (strict) {
        /* "0 7 7 0 0 ..." is not how anyone writes a national number */
        for (int g = 1; g < pp->ng; g++)
            if (pp->glen[g] == 1) return 0;
    }
    const char *nd;
    if (nanp_distinctive(pp, &nd)) return put(out, cap, out_len, "1", nd, 10);
    return national(rg, d, n, out, cap, out_len);
}

int cv_phone_e164(const cv_detect_opts *o, const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t' || in[len - 1] == '\r' || in[len - 1] == '\n')) len--;
    if (len >= 4 && (in[0] | 0x20) == 't' && (in[1] | 0x20) == 'e' && (in[2] | 0x20) == 'l' && in[3] == ':') {
        in += 4;
        len -= 4;
        while (len > 0 && in[0] == ' ') { in++; len--; }
    }
    if (len == 0 || len > 64) return 0;
    pparse pp;
    int form;
    if (!parse(in, len, &pp)) return 0;
    return to_e164(o, &pp, 0, out, cap, out_len, &form);
}

/* Telephony systems (SMS gateways, Asterisk, carriers' CDRs) write
 * international numbers as bare digits, calling code first: "447700900123".
 * Read that only where a number is expected: a phone field, or a value that
 * is nothing but the number. */
static int bare_intl(const char *in, size_t len, size_t lo, size_t hi, char *out, size_t cap, size_t *out_len)
{
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t' || in[len - 1] == '\r' || in[len - 1] == '\n')) len--;
    if (len < lo || len > hi || in[0] == '0') return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)in[i])) return 0;
    return intl(in, len, 0, out, cap, out_len);
}

static int norm_phone(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    if (cv_phone_e164(o, in, len, norm, CV_NORM_MAX + 1, norm_len)) return 1;
    return bare_intl(in, len, 10, 15, norm, CV_NORM_MAX + 1, norm_len);
}

static const char *const not_phone_words[] = {
    "order", "orders", "ref", "reference", "ticket", "invoice", "case", "tracking", "booking",
    "account", "acct", "policy", "confirmation", "transaction", "parcel", "shipment", "claim",
    "reservation", "member", "membership", "customer", "serial", "receipt", "incident", "po",
    "sku", "item", "eur", "gbp", "usd", "chf", NULL
};

static int currency_before(const unsigned char *p, size_t b)
{
    size_t i = b;
    while (i > 0 && p[i - 1] == ' ' && b - i < 2) i--;
    if (i == 0) return 0;
    if (p[i - 1] == '$') return 1;
    if (i >= 2 && p[i - 2] == 0xC2 && (p[i - 1] == 0xA3 || p[i - 1] == 0xA5)) return 1;   /* £ ¥ */
    if (i >= 3 && p[i - 3] == 0xE2 && p[i - 2] == 0x82 && p[i - 1] == 0xAC) return 1;     /* € */
    return 0;
}

static int date_or_ip_shape(const pparse *pp)
{
    if (pp->plus) return 0;
    if (pp->ng == 3 && pp->sep[1] == pp->sep[2] && (pp->sep[1] == '/' || pp->sep[1] == '.' || pp->sep[1] == '-')) {
        int a = pp->glen[0], b = pp->glen[1], c = pp->glen[2];
        if (a <= 2 && b <= 2 && (c == 2 || c == 4)) return 1;
        if (a == 4 && b <= 2 && c <= 2) return 1;
    }
    if (pp->ng == 4 && pp->sep[1] == '.' && pp->sep[2] == '.' && pp->sep[3] == '.') {
        int ok = 1;
        for (int g = 0; g < 4; g++) ok &= pp->glen[g] <= 3;
        if (ok) return 1;
    }
    return 0;
}

/* A digit group this long beside ',' or ':' and a digit is not part of an
 * amount ("1,234"), a ratio or a time ("12:30"): those have groups of at most
 * three or four digits. It is a number in a list or a dial string
 * ("07700900123,07700900124", "Dial(PJSIP/+447700900123,30)"). Beside '.' and
 * a digit it is still a decimal ("3.07700900123"). */
#define AMOUNT_GROUP 6

/* Judge text[b, e) as a phone number in its context. */
static int judge(const cv_detect_opts *o, const char *text, size_t len, size_t b, size_t e, const pparse *pp,
                 char *norm, size_t *norm_len)
{
    const unsigned char *p = (const unsigned char *)text;
    int form;
    if (pp->nd > 15 || date_or_ip_shape(pp)) return 0;
    if (b >= 2) {
        unsigned char c = p[b - 1];
        /* "SKU-4411-220", "a/b/0123" are ids; but a dial string carries a number
         * after its technology or trunk: "PJSIP/07700900610@trunk", "SIP/trunk/+4420...". */
        int dial = c == '/' && (e == len || p[e] == '@' || p[e] == ',' || p[e] == '&');
        if ((c == '-' || c == '_' || c == '/') && is_alnum(p[b - 2]) && !dial) return 0;
        if (c == '.' && is_digit(p[b - 2])) return 0;
        if ((c == ',' || c == ':') && is_digit(p[b - 2]) && pp->glen[0] < AMOUNT_GROUP) return 0;
    }
    if (e + 1 < len) {
        unsigned char c = p[e];
        if ((c == '-' || c == '_' || c == '/') && is_alnum(p[e + 1])) return 0;
        if (c == '.' && is_digit(p[e + 1])) return 0;
        if ((c == ',' || c == ':') && is_digit(p[e + 1]) && pp->glen[pp->ng - 1] < AMOUNT_GROUP) return 0;
    }
    if (e < len && p[e] == '%') return 0;
    if (currency_before(p, b)) return 0;
    if (!to_e164(o, pp, 1, norm, CV_NORM_MAX + 1, norm_len, &form)) {
        /* a value that is only an international number written without "+" */
        return b == 0 && e == len && !pp->plus && bare_intl(text, len, 11, 13, norm, CV_NORM_MAX + 1, norm_len);
    }
    if (form == F_NATIONAL) {
        if (b > 0 && p[b - 1] == '#') return 0;
        if (cvi_word_before(text, b, not_phone_words)) return 0;
    }
    return 1;
}

/* A list of numbers can make one candidate longer than parse() takes
 * ("07700900123 07700900124 07700900125 07700900126" is 44 digits): cut it
 * after the last whole digit group within MAXD digits and MAXG groups, so the
 * numbers at its start are judged and the scan goes on after them. */
static size_t fit_limits(const char *s, size_t n)
{
    size_t cut = n, last_end = 0;
    int nd = 0, ng = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        int d = is_digit((unsigned char)s[i]);
        if (d) {
            if (!prev && ++ng > MAXG) { cut = last_end; break; }
            if (++nd > MAXD) { cut = last_end; break; }
        } else if (prev) {
            last_end = i;
        }
        prev = d;
    }
    return cut;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    size_t b = *start, e = *end;
    pparse pp, sub;
    e = b + fit_limits(text + b, e - b);
    if (!parse(text + b, e - b, &pp)) return 0;
    if (judge(o, text, len, b, e, &pp, norm, norm_len)) {
        *end = e;
        return 1;
    }
    /* "020 7946 0958 07700 900123": a list of numbers read as one run; try
     * shorter runs ending at a space between groups. */
    for (int g = pp.ng - 1; g >= 1; g--) {
        if (pp.sep[g] != ' ') continue;
        size_t ne = b + pp.gend[g - 1];
        if (parse(text + b, ne - b, &sub) && judge(o, text, len, b, ne, &sub, norm, norm_len)) {
            *end = ne;
            return 1;
        }
    }
    return 0;
}

static int wanted(const cv_text_facts *f) { return f->digits >= 6; }
static size_t search_from(const cv_text_facts *f) { return f->first_digit >= 2 ? f->first_digit - 2 : 0; }

const cv_detector_type cvi_detector_phone = {
    .name = "phone",
    .entity = CV_ENT_PHONE,
    .priority = 1,
    .pattern = "(?<![A-Za-z0-9+])(?:\\+ ?|\\( ?\\+?)?[0-9]{1,15}"
               "(?:(?: ?[-./] ?| {1,2}| ?\\) ?[-./]? ?| ?\\( ?)[0-9]{1,15}){0,9}(?![A-Za-z0-9])",
    .compile_flags = 0,
    .wanted = wanted,
    .search_from = search_from,
    .validate = validate,
    .win_before = 3,
    .win_after = 1,
};

const cv_entity_type cvi_entity_phone = {
    .name = "phone",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = norm_phone,
};
