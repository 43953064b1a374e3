/*
 * phone.c - phone number detector and E.164 normaliser. The PCRE2 pass
 * finds cheap candidates (digit groups with the usual separators, an
 * optional extension); this file reads their shape and rejects dates,
 * amounts, times, IPs, glued ids and numbers after words like "order" or
 * "ticket"; only what survives goes to libphonenumber (phonenumber.cc), which
 * reads it as an international number or as a national number of the
 * policy's regions, for every ITU region. A per-thread memo keeps its
 * recent verdicts: numbers recur (a customer's field and their messages,
 * a company's own lines) and a verdict costs microseconds.
 */
#include <string.h>

#include "filters.h"
#include "phonenumber.h"

#define MAXG 10
#define MAXD 40
/* Digits of a number as written: E.164 allows 15, plus "00" or a trunk prefix. */
#define MAX_NUMBER_DIGITS 17

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
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }

int cvi_phone_cc_len(const char *e164, size_t len) { return cvi_pn_cc_len(e164, len); }

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

/* "(NXX) NXX-XXXX", "NXX-NXX-XXXX", optionally after "1-" / "1 ": a shape
 * no other supported country writes, read as NANP in any region. */
static int nanp_distinctive(const pparse *pp)
{
    int g = 0;
    if (pp->plus) return 0;
    if (pp->ng == 4 && pp->glen[0] == 1 && pp->d[0] == '1') g = 1;
    if (pp->ng - g != 3 || pp->glen[g] != 3 || pp->glen[g + 1] != 3 || pp->glen[g + 2] != 4) return 0;
    const char *d = pp->d + g;
    if (d[0] < '2' || d[3] < '2') return 0;
    if (pp->gparen[g] && !pp->gparen[g + 1] && !pp->gparen[g + 2] &&
        (pp->sep[g + 2] == '-' || pp->sep[g + 2] == '.' || pp->sep[g + 2] == ' '))
        return 1;
    return !pp->gparen[g] && pp->sep[g + 1] == '-' && pp->sep[g + 2] == '-';
}

/* ---- the memo ----------------------------------------------------------- */

/* National readings, per thread (the detector's scratch), two-way. The key
 * is exact: the digits (as a number, with their length for leading zeros)
 * and a signature of how they were read: NANP shape or not (1 bit), where
 * the groups begin (a bit per digit position: at most 14 digits), and the
 * region list (its index among the lists this thread met, 5 bits). The
 * value: accepted or not, and the E.164 form. */
#define MEMO_SLOTS 4096
typedef struct memo_ent {
    uint64_t key;
    uint32_t sig;             /* 0: empty */
    uint16_t cc;              /* the E.164 form is "+", cc, then the digits read from d[off] on */
    uint8_t klen;
    uint8_t off;              /* bit 7: accepted */
} memo_ent;                   /* 16 bytes: a set of two is half a cache line */

enum { READ_INTL = 1, READ_NATIONAL = 2, READ_NATIONAL_NANP = 3 };

static uint64_t digits_value(const char *d, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(d[i] - '0');
    return v;
}

/* Two-way sets: the entry holding the key, else the one to replace (the
 * second way moves to the first on a miss: least recently filled goes). */
/* The detector's scratch: the facts of the calling codes met so far (an
 * international number is read from these alone, without a call), and the
 * memo of national readings. */
typedef struct cc_ent {
    uint8_t state;            /* 0 not asked yet, 1 assigned, 2 not */
    uint8_t trunk0;
    uint32_t lengths;
} cc_ent;

/* A region's facts, by its two letters. */
typedef struct region_ent {
    uint8_t state;            /* 0 not asked yet, 1 known, 2 not */
    uint8_t nanp;
    uint8_t nddlen;
    char ndd[3];              /* trunk prefix digits */
    uint16_t cc;
} region_ent;

/* The region lists met (region_field makes one per record country). */
#define MEMO_LISTS 32
typedef struct region_list {
    char region[3];
    uint8_t nmore;
    char more[CV_REGIONS_MAX - 1][3];
} region_list;

typedef struct phone_scratch {
    cc_ent cc[1000];
    region_ent region[26 * 26];
    region_list lists[MEMO_LISTS];
    unsigned nlists, last;
    memo_ent memo[MEMO_SLOTS];
} phone_scratch;

static int same_list(const region_list *l, const cv_detect_opts *o)
{
    return memcmp(l->region, o->region, 3) == 0 && l->nmore == o->nmore &&
           memcmp(l->more, o->more, (size_t)o->nmore * 3) == 0;
}

/* The index of o's region list among those met; a 33rd list starts the
 * memo afresh (its signatures would be ambiguous). */
