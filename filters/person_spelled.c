/*
 * person_spelled.c - the detector person-spelled: names spelled letter by
 * letter (its descriptor; the name gazetteer is person.c's, person.h).
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filters.h"
#include "person.h"

/*
 * "my name is S M I T H", "that's s-m-i-t-h", "Smith, S.M.I.T.H", "J O N E S
 * at gmail dot com", "S M I double T H": three or more single letters (a
 * repeat word counts its letter twice or thrice) separated by spaces,
 * dashes, dots or commas, found only with evidence that they spell a name:
 *  - a spelling or name cue right before ("spelled", "spell", "surname",
 *    "name", "that's", "cognome", "Nachname", "nom", "apellido", ...), also
 *    with "is"/"ist"/"è"/"es"/"est"/"é" between ("my surname is S M I T H");
 *  - a name right before: the word the letters spell ("Smith, S M I T H"),
 *    or a capitalised given name or surname of the gazetteer that is no
 *    everyday word ("Jones J O N E S", "Mr Kowalski, K O W"), also with
 *    "is" between;
 *  - an e-mail domain right after ("at gmail dot com", "@gmail.com"): the
 *    span then runs to the domain's end, so no letter of the local part is
 *    left to an e-mail match on its last letter alone.
 * Spoken transcripts: filters/spoken.c writes spelling-alphabet words of a
 * spelled run ("sierra mike india tango hotel") as their letters. The
 * normal form is the letters, lower-cased: the spelled name gets the token
 * of the name written out ("smith").
 */

#define SPELL_MAX 40

static int sp_alpha(unsigned char c) { return (unsigned)((c | 0x20) - 'a') < 26u; }
static int sp_alnum(unsigned char c) { return sp_alpha(c) || (unsigned)(c - '0') < 10u; }
static int sp_sep(unsigned char c) { return c == ' ' || c == '\t' || c == '-' || c == '.' || c == ','; }

/* A single letter at i: no letter, digit or word byte either side; after
 * it a separator, the end, or closing punctuation. "I'm" and "a@b" are no
 * letters. */
static int single_letter(const unsigned char *p, size_t len, size_t i)
{
    if (i >= len || !sp_alpha(p[i])) return 0;
    if (i > 0 && (sp_alnum(p[i - 1]) || p[i - 1] >= 0x80 || p[i - 1] == '\'' || p[i - 1] == '_')) return 0;
    if (i + 1 == len) return 1;
    unsigned char c = p[i + 1];
    return sp_sep(c) || c == '\n' || c == '\r' || c == '!' || c == '?' || c == ')' || c == '"' || c == ';' ||
           c == ':' || c == '@';
}

/* Repeat words ("double T"): how many times the next letter counts, 0 if the
 * word at [s, e) is none. */
static int repeat_word(const unsigned char *p, size_t s, size_t e)
{
    static const struct { const char *w; size_t len; int n; } rep[] = {
        {"double", 6, 2}, {"triple", 6, 3}, {"doppia", 6, 2}, {"doppio", 6, 2}, {"doppel", 6, 2},
        {"doppeltes", 9, 2}, {"doble", 5, 2}, {"dubbel", 6, 2}, {"dupla", 5, 2}, {"duplo", 5, 2},
    };
    if (e - s != 5 && e - s != 6 && e - s != 9) return 0;   /* most words leave here */
    if ((p[s] | 0x20) != 'd' && (p[s] | 0x20) != 't') return 0;
    for (size_t k = 0; k < sizeof rep / sizeof rep[0]; k++) {
        size_t n = rep[k].len;
        if (e - s != n) continue;
        size_t j = 0;
        while (j < n && (p[s + j] | 0x20) == rep[k].w[j]) j++;
        if (j == n) return rep[k].n;
    }
    return 0;
}

/* A run of spelled letters from i (a letter, or a repeat word before one):
 * its end (after the last letter), the letters lower-cased in out, their
 * count in *n. 0 if no run of three starts at i. */
