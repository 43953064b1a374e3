/*
 * wordset.h - a compiled set of words and phrases found in free text in one
 * pass (wordset.c): the person names of a record's structured fields, and
 * soon policy `words:` / `words_file:` detectors and gazetteers (issues 9,
 * 14). Included from filters.h.
 *
 * Matching is case-insensitive and accent-sensitive, on word boundaries:
 * - a word character is a letter, digit or combining mark: ASCII letters and
 *   digits, and every non-ASCII code point except these space, punctuation
 *   and symbol blocks: U+0080-00BF (but ª µ º), × ÷, U+1680, U+2000-2BFF,
 *   U+2E00-2E7F, U+3000-303F, U+E000-F8FF, U+FE10-FE1F, U+FE30-FE6F, U+FEFF,
 *   U+FF00-FF65 (but full-width digits and letters), U+FFF0-FFFF,
 *   U+1F000-1FBFF (an approximation of \p{L}\p{N}\p{M} by blocks; '_' is
 *   punctuation); a byte that is not valid UTF-8 is a non-word character
 *   that matches only an invalid byte (in text and in entries alike);
 * - folded to lower case: ASCII A-Z, Latin-1 Supplement (À-Þ but ×), Latin
 *   Extended-A (all pairs, Ÿ→ÿ, İ→i, ſ→s), Greek (Ά-Ϋ, ς→σ), Cyrillic
 *   (Ѐ-Я), and ß, ẞ → "ss"; nothing else (no accents removed, no other
 *   scripts, no normalisation forms: "é" precomposed ≠ "e"+U+0301);
 * - inside an entry, a whitespace run (ASCII, NBSP, U+2000-200A, U+2028/9,
 *   U+202F, U+205F, U+3000, U+1680, U+0085) matches any whitespace run;
 *   punctuation ("O'Brien", "Jean-Luc", "Smith, J.") must match as written;
 * - an entry that begins (ends) with a word character matches only where
 *   the text has no word character just before (after) it: "Sam" is not
 *   found in "Samantha", but is in "Sam's" and "Sam-Ali".
 * Matches are reported left to right, non-overlapping, leftmost-longest.
 */
#ifndef CV_WORDSET_H
#define CV_WORDSET_H

#include <stddef.h>
#include <stdint.h>

/* Immutable after cvi_wordset_build: shared by any number of threads. */
typedef struct cv_wordset cv_wordset;
/* Collects entries; one thread at a time; reusable (clear, add, build). */
typedef struct cv_wordset_builder cv_wordset_builder;

/* Entry flag: match only where the text's first character is an upper-case
 * letter (of the folded ranges) or written as in the entry: "Will" as a name
 * finds "Will", "WILL", not "will". Entries that fold alike are one key;
 * the match reports the lowest id whose flags the text satisfies. */
#define CV_WS_CAPITALISED 1u

typedef struct cv_word_match {
    uint32_t start, end;    /* bytes [start, end) of the text */
    uint32_t id;            /* the entry's id (cvi_wordset_builder_add) */
} cv_word_match;

cv_wordset_builder *cvi_wordset_builder_create(void);     /* NULL on ENOMEM */
void cvi_wordset_builder_free(cv_wordset_builder *b);     /* NULL ok */
/* Forget the entries added so far (memory kept for the next set). */
void cvi_wordset_builder_clear(cv_wordset_builder *b);
/* Add word[0..len) (UTF-8; surrounding whitespace ignored) with CV_WS_*
 * flags. Returns its id (0, 1, 2, ... in order of successful additions),
 * CV_EINPUT if it is empty or only whitespace, or CV_ENOMEM. */
int cvi_wordset_builder_add(cv_wordset_builder *b, const char *word, size_t len, unsigned flags);
size_t cvi_wordset_builder_count(const cv_wordset_builder *b);
/* Compile the entries added so far. If *set is NULL a new set is allocated;
 * else *set (owned by the caller, not in use by any thread) is rebuilt in
 * place, reusing its memory. Returns 0 or CV_ENOMEM (then *set, if it was
 * given, holds no entries but stays valid for cvi_wordset_scan and _free). */
int cvi_wordset_build(cv_wordset_builder *b, cv_wordset **set);
/* As cvi_wordset_build, in the layout given: CV_WS_AUTO (what
 * cvi_wordset_build does: a flat array of keys for a few entries that all
 * begin with a word character, else a trie) or CV_WS_TRIE (always the
 * trie). The matches are the same; tests compare the two. */
enum { CV_WS_AUTO = 0, CV_WS_TRIE = 1 };
int cvi_wordset_build_layout(cv_wordset_builder *b, cv_wordset **set, int layout);
void cvi_wordset_free(cv_wordset *s);                     /* NULL ok */
size_t cvi_wordset_entries(const cv_wordset *s);
size_t cvi_wordset_bytes(const cv_wordset *s);            /* heap memory held */

/* Called once per match, in order; a nonzero return stops the scan and is
 * returned by cvi_wordset_scan. */
typedef int (*cv_word_cb)(void *arg, const cv_word_match *m);
/* Find the set's entries in text[0..len) (any bytes). No allocation; time
 * linear in len for a bounded longest entry, independent of the number of
 * entries. Returns 0, the callback's nonzero value, or CV_EINPUT if len
 * does not fit a uint32_t offset. */
int cvi_wordset_scan(const cv_wordset *s, const char *text, size_t len, cv_word_cb cb, void *arg);

#endif