static unsigned list_index(phone_scratch *ps, const cv_detect_opts *o)
{
    if (ps->nlists && same_list(&ps->lists[ps->last], o)) return ps->last;
    for (unsigned i = 0; i < ps->nlists; i++)
        if (same_list(&ps->lists[i], o)) return ps->last = i;
    if (ps->nlists == MEMO_LISTS) {
        memset(ps->memo, 0, sizeof ps->memo);
        ps->nlists = 0;
    }
    region_list *l = &ps->lists[ps->nlists];
    memset(l, 0, sizeof *l);
    memcpy(l->region, o->region, 3);
    l->nmore = o->nmore < CV_REGIONS_MAX - 1 ? o->nmore : CV_REGIONS_MAX - 1;
    memcpy(l->more, o->more, (size_t)l->nmore * 3);
    return ps->last = ps->nlists++;
}

/* The exact signature of a national reading (never 0). */
static uint32_t read_sig(phone_scratch *ps, const cv_detect_opts *o, int nanp_shape, const uint8_t *glen, int ng)
{
    uint32_t starts = 0;
    unsigned at = 0;
    for (int g = 0; g + 1 < ng && at < 14; g++) {
        at += glen[g];
        starts |= 1u << (at + 1);   /* bits 2-15: a group begins after `at` digits (1-14) */
    }
    return 1u | (uint32_t)(nanp_shape != 0) << 1 | (starts & 0xfffcu) | (uint32_t)list_index(ps, o) << 16;
}

static memo_ent *memo_slot(phone_scratch *ps, uint32_t sig, uint64_t key, size_t klen, int *hit)
{
    memo_ent *m = ps ? ps->memo : NULL;
    *hit = 0;
    if (!m || klen > 14) return NULL;
    uint64_t h = (key ^ ((uint64_t)sig << 32 | klen)) * 0x9e3779b97f4a7c15ull;
    memo_ent *set = &m[((h >> 40) & (MEMO_SLOTS / 2 - 1)) * 2];
    for (int w = 0; w < 2; w++)
        if (set[w].sig == sig && set[w].key == key && set[w].klen == klen) {
            *hit = 1;
            return &set[w];
        }
    set[1] = set[0];
    return &set[0];
}

/* ---- reading a number --------------------------------------------------- */

/* Ranges the regulators keep for drama and examples, never assigned
 * (Ofcom's "TV and radio drama" numbers; NANP 555-0100 to 555-0199):
 * libphonenumber calls most of them invalid, yet they are phones of their
 * own country, and they are what test data, samples and training material
 * are written with. E.164 prefix, total length. */
static const struct { const char *prefix; uint8_t len; } fiction[] = {
    { "+447700900", 13 },                      /* 07700 900000-900999 mobile */
    { "+441632960", 13 },                      /* 01632 960xxx, no area */
    { "+442079460", 13 },                      /* 020 7946 0xxx London */
    { "+441134960", 13 }, { "+441144960", 13 }, { "+441154960", 13 }, { "+441164960", 13 },
    { "+441174960", 13 }, { "+441184960", 13 }, { "+441214960", 13 }, { "+441314960", 13 },
    { "+441414960", 13 }, { "+441514960", 13 }, { "+441614960", 13 },   /* 01xx 496 0xxx cities */
    { "+441914980", 13 },                      /* 0191 498 0xxx Tyneside */
    { "+442890180", 13 },                      /* 028 9018 0xxx Belfast */
    { "+442920180", 13 },                      /* 029 2018 0xxx Cardiff */
    { "+448081570", 13 },                      /* 0808 157 0xxx freephone */
    { "+449098790", 13 },                      /* 0909 879 0xxx premium */
    { "+443069990", 13 },                      /* 03069 990xxx UK-wide */
};

static int fictional(const char *e164, size_t n)
{
    if (n == 12 && e164[1] == '1' && memcmp(e164 + 5, "55501", 5) == 0) return 1;   /* +1 NPA 555-01xx */
    for (size_t i = 0; i < sizeof fiction / sizeof *fiction; i++)
        if (n == fiction[i].len && memcmp(e164, fiction[i].prefix, strlen(fiction[i].prefix)) == 0) return 1;
    return 0;
}

static int put_digits(const char *d, size_t n, int plus, char *out, size_t cap, size_t *out_len)
{
    if ((size_t)plus + n + 1 > cap) return 0;
    if (plus) out[0] = '+';
    memcpy(out + plus, d, n);
    out[plus + n] = '\0';
    *out_len = (size_t)plus + n;
    return 1;
}

static int cc_known(phone_scratch *ps, int cc);

/* The region's facts, asked of libphonenumber once per region and thread. */
static const region_ent *region_known(phone_scratch *ps, const char *r)
{
    unsigned a = (unsigned)(r[0] - 'A'), b = (unsigned)(r[1] - 'A');
    if (a >= 26 || b >= 26) return NULL;
    region_ent *e = &ps->region[a * 26 + b];
    if (e->state == 0) {
        int cc = 0, nanp = 0;
        char ndd[4] = { 0 };
        int k = cvi_pn_region_facts(r, &cc, ndd, &nanp);
        if (k < 0) return NULL;
        e->state = k ? 1 : 2;
        e->cc = (uint16_t)cc;
        e->nanp = (uint8_t)nanp;
        e->nddlen = (uint8_t)strlen(ndd);
        memcpy(e->ndd, ndd, e->nddlen);
    }
    return e->state == 1 ? e : NULL;
}

