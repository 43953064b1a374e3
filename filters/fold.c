/*
 * fold.c - folding of Unicode look-alikes before detection (issue 8): an
 * NFKC-like map of full-width ASCII (digits, '@', letters, punctuation),
 * Unicode spaces and dashes to their ASCII forms, and zero-width characters
 * dropped, so "０７７００ ９００１２３" is matched and tokenised like
 * "07700 900123". Every folded character is 2-3 bytes in UTF-8 and folds to
 * at most one byte, so the folded text is never longer than the original.
 */
#include "filters.h"

size_t cvi_fold_at(const unsigned char *p, size_t n, char *ascii)
{
    if (n < 2) return 0;
    unsigned a = p[0], b = p[1];
    if (a == 0xC2) {
        if (b == 0xA0) { *ascii = ' '; return 2; }     /* U+00A0 no-break space */
        if (b == 0xAD) { *ascii = 0; return 2; }       /* U+00AD soft hyphen */
        return 0;
    }
    if (n < 3) return 0;
    unsigned c = p[2];
    if (a == 0xE2 && b == 0x80) {
        if (c <= 0x8A || c == 0xAF) { *ascii = ' '; return 3; }   /* U+2000-200A, U+202F */
        if (c >= 0x8B && c <= 0x8D) { *ascii = 0; return 3; }     /* U+200B-200D zero width */
        if (c >= 0x90 && c <= 0x95) { *ascii = '-'; return 3; }   /* U+2010-2015 hyphens, dashes */
        return 0;
    }
    if (a == 0xE2 && b == 0x81) {
        if (c == 0x9F) { *ascii = ' '; return 3; }                /* U+205F */
        if (c >= 0xA0 && c <= 0xA4) { *ascii = 0; return 3; }     /* U+2060 word joiner, U+2061-2064 */
        return 0;
    }
    if (a == 0xE2 && b == 0x88 && c == 0x92) { *ascii = '-'; return 3; }   /* U+2212 minus */
    if (a == 0xE3 && b == 0x80 && c == 0x80) { *ascii = ' '; return 3; }   /* U+3000 ideographic space */
    if (a == 0xEF) {
        if (b == 0xBB && c == 0xBF) { *ascii = 0; return 3; }              /* U+FEFF */
        if (b == 0xBC && c >= 0x81) { *ascii = (char)(c - 0x81 + 0x21); return 3; }   /* U+FF01-FF3F */
        if (b == 0xBD && c <= 0x9E) { *ascii = (char)(c - 0x80 + 0x60); return 3; }   /* U+FF40-FF5E */
        if (b == 0xB9 && c == 0xA3) { *ascii = '-'; return 3; }            /* U+FE63 small hyphen-minus */
        if (b == 0xB9 && c == 0xAB) { *ascii = '@'; return 3; }            /* U+FE6B small commercial at */
        return 0;
    }
    return 0;
}

size_t cvi_fold_text(const char *text, size_t len, char *out, uint32_t *map)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        char a;
        size_t l = p[i] >= 0xC2 ? cvi_fold_at(p + i, len - i, &a) : 0;
        if (!l) {
            map[k] = (uint32_t)i;
            out[k++] = text[i++];
            continue;
        }
        if (a) {
            map[k] = (uint32_t)i;
            out[k++] = a;
        }
        i += l;
    }
    map[k] = (uint32_t)len;
    return k;
}
