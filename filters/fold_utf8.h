/*
 * fold_utf8.h - the character layer of the word-set matcher (wordset.c,
 * wordset_build.c): UTF-8 decoding, the word/space/other class of a code
 * point, simple lower case, and the folding of one character into the
 * bytes the trie holds (wordset.h says what is folded). Private to
 * filters/wordset*.c. Every function here runs per character of the text
 * in the scan, so all are static inline.
 */
#ifndef CV_FOLD_UTF8_H
#define CV_FOLD_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define MARK 0xFFu          /* word boundary */
#define INVALID_BYTE 0xFEu  /* a byte that is not valid UTF-8 */
#define CP_INVALID 0x110000u

enum { C_OTHER = 0, C_WORD = 1, C_SPACE = 2 };

/* Class of an ASCII byte; C_HIGH for the bytes of non-ASCII characters. */
enum { C_HIGH = 3 };
static const uint8_t ascii_class[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\v'] = C_SPACE, ['\f'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    [0x80] = R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH),
#undef R16
};

static inline unsigned ascii_lower(unsigned a) { return a + ((a - 'A' < 26u) << 5); }


/* Decode one character of p[0..n) (n >= 1): its length, the code point in
 * *cp (CP_INVALID for a byte that does not start a valid sequence: length 1). */
static inline size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned a = p[0];
    uint32_t c;
    if (a < 0x80) {
        *cp = a;
        return 1;
    }
    if (a < 0xC2) goto bad;
    if (a < 0xE0) {
        if (n < 2 || (p[1] & 0xC0) != 0x80) goto bad;
        *cp = (uint32_t)(a & 0x1F) << 6 | (p[1] & 0x3F);
        return 2;
    }
    if (a < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) goto bad;
        c = (uint32_t)(a & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) goto bad;
        *cp = c;
        return 3;
    }
    if (a < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) goto bad;
        c = (uint32_t)(a & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
        if (c < 0x10000 || c > 0x10FFFF) goto bad;
        *cp = c;
        return 4;
    }
bad:
    *cp = CP_INVALID;
    return 1;
}

/* Word character (letter, digit, mark), whitespace, or other. An
 * approximation by blocks: every non-ASCII code point is a word character
 * except the space, punctuation and symbol blocks below. */
static inline int cp_class(uint32_t c)
{
    if (c < 0x80) return ascii_class[c];
    if (c < 0xC0) {
        if (c == 0x85 || c == 0xA0) return C_SPACE;
        return c == 0xAA || c == 0xB5 || c == 0xBA ? C_WORD : C_OTHER;
    }
    if (c == 0xD7 || c == 0xF7) return C_OTHER;
    if (c < 0x1680) return C_WORD;
    if (c == 0x1680) return C_SPACE;
    if (c < 0x2000) return C_WORD;
    if (c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F) return C_SPACE;
    if (c <= 0x2BFF) return C_OTHER;      /* punctuation, currency, letter-like, arrows, maths, shapes, ... */
    if (c < 0x2E00) return C_WORD;
    if (c <= 0x2E7F) return C_OTHER;      /* supplemental punctuation */
    if (c < 0x3000) return C_WORD;
    if (c == 0x3000) return C_SPACE;
    if (c <= 0x303F) return C_OTHER;      /* CJK symbols and punctuation */
    if (c < 0xE000) return C_WORD;
    if (c <= 0xF8FF) return C_OTHER;      /* private use */
    if (c < 0xFE10) return C_WORD;
    if (c <= 0xFE1F || (c >= 0xFE30 && c <= 0xFE6F)) return C_OTHER;   /* vertical, compatibility, small forms */
    if (c == 0xFEFF) return C_OTHER;
    if (c >= 0xFF00 && c <= 0xFF65)       /* full-width forms: digits and letters are word characters */
        return (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A)
                   ? C_WORD : C_OTHER;
    if (c >= 0xFFF0 && c <= 0xFFFF) return C_OTHER;
    if (c >= 0x1F000 && c <= 0x1FBFF) return C_OTHER;   /* emoji, pictographs, game symbols */
    if (c >= CP_INVALID) return C_OTHER;
    return C_WORD;
}

/* Simple lower case of the folded ranges (wordset.h); *upper = 1 if c is an
 * upper-case letter. ß and ẞ are handled by the caller ("ss"). */
static inline uint32_t lower_cp(uint32_t c, int *upper)
{
    *upper = 0;
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z') {
            *upper = 1;
            return c + 32;
        }
        return c;
    }
    if (c < 0xC0) return c;
    if (c < 0xDF) {
        if (c == 0xD7) return c;
        *upper = 1;
        return c + 0x20;
    }
    if (c < 0x100) return c;
    if (c < 0x180) {
        switch (c) {
        case 0x130: *upper = 1; return 'i';     /* İ: its full folding is "i" + U+0307; "i" is what people type */
        case 0x131: case 0x138: case 0x149: return c;   /* ı ĸ ŉ: no simple folding */
        case 0x178: *upper = 1; return 0xFF;    /* Ÿ */
        case 0x17F: return 's';                 /* ſ */
        }
        if (c <= 0x137 || (c >= 0x14A && c <= 0x177)) {  /* even upper, odd lower */
            if (c & 1) return c;
            *upper = 1;
            return c + 1;
        }
        if (c & 1) {                                      /* U+0139-0148, U+0179-017E: odd upper */
            *upper = 1;
            return c + 1;
        }
        return c;
    }
    if (c >= 0x386 && c <= 0x3AB) {             /* Greek capitals */
        if (c == 0x386) { *upper = 1; return 0x3AC; }
        if (c >= 0x388 && c <= 0x38A) { *upper = 1; return c + 37; }
        if (c == 0x38C) { *upper = 1; return 0x3CC; }
        if (c == 0x38E || c == 0x38F) { *upper = 1; return c + 63; }
        if (c >= 0x391 && c != 0x3A2) { *upper = 1; return c + 0x20; }
        return c;
    }
    if (c == 0x3C2) return 0x3C3;               /* final sigma */
    if (c >= 0x400 && c <= 0x42F) {             /* Cyrillic capitals */
        *upper = 1;
        return c < 0x410 ? c + 0x50 : c + 0x20;
    }
    return c;
}

static inline size_t put_utf8(uint32_t c, unsigned char *o)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* The folded bytes of character c (class cls) after one of class prev, into
 * o (room for 6): *close is 1 if o[0] is the marker closing the previous
 * word. Returns the number of bytes (0 inside a whitespace run). */
static inline size_t fold_char(int prev, int cls, uint32_t c, unsigned char *o, size_t *close)
{
    size_t k = 0;
    *close = 0;
    if (cls == C_WORD) {
        if (prev != C_WORD) o[k++] = MARK;
        if (c == 0xDF || c == 0x1E9E) {         /* ß, ẞ */
            o[k++] = 's';
            o[k++] = 's';
            return k;
        }
        int up;
        return k + put_utf8(lower_cp(c, &up), o + k);
    }
    if (prev == C_WORD) {
        o[k++] = MARK;
        *close = 1;
    }
    if (cls == C_SPACE) {
        if (prev != C_SPACE) o[k++] = ' ';
        return k;
    }
    if (c == CP_INVALID) {
        o[k++] = INVALID_BYTE;
        return k;
    }
    return k + put_utf8(c, o + k);
}

static inline int is_upper(uint32_t c)
{
    int up;
    if (c == 0x1E9E) return 1;
    (void)lower_cp(c, &up);
    return up;
}

#endif