static size_t letter_run(const unsigned char *p, size_t len, size_t i, char out[SPELL_MAX + 1], size_t *n)
{
    size_t k = i, end = 0;
    *n = 0;
    for (;;) {
        int times = 1;
        if (!single_letter(p, len, k)) {
            size_t we = k;
            while (we < len && sp_alpha(p[we])) we++;
            times = we > k ? repeat_word(p, k, we) : 0;
            if (!times || we >= len || p[we] != ' ' || !single_letter(p, len, we + 1)) break;
            if (k > 0 && sp_alnum(p[k - 1])) break;
            k = we + 1;
        }
        if (*n + (size_t)times > SPELL_MAX) break;
        for (int t = 0; t < times; t++) out[(*n)++] = (char)(p[k] | 0x20);
        end = k + 1;
        /* the separator: one to three of space, '-', '.', ','; not a line break */
        size_t j = end, m = 0;
        while (j < len && m < 3 && sp_sep(p[j])) j++, m++;
        if (m == 0 || j >= len) break;
        k = j;
    }
    out[*n] = '\0';
    return *n >= 3 ? end : 0;
}

/* The word before position at (skipping spaces and , : - " quotes): [*s, *e). */
static int word_before(const unsigned char *p, size_t at, size_t *s, size_t *e)
{
    size_t i = at, skipped = 0;
    while (i > 0 && skipped < 6 && (p[i - 1] == ' ' || p[i - 1] == '\t' || p[i - 1] == ',' || p[i - 1] == ':' ||
                                    p[i - 1] == '-' || p[i - 1] == '"'))
        i--, skipped++;
    size_t b = i;
    while (i > 0 && (sp_alnum(p[i - 1]) || p[i - 1] >= 0x80 || p[i - 1] == '\'')) i--;
    if (i == b) return 0;
    *s = i;
    *e = b;
    return 1;
}

/* text[s, e) equals one of the lower-case words in v (ASCII case folded). */
static int word_in(const unsigned char *p, size_t s, size_t e, const char *const *v)
{
    for (size_t k = 0; v[k]; k++) {
        size_t n = strlen(v[k]);
        if (n != e - s) continue;
        size_t j = 0;
        while (j < n && (unsigned char)(p[s + j] >= 'A' && p[s + j] <= 'Z' ? p[s + j] | 0x20 : p[s + j]) ==
                            (unsigned char)v[k][j])
            j++;
        if (j == n) return 1;
    }
    return 0;
}

/* Words after which letters spell a name, en it de fr es nl pt. */
static const char *const spell_cues[] = {
    "spelled", "spelt", "spell", "spelling", "spells", "surname", "lastname", "name", "name's", "names",
    "that's", "that’s", "thats", "initials",
    "scrive", "scritto", "cognome", "nome", "chiamo",
    "buchstabiert", "buchstabiere", "nachname", "familienname", "heiße", "heisse",
    "écrit", "ecrit", "s'écrit", "s'ecrit", "épelle", "epelle", "nom", "appelle",
    "escribe", "deletreo", "deletrea", "apellido", "nombre", "llamo",
    "gespeld", "spel", "achternaam", "naam", "heet",
    "escreve", "soletro", "sobrenome", "apelido", "chamo",
    NULL
};
/* Between a cue and the letters: "my surname is ...", "you spell it ...". */
static const char *const spell_copulas[] = { "is", "ist", "è", "e", "es", "est", "é", "was", "it", NULL };

/* The word [s, e) reads as a person's name: the letters it spells, or a
 * capitalised gazetteer name that is no everyday word. */
static int name_word(const unsigned char *p, size_t s, size_t e, const char *letters, size_t n)
{
    char key[CVI_PERSON_KEY_MAX + 1];
    size_t kn = cvi_person_fold_key((const char *)p, s, e, key);
    if (!kn) return 0;
    if (kn == n && memcmp(key, letters, n) == 0) return 1;
    if (!cvi_person_upper_at(p, s, e) || kn < 3) return 0;
    return cvi_person_name_like(key, kn);
}

/* After the run (at end): an e-mail domain, spoken or written ("at gmail dot
 * com", "@ example.co.uk"): the domain's end, else 0. */
static size_t domain_after(const unsigned char *p, size_t len, size_t end)
{
    size_t i = end;
    while (i < len && p[i] == ' ') i++;
    if (i < len && p[i] == '@') {
        i++;
    } else if (i + 2 < len && (p[i] | 0x20) == 'a' && (p[i + 1] | 0x20) == 't' && p[i + 2] == ' ') {
        i += 3;
    } else {
        return 0;
    }
    while (i < len && p[i] == ' ') i++;
    size_t labels = 0, last = 0;
    for (;;) {
        size_t a = i;
        while (i < len && (sp_alnum(p[i]) || p[i] == '-')) i++;
        if (i == a) break;
        labels++;
        last = i;
        if (i < len && p[i] == '.' && i + 1 < len && sp_alnum(p[i + 1])) {
            i++;
        } else if (i + 5 < len && p[i] == ' ' && (p[i + 1] | 0x20) == 'd' && (p[i + 2] | 0x20) == 'o' &&
                   (p[i + 3] | 0x20) == 't' && p[i + 4] == ' ' && sp_alnum(p[i + 5])) {
            i += 5;
        } else {
            break;
        }
    }
    return labels >= 2 ? last : 0;
}

