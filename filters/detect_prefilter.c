/*
 * detect_prefilter.c - the detection engine's prefilter, one pass over a
 * text each: the cue gate (the keywords of the detectors that need one,
 * found at word starts, 16 bytes at a time with SSE2) and the text's facts
 * (digits, their clusters and runs, '@', ':', '/', a spoken "at", a
 * look-alike to fold) that the detectors' declarative gates are tested on.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "detect_int.h"

/* ---- the cue gate ------------------------------------------------------ */

#define CUES_MAX 512

/* p[i] folded as the detectors compare: ASCII capitals, and Latin-1 ones
 * (C3 80-9E but the multiplication sign) after their C3. */
static inline unsigned fold_at(const unsigned char *p, size_t i)
{
    unsigned c = p[i];
    if (c - 'A' < 26u) return c | 0x20;
    if (c >= 0x80 && c <= 0x9E && c != 0x97 && i > 0 && p[i - 1] == 0xC3) return c + 0x20;
    return c;
}

/* by their first two bytes */
static int cmp_cue(const void *a, const void *b)
{
    const unsigned char *x = (const unsigned char *)((const cue *)a)->s, *y = (const unsigned char *)((const cue *)b)->s;
    unsigned kx = (unsigned)x[0] << 8 | x[1], ky = (unsigned)y[0] << 8 | y[1];
    return (kx > ky) - (kx < ky);
}

/* Detector i's cues into list (their count), or 0 if it has none that
 * gate: no cues, too many, or an empty one (present in every text). */
static size_t cues_of(const cv_detector_set *s, size_t i, const char **list)
{
    const cv_detector_type *t = s->d[i].t;
    if (i >= 64 || !t->cues || s->d[i].cust) return 0;
    size_t k = t->cues(list, CUES_MAX);
    if (k > CUES_MAX) return 0;
    for (size_t j = 0; j < k; j++)
        if (!list[j] || !list[j][0]) return 0;
    return k;
}

/* The gate of the set's detectors: 0 or CV_ENOMEM. */
int cvi_cues_build(cv_detector_set *s)
{
    cue_gate *g = &s->cues;
    if (s->opts.no_gates) return 0;
    const char *list[CUES_MAX];
    size_t total = 0, bytes = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = cues_of(s, i, list);
        total += k;
        for (size_t j = 0; j < k; j++) bytes += strlen(list[j]) + 1;
    }
    if (total == 0) return 0;
    g->v = calloc(total, sizeof *g->v);
    g->text = malloc(bytes);
    if (!g->v || !g->text) return CV_ENOMEM;
    char *at = g->text;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = cues_of(s, i, list);
        if (k == 0) continue;
        uint64_t bit = 1ull << i;
        g->mask |= bit;
        for (size_t j = 0; j < k; j++) {
            size_t n = strlen(list[j]);
            for (size_t b = 0; b < n; b++) at[b] = (char)fold_at((const unsigned char *)list[j], b);
            at[n] = '\0';
            g->starts[(unsigned char)at[0]] = 1;
            if (n == 1) {
                g->one[(unsigned char)at[0]] |= bit;
            } else {
                unsigned pr = (unsigned)(unsigned char)at[0] << 8 | (unsigned char)at[1];
                g->pair[pr >> 6] |= 1ull << (pr & 63);
                g->v[g->n++] = (cue){ at, (uint32_t)n, bit };
            }
            at += n + 1;
        }
    }
    qsort(g->v, g->n, sizeof *g->v, cmp_cue);
    for (unsigned c = 0, j = 0; c <= 256; c++) {
        while (j < g->n && (unsigned char)g->v[j].s[0] < c) j++;
        g->first[c] = (uint32_t)j;
    }
    return 0;
}

/* Caseless patterns match U+017F (long s) for s and U+212A (Kelvin) for k;
 * a text holding either has every cue (as UTF-8: C5 BF, E2 84 AA). */
static int caseless_twins(const unsigned char *p, size_t len)
{
    for (const unsigned char *q = memchr(p, 0xC5, len); q; q = memchr(q + 1, 0xC5, len - (size_t)(q + 1 - p)))
        if (q + 1 < p + len && q[1] == 0xBF) return 1;
    for (const unsigned char *q = memchr(p, 0xE2, len); q; q = memchr(q + 1, 0xE2, len - (size_t)(q + 1 - p)))
        if (q + 2 < p + len && q[1] == 0x84 && q[2] == 0xAA) return 1;
    return 0;
}

