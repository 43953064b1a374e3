/*
 * person.h - what the person detector (person.c), its gazetteer lookups
 * (person_gaz.c) and the detectors built on its name data
 * (person_spelled.c) share: the byte classes and word tokenizer the scan
 * runs per byte and per word (static inline: the inner loops call them),
 * the folded lookup key of a word and the gazetteer's judgement of it.
 */
#ifndef CV_PERSON_H
#define CV_PERSON_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "data/person_names.h"

#define CVI_PERSON_KEY_MAX 24

/* Lower-case of the two-byte UTF-8 letter b0 b1 (Latin-1 Supplement and
 * Latin Extended-A) in *o0 *o1; returns 1 if it changed. */
static inline int fold_case2(unsigned char b0, unsigned char b1, unsigned char *o0, unsigned char *o1)
{
    unsigned cp = ((unsigned)(b0 & 0x1F) << 6) | (b1 & 0x3F), lc = cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) lc = cp + 0x20;
    else if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) lc = cp | 1;
    else if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) lc = (cp & 1) ? cp + 1 : cp;
    else if (cp == 0x178) lc = 0xFF;
    if (lc == cp) return 0;
    *o0 = (unsigned char)(0xC0 | (lc >> 6));
    *o1 = (unsigned char)(0x80 | (lc & 0x3F));
    return 1;
}

/* Byte classes: 1 ASCII letter, 2 digit, 3 a lead byte of a Latin letter
 * (C3-C5), 4 another multi-byte lead (other scripts: word bytes, no key). */
static const uint8_t bclass[256] = {
#define L26(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    ['A'] = L26(1), ['a'] = L26(1),
    ['0'] = 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    [0xC3] = 3, 3, 3, [0xC6] = 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    [0xE0] = 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
#undef L26
};

/* ---- words ---------------------------------------------------------------- */

enum { SH_LOW = 0, SH_CAP = 1, SH_UP = 2, SH_OTHER = 3 };
enum { SEP_COMMA = 1, SEP_STOP = 2, SEP_NL = 4, SEP_BREAK = 8 };

typedef struct word {
    uint32_t s, e;          /* [s, e) */
    uint8_t shape;          /* SH_* of its letters */
    uint8_t sep;            /* SEP_* between the previous word and this one */
    uint8_t dot;            /* a '.' right after it */
    uint8_t poss;           /* "'s" right after it (not part of [s, e)) */
    uint8_t alpha;          /* letters only (and inner ' -) */
    uint8_t plain;          /* ASCII letters only */
    uint8_t contraction;    /* an inner apostrophe before a lower-case letter: I've, don't (not O'Brien) */
} word;

/* What a byte between two words says (SEP_*): 0 for spaces, quotes,
 * dashes and the bytes of multi-byte characters. */
static const uint8_t sepclass[256] = {   /* 256: no range test per byte */
    ['\n'] = SEP_NL, ['\r'] = SEP_NL, [','] = SEP_COMMA, ['.'] = SEP_STOP, ['!'] = SEP_STOP, ['?'] = SEP_STOP,
    [';'] = SEP_STOP, [':'] = SEP_STOP, ['('] = SEP_BREAK, [')'] = SEP_BREAK, ['['] = SEP_BREAK, [']'] = SEP_BREAK,
    ['{'] = SEP_BREAK, ['}'] = SEP_BREAK, ['/'] = SEP_BREAK, ['\\'] = SEP_BREAK, ['@'] = SEP_BREAK, ['#'] = SEP_BREAK,
    ['<'] = SEP_BREAK, ['>'] = SEP_BREAK, ['='] = SEP_BREAK, ['+'] = SEP_BREAK, ['&'] = SEP_BREAK, ['*'] = SEP_BREAK,
    ['|'] = SEP_BREAK, ['_'] = SEP_BREAK, ['%'] = SEP_BREAK, ['$'] = SEP_BREAK, ['~'] = SEP_BREAK, ['^'] = SEP_BREAK,
    ['`'] = SEP_BREAK, [0x01] = SEP_BREAK, [0x02] = SEP_BREAK, [0x03] = SEP_BREAK, [0x04] = SEP_BREAK,
};