/* One step of the scan at i (a run may start here): emits a spelled run
 * that starts at i and has the evidence, and returns where to go on. */
static size_t try_run(const char *text, size_t len, size_t i, cv_emit *em, int *rc)
{
    const unsigned char *p = (const unsigned char *)text;
    char letters[SPELL_MAX + 1];
    /* cheap gate: a letter, a separator, a letter (or a repeat word) */
    if (!sp_alpha(p[i]) || (i > 0 && (sp_alnum(p[i - 1]) || p[i - 1] >= 0x80))) return i + 1;
    if (!sp_sep(p[i + 1])) {
        /* the rest of the word, unless it may be a repeat word ("do...", "du...", "tr...") */
        unsigned c0 = p[i] | 0x20, c1 = p[i + 1] | 0x20;
        if (!((c0 == 'd' && (c1 == 'o' || c1 == 'u')) || (c0 == 't' && c1 == 'r'))) {
            while (i + 1 < len && sp_alpha(p[i + 1])) i++;
            return i + 1;
        }
    }
    size_t n, end = letter_run(p, len, i, letters, &n);
    if (!end) {
        while (i + 1 < len && sp_alpha(p[i + 1])) i++;   /* the rest of the word */
        return i + 1;
    }
    size_t ws, we, dom = domain_after(p, len, end), from = i;
    int ok = dom > 0;
    if (word_before(p, i, &ws, &we)) {
        /* the name the letters spell, right before: one span with them */
        char key[CVI_PERSON_KEY_MAX + 1];
        size_t kn = cvi_person_fold_key(text, ws, we, key);
        size_t vs, ve;
        /* (after a capitalised word, "Jane Doe, D O E", the person
         * detector's full name keeps the name: the letters alone then) */
        if (kn == n && memcmp(key, letters, n) == 0) {
            ok = 1;
            if (!word_before(p, ws, &vs, &ve) || !cvi_person_upper_at(p, vs, ve)) from = ws;
        }
    }
    if (!ok && word_before(p, i, &ws, &we)) {
        ok = word_in(p, ws, we, spell_cues) || name_word(p, ws, we, letters, n);
        size_t w2s, w2e;
        if (!ok && word_in(p, ws, we, spell_copulas) && word_before(p, ws, &w2s, &w2e))
            ok = word_in(p, w2s, w2e, spell_cues) || name_word(p, w2s, w2e, letters, n);
    }
    if (ok) *rc = cvi_emit(em, from, dom ? dom : end, letters, n);
    return dom ? dom : end;
}

static int wordish(unsigned char c) { return sp_alnum(c) || c >= 0x80; }

/* Bit 0: a word byte (wordish); bit 1: an apostrophe or '_'. */
static const uint8_t fence_tab[256] = {
#define F10(x) x, x, x, x, x, x, x, x, x, x
#define F26(x) F10(x), F10(x), x, x, x, x, x, x
#define F128(x) F10(F10(x)), F26(x), x, x
    ['0'] = F10(1), ['A'] = F26(1), ['a'] = F26(1), ['\''] = 2, ['_'] = 2, [0x80] = F128(1),
#undef F128
#undef F26
#undef F10
};

/* A byte no one-letter word may have beside it: a word byte; if strict,
 * also an apostrophe or '_', which single_letter refuses either side. */
static unsigned fence(unsigned char c, int strict) { return (fence_tab[c] & (strict ? 3u : 1u)) != 0; }

/* The first positions k >= i holding a one-letter word (a letter with no
 * fence byte either side), up to max of them, into at[] in order; their
 * count. Every spelled run holds one: its first letter, or the letter
 * after its leading repeat word; strict or not, every letter that
 * single_letter takes is one. */
