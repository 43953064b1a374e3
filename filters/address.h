/*
 * address.h - what the address detector's files share (address.c: the
 * street lexicon, house numbers, street lines and the scanner;
 * address_parts.c: the parts around a street line and PO boxes): the
 * characters and words of a text, the word lists, and each file's entry
 * points for the other. The helpers are static inline: they run on every
 * digit run of every text.
 */
#ifndef CV_ADDRESS_H
#define CV_ADDRESS_H

#include <stddef.h>
#include <string.h>

/* ---- characters and words -------------------------------------------- */

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_ascii_letter(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }
static inline int is_space(unsigned char c) { return c == ' ' || c == '\t'; }

/* A letter byte: ASCII letters and the bytes of UTF-8 letters (lead bytes
 * C3..DF, E1..EF and continuations); C2 (º ª ° NBSP £) and E2 (dashes,
 * quotes, €) sequences are symbols. */
static inline int letter_slow(const unsigned char *p, size_t i)
{
    unsigned char c = p[i];
    if (c >= 0xC3 && c != 0xE2) return 1;
    if (c >= 0xC0) return 0;
    /* a continuation byte: find its lead */
    size_t j = i;
    while (j > 0 && (p[j] & 0xC0) == 0x80) j--;
    return p[j] >= 0xC3 && p[j] != 0xE2;
}

static inline int letter_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    (void)len;
    if (c < 0x80) return is_ascii_letter(c);
    return letter_slow((const unsigned char *)t, i);
}

static inline int is_upper_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    if (i >= len) return 0;   /* past the text: callers probe a word's second byte */
    if (p[i] >= 'A' && p[i] <= 'Z') return 1;
    return p[i] == 0xC3 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9E && p[i + 1] != 0x97;
}

typedef struct word {
    size_t s, e;     /* the word's bytes (letters, inner - ' ’) */
    int cap;         /* starts upper case */
    char lc[24];     /* lower case (ASCII and Latin-1 UTF-8), "" if too long */
    size_t n;        /* strlen(lc) */
} word;

static inline void word_lower(const char *t, word *w)
{
    size_t n = w->e - w->s, k = 0;
    if (n >= sizeof w->lc) { w->lc[0] = '\0'; w->n = 0; return; }
    for (size_t i = w->s; i < w->e; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        else if (i > w->s && (unsigned char)t[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) c += 0x20;
        w->lc[k++] = (char)c;
    }
    w->lc[k] = '\0';
    w->n = k;
}

/* "d'Orsay", "dell'Orso", "l’Opéra": an elided article before a capital
 * makes a capitalised word. */
static inline void elided_cap(const char *t, size_t len, word *w)
{
    if (w->cap) return;
    for (size_t i = w->s + 1; i < w->e && i < w->s + 5; i++) {
        size_t j = 0;
        if (t[i] == '\'') j = i + 1;
        else if ((unsigned char)t[i] == 0xE2 && i + 2 < w->e && (unsigned char)t[i + 2] == 0x99) j = i + 3;
        if (j) {
            w->cap = j < w->e && is_upper_at(t, len, j);
            return;
        }
    }
}

static inline int joiner_at(const char *t, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)t;
    if (p[i] == '-' || p[i] == '\'') return 1;
    return p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x99;   /* ’ */
}

static inline size_t joiner_len(const char *t, size_t i) { return (unsigned char)t[i] == 0xE2 ? 3 : 1; }

/* The word starting at i (a letter), or 0 if none. */
static inline int word_at(const char *t, size_t len, size_t i, word *w)
{
    if (i >= len || !letter_at(t, len, i)) return 0;
    size_t e = i;
    for (;;) {
        while (e < len && letter_at(t, len, e)) e++;
        if (e < len && joiner_at(t, len, e)) {
            size_t j = e + joiner_len(t, e);
            if (j < len && letter_at(t, len, j)) { e = j; continue; }
        }
        break;
    }
    w->s = i;
    w->e = e;
    w->cap = is_upper_at(t, len, i);
    word_lower(t, w);
    elided_cap(t, len, w);
    return 1;
}

/* The word ending right at e (exclusive), or 0. */
static inline int word_ending(const char *t, size_t len, size_t e, word *w)
{
    if (e == 0 || !letter_at(t, len, e - 1)) return 0;
    size_t s = e;
    for (;;) {
        while (s > 0 && letter_at(t, len, s - 1)) s--;
        if (s >= 2 && joiner_at(t, len, s - 1) && letter_at(t, len, s - 2)) { s -= 1; continue; }
        if (s >= 4 && (unsigned char)t[s - 1] == 0x99 && joiner_at(t, len, s - 3) && letter_at(t, len, s - 4)) {
            s -= 3;
            continue;
        }
        break;
    }
    while (s < e && !letter_at(t, len, s)) s++;
    if (s > 0 && is_digit((unsigned char)t[s - 1])) return 0;   /* "3rd", "2nd" */
    w->s = s;
    w->e = e;
    w->cap = is_upper_at(t, len, s);
    word_lower(t, w);
    elided_cap(t, len, w);
    return 1;
}

/* A word list entry with its length (lists are short and searched by
 * length and first byte before any memcmp: this runs on every number). */
typedef struct lexw {
    const char *w;
    unsigned char n;
} lexw;
#define W(s) { s, sizeof s - 1 }

static inline int in_lex(const char *w, size_t n, const lexw *list)
{
    for (size_t k = 0; list[k].w; k++)
        if (list[k].n == n && list[k].w[0] == w[0] && memcmp(list[k].w, w, n) == 0) return 1;
    return 0;
}

static inline size_t skip_spaces(const char *t, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)t[i])) i++;
    return i;
}

static inline size_t skip_spaces_back(const char *t, size_t i)
{
    while (i > 0 && is_space((unsigned char)t[i - 1])) i--;
    return i;
}

/* ---- address.c ---------------------------------------------------------- */

/* Words that, after a number, make it a quantity, not a house number. */
extern const lexw cvi_address_units[];
/* A connector inside a street's or a place's name ("de la", "van", "del"). */
int cvi_address_is_connector(const word *w);

/* ---- address_parts.c ---------------------------------------------------- */

/* After a street line ending at e, on the same line: flat/floor parts, a
 * postcode, a city. Returns the new end. */
size_t cvi_address_tail(const char *t, size_t len, size_t e);
/* Before a street line starting at s: a flat part and its comma. Returns
 * the new start. */
size_t cvi_address_head(const char *t, size_t len, size_t s);
/* A PO box keyword ends at e: returns its start, or (size_t)-1. */
size_t cvi_address_po_keyword(const char *t, size_t e);
/* A PO box whose number starts at a: returns its end, with *s its start;
 * 0 if none. */
size_t cvi_address_po_box(const char *t, size_t len, size_t a, size_t *s);
/* A loose postcode shape at i (4-5 digits, -3/-4, NL, UK, IE): its end, or 0. */
size_t cvi_address_tail_code(const char *t, size_t len, size_t i);
/* A flat part alone ("Flat 4C", "Apt 5") starting at s: its end, or 0. */
size_t cvi_address_flat(const char *t, size_t len, size_t s);

#endif