/* d[0..n) read as a national number of r, possible length only (no
 * validity): cvi_pn_national(..., 0, ...) from the per-thread facts, with
 * libphonenumber asked only whether an absent trunk prefix is needed. */
static int possible_reading(const cv_detect_opts *o, const char *r, const char *d, size_t n, int *trunk,
                            char *e164, size_t *el, int *nanp)
{
    phone_scratch *ps = o->scratch;
    if (!ps) {
        *nanp = cvi_pn_nanp(r);
        return cvi_pn_national(r, d, n, 0, trunk, e164, el);
    }
    const region_ent *re = region_known(ps, r);
    if (!re) return CVI_PN_NO;
    *nanp = re->nanp;
    const char *nsn = d;
    size_t nn = n;
    *trunk = 0;
    if (re->nddlen && n > re->nddlen && memcmp(d, re->ndd, re->nddlen) == 0) {
        nsn += re->nddlen;
        nn -= re->nddlen;
        *trunk = 1;
    }
    int k = cc_known(ps, re->cc);
    if (k < 0) return CVI_PN_ERROR;
    if (!k || nn > 17 || !(ps->cc[re->cc].lengths >> nn & 1)) return CVI_PN_NO;
    if (!*trunk && re->nddlen && !re->nanp) {
        int t = cvi_pn_trunk_required(r, nsn, nn);
        if (t < 0) return CVI_PN_ERROR;
        if (t) return CVI_PN_NO;
    }
    char c[6];
    int cl = 0;
    for (unsigned v = re->cc; v; v /= 10) c[cl++] = (char)('0' + v % 10);
    if ((size_t)(1 + cl) + nn + 1 > CVI_PN_E164_MAX) return CVI_PN_NO;
    e164[0] = '+';
    for (int i = 0; i < cl; i++) e164[1 + i] = c[cl - 1 - i];
    memcpy(e164 + 1 + cl, nsn, nn);
    e164[1 + cl + nn] = '\0';
    *el = (size_t)(1 + cl) + nn;
    return CVI_PN_POSSIBLE;
}

/* National digits d[0..n) written in groups glen[0..ng): the first listed
 * region where the number is valid, and among those the first whose own
 * national format groups the digits as written ("06 12 34 56 78" is French,
 * "06 1234 5678" Italian, "06-12345678" Dutch); written in the NANP shape
 * ("(415) 770-8275"), the listed NANP regions first. Else the first region
 * where it is possible with its trunk prefix written ("07700 900123",
 * Ofcom's drama range: invalid, but surely a phone), or, in a NANP region,
 * possible and written in the NANP shape ("202-555-0142"). */
static int read_national(const cv_detect_opts *o, const char *d, size_t n, const uint8_t *glen, int ng,
                         int nanp_shape, char *e164, size_t *len)
{
    char valid[CVI_PN_E164_MAX], fallback[CVI_PN_E164_MAX];
    size_t vlen = 0, flen = 0;
    int nr = o && o->region[0] ? 1 + (o->nmore < CV_REGIONS_MAX - 1 ? o->nmore : CV_REGIONS_MAX - 1) : 0;
    for (int pass = nanp_shape ? 0 : 1; pass < 2; pass++) {
        for (int i = 0; i < nr; i++) {
            const char *r = i == 0 ? o->region : o->more[i - 1];
            char e[CVI_PN_E164_MAX];
            size_t el = 0;
            int trunk = 0, nanp = 0;
            int v = possible_reading(o, r, d, n, &trunk, e, &el, &nanp);
            if (v == CVI_PN_ERROR) return CVI_PN_ERROR;
            if (nanp_shape && nanp != (pass == 0)) continue;
            if (v == CVI_PN_NO) continue;
            /* a drama number of this country is this country's; else ask
             * validity, the costly question, only of the possible readings */
            if (fictional(e, el)) {
                memcpy(e164, e, el + 1);
                *len = el;
                return 1;
            }
            v = cvi_pn_national(r, d, n, 1, &trunk, e, &el);
            if (v == CVI_PN_ERROR) return CVI_PN_ERROR;
            if (v == CVI_PN_VALID) {
                if (!vlen) {
                    memcpy(valid, e, el + 1);
                    vlen = el;
                }
                uint8_t fg[MAXG];
                int k = ng >= 2 ? cvi_pn_groups(r, e, el, fg, MAXG) : 0;
                if (ng < 2 || (k == ng && memcmp(fg, glen, (size_t)ng) == 0)) {
                    memcpy(e164, e, el + 1);
                    *len = el;
                    return 1;
                }
            } else if (v == CVI_PN_POSSIBLE && !flen && (nanp_shape ? nanp : trunk && !nanp)) {
                memcpy(fallback, e, el + 1);
                flen = el;
            }
        }
    }
    if (!vlen && !flen && nanp_shape) {
        int trunk;
        if (cvi_pn_national("US", d, n, 0, &trunk, fallback, &flen) == CVI_PN_NO) flen = 0;
    }
    if (vlen) {
        memcpy(e164, valid, vlen + 1);
        *len = vlen;
        return 1;
    }
    if (!flen) return 0;
    memcpy(e164, fallback, flen + 1);
    *len = flen;
    return 1;
}

