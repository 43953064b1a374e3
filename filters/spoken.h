/*
 * spoken.h - ASR word sequences → detector-friendly text (DESIGN §7).
 *
 * Speech recognisers write identifiers as many word items ("oh seven seven
 * double oh nine hundred one two three", "4 1 1 1", "john dot smith at
 * example dot com"). cvi_spoken_build joins a word sequence into one text in
 * which such runs are written as the detectors expect ("07700900123",
 * "4111", "john.smith@example.com"), with a map from every byte of that text
 * back to the word item it came from, so a detector match maps to the words
 * (and so to the time span) that were spoken.
 *
 * Supported in a digit run (English, case-insensitive):
 *  - digits as words: "zero", "nought", "one".."nine"; "oh"/"o" for 0 when a
 *    digit word is next to it (an "Oh," that opens a sentence stays a word);
 *  - digit items as the recogniser wrote them ("4", "4111", "07700"), a
 *    leading "+" kept ("+44");
 *  - "double X" / "triple X" (X a digit word or single digit);
 *  - teens "ten".."nineteen" and tens "twenty".."ninety", "twenty one" → 21,
 *    also hyphenated ("twenty-one", "four-one-one-one");
 *  - "X hundred" → X00; "X hundred and Y" / "X hundred twenty three" → one
 *    three-digit group (X, then Y as two digits); a bare digit after
 *    "hundred" starts new digits, as phone numbers are spoken
 *    ("nine hundred one two three" → "900123");
 *  - "X thousand" → X000, "X thousand and five" → X005, "X thousand five
 *    hundred" → X500, "two thousand twenty" → 2020;
 *  - "plus" directly before a digit → "+";
 *  - a comma or hyphen between items (AWS punctuation items, or attached to
 *    a word) does not end a run; any other punctuation does.
 * Ordinals ("fifth", "twenty first") become "5th", "21st" (for dates).
 * E-mail: LOCAL (SEP LOCAL)* "at" DOMAIN ("dot" DOMAIN)+ where SEP is "dot",
 * "underscore", "dash"/"hyphen" and LOCAL/DOMAIN are single alphanumeric
 * words → "local.part@domain.tld"; the detectors judge the result.
 * Letters spelled among digits ("C E one two three four five six A",
 * "G B eight two W E S T ...", "S W one A one A A"; single letters, "C."
 * too, commas between) are joined with them when the result has the shape
 * of a NINO, an IBAN or a UK postcode ("CE123456A", "SW1A1AA"), cut where
 * that shape last held; otherwise the letters stay words (so a letter before
 * a phone number is never glued to it).
 * Other languages (cvi_spoken_set_lang; with none given, all at once): the
 * digits, teens, tens, hundreds, thousands, repeats ("doppio", "doppel",
 * "doble", "dubbel", "dupla"), "plus" ("più", "más", "mais") and e-mail words
 * ("chiocciola"/"punto", "at"/"Punkt", "arobase"/"point", "arroba"/"punto",
 * "apenstaartje"/"punt", "arroba"/"ponto") of it, de, fr, es, nl, pt;
 * one-word compounds ("ventitré", "dreiundzwanzig", "drieëntwintig",
 * "veintitrés", "vingt-trois", "quatre-vingt-dix-neuf") and spaced ones
 * ("treinta y uno", "vinte e três", "vingt et un", "soixante dix sept").
 * Words that are also ordinary words ("un", "een", "um", "uno"; with no
 * language given also "due", "tre", "sei", "elf", "null", "once", "dos")
 * are numbers only in an unbroken run holding a number word that is not;
 * a "plus" that is also a word ("mas", "mais") only before a number of its
 * language; an e-mail's "at" and dots must be words of one language.
 * Spelling alphabets: in a run of three or more spelled tokens (single
 * letters, spelling-alphabet words, "double" before one), the words of the
 * active languages' alphabets (NATO; Italian, DIN 5009, French, Spanish and
 * Dutch telephone alphabets) are written as their letters ("sierra mike
 * india" → "S M I"); the person-spelled detector judges the letters.
 * Not supported: compound hundreds ("duecento",
 * "zweihundert"), spaced German/Dutch compounds ("drei und zwanzig").
 * Words are separated by one space (mapped to no word); punctuation items
 * attach to the previous word without a space.
 */
#ifndef CV_SPOKEN_H
#define CV_SPOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline/common/base.h"

/* One ASR word item (borrowed). punct: a punctuation item (AWS type
 * "punctuation"), attached to the previous word. */
typedef struct cv_spoken_word {
    const char *p;
    size_t n;
    uint8_t punct;
} cv_spoken_word;

/* A run of spoken digits in the built text: bytes [start, end), with ndigits
 * decimal digits (a "+" not counted). */
typedef struct cv_spoken_run {
    uint32_t start, end;
    uint32_t ndigits;
} cv_spoken_run;

/* The built text and its maps. Zero-initialise or cvi_spoken_init; reusable. */
typedef struct cv_spoken {
    cv_buf text;             /* the joined text (not NUL-terminated) */
    int32_t *map;            /* map[i]: index of the word byte i of text came from, -1 for a separator */
    size_t map_cap;
    cv_spoken_run *runs;     /* digit runs, in text order */
    size_t nruns, runs_cap;
    unsigned langs;          /* languages joined (cvi_spoken_set_lang); 0: all */
    void *scratch;           /* internal token list */
    size_t scratch_cap;
} cv_spoken;

void cvi_spoken_init(cv_spoken *s);
void cvi_spoken_free(cv_spoken *s);           /* NULL ok; leaves s empty */

/* Join numbers in the transcript's language lang[0..n): an ISO 639-1 code,
 * with or without a region ("it", "pt-BR", "de_DE"), or an English name
 * ("italian", as Whisper writes it). Returns 1 if it is a served language;
 * otherwise (also lang NULL) 0, and every served language is joined at once.
 * Kept by later builds; cvi_spoken_init/free reset it to all. */
int cvi_spoken_set_lang(cv_spoken *s, const char *lang, size_t n);

/* Build s from words[0..n) (replacing any previous contents). Word bytes are
 * UTF-8; words of only whitespace are skipped. Returns 0, CV_ENOMEM, or
 * CV_EINPUT if the text would exceed UINT32_MAX bytes. */
int cvi_spoken_build(cv_spoken *s, const cv_spoken_word *words, size_t n);

/* The words behind text bytes [start, end): *first and *last (inclusive) word
 * indices of the mapped bytes in that range. Returns 0 if no byte of the
 * range maps to a word. */
int cvi_spoken_words_of(const cv_spoken *s, size_t start, size_t end, size_t *first, size_t *last);

#endif