static size_t singles(const unsigned char *p, size_t len, size_t i, size_t *at, size_t max, int strict)
{
    size_t n = 0;
    if (i == 0 && len > 0) {
        if (sp_alpha(p[0]) && (len == 1 || !fence(p[1], strict))) {
            at[n++] = 0;
            if (n == max) return n;
        }
        i = 1;
    }
#if defined(__SSE2__)
    const __m128i k20 = _mm_set1_epi8(0x20), ka = _mm_set1_epi8('a'), k25 = _mm_set1_epi8(25),
                  k0 = _mm_set1_epi8('0'), k9 = _mm_set1_epi8(9), zero = _mm_setzero_si128(),
                  kap = _mm_set1_epi8('\''), kus = _mm_set1_epi8('_'), kstrict = _mm_set1_epi8(strict ? -1 : 0);
    /* 16 positions a step: the letters and the word bytes of the block as
     * two bit masks, a position's neighbours their bits shifted by one
     * (the bytes just before and after the block tested one by one); the
     * last positions but the final one in a block that overlaps the one
     * before, its positions already judged masked off */
    while (i + 1 < len && len >= 18) {
        unsigned keep = 0xFFFF;
        if (i + 17 > len) {
            keep = 0xFFFFu << (i - (len - 17)) & 0xFFFF;
            i = len - 17;
        }
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i ax = _mm_sub_epi8(_mm_or_si128(x, k20), ka), dx = _mm_sub_epi8(x, k0);
        __m128i alpha = _mm_cmpeq_epi8(_mm_min_epu8(ax, k25), ax);
        __m128i wb = _mm_or_si128(_mm_or_si128(alpha, _mm_cmplt_epi8(x, zero)),
                                  _mm_cmpeq_epi8(_mm_min_epu8(dx, k9), dx));
        wb = _mm_or_si128(wb, _mm_and_si128(kstrict, _mm_or_si128(_mm_cmpeq_epi8(x, kap), _mm_cmpeq_epi8(x, kus))));
        unsigned a = (unsigned)_mm_movemask_epi8(alpha), w = (unsigned)_mm_movemask_epi8(wb);
        unsigned nb = w << 1 | (unsigned)fence(p[i - 1], strict) | w >> 1 | (unsigned)fence(p[i + 16], strict) << 15;
        for (unsigned m = a & ~nb & keep; m; m &= m - 1) {
            at[n++] = i + (size_t)__builtin_ctz(m);
            if (n == max) return n;
        }
        i += 16;
    }
#endif
    for (; i < len; i++)
        if (sp_alpha(p[i]) && !fence(p[i - 1], strict) && (i + 1 == len || !fence(p[i + 1], strict))) {
            at[n++] = i;
            if (n == max) return n;
        }
    return n;
}

/* The first k >= i holding a one-letter word, or len. */
static size_t next_single(const unsigned char *p, size_t len, size_t i)
{
    size_t k;
    return singles(p, len, i, &k, 1, 0) ? k : len;
}

/* Can text[0..len) hold a run at all? A run spells three letters or more:
 * three one-letter words (strict singles finds each, and more: its test
 * is looser than single_letter's), or fewer with a repeat word right
 * before one ("triple A"). Most texts have neither: strict, the "I" and
 * "m" of "I'm" are none. */
static int may_spell(const unsigned char *p, size_t len)
{
    size_t at[3], n = singles(p, len, 0, at, 3, 1);
    if (n == 3) return 1;
    for (size_t j = 0; j < n; j++) {
        size_t we = at[j] - (at[j] > 0), ws = we;
        if (we == 0 || p[we] != ' ') continue;
        while (ws > 0 && sp_alpha(p[ws - 1])) ws--;
        if (repeat_word(p, ws, we)) return 1;
    }
    return 0;
}

static int scan_spelled(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)f;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    int rc = 0;
    if (!o->no_gates && !may_spell(p, len)) return 0;   /* no_gates: tests compare with the gate off */
    /* try_run at every position where a run may start, as a plain scan of
     * every byte would: only near one-letter words (at them, and from the
     * start of the word before them: a repeat word), which texts rarely
     * hold; the bytes between cannot start a run */
    while (i + 4 < len) {
        size_t k = next_single(p, len, i);
        if (k >= len) break;
        size_t s = k;
        while (s > i && !wordish(p[s - 1])) s--;
        if (s < k && s > i && sp_alpha(p[s - 1])) {
            while (s > i && sp_alpha(p[s - 1])) s--;
        } else {
            s = k;
        }
        for (i = s; i <= k && i + 4 < len && !rc;) i = try_run(text, len, i, em, &rc);
        if (rc) return rc;
        if (i <= k) i = k + 1;
    }
    return 0;
}

const cv_detector_type cvi_detector_person_spelled = {
    .name = "person-spelled",
    .entity = CV_ENT_PERSON,
    .priority = 2,
    .scan = scan_spelled,
};