/* The calling code's facts, asked of libphonenumber once per code and
 * thread: 1 assigned, 0 not, CVI_PN_ERROR. */
static int cc_known(phone_scratch *ps, int cc)
{
    cc_ent *c = &ps->cc[cc];
    if (c->state == 0) {
        int t0 = 0;
        unsigned lengths = 0;
        int r = cvi_pn_cc_facts(cc, &t0, &lengths);
        if (r < 0) return CVI_PN_ERROR;
        c->trunk0 = (uint8_t)t0;
        c->lengths = lengths;
        c->state = r ? 1 : 2;
    }
    return c->state == 1;
}

/* Length of the calling code of an E.164 string. */
static int cc_len_of(phone_scratch *ps, const char *e164, size_t n)
{
    int cc = 0;
    for (size_t cl = 1; cl <= 3 && cl < n; cl++) {
        cc = cc * 10 + (e164[cl] - '0');
        if (cc_known(ps, cc) == 1) return (int)cl;
    }
    return 0;
}

/* International digits d[0..n) from the calling codes' facts (cvi_pn_intl
 * without a call once a code is known): 1 with the E.164 form, 0 not a
 * phone, CVI_PN_ERROR. */
static int read_intl(const cv_detect_opts *o, const char *d, size_t n, char *out, size_t cap, size_t *out_len)
{
    phone_scratch *ps = o ? o->scratch : NULL;
    if (!ps) {
        char e164[CVI_PN_E164_MAX];
        size_t el = 0;
        int r = cvi_pn_intl(d, n, e164, &el);
        if (r <= 0) return r;
        return put_digits(e164 + 1, el - 1, 1, out, cap, out_len);
    }
    if (n == 0 || d[0] == '0') return 0;
    int cc = 0;
    for (size_t cl = 1; cl <= 3 && cl < n; cl++) {
        cc = cc * 10 + (d[cl - 1] - '0');
        int k = cc_known(ps, cc);
        if (k < 0) return CVI_PN_ERROR;
        if (!k) continue;   /* calling codes are prefix-free: try a longer one */
        const cc_ent *c = &ps->cc[cc];
        const char *nsn = d + cl;
        size_t nn = n - cl;
        if (c->trunk0 && nn > 1 && nsn[0] == '0') {
            nsn++;
            nn--;
        }
        if (nn > 17 || !(c->lengths >> nn & 1)) return 0;
        if (1 + cl + nn + 1 > cap) return 0;
        out[0] = '+';
        memcpy(out + 1, d, cl);
        memcpy(out + 1 + cl, nsn, nn);
        out[1 + cl + nn] = '\0';
        *out_len = 1 + cl + nn;
        return 1;
    }
    return 0;
}

/* d[0..n) read `how`: 1 with the E.164 form in out, or 0; the memo first. */
static int read_number(const cv_detect_opts *o, int how, const char *d, size_t n, const uint8_t *glen, int ng,
                       char *out, size_t cap, size_t *out_len)
{
    char e164[CVI_PN_E164_MAX];
    size_t el = 0;
    if (how == READ_INTL) {
        int r = read_intl(o, d, n, out, cap, out_len);
        /* libphonenumber could not answer (out of memory): a phone all the
         * same, named by its digits as written (fail closed) */
        return r == CVI_PN_ERROR ? put_digits(d, n, 1, out, cap, out_len) : r;
    }
    phone_scratch *ps = o ? o->scratch : NULL;
    uint32_t sig = ps ? read_sig(ps, o, how == READ_NATIONAL_NANP, glen, ng) : 0;
    uint64_t key = digits_value(d, n);
    int hit;
    memo_ent *m = memo_slot(ps, sig, key, n, &hit);
    if (hit) {
        if (!(m->off & 0x80)) return 0;
        size_t off = m->off & 0x7f;
        char c[4];
        size_t cl = 0;
        for (unsigned v = m->cc; v; v /= 10) c[cl++] = (char)('0' + v % 10);
        if (1 + cl + (n - off) + 1 > cap) return 0;
        out[0] = '+';
        for (size_t i = 0; i < cl; i++) out[1 + i] = c[cl - 1 - i];
        memcpy(out + 1 + cl, d + off, n - off);
        *out_len = 1 + cl + n - off;
        out[*out_len] = '\0';
        return 1;
    }
    int r = read_national(o, d, n, glen, ng, how == READ_NATIONAL_NANP, e164, &el);
    if (r == CVI_PN_ERROR) {
        /* libphonenumber could not answer (out of memory): a phone all the
         * same, named by its digits as written (fail closed) */
        return put_digits(d, n, 0, out, cap, out_len);
    }
    if (m) {
        /* the national significant digits are the tail of those read */
        int cl = r > 0 ? cc_len_of(ps, e164, el) : 0;
        size_t nsn = r > 0 && cl > 0 ? el - 1 - (size_t)cl : 0;
        if (r <= 0 || (cl > 0 && nsn <= n && memcmp(d + n - nsn, e164 + 1 + cl, nsn) == 0)) {
            m->sig = sig;
            m->key = key;
            m->klen = (uint8_t)n;
            m->cc = r > 0 ? (uint16_t)digits_value(e164 + 1, (size_t)cl) : 0;
            m->off = (uint8_t)((n - nsn) | (r > 0 ? 0x80 : 0));
        }
    }
    if (r <= 0) return 0;
    return put_digits(e164 + 1, el - 1, 1, out, cap, out_len);
}

