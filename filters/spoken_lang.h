/*
 * spoken_lang.h - private to filters/spoken.c and filters/spoken_lang.c: the
 * token kinds and language bits the joiner and its per-language word tables
 * share, and the two lookups over those tables. No other file includes it.
 */
#ifndef CV_SPOKEN_LANG_H
#define CV_SPOKEN_LANG_H

#include <stddef.h>
#include <stdint.h>

/* A token's kind: what a lexicon word means (K_WORD: nothing). */
enum {
    K_WORD = 0, K_PUNCT, K_NUM, K_ZERO, K_OH, K_DIGIT, K_TEEN, K_TENS, K_HUNDRED, K_THOUSAND,
    K_MULT, K_PLUS, K_AND, K_ORD, K_AT, K_DOT, K_SEP
};

/* Languages, as bits of a word's mask. */
enum { L_EN = 1, L_IT = 2, L_DE = 4, L_FR = 8, L_ES = 16, L_NL = 32, L_PT = 64, L_ALL = 127 };

/* What the word p[0..n) (as written, any case) means in the languages of
 * mask: sets *kind, *val (digit, teen/ordinal value, tens digit, multiplier,
 * separator char), *lang (every language of mask it has that meaning in)
 * and *amb (a number only in a run of unambiguous number words) and returns
 * 1; for an ordinary word returns 0 and leaves them as they are. *lang must
 * be 0 on entry. all: no language was given (mask is L_ALL), so words that
 * are ordinary words in another language ("due", "elf") are ambiguous too. */
int cvi_spoken_number_word(const char *p, size_t n, unsigned mask, int all, uint8_t *kind, uint8_t *val,
                           uint8_t *lang, uint8_t *amb);

/* The letter (A-Z) the word p[0..n) (as written, any case) stands for in the
 * spelling alphabets of the languages in mask, or 0. */
char cvi_spoken_spelled_letter(const char *p, size_t n, unsigned mask);

#endif