/* The cues that begin at word start i of p[0..len), into *found. */
static inline void cues_at(const cue_gate *g, const unsigned char *p, size_t len, size_t i, uint64_t *found)
{
    unsigned c0 = fold_at(p, i);
    if (!g->starts[c0]) return;
    *found |= g->one[c0];
    if (i + 1 >= len) return;
    unsigned c1 = p[i + 1];
    c1 = c1 - 'A' < 26u ? c1 | 0x20 : c0 == 0xC3 ? fold_at(p, i + 1) : c1;
    unsigned pr = c0 << 8 | c1;
    if (!(g->pair[pr >> 6] >> (pr & 63) & 1)) return;
    for (uint32_t j = g->first[c0]; j < g->first[c0 + 1]; j++) {
        const cue *c = &g->v[j];
        unsigned s1 = (unsigned char)c->s[1];
        if (s1 != c1) {
            if (s1 > c1) break;   /* sorted by their second byte too */
            continue;
        }
        if (c->n > len - i || (*found & c->bit)) continue;
        uint32_t b = 2;
        while (b < c->n && fold_at(p, i + b) == (unsigned char)c->s[b]) b++;
        if (b == c->n) *found |= c->bit;
    }
}

static inline int ascii_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }

#if defined(__SSE2__)
/* Bit k: x's byte k is an ASCII letter. */
static inline unsigned letters16(__m128i x)
{
    __m128i y = _mm_add_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(128 - 'a')));
    return (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + 26))));
}
#endif

/* The gated detectors among want whose cues text[0..len) holds: each word
 * start (no ASCII letter before it) is tried, found 16 bytes at a time
 * where SSE2 is there. */
uint64_t cvi_cues_found(const cue_gate *g, const char *text, size_t len, uint64_t want)
{
    const unsigned char *p = (const unsigned char *)text;
    uint64_t found = 0;
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= len; i += 16) {
        __m128i cur = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i prev = i ? _mm_loadu_si128((const __m128i *)(p + i - 1)) : _mm_slli_si128(cur, 1);
        for (unsigned m = ~letters16(prev) & 0xFFFFu; m; m &= m - 1) cues_at(g, p, len, i + (unsigned)__builtin_ctz(m), &found);
        if ((found & want) == want) return found;
    }
#endif
    for (; i < len; i++)
        if (i == 0 || !ascii_letter(p[i - 1])) cues_at(g, p, len, i, &found);
    if ((found & want) != want && caseless_twins(p, len)) return want;
    return found;
}

/* ---- a text's facts --------------------------------------------------- */

/* Byte classes for the prefilter pass; K_LEAD marks the lead bytes of the
 * look-alikes fold.c folds. */
enum { K_DIGIT = 1, K_AT = 2, K_COLON = 4, K_A = 8, K_LEAD = 16, K_SLASH = 32 };
static const uint8_t fact_class[256] = {
    ['0'] = K_DIGIT, ['1'] = K_DIGIT, ['2'] = K_DIGIT, ['3'] = K_DIGIT, ['4'] = K_DIGIT,
    ['5'] = K_DIGIT, ['6'] = K_DIGIT, ['7'] = K_DIGIT, ['8'] = K_DIGIT, ['9'] = K_DIGIT,
    ['@'] = K_AT, [':'] = K_COLON, ['a'] = K_A, ['A'] = K_A, ['/'] = K_SLASH,
    [0xC2] = K_LEAD, [0xE2] = K_LEAD, [0xE3] = K_LEAD, [0xEF] = K_LEAD,
};

/* What stands between the digits of a cluster (cv_text_facts.cl_gaps). */
static unsigned gap_class(unsigned char c)
{
    if (c == ' ') return CV_GAP_SPACE;
    if (c == '.') return CV_GAP_DOT;
    if (c == '-') return CV_GAP_DASH;
    if (c == '/') return CV_GAP_SLASH;
    if ((unsigned)((c | 0x20) - 'a') < 26u) return CV_GAP_LETTER;
    return CV_GAP_OTHER;
}

static int spoken_open(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '[' || c == '(' || c == '{'; }
static int spoken_close(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == ']' || c == ')' || c == '}'; }

/* The running state of text_facts. */
typedef struct facts_run {
    uint32_t digits, letter_digit, nc, colons, run;
    size_t first;
    unsigned any;
    int dcolon;
} facts_run;