static inline unsigned sep_of(unsigned char c) { return sepclass[c]; }

static inline int cvi_person_upper_at(const unsigned char *p, size_t i, size_t e)
{
    unsigned char c = p[i];
    if (c >= 'A' && c <= 'Z') return 1;
    if (c >= 'a' && c <= 'z') return 0;
    if ((c == 0xC3 || c == 0xC4 || c == 0xC5) && i + 1 < e) {
        unsigned char a, b;
        return fold_case2(c, p[i + 1], &a, &b);
    }
    return 0;
}

static inline int is_apos(const unsigned char *p, size_t i, size_t len, size_t *w)
{
    if (p[i] == '\'') { *w = 1; return 1; }
    if (p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x99) { *w = 3; return 1; }
    return 0;
}

static inline int letter_at(const unsigned char *p, size_t i, size_t len)
{
    return i < len && (bclass[p[i]] == 1 || bclass[p[i]] == 3 || bclass[p[i]] == 4);
}

/* The end of the run of ASCII letters at i (p[i] one); *caps: bit 0 if
 * one of them is a capital, bit 1 if all are. SSE2: 16 bytes in one step
 * (no loop exit to mispredict per word). */
static inline size_t ascii_run(const unsigned char *p, size_t len, size_t i, unsigned *caps)
{
    size_t j = i;
    unsigned any = 0, all = 1;
#if defined(__SSE2__)
    while (j + 16 <= len) {
        const __m128i k20 = _mm_set1_epi8(0x20), ka = _mm_set1_epi8('a'), kA = _mm_set1_epi8('A'),
                      k25 = _mm_set1_epi8(25);
        __m128i x = _mm_loadu_si128((const __m128i *)(p + j));
        __m128i t = _mm_sub_epi8(_mm_or_si128(x, k20), ka), u = _mm_sub_epi8(x, kA);
        unsigned l = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, k25), t));
        unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(u, k25), u));
        unsigned n = (unsigned)__builtin_ctz(~l), in = (1u << n) - 1;   /* n letters */
        any |= (c & in) != 0;
        all &= (c & in) == in;
        j += n;
        if (n < 16) {
            *caps = any | all << 1;
            return j;
        }
    }
#endif
    for (; j < len && bclass[p[j]] == 1; j++) {
        unsigned c = p[j] <= 'Z';
        any |= c;
        all &= c;
    }
    *caps = any | all << 1;
    return j;
}

/* The next word at or after *pos; 0 at the end of the text. Inlined into
 * every caller: the scan's loops call it per word, and a call there cost
 * 5 % of the detection's instructions. */
