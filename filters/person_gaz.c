/*
 * person_gaz.c - the person detector's (person.c) lookups in the name
 * gazetteer (data/person_names.c): the folded key of a word, its flags,
 * and the judgements built on them that person_spelled.c shares. Declared
 * in person.h.
 */
#include <string.h>

#include "filters.h"
#include "person.h"
#include "data/person_names.h"

/* ---- lookup keys ---------------------------------------------------------- */

/* Base letters of U+00C0..U+00FF and U+0100..U+017F as make_names.py folds
 * them: '*' a two-letter fold (special-cased), '_' dropped. */
static const char fold_l1[65] = "aaaaaa*ceeeeiiiidnooooo_ouuuuy**aaaaaa*ceeeeiiiidnooooo_ouuuuy*y";
static const char fold_ea[129] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghh__iiiiiiiiiiiijjkk_llllllllllnnnnnn___oooooo**rrrrrrsssssssstttt__uuuuuuuuuuuuwwyyyzzzzzzs";

#define KEY_MAX CVI_PERSON_KEY_MAX

/* The gazetteer key of text[s..e): a-z only, accents removed. Returns its
 * length, 0 if the word cannot be a key (too long, digits, other scripts). */
size_t cvi_person_fold_key(const char *text, size_t s, size_t e, char key[KEY_MAX + 1])
{
    const unsigned char *p = (const unsigned char *)text;
    size_t k = 0;
    for (size_t i = s; i < e; i++) {
        unsigned char c = p[i];
        if (bclass[c] == 1) {                       /* ASCII letters: most of them */
            if (k == KEY_MAX) return 0;
            key[k++] = (char)(c | 0x20);
            continue;
        }
        const char *add = NULL;
        char one[2] = { 0, 0 };
        if ((unsigned)((c | 0x20) - 'a') < 26u) {
            one[0] = (char)(c | 0x20);
            add = one;
        } else if (c == '\'' || c == '-' || c == '.') {
            continue;
        } else if (c == 0xE2 && i + 2 < e && p[i + 1] == 0x80 && p[i + 2] == 0x99) {
            i += 2;                               /* ’ */
            continue;
        } else if ((c == 0xC3 || c == 0xC4 || c == 0xC5) && i + 1 < e) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | (p[i + 1] & 0x3F);
            i++;
            char f = cp < 0x100 ? fold_l1[cp - 0xC0] : fold_ea[cp - 0x100];
            if (f == '_') continue;
            if (f == '*') {
                add = cp == 0xDF ? "ss" : (cp == 0xDE || cp == 0xFE) ? "th" : (cp == 0x152 || cp == 0x153) ? "oe" : "ae";
            } else {
                one[0] = f;
                add = one;
            }
        } else {
            return 0;
        }
        for (; *add; add++) {
            if (k == KEY_MAX) return 0;
            key[k++] = *add;
        }
    }
    key[k] = '\0';
    return k;
}

/* Gazetteer flags of a key (CVI_PN_*), 0 if not a name. Two-letter
 * bucket, then binary search. */
unsigned cvi_person_gaz_lookup(const char *key, size_t n)
{
    if (n < 2) return 0;
    unsigned b = (unsigned)(key[0] - 'a') * 26 + (unsigned)(key[1] - 'a');
    uint32_t lo = cvi_person_bucket[b], hi = cvi_person_bucket[b + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        /* every key of the bucket shares the first two letters */
        const unsigned char *a = (const unsigned char *)cvi_person_blob + cvi_person_off[mid] + 2;
        const unsigned char *k = (const unsigned char *)key + 2;
        while (*a && *a == *k) a++, k++;
        if (*a == *k) return cvi_person_flags[mid] | 0x8000u;   /* 0x8000: found */
        if (*a < *k) lo = mid + 1; else hi = mid;
    }
    return 0;
}

/* Gazetteer flags of word w (its key, of length kn; 0 if none). A
 * hyphenated word (Müller-Lüdenscheidt, Jean-Pierre) is judged by its
 * first part, and is no common word. */
unsigned cvi_person_word_flags(const char *text, const word *w, const char *key, size_t kn)
{
    if (kn < 2) return 0;
    const char *h = memchr(text + w->s, '-', w->e - w->s);
    if (h) {
        char k2[KEY_MAX + 1];
        size_t n2 = cvi_person_fold_key(text, w->s, (size_t)(h - text), k2);
        unsigned f = cvi_person_gaz_lookup(k2, n2);
        return (f ? f : 0x8000u | CVI_PN_NAME) & ~(unsigned)CVI_PN_COMMON_ANY;
    }
    /* Portuguese "março" folds to the name "marco": the month, no name, with its ç */
    if (kn == 5 && !w->plain && memcmp(key, "marco", 5) == 0 && memchr(text + w->s, 0xC3, w->e - w->s)) return 0;
    return cvi_person_gaz_lookup(key, kn);
}

int cvi_person_name_like(const char *key, size_t kn)
{
    unsigned f = cvi_person_gaz_lookup(key, kn);
    return is_name(f) && !is_common(f) && (given_weight(f) >= 2 || (f & CVI_PN_SURNAME));
}