static int nanp_listed(const cv_detect_opts *o)
{
    if (!o || !o->region[0]) return 0;
    if (cvi_pn_nanp(o->region)) return 1;
    for (unsigned i = 0; i < o->nmore && i < CV_REGIONS_MAX - 1; i++)
        if (cvi_pn_nanp(o->more[i])) return 1;
    return 0;
}

enum { F_INTL = 1, F_NATIONAL = 2 };

/* E.164 from a parsed number; *form tells international from national. */
static int to_e164(const cv_detect_opts *o, const pparse *pp, int strict, char *out, size_t cap,
                   size_t *out_len, int *form)
{
    const char *d = pp->d;
    size_t n = (size_t)pp->nd;
    if (n < 6 || n > MAX_NUMBER_DIGITS) return 0;
    *form = F_INTL;
    /* "+44 (0)20 ...": the digits go as written; libphonenumber knows
     * whether that 0 is a trunk prefix (UK) or part of the number (Italy) */
    if (pp->plus) return read_number(o, READ_INTL, d, n, NULL, 0, out, cap, out_len);
    if (d[0] == '0' && d[1] == '0' && !pp->gparen[0])
        return read_number(o, READ_INTL, d + 2, n - 2, NULL, 0, out, cap, out_len);
    if (d[0] == '0' && d[1] == '1' && d[2] == '1' && nanp_listed(o))
        return read_number(o, READ_INTL, d + 3, n - 3, NULL, 0, out, cap, out_len);
    *form = F_NATIONAL;
    /* a national significant number has at most 13 digits, and a trunk
     * prefix one (cards and long ids stop here, cheaply) */
    if (pp->zero_paren >= 0 || n < 7 || n > 14) return 0;
    if (strict) {
        /* "0 7 7 0 0 ..." is not how anyone writes a national number; one
         * lone digit is ("0180 5 123456", "0900 1 234567" in Germany) */
        int lone = 0;
        for (int g = 1; g < pp->ng; g++) lone += pp->glen[g] == 1;
        if (lone > 1) return 0;
    }
    return read_number(o, nanp_distinctive(pp) ? READ_NATIONAL_NANP : READ_NATIONAL, d, n, pp->glen, pp->ng, out,
                       cap, out_len);
}

int cvi_phone_e164(const cv_detect_opts *o, const char *in, size_t len, char *out, size_t cap, size_t *out_len)
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
static int bare_intl(const cv_detect_opts *o, const char *in, size_t len, size_t lo, size_t hi, char *out,
                     size_t cap, size_t *out_len)
{
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) { in++; len--; }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t' || in[len - 1] == '\r' || in[len - 1] == '\n')) len--;
    if (len < lo || len > hi || in[0] == '0') return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)in[i])) return 0;
    return read_number(o, READ_INTL, in, len, NULL, 0, out, cap, out_len);
}

static int norm_phone(const cv_detect_opts *o, const char *in, size_t len, char *norm, size_t *norm_len)
{
    if (cvi_phone_e164(o, in, len, norm, CV_NORM_MAX + 1, norm_len)) return 1;
    return bare_intl(o, in, len, 10, 15, norm, CV_NORM_MAX + 1, norm_len);
}

/* ---- context ------------------------------------------------------------ */

static const char *const not_phone_words[] = {
    "order", "orders", "ref", "reference", "ticket", "invoice", "case", "tracking", "booking",
    "account", "acct", "policy", "confirmation", "transaction", "parcel", "shipment", "claim",
    "reservation", "member", "membership", "customer", "serial", "receipt", "incident", "po",
    "sku", "item", "eur", "gbp", "usd", "chf", "part", "model", "ean", "isbn", "voucher", "pin", "room",
    "meter", "iban", "bic", "swift", "imei", "iccid", "sn",
    /* the same in the other languages served */
    "ordine", "fattura", "pratica", "riferimento", "rif", "spedizione", "prenotazione", "bestellung", "auftrag",
    "rechnung", "vorgang", "referenz", "sendung", "buchung", "commande", "facture", "dossier", "référence",
    "colis", "réservation", "pedido", "factura", "referencia", "expediente", "envío", "reserva", "incidencia",
    "bestelling", "factuur", "referentie", "zending", "boeking", "encomenda", "fatura", "processo",
    "protocolo", "referência",
    /* products, software and one-time codes ("product code 212-8165-15",
     * "firmware 3.59.709", "verification code 02352693") */
    "product", "produkt", "prodotto", "produit", "producto", "produto", "artikel", "article", "articolo",
    "artículo", "artigo", "firmware", "version", "versione", "versión", "versão", "versie", "build",
    "release", "verification", "otp", NULL
};