static inline __attribute__((always_inline)) int next_word(const char *text, size_t len, size_t *pos, word *w)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = *pos;
    unsigned sep = 0;
    while (i < len && !bclass[p[i]]) sep |= sep_of(p[i++]);
    if (i >= len) {
        *pos = len;
        return 0;
    }
    size_t s = i;
    if (bclass[p[i]] == 1) {
        /* most words: ASCII letters, then a byte that neither continues the
         * word nor starts an apostrophe or a hyphen; the same word record
         * as the full loop below gives, without its tests */
        unsigned caps;
        size_t j = ascii_run(p, len, i, &caps);
        if (j >= len || (!bclass[p[j]] && p[j] != '\'' && p[j] != 0xE2 && p[j] != '-')) {
            size_t n = j - s;
            w->s = (uint32_t)s;
            w->e = (uint32_t)j;
            w->sep = (uint8_t)sep;
            w->dot = j < len && p[j] == '.';
            w->poss = 0;
            w->alpha = w->plain = 1;
            w->contraction = 0;
            if (caps & 2) w->shape = n >= 2 ? SH_UP : SH_CAP;
            else if (p[s] <= 'Z') w->shape = SH_CAP;
            else w->shape = caps ? SH_OTHER : SH_LOW;
            *pos = j;
            return 1;
        }
    }
    unsigned digits = 0, ups = 0, lows = 0, others = 0, fancy = 0, contraction = 0;
    while (i < len) {
        unsigned k = bclass[p[i]];
        if (k == 1) {
            size_t j = i;
            unsigned u = 0;
            while (j < len && bclass[p[j]] == 1) u += p[j++] <= 'Z';
            ups += u;
            lows += (unsigned)(j - i) - u;
            i = j;
        } else if (k == 2) {
            digits++;
            i++;
        } else if (k == 3) {
            if (i + 1 < len && (p[i + 1] & 0xC0) == 0x80) {
                if (cvi_person_upper_at(p, i, len)) ups++; else lows++;
                fancy = 1;
                i += 2;
            } else {
                others++;
                i++;
            }
        } else if (k == 4) {
            others++;
            i++;
            while (i < len && (p[i] & 0xC0) == 0x80) i++;
        } else {
            size_t aw;
            /* inner apostrophe or hyphen: O'Brien, m'appelle, Jean-Pierre; not "'s" */
            if (is_apos(p, i, len, &aw) && letter_at(p, i + aw, len) && i > s) {
                if ((p[i + aw] | 0x20) == 's' && !letter_at(p, i + aw + 1, len)) break;
                contraction |= p[i + aw] >= 'a' && p[i + aw] <= 'z';
                i += aw;
                fancy = 1;
            } else if (p[i] == '-' && i > s && letter_at(p, i + 1, len) && !digits) {
                i++;
                fancy = 1;
            } else {
                break;
            }
        }
    }
    w->s = (uint32_t)s;
    w->e = (uint32_t)i;
    w->sep = (uint8_t)sep;
    w->dot = i < len && p[i] == '.';
    size_t aw = 0;
    w->poss = i < len && is_apos(p, i, len, &aw) && i + aw < len && (p[i + aw] | 0x20) == 's' &&
              !letter_at(p, i + aw + 1, len);
    w->alpha = !digits && !others;
    w->plain = w->alpha && !fancy;
    w->contraction = (uint8_t)contraction;
    if (digits || others) w->shape = SH_OTHER;
    else if (ups && !lows) w->shape = ups >= 2 ? SH_UP : SH_CAP;
    else if (cvi_person_upper_at(p, s, len)) w->shape = SH_CAP;
    else w->shape = lows && !ups ? SH_LOW : SH_OTHER;   /* "mcDonald"-like mixes: no name shape */
    *pos = i;
    return 1;
}

/* The gazetteer flags (cvi_person_gaz_lookup) read. */
static inline int is_common(unsigned f) { return (f & CVI_PN_COMMON_ANY) != 0; }
/* A common word in two languages or more. */
static inline int very_common(unsigned f)
{
    unsigned c = (f & CVI_PN_COMMON_ANY) >> CVI_PN_COMMON_SHIFT;
    return (c & (c - 1)) != 0;
}
static inline int is_name(unsigned f) { return (f & 0x8000u) != 0; }
static inline int given_weight(unsigned f) { return (int)(f & CVI_PN_GIVEN_MASK); }

/* The gazetteer key of text[s, e): lower-case, accents folded; its length,
 * 0 if the word cannot be a name (too long, other scripts). */
size_t cvi_person_fold_key(const char *text, size_t s, size_t e, char key[CVI_PERSON_KEY_MAX + 1]);
/* Gazetteer flags of a key (CVI_PN_*, 0x8000 set if found), 0 if not a name. */
unsigned cvi_person_gaz_lookup(const char *key, size_t n);
/* Gazetteer flags of word w of text (its key, of length kn; 0 if none); a
 * hyphenated word is judged by its first part, and is no common word. */
unsigned cvi_person_word_flags(const char *text, const word *w, const char *key, size_t kn);
/* 1 if key (from cvi_person_fold_key) is a gazetteer name that is no
 * everyday word: a given name of some weight, or a surname. */
int cvi_person_name_like(const char *key, size_t kn);

#endif