/* Byte i of the text, of class k (nonzero); 1 if a look-alike is there. */
static inline int facts_byte(const unsigned char *p, size_t len, size_t i, unsigned k, cv_text_facts *f, facts_run *r)
{
    r->any |= k;
    if (k == K_DIGIT) {
        if (!r->digits) r->first = i;
        r->digits++;
        r->letter_digit += i > 0 && (unsigned)((p[i - 1] | 0x20) - 'a') < 26u;
        uint32_t nc = r->nc;
        if (nc && nc <= CV_MAX_CLUSTERS && i - f->cl_end[nc - 1] <= CV_CLUSTER_GAP) {
            uint32_t c = nc - 1;
            if (i == f->cl_end[c]) {
                r->run++;
            } else {
                f->cl_runs[c] |= CV_RUN(r->run);
                r->run = 1;
                unsigned g = 0;
                for (size_t j = f->cl_end[c]; j < i; j++) g |= gap_class(p[j]);
                f->cl_gaps[c] |= (uint8_t)g;
            }
            f->cl_digits[c] += f->cl_digits[c] < 255;
            f->cl_end[c] = (uint32_t)i + 1;
        } else if (nc < CV_MAX_CLUSTERS) {
            if (nc) f->cl_runs[nc - 1] |= CV_RUN(r->run);
            f->cl_start[nc] = (uint32_t)i;
            f->cl_end[nc] = (uint32_t)i + 1;
            f->cl_digits[nc] = 1;
            f->cl_gaps[nc] = 0;
            f->cl_runs[nc] = 0;
            r->run = 1;
            r->nc = nc + 1;
        } else {
            r->nc = CV_MAX_CLUSTERS + 1;
        }
    } else if (k == K_COLON) {
        r->colons++;
        r->dcolon |= i + 1 < len && p[i + 1] == ':';
    } else if (k == K_A && !f->has_spoken_at && i > 0 && i + 2 < len && (p[i + 1] | 0x20) == 't' &&
               spoken_open(p[i - 1]) && spoken_close(p[i + 2])) {
        f->has_spoken_at = 1;
    } else if (k == K_LEAD) {
        char a;
        if (cvi_fold_at(p + i, len - i, &a)) return 1;
    }
    return 0;
}

#if defined(__SSE2__)
/* Bit k: byte k of x may have a class (digits, '@', ':', '/', bytes of
 * 0x80 and up, 'a' or 'A' before 't' or 'T'); nx is x one byte on. */
static inline unsigned facts_mask16(__m128i x, __m128i nx)
{
    __m128i d = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(128 - '0'))), _mm_set1_epi8((char)(-128 + 10)));
    __m128i at = _mm_cmpeq_epi8(x, _mm_set1_epi8('@'));
    __m128i co = _mm_cmpeq_epi8(x, _mm_set1_epi8(':'));
    __m128i sl = _mm_cmpeq_epi8(x, _mm_set1_epi8('/'));
    __m128i a = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a')),
                              _mm_cmpeq_epi8(_mm_or_si128(nx, _mm_set1_epi8(0x20)), _mm_set1_epi8('t')));
    __m128i any = _mm_or_si128(_mm_or_si128(d, at), _mm_or_si128(_mm_or_si128(co, sl), a));
    return (unsigned)_mm_movemask_epi8(any) | (unsigned)_mm_movemask_epi8(x);   /* the high bit: 0x80 and up */
}
#endif

/* Returns 1, with f unset, if the text holds a look-alike to fold first.
 * Only bytes that may have a class are visited (16 at a time with SSE2). */
int cvi_text_facts(const char *text, size_t len, cv_text_facts *f)
{
    const unsigned char *p = (const unsigned char *)text;
    facts_run r = { .first = len };
    f->has_at = f->has_colon = f->has_spoken_at = 0;
    size_t i = 0;
#if defined(__SSE2__)
    for (; i < len; i += 16) {
        __m128i x, nx;
        if (i + 16 < len) {
            x = _mm_loadu_si128((const __m128i *)(p + i));
            nx = _mm_loadu_si128((const __m128i *)(p + i + 1));
        } else {
            /* the last 1-16 bytes, with zeros after them (no class) */
            unsigned char tail[33] = { 0 };
            memcpy(tail, p + i, len - i);
            x = _mm_loadu_si128((const __m128i *)tail);
            nx = _mm_loadu_si128((const __m128i *)(tail + 1));
        }
        for (unsigned m = facts_mask16(x, nx); m; m &= m - 1) {
            size_t j = i + (unsigned)__builtin_ctz(m);
            unsigned k = fact_class[p[j]];
            if (k && facts_byte(p, len, j, k, f, &r)) return 1;
        }
    }
#endif
    for (; i < len; i++) {
        unsigned k = fact_class[p[i]];
        if (k && facts_byte(p, len, i, k, f, &r)) return 1;
    }
    uint32_t nc = r.nc;
    f->runs = nc > CV_MAX_CLUSTERS ? ~0u : 1u;   /* bit 0: any text (no run length is 0) */
    if (nc && nc <= CV_MAX_CLUSTERS) {
        f->cl_runs[nc - 1] |= CV_RUN(r.run);
        for (uint32_t c = 0; c < nc; c++) f->runs |= f->cl_runs[c];
    }
    f->digits = r.digits;
    f->letter_digit = r.letter_digit;
    f->first_digit = (uint32_t)r.first;
    f->nclusters = nc;
    f->has_at = (r.any & K_AT) != 0;
    f->has_slash = (r.any & K_SLASH) != 0;
    f->has_colon = (r.any & K_COLON) != 0;
    f->ipv6_shape = r.dcolon || r.colons >= 3;
    return 0;
}