/* Words a number may be glued to ("call07400 123456", "tel+44..."); any
 * other letters glued before digits make an id ("INC0012345", "x0770..."). */
static const char *const glue_words[] = {
    "call", "tel", "tele", "telephone", "phone", "ph", "mob", "mobile", "cell", "ring", "text", "sms",
    "fax", "whatsapp", "number", "no", "nr", "num", "on", "at", "or", "me", "tlf", "telefon", "telefono",
    "telefone", "telemovel", "handy", "movil", "cellulare", "portable", "mobiel", NULL
};

static int glued_word_ok(const unsigned char *p, size_t b)
{
    size_t i = b;
    while (i > 0 && is_alpha(p[i - 1]) && b - i <= 16) i--;
    if (i > 0 && (is_alnum(p[i - 1]) || p[i - 1] >= 0x80)) return 0;
    size_t n = b - i;
    if (n == 0 || n > 16) return 0;
    char w[17];
    for (size_t k = 0; k < n; k++) w[k] = (char)(p[i + k] | 0x20);
    w[n] = '\0';
    for (size_t k = 0; glue_words[k]; k++)
        if (glue_words[k][0] == w[0] && strcmp(w, glue_words[k]) == 0) return 1;
    return 0;
}

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
    /* two kinds of separator among '-', '.', '/' ("05.42-13.42", a time
     * range): no numbering plan writes a number so */
    char kind = 0;
    for (int g = 1; g < pp->ng; g++) {
        char c = pp->sep[g];
        if (c != '-' && c != '.' && c != '/') continue;
        if (kind && c != kind) return 1;
        kind = c;
    }
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

/* The text before b ends an IBAN's head: "GB82 WEST " or "IE29 AIBK 9311 "
 * (country, check digits, then groups of four); or "S/N ". */
static int iban_or_serial_before(const unsigned char *p, size_t b)
{
    size_t i = b;
    for (int groups = 0; groups < 8; groups++) {
        if (i < 2 || p[i - 1] != ' ') return 0;
        i--;
        size_t e = i;
        while (i > 0 && (is_digit(p[i - 1]) || (p[i - 1] >= 'A' && p[i - 1] <= 'Z'))) i--;
        if (i > 0 && is_alnum(p[i - 1])) return 0;
        if (e - i == 4 && p[i] >= 'A' && p[i] <= 'Z' && p[i + 1] >= 'A' && p[i + 1] <= 'Z' && is_digit(p[i + 2]) &&
            is_digit(p[i + 3]))
            return 1;   /* "GB82" */
        if (e - i == 1 && p[i] == 'N' && i >= 2 && p[i - 1] == '/' && (p[i - 2] | 0x20) == 's') return 1;   /* "S/N" */
        if (e - i != 4) return 0;
    }
    return 0;
}

/* A digit group this long beside ',' or ':' and a digit is not part of an
 * amount ("1,234"), a ratio or a time ("12:30"): those have groups of at most
 * three or four digits. It is a number in a list or a dial string
 * ("07700900123,07700900124", "Dial(PJSIP/+447700900123,30)"). Beside '.' and
 * a digit it is still a decimal ("3.07700900123"). */
#define AMOUNT_GROUP 6

/* Judge text[b, e) as a phone number in its context; the number may carry
 * an extension up to xe (e <= xe), which the context after it is read from. */
static int judge(const cv_detect_opts *o, const char *text, size_t len, size_t b, size_t e, size_t xe,
                 const pparse *pp, char *norm, size_t *norm_len)
{
    const unsigned char *p = (const unsigned char *)text;
    int form;
    if (pp->nd > MAX_NUMBER_DIGITS || date_or_ip_shape(pp)) return 0;
    if (b >= 2) {
        unsigned char c = p[b - 1];
        /* "SKU-4411-220", "a/b/0123" are ids; but a dial string carries a number
         * after its technology or trunk: "PJSIP/07700900610@trunk", "SIP/trunk/+4420...". */
        int dial = c == '/' && (xe == len || p[xe] == '@' || p[xe] == ',' || p[xe] == '&');
        if ((c == '-' || c == '_' || c == '/') && is_alnum(p[b - 2]) && !dial) return 0;
        if (c == '.' && is_digit(p[b - 2])) return 0;
        if ((c == ',' || c == ':') && is_digit(p[b - 2]) && pp->glen[0] < AMOUNT_GROUP) return 0;
    }
    if (xe + 1 < len) {
        unsigned char c = p[xe];
        if ((c == '-' || c == '_' || c == '/') && is_alnum(p[xe + 1])) return 0;
        if (c == '.' && is_digit(p[xe + 1])) return 0;
        if ((c == ',' || c == ':') && is_digit(p[xe + 1]) && pp->glen[pp->ng - 1] < AMOUNT_GROUP) return 0;
    }
    if (xe < len && p[xe] == '%') return 0;
    if (currency_before(p, b)) return 0;
    /* "3.59.709.0724": a version; dotted numbers begin with a group of two
     * or more ("06.12.34.56.78", "415.770.8275") or NANP's 1 ("1.800.555.0199") */
    if (!pp->plus && pp->ng >= 3 && pp->glen[0] == 1 && pp->sep[1] == '.' &&
        !(pp->d[0] == '1' && pp->ng == 4 && pp->glen[1] == 3 && pp->glen[2] == 3 && pp->glen[3] == 4))
        return 0;
    if (!to_e164(o, pp, 1, norm, CV_NORM_MAX + 1, norm_len, &form)) {
        /* a value that is only an international number written without "+" */
        return b == 0 && e == len && !pp->plus && bare_intl(o, text, len, 11, 13, norm, CV_NORM_MAX + 1, norm_len);
    }
    if (form == F_NATIONAL) {
        if (b > 0 && p[b - 1] == '#') return 0;
        if (cvi_word_before(text, b, not_phone_words)) return 0;
    }
    return !iban_or_serial_before(p, b);
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

/* The extension the pattern allows after a number ("x456", "ext. 456",
 * "#456"): where the number itself ends in text[b, e). The extension is
 * covered by the span but is not part of the normal form: a token names the
 * line, however its extensions are written (RFC 3966 would write
 * ";ext=456"; fields and CDRs rarely carry one). */
static size_t number_end(const char *text, size_t b, size_t e)
{
    /* read from the end: the extension's digits, spaces, then its marker */
    size_t i = e;
    while (i > b && is_digit((unsigned char)text[i - 1])) i--;
    while (i > b && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
    if (i > b && text[i - 1] == '.') i--;   /* "ext." */
    if (i == b || !(is_alpha((unsigned char)text[i - 1]) || text[i - 1] == '#')) return e;
    while (i > b && (is_alpha((unsigned char)text[i - 1]) || text[i - 1] == '#' || text[i - 1] == '.')) i--;
    while (i > b && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
    return i;
}

/* The longest phone number starting at b within the digits of [b, e) (and
 * its extension up to xe): the whole run, else the longest run of its first
 * groups ending at a space ("020 7946 0958 07700 900123" is two numbers).
 * Returns 1 with its end in *acc and the groups in *pp. */
static int accept_run(const cv_detect_opts *o, const char *text, size_t len, size_t b, size_t e, size_t xe,
                      pparse *pp, size_t *acc, char *norm, size_t *norm_len)
{
    pparse sub;
    if (!parse(text + b, e - b, pp)) return 0;
    if (judge(o, text, len, b, e, xe, pp, norm, norm_len)) {
        *acc = xe;
        return 1;
    }
    /* nd: the digits of the first g groups; judge takes 6 to 17 (to_e164) */
    int nd = pp->nd;
    for (int g = pp->ng - 1; g >= 1; g--) {
        nd -= pp->glen[g];
        if (nd < 6) break;
        if (pp->sep[g] != ' ' || nd > MAX_NUMBER_DIGITS) continue;
        size_t ne = b + pp->gend[g - 1];
        if (parse(text + b, ne - b, &sub) && judge(o, text, len, b, ne, ne, &sub, norm, norm_len)) {
            *acc = ne;
            return 1;
        }
    }
    return 0;
}

/* After a number found at the start of a longer run ("+44 7700 900123
 * 456789"): the groups after it, up to one where another number starts,
 * are covered too when they hold 3 digits or more, as a part of the number
 * the plan did not expect (a mistyped or unknown length, a spoken-out
 * extension) would otherwise stay in clear. Dates and bracketed or slashed
 * groups are left to their own judges. */
static size_t cover_tail(const cv_detect_opts *o, const char *text, size_t len, size_t b, size_t e, size_t xe,
                         const pparse *pp, size_t acc)
{
    size_t end = acc;
    int extra = 0;
    for (int g = 0; g < pp->ng; g++) {
        size_t gs = b + pp->gend[g] - pp->glen[g];
        if (gs < acc) continue;
        if (pp->sep[g] == '/' || pp->sep[g] == 'p' || pp->gparen[g]) break;
        pparse rest;
        size_t racc;
        char rn[CV_NORM_MAX + 1];
        size_t rl;
        if (accept_run(o, text, len, gs, e, xe, &rest, &racc, rn, &rl)) break;
        if (parse(text + gs, e - gs, &rest) && date_or_ip_shape(&rest)) break;
        extra += pp->glen[g];
        end = g == pp->ng - 1 ? xe : b + pp->gend[g];
    }
    return extra >= 3 ? end : acc;
}

static int validate(const cv_detect_opts *o, const char *text, size_t len, size_t *start, size_t *end,
                    char *norm, size_t *norm_len)
{
    size_t b = *start, xe = *end;
    /* a number has 6 digits or more (to_e164), its extension none of them:
     * most candidates ("3-5", "49.99", "09/27") stop here */
    size_t nd = 0;
    for (size_t i = b; i < xe && nd < 6; i++) nd += (unsigned)(text[i] - '0') < 10u;
    if (nd < 6) return 0;
    /* letters right before: only a word for a phone ("call07400 123456") */
    if (b > 0 && is_alpha((unsigned char)text[b - 1]) && !glued_word_ok((const unsigned char *)text, b)) return 0;
    size_t e = number_end(text, b, xe);
    /* n bytes hold at most n digits and (n + 1) / 2 groups: only a longer
     * run can exceed the limits */
    size_t fit = e - b < 2 * MAXG ? e : b + fit_limits(text + b, e - b);
    if (fit < e) e = xe = fit;   /* a long list: the extension, if any, goes with its own number */
    pparse pp;
    size_t acc;
    if (!accept_run(o, text, len, b, e, xe, &pp, &acc, norm, norm_len)) return 0;
    if (acc < xe) acc = cover_tail(o, text, len, b, e, xe, &pp, acc);
    *end = acc;
    return 1;
}

/* Gates (cluster_wanted). A number's digits, 6 or more (to_e164), are
 * groups joined by the pattern's separators: at most 5 bytes of " -./()",
 * so all in one digit cluster, in one segment of it so joined. Does
 * text[s, e) hold such a segment of 6 digits? With `last`, only its last
 * segment counts (the one a number before an extension would end). */
static int segment_of_six(const char *text, size_t s, size_t e, int last)
{
    unsigned cur = 0, gap = 0;
    int joins = 1;
    for (size_t i = s; i < e; i++) {
        char c = text[i];
        if (is_digit((unsigned char)c)) {
            if (gap && (!joins || gap > 5)) cur = 0;
            if (++cur >= 6 && !last) return 1;
            gap = 0;
            joins = 1;
        } else {
            gap++;
            joins &= c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
        }
    }
    return cur >= 6;
}

/* Could text[s, e) be the pattern's extension marker ("x", " ext. ",
 * "#", " extension ")? Its length and bytes only. */
static int extension_gap(const char *text, size_t s, size_t e)
{
    if (e - s > 14) return 0;
    for (size_t i = s; i < e; i++)
        if (!text[i] || !strchr(" \tXx#EeTtNnsio.", text[i])) return 0;
    return 1;
}

/* Cluster i may hold a number, or the extension of one ending cluster
 * i - 1 (its window must then go on as without the gate). Any other
 * cluster holds no accepted match's digits: matches reaching into it are
 * rejected whether its window is searched or not. */
static int cluster_wanted(const char *text, size_t len, const cv_text_facts *f, uint32_t i)
{
    (void)len;
    /* a run of 6 digits or more is such a segment */
    if (f->cl_runs[i] & ~(CV_RUN(6) - 1)) return 1;
    if (f->cl_digits[i] >= 6 && segment_of_six(text, f->cl_start[i], f->cl_end[i], 0)) return 1;
    return i > 0 && f->cl_digits[i - 1] >= 6 && extension_gap(text, f->cl_end[i - 1], f->cl_start[i]) &&
           segment_of_six(text, f->cl_start[i - 1], f->cl_end[i - 1], 1);
}

static size_t search_from(const cv_text_facts *f) { return f->first_digit >= 2 ? f->first_digit - 2 : 0; }

/* Candidates: an optional "+" or bracket, up to ten digit groups joined by
 * the usual separators, an optional extension. Letters may come right
 * before (judge() allows only words like "call" or "tel" there), not after.
 * The lookbehind also takes judge's first test, which holds for every run
 * accept_run may try from a start: "SKU-4411-220", "CH-000000001",
 * "1.234567" are ids and amounts; a start it refuses is one validate would
 * reject, and the search goes on from the next byte either way. Digit runs
 * are possessive and the separators one alternation of the same strings:
 * what may follow a run or a separator never starts with a digit, so
 * neither backtracking changed a match. */
const cv_detector_type cvi_detector_phone = {
    .name = "phone",
    .entity = CV_ENT_PHONE,
    .priority = 1,
    .pattern = "(?<![0-9+]|[A-Za-z0-9][-_]|[0-9]\\.)"
               "(?:\\+ ?|\\( ?\\+?)?[0-9]{1,15}+"
               "(?:(?: {1,2}| ?(?:[-./] ?|\\) ?[-./]? ?|\\( ?))[0-9]{1,15}+){0,9}"
               "(?:[ \\t]{0,2}(?:[xX#]|[eE][xX][tT](?:[nN]|ension)?\\.?)[ \\t]{0,2}[0-9]{1,6}+)?"
               "(?![A-Za-z0-9])",
    .compile_flags = 0,
    .min_digits = 6,
    .search_from = search_from,
    .validate = validate,
    .cluster_wanted = cluster_wanted,
    .win_before = 3,
    /* an extension's digits are a cluster of their own: windows this wide
     * join them to the number's across " extension " */
    .win_after = 8,
    .scratch_size = sizeof(phone_scratch),
};

const cv_entity_type cvi_entity_phone = {
    .name = "phone",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = norm_phone,
};
