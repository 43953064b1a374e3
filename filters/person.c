/*
 * person.c - the person entity and its free-text detector: personal names in
 * chats, SMS, e-mails and call transcripts (en, it, de, fr, es, nl, pt).
 *
 * A scanner, not a regex: one pass over the words of a text. A word becomes
 * a name only with evidence: a context before it (greeting or sign-off,
 * introduction, title, "speak to", "X's account"), or a full name's shape (a
 * frequent given name that is no common word, then a surname); words are
 * judged with the gazetteer (data/person_names.c: given names, surnames, and
 * whether a name is also a common word in each language). Most words cost a
 * table load: only words that pass a context prefilter, or that a context
 * or a capitalised pair makes candidates, are looked up.
 * Normal form: the entity's normaliser (fields too): ASCII case-folded,
 * whitespace collapsed.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filters.h"
#include "person.h"
#include "data/person_names.h"

/* The normal form: trimmed, whitespace runs as one space, ASCII
 * lower-cased (cvi_normalise_words), which the policy's custom word
 * detectors of this entity also use (a token joins field, detector and word
 * list). Letters beyond ASCII keep their case: "MÜLLER" and "Müller" are two
 * forms. */
const cv_entity_type cvi_entity_person = {
    .name = "person",
    .default_action = CV_DEFAULT_TOKEN,
    .normalise = cvi_normalise_words,
};

#define KEY_MAX CVI_PERSON_KEY_MAX

/* ---- context words ------------------------------------------------------- */

#include "data/person_context.h"

/* Fold word w into key (zero-padded to 16 bytes) and give its lexicon bits
 * (K_* | LX_*); *kn: the key's length, 0 if the word has none. */
static unsigned word_lex(const char *text, const word *w, char key[KEY_MAX + 1], size_t *kn)
{
    size_t n = w->e - w->s;
    if (w->plain && n <= 16) {
        /* ASCII letters only (most words): the key is the word lower-cased,
         * as cvi_person_fold_key would make it */
        memset(key, 0, 17);
        for (size_t i = 0; i < n; i++) key[i] = (char)(text[w->s + i] | 0x20);
        *kn = n;
        return n < 2 ? 0 : lex_lookup(key, n);
    }
    *kn = w->alpha ? cvi_person_fold_key(text, w->s, w->e, key) : 0;
    if (*kn < 2 || *kn > 16) return 0;
    memset(key + *kn, 0, 16 - *kn);
    return lex_lookup(key, *kn);
}

/* The context kind of a word; most words leave at the first tests, and
 * K_PREP and K_IS ("to", "is"), the second words of two-word contexts, are
 * found only with `second` (after a first word that may need one). */
static int ctx_kind2(const char *text, const word *w, int second)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = w->e - w->s;
    /* "it's" is read as the word "it" and its "'s" */
    if (w->poss && n == 2 && (p[w->s] | 0x20) == 'i' && (p[w->s + 1] | 0x20) == 't') return K_ITS;
    if (n < 2 || n > 14 || w->shape == SH_OTHER) return K_NONE;
    unsigned c0 = (p[w->s] | 0x20) - 'a', c1 = (p[w->s + 1] | 0x20) - 'a';
    if (c0 >= 26u) return K_NONE;
    uint16_t lens = lex_ctx_len[c0][c1 < 26u ? c1 : 26];
    if (!lens || (w->plain && !((lens >> n) & 1))) {
        /* K_PREP, K_IS: to with for con mit avec com met is ist est es */
        if (!second || n > 4) return K_NONE;
        switch (c0 + 'a') {
        case 't': case 'w': case 'f': case 'c': case 'm': case 'a': case 'i': case 'e': break;
        default: return K_NONE;
        }
    }
    char key[KEY_MAX + 1];
    size_t kn;
    int k = (int)(word_lex(text, w, key, &kn) & 15);
    return second || (k != K_PREP && k != K_IS) ? k : K_NONE;
}

static int ctx_kind(const char *text, const word *w) { return ctx_kind2(text, w, 1); }

/* The first letters of the K_AFTER words and of marker_follows'
 * auxiliaries, modals and "from", "at", "del", ... (bit c - 'a'): a-m, p, r-w, z. */
#define MARKER_FIRST 0x27e9fffu

int cvi_person_selftest(void)
{
    for (size_t i = 0; i < sizeof lex_all / sizeof *lex_all; i++) {
        char key[KEY_MAX + 1] = { 0 };
        size_t n = strlen(lex_all[i]);
        memcpy(key, lex_all[i], n);
        unsigned v = lex_lookup(key, n);
        if (v == 0) return -1;
        /* marker_follows' first-letter gate lets every marker through */
        if ((v & 15) == K_AFTER && !((1u << (key[0] - 'a')) & MARKER_FIRST)) return -1;
    }
    return 0;
}

/* ---- names ------------------------------------------------------------- */

/* A text's writing: mixed case (capitals mean something), all lower case
 * (SMS, some transcripts) or all capitals. */
enum { MODE_MIXED = 0, MODE_LOWER, MODE_UPPER };
/* How much evidence a context gives, strongest first. */
enum { LV_TITLE = 0, LV_INTRO, LV_GREET, LV_SPEAK, LV_MARK, LV_PREP, LV_WEAK, LV_BARE, LV_FULL };

typedef struct scan_state {
    const char *text;
    size_t len;
    int mode;
} scan_state;

/* Common in French, Spanish, Italian or Portuguese: those word lists hold
 * given names too, so make_names.py sets their bits only for words that are
 * no given name; one set is a word ("giorno", "cortada"), even as a surname
 * in a lower-case text with no context. */
#define ROMANCE_COMMON ((1u << (CVI_PN_COMMON_SHIFT + 2)) | (1u << (CVI_PN_COMMON_SHIFT + 3)) | \
                        (1u << (CVI_PN_COMMON_SHIFT + 4)) | (1u << (CVI_PN_COMMON_SHIFT + 6)))

/* Does the word at s begin a sentence (the text, or after . ! ? or a line)? */
static int sentence_start(const scan_state *st, size_t s)
{
    const unsigned char *p = (const unsigned char *)st->text;
    while (s > 0 && (p[s - 1] == ' ' || p[s - 1] == '"' || p[s - 1] == '\t')) s--;
    return s == 0 || p[s - 1] == '.' || p[s - 1] == '!' || p[s - 1] == '?' || p[s - 1] == '\n' || p[s - 1] == '\r';
}

/* A name that also reads as an everyday word: listed, or a common word that
 * is no frequent given name (the word lists also hold lower-cased proper
 * nouns, so "common" alone would refuse John and David). */
static int word_like(unsigned f, unsigned lx)
{
    return (lx & LX_WORD_NAME) || (is_common(f) && given_weight(f) < 3);
}

/* Written like a name in this text: capitalised (or all capitals) in mixed
 * text; any letters-only word in lower-case or all-capital text. */
static int name_case(const scan_state *st, const word *w)
{
    if (!w->alpha) return 0;
    if (st->mode == MODE_MIXED) return w->shape == SH_CAP || w->shape == SH_UP;
    return w->shape != SH_OTHER;
}

/* A single capital and its dot: "J." */
static int is_initial(const word *w) { return w->e - w->s == 1 && w->shape == SH_CAP && w->dot; }

/* The word after position at is a lower-case word, right after a space
 * ("Will you", "mark the box"): a common word then reads as that word. */
static int lower_word_follows(const scan_state *st, size_t at)
{
    word n;
    if (!next_word(st->text, st->len, &at, &n) || n.sep || n.shape != SH_LOW) return 0;
    char key[KEY_MAX + 1];
    size_t kn;
    return !(word_lex(st->text, &n, key, &kn) & LX_PARTICLE);   /* "João dos Santos" */
}

/* The next word starts with a capital, after spaces only. */
static int capital_follows(const scan_state *st, size_t at)
{
    const unsigned char *p = (const unsigned char *)st->text;
    while (at < st->len && p[at] == ' ') at++;
    if (at + 1 >= st->len || !cvi_person_upper_at(p, at, st->len)) return 0;
    return bclass[p[at + 1]] || (p[at] >= 0xC3 && at + 2 < st->len && bclass[p[at + 2]]) || p[at + 1] == '.' ||
           p[at + 1] == '\'';
}

/* The name may end after position at: punctuation or the text's end
 * follows, or another capitalised word. */
static int name_ends(const scan_state *st, size_t at)
{
    const unsigned char *p = (const unsigned char *)st->text;
    while (at < st->len && p[at] == ' ') at++;
    if (at >= st->len) return 1;
    switch (p[at]) {
    case ',': case '.': case '!': case '?': case ';': case ':': case '\n': case ')': return 1;
    default: return cvi_person_upper_at(p, at, st->len);
    }
}

/* Punctuation or the text's end follows position at (spaces skipped). */
static int punct_follows(const scan_state *st, size_t at)
{
    const unsigned char *p = (const unsigned char *)st->text;
    while (at < st->len && p[at] == ' ') at++;
    if (at >= st->len) return 1;
    switch (p[at]) {
    case ',': case '.': case '!': case '?': case ';': case ':': case '\n': case ')': return 1;
    default: return 0;
    }
}

/* A lower-case particle is the next word ("Della la ..." is rare: one level). */
static int particle_follows_low(const scan_state *st, size_t at)
{
    word n;
    char key[KEY_MAX + 1];
    size_t kn;
    return next_word(st->text, st->len, &at, &n) && !n.sep && n.shape == SH_LOW && n.e - n.s <= 5 &&
           (word_lex(st->text, &n, key, &kn) & LX_PARTICLE);
}

/* A particle is the next word ("de Vries", "De Luca"). */
static int particle_follows(const scan_state *st, size_t at)
{
    const char *t = st->text;
    /* particles are short and start with one of a few letters */
    if (at + 2 >= st->len || t[at] != ' ') return 0;
    switch (t[at + 1] | 0x20) {
    case 'a': case 'b': case 'd': case 'l': case 'o': case 't': case 'v': case 'y': case 'z': break;
    default: return 0;
    }
    if (st->mode == MODE_MIXED) {
        /* a particle is short, and a name part (or another particle) follows it */
        size_t j = at + 1;
        while (j < st->len && j - at <= 6 && bclass[(unsigned char)t[j]] == 1) j++;
        if (j - at > 6 || j + 1 >= st->len || t[j] != ' ') return 0;
    }
    word n;
    char key[KEY_MAX + 1];
    size_t kn;
    if (!next_word(t, st->len, &at, &n) || n.sep || n.e - n.s > 5 || !(word_lex(t, &n, key, &kn) & LX_PARTICLE))
        return 0;
    /* "de Vries"; capitalised only before a capital: "De Luca", "Van Buren" */
    return n.shape == SH_LOW || (n.shape == SH_CAP && (capital_follows(st, at) || particle_follows_low(st, at)));
}

/* Lower-case word at [s, e) equals lw (ASCII, n letters)? word_is takes
 * a literal and its length from sizeof: no strlen per call. */
#define word_is(text, w, lw) word_is_n(text, w, lw, sizeof(lw) - 1)
static int word_is_n(const char *text, const word *w, const char *lw, size_t n)
{
    if (w->e - w->s != n) return 0;
    for (size_t i = 0; i < n; i++)
        if ((text[w->s + i] | 0x20) != lw[i]) return 0;
    return 1;
}

/* Word w is one of the lower-case ASCII words of list (NULL-terminated). */
static int word_in(const char *text, const word *w, const char *const *list)
{
    char c0 = (char)(text[w->s] | 0x20);
    for (size_t k = 0; list[k]; k++)
        if (list[k][0] == c0 && word_is_n(text, w, list[k], strlen(list[k]))) return 1;   /* the first letter first */
    return 0;
}

/* "and" in the languages served: "Megan and Josh", "me and lisa". */
static int is_and(const char *text, const word *w)
{
    static const char *const v[] = { "and", "e", "und", "et", "y", "en", NULL };
    return w->e - w->s <= 3 && word_in(text, w, v);
}

/* "a" or "à" ("grazie a Lucia", "merci à Baptiste", "y a Yolanda"). */
static int is_a(const char *text, const word *w)
{
    return word_is(text, w, "a") ||
           (w->e - w->s == 2 && (unsigned char)text[w->s] == 0xC3 && (unsigned char)text[w->s + 1] == 0xA0);
}

/*
 * Read a name from *pos (the first word separated from what came before by
 * nothing but `sep_ok`) with the evidence level lv. On success: its span
 * [*s, *e), *pos after it, and 1.
 */
/* "Dias", "Dia": frequent surnames, though greeting words too ("bom dia"). */
static int surname_word(const scan_state *st, const word *w, const char *key, size_t kn)
{
    if (!word_is(st->text, w, "dias") && !word_is(st->text, w, "dia")) return 0;
    return is_name(cvi_person_word_flags(st->text, w, key, kn));
}

/* A capitalised word before a name that cannot be its first part: a common
 * word, a context or a listed word ("Yesterday Kevin said", "Thanks Kevin"). */
static int not_first_part(const scan_state *st, const word *w)
{
    char key[KEY_MAX + 1];
    size_t kn;
    unsigned lx = word_lex(st->text, w, key, &kn);
    if (kn < 2 || (lx & 15) != K_NONE || (lx & (LX_FUNCTION | LX_NOT_IN_NAME | LX_NOT_AFTER_GREETING | LX_WORD_NAME)))
        return 1;
    unsigned f = cvi_person_word_flags(st->text, w, key, kn);
    return !is_name(f) || very_common(f);
}

/* Is the word before position s Portuguese "sou" or "é" ("sou a Inês",
 * "aqui é o Marcos"; not "sono a Roma", "je suis a paris")? */
static int after_sou_e(const scan_state *st, size_t s)
{
    const unsigned char *p = (const unsigned char *)st->text;
    while (s > 0 && p[s - 1] == ' ') s--;
    if (s >= 2 && p[s - 2] == 0xC3 && p[s - 1] == 0xA9) return s == 2 || p[s - 3] == ' ';
    return s >= 3 && (p[s - 3] | 0x20) == 's' && (p[s - 2] | 0x20) == 'o' && (p[s - 1] | 0x20) == 'u' &&
           (s == 3 || p[s - 4] == ' ');
}

static int prev_word(const scan_state *st, size_t before, word *w);

/* Is the word before position s San, Santa, Santo, São, Saint, Sainte, St or Sankt? */
static int after_saint(const scan_state *st, size_t s)
{
    static const char *const saints[] = { "san", "santa", "santo", "sao", "saint", "sainte", "st", "ste", "sankt",
                                          NULL };
    word p;
    if (!prev_word(st, s, &p) || p.e - p.s > 6) return 0;
    const unsigned char *t = (const unsigned char *)st->text + p.s;
    if (p.e - p.s == 4 && (t[0] | 0x20) == 's' && t[1] == 0xC3 && (t[2] == 0xA3 || t[2] == 0x83) && (t[3] | 0x20) == 'o')
        return 1;   /* São, SÃO */
    return word_in(st->text, &p, saints);
}

static unsigned sep_between(const unsigned char *p, size_t a, size_t b);

/* "its summer already", "hier ist sommer": the seasons are names too */
static const char *const seasons[] = { "summer", "winter", "autumn", "spring", NULL };

/* Is the word after position at a function word or a hesitation? `none`
 * when there is no word right after it (the text's end, punctuation). */
static int function_word_next(const scan_state *st, size_t at, int none)
{
    word n;
    if (!next_word(st->text, st->len, &at, &n) || n.sep) return none;
    char key[KEY_MAX + 1];
    size_t kn;
    return (word_lex(st->text, &n, key, &kn) & (LX_FUNCTION | LX_FILLER)) != 0;
}

/* After position at: the text's end, punctuation, or a function word
 * ("marie das wlan", "destiny the tech"), not a word that makes the one
 * before it a noun's ("grace period"). */
static int word_ends_phrase(const scan_state *st, size_t at) { return function_word_next(st, at, 1); }

/* After position at, on: a pronoun, an article or a hesitation that opens
 * the message's next clause ("frank ich hab", "pascal euh au revoir"); not
 * the text's end ("merci orange" thanks a firm as often). */
static int clause_follows(const scan_state *st, size_t at) { return function_word_next(st, at, 0); }

/* Do only a greeting, hesitations and the words of a self-introduction
 * stand before s on its line, the greeting among them ("hey its destiny",
 * "hallo hier ist marie", "hi im hamish")? A message that opens so names
 * its writer: a given name that is an everyday word too is the name
 * there (not "im winter war", "its summer already": no greeting). */
static int opens_message(const scan_state *st, size_t s)
{
    static const char *const open_words[] = { "c", "bin", "ich", "i", "am", "ik", "ben", "je", "suis", "it", "its",
                                              "aqui", "a", "o", "ici", "hier", "ist", "met", "ja", "yeah", "yes",
                                              "oui", "si", "sim", "hey", "hi", "die", "der", "la", "el", "e", NULL };
    const unsigned char *p = (const unsigned char *)st->text;
    size_t at = s;
    word w;
    int greeted = 0;
    for (int k = 0; k < 5; k++) {
        if (!prev_word(st, at, &w)) return greeted && at <= 64;   /* the text's start, not a cut */
        if (sep_between(p, w.e, at) & (SEP_NL | SEP_BREAK)) return greeted;
        if (sep_between(p, w.e, at) & SEP_STOP) return 0;
        char key[KEY_MAX + 1];
        size_t kn;
        unsigned lx = word_lex(st->text, &w, key, &kn);
        greeted |= (lx & 15) == K_GREET;
        int e_acute = w.e - w.s == 2 && p[w.s] == 0xC3 && p[w.s + 1] == 0xA9;   /* "é a mariana" */
        if ((lx & 15) == K_NONE && !(lx & LX_FILLER) && !e_acute && !word_in(st->text, &w, open_words)) return 0;
        at = w.s;
    }
    return 0;
}

static int parse_name(const scan_state *st, size_t *pos, unsigned sep_ok, int lv, size_t *s, size_t *e)
{
    size_t at = *pos, start = 0, end = 0, end_pos = at, pend_s = 0;
    int parts = 0, pend = 0, after_initial = 0, initials = 0, low_name = 0, weak_first = 0, first_given = 0,
        fillers = 0, article = 0;
    word w;
    char key[KEY_MAX + 1];
    for (int round = 0; round < 8; round++) {
        if (!next_word(st->text, st->len, &at, &w)) break;
        unsigned allowed = round == 0 ? sep_ok : after_initial ? SEP_STOP : 0;
        if (w.sep & ~allowed) break;
        after_initial = 0;
        if (!w.alpha || w.contraction) break;
        size_t kn;
        unsigned lx = word_lex(st->text, &w, key, &kn);
        if (!kn) break;
        /* the article before a first name after a context ("falar com a
         * Fernanda", "parlare con la Giulia", "mit der Kerstin") */
        if (!parts && !pend && !article && (lv == LV_SPEAK || (lv == LV_WEAK && after_sou_e(st, w.s))) &&
            w.shape == SH_LOW &&
            (word_is(st->text, &w, "a") || word_is(st->text, &w, "o") || word_is(st->text, &w, "la") ||
             word_is(st->text, &w, "il") || word_is(st->text, &w, "der") || word_is(st->text, &w, "die"))) {
            article = 1;
            continue;
        }
        /* "grazie mille Emanuele", "thanks a million Orla", "thanks so much Ben", "dank je wel Bram", "danke dir Marcel" */
        if (!parts && !pend && lv == LV_GREET && fillers < 2 && w.shape == SH_LOW && !w.sep &&
            (word_is(st->text, &w, "mille") || word_is(st->text, &w, "million") || word_is(st->text, &w, "mil") ||
             (word_is(st->text, &w, "a") && at + 4 < st->len && (st->text[at + 1] | 0x20) == 'm' &&
              (st->text[at + 2] | 0x20) == 'i') ||
             word_is(st->text, &w, "so") || word_is(st->text, &w, "much") ||
             word_is(st->text, &w, "lots") || word_is(st->text, &w, "tante") || word_is(st->text, &w, "muito") ||
             word_is(st->text, &w, "je") || word_is(st->text, &w, "u") || word_is(st->text, &w, "wel") ||
             word_is(st->text, &w, "jullie") || word_is(st->text, &w, "dir") || word_is(st->text, &w, "ihnen") ||
             word_is(st->text, &w, "euch") || word_is(st->text, &w, "demais") || word_is(st->text, &w, "tanto") ||
             word_is(st->text, &w, "muchas") || word_is(st->text, &w, "vielmals") || word_is(st->text, &w, "beaucoup"))) {
            fillers++;
            continue;
        }
        /* a transcript's hesitation before the name: "spoke to er Joanne" */
        if (!parts && !pend && fillers < 2 && (lx & LX_FILLER) && w.shape != SH_CAP) {
            fillers++;
            continue;
        }
        /* a context word is none of the name: "Dear Mrs X", "Hi, I'm X" are the title's, I'm's turn;
         * but a relation word may be a surname ("Thomas Mann"), and so may the greeting words that
         * are frequent surnames ("Gilberto Dias", not "Sarah Good Morning") */
        if ((lx & 15) != K_NONE && !(((lx & 15) == K_REL || (lx & 15) == K_GREET) && parts && st->mode == MODE_MIXED &&
                                     w.shape == SH_CAP && ((lx & 15) == K_REL || surname_word(st, &w, key, kn)))) {
            if (round == 0) return 0;
            break;
        }
        /* German articles are a name's particle only after another ("von
         * der", "van den"), or after a title: "Ende der Laufzeit", "Link zum
         * Zurücksetzen" are none */
        if (parts && !pend && lv > LV_INTRO && (lx & LX_PARTICLE) &&
            (word_is(st->text, &w, "der") || word_is(st->text, &w, "den") || word_is(st->text, &w, "zum") ||
             word_is(st->text, &w, "zur") || word_is(st->text, &w, "vom")))
            break;
        /* particles: lower-case inside a name; at its start only after a title */
        if ((parts || pend || lv == LV_TITLE) && (lx & LX_PARTICLE) &&
            (w.shape == SH_LOW || st->mode != MODE_MIXED || (!parts && !pend) || capital_follows(st, at))) {
            if (!pend++) pend_s = w.s;
            if (pend > 3) break;
            continue;
        }
        if (is_initial(&w)) {
            if (!pend++) pend_s = w.s;
            if (lv == LV_FULL && !parts) initials++;
            after_initial = 1;
            continue;
        }
        /* in mixed text a lower-case name is taken after a context only
         * ("Hi tom"), and its further parts then lower-case too */
        int low_ok = st->mode == MODE_MIXED && w.shape == SH_LOW && lv != LV_FULL && (parts ? low_name : !pend);
        if (!name_case(st, &w) && !low_ok) break;
        if (kn < 2) break;
        /* an article, pronoun or preposition ("esta en", "jai rien", "che
         * ora") is no name part where no capital says so, but after a title
         * or an introduction */
        if ((lx & LX_FUNCTION) && lv != LV_INTRO &&
            (st->mode != MODE_MIXED || w.shape == SH_LOW || (!parts && !pend && sentence_start(st, w.s)))) {
            if (!parts && !pend) return 0;
            break;
        }
        if (!parts && !pend && lv != LV_TITLE && (lx & (LX_NOT_AFTER_GREETING | LX_PARTICLE))) return 0;
        /* after a strong context a capitalised surname that is also a place word is the surname: "my wife Rebecca Hall" */
        if ((lx & LX_NOT_IN_NAME) && parts == 1 && !pend && lv <= LV_SPEAK && lv != LV_GREET && st->mode == MODE_MIXED &&
            w.shape == SH_CAP && !w.sep && is_name(cvi_person_word_flags(st->text, &w, key, kn)))
            lx &= ~(unsigned)LX_NOT_IN_NAME;
        if ((lx & LX_NOT_IN_NAME) && (parts || pend || lv != LV_TITLE)) {   /* but "Mrs May" */
            /* "Cruz Roja me dijo", "Rose Street is": a place or a body, no name before its marker */
            if (parts && !pend && !w.sep && lv >= LV_MARK) return 0;
            break;
        }
        /* a hesitation inside a spoken name: "deborah er deborah price", "ángel eh ángel domínguez" */
        if (parts == 1 && !pend && (lx & LX_FILLER) && st->mode != MODE_MIXED && fillers < 2) {
            fillers++;
            continue;
        }
        /* a transcript repeats the first name: "abigail abigail foster", "susan susan ward" */
        if (parts == 1 && !pend && w.e - w.s == end - start && !memcmp(st->text + w.s, st->text + start, end - start) &&
            st->mode != MODE_MIXED) {
            end = w.e;
            end_pos = at;
            continue;
        }
        unsigned f = cvi_person_word_flags(st->text, &w, key, kn);
        int ok;
        if (!parts && !pend) {
            int wl = word_like(f, lx);
            int mixed_cap = st->mode == MODE_MIXED && w.shape != SH_LOW;
            /* after a greeting, a relation or a verb of speaking, a frequent
             * given name that is an everyday word but not listed as a
             * name-word ("mi mujer pilar" is; "mein mann uwe", "der techniker
             * dirk", "salut maxime" are not) is a name in lower case */
            if (wl && !mixed_cap && lv <= LV_SPEAK && given_weight(f) >= 2 &&
                (lv == LV_GREET ? !very_common(f) && !(lx & LX_WORD_NAME)   /* "merci orange" thanks a firm */
                                : !(lx & LX_VERB_NAME)))
                wl = 0;
            /* a self-introduction that opens the message: "hey its destiny",
             * "hallo hier ist marie", "hi im hamish" */
            int opening = !mixed_cap && (lv == LV_WEAK || lv == LV_BARE) && given_weight(f) >= 2 &&
                          !(lx & LX_VERB_NAME) && (wl || (f & CVI_PN_INTL)) && opens_message(st, w.s) &&
                          (!wl || word_ends_phrase(st, at)) && !word_in(st->text, &w, seasons);
            if (opening) wl = 0;
            /* a greeting that opens the message, then the name, then the
             * message goes on with a new clause: "hallo frank ich hab",
             * "merci pascal euh au revoir", "buenas rocío te llegaron" */
            if (wl && !mixed_cap && lv == LV_GREET && given_weight(f) >= 2 && !(lx & LX_VERB_NAME) &&
                !word_in(st->text, &w, seasons) && clause_follows(st, at) && opens_message(st, w.s))
                wl = 0;
            switch (lv) {
            case LV_TITLE: ok = !low_ok || is_name(f); break;
            case LV_INTRO: ok = mixed_cap ? is_name(f) || !is_common(f) : is_name(f) && (given_weight(f) || !wl); break;
            case LV_GREET:
                /* capitalised: a name, or a word of no list and no language
                 * ("Hoi Daan,"); lower case: a given name that is no
                 * everyday word ("hi tom", not "grazie mille") */
                ok = mixed_cap ? is_name(f) || (!is_common(f) && kn >= 3 && (punct_follows(st, at) ||
                                                                            particle_follows(st, at)))
                               : given_weight(f) >= 1 && !wl && (given_weight(f) >= 2 || !is_common(f));
                /* after "Thanks," / "Gracias," a firm is thanked as often as a
                 * person ("Thanks, Vodafone", "Regards,\nAccounts Payable"):
                 * a given name then */
                if (ok && mixed_cap && (w.sep & (SEP_COMMA | SEP_NL)) && (!given_weight(f) || very_common(f)))
                    ok = 0;
                break;
            case LV_SPEAK:   /* "speak to", "ask for", "kan ik met": as a greeting, and unknown words */
                ok = mixed_cap ? is_name(f) || (!is_common(f) && kn >= 3)
                               : given_weight(f) >= 1 && !wl && (given_weight(f) >= 2 || !is_common(f));
                break;
            case LV_MARK:   /* before "here", "said" ("Kevin said", "ciaran here"): a frequent given name */
            case LV_PREP:   /* after "for", "para": one of the US's, capitalised a very frequent one,
                             * as towns bear the others ("para Vitória", "per Roma") */
                ok = given_weight(f) >= (lv == LV_PREP && mixed_cap ? 3 : 2) && !(lx & LX_FUNCTION) &&   /* "Sie sprechen" */
                     (mixed_cap ? !very_common(f)
                                : !wl || (lv == LV_MARK && !very_common(f) && !(lx & LX_WORD_NAME))) &&   /* "bram belde" */
                     !(lv == LV_PREP && (f & CVI_PN_INTL));
                break;
            case LV_WEAK:   /* "this is", "I'm", "sono", "it's": capitalised, as after a greeting
                             * ("C'est Pierre"); lower case, a given name that is no everyday word */
                ok = mixed_cap ? is_name(f) || (!is_common(f) && kn >= 3 && name_ends(st, at))
                               : !wl && given_weight(f) >= 2;
                break;
            case LV_BARE:   /* "im" (German "in dem" too: "im Jahr", "Im Sommer"): a frequent given
                             * name, one of the most frequent before a capital (German nouns have one) */
                ok = !wl && given_weight(f) >= (mixed_cap ? 3 : 2) && (!(f & CVI_PN_INTL) || opening);
                break;
            default:   /* LV_FULL: a frequent first name, or any before a particle ("Jeroen de Vries");
                        * in lower case one of the US's ("se ha ido la luz") */
                if (st->mode != MODE_MIXED && (f & CVI_PN_INTL)) return 0;
                ok = !wl && (given_weight(f) >= 2 || (is_name(f) && particle_follows(st, at)));
                /* "Jürgen Schmidt", "Jack McAllister": a rare or word-like first name, if a
                 * surname that is no word follows; a word that is only a
                 * surname not where every word has a capital ("Certo Giulia,") */
                if (!ok && is_name(f) && (given_weight(f) >= 1 || wl) &&
                    (wl ? st->mode == MODE_MIXED && (given_weight(f) || !sentence_start(st, w.s)) : !is_common(f)))
                    ok = weak_first = 1;
                break;
            }
            /* an everyday word before a lower-case word reads as that word
             * ("Will you"); asked only of a word taken so far (refused, it
             * ends the name all the same: no name) */
            if (ok && lv != LV_TITLE && !(lv == LV_SPEAK && mixed_cap) && wl && !w.poss && lower_word_follows(st, at) &&
                !(lv == LV_MARK && !(lx & LX_VERB_NAME)))   /* "Rosa ha chiamato", "bram belde": the marker says who */
                return 0;
        } else if (pend) {
            /* after particles or an initial: a surname ("de la Fuente", "von Braun", "J. Smith");
             * in lower-case text a known one ("la signora del negozio" is none) */
            ok = (lv == LV_TITLE && st->mode == MODE_MIXED) || is_name(f) || (st->mode == MODE_MIXED && !is_common(f));
            if (ok && !parts && lv == LV_FULL && !initials) ok = 0;
            /* initials alone before it (no particle): a known surname that is no everyday word of several languages */
            if (ok && !parts && lv == LV_FULL && pend == initials &&
                (!is_name(f) || (very_common(f) && !given_weight(f)) || (lx & LX_WORD_NAME)))
                ok = 0;
            /* no capitals to go by and no context: an everyday word after
             * a particle is the sentence's ("anni di contratto"), unless a
             * very frequent given name came first ("jennifer van buren") */
            if (ok && lv == LV_FULL && st->mode != MODE_MIXED && is_common(f) && first_given < 3) ok = 0;
        } else if (weak_first) {
            ok = is_name(f) && !(lx & LX_WORD_NAME) && (st->mode == MODE_MIXED ? !very_common(f) : !is_common(f));
        } else if (low_ok || st->mode != MODE_MIXED) {
            /* lower case or capitals throughout: a known name that is no
             * everyday word; a surname that is also one may follow a given
             * name ("john smith"; after a context weaker than an introduction only
             * a very frequent one:
             * "mijn man jeroen staat"), but a word of two or more languages
             * that no one is named only after a context ("está cortada") */
            ok = is_name(f) && !(lx & LX_WORD_NAME) && ((parts == 1 && (lv <= LV_INTRO || lv == LV_FULL || first_given >= 3)) || !is_common(f)) &&
                 !(lv == LV_FULL && very_common(f) && !given_weight(f)) && !(lv == LV_FULL && (f & ROMANCE_COMMON));
        } else {
            /* a further part: a name, or a capitalised word that is no common word */
            ok = (is_name(f) || !is_common(f)) && !((lx & LX_WORD_NAME) && lower_word_follows(st, at));
        }
        /* "Virginia DMV", "Carter BV": an acronym after it makes a firm or a body */
        if (ok && (parts || pend) && st->mode == MODE_MIXED && w.shape == SH_UP && w.e - w.s <= 4) {
            if (lv >= LV_MARK && !pend) return 0;
            break;   /* "Fernanda do RH": the name ends before its particle */
        }
        /* "San Marco", "Santo Stefano", "São Paulo", "Saint Denis": a place or a feast */
        if (ok && !parts && after_saint(st, pend ? pend_s : w.s)) return 0;
        if (!ok) break;
        if (!parts) {
            start = pend ? pend_s : w.s;
            low_name = low_ok;
            first_given = given_weight(f);
        }
        parts++;
        pend = 0;
        end = w.e;
        end_pos = at;
        if (w.poss) break;                           /* "Sarah's account": the name ends */
    }
    if (!parts || (lv == LV_FULL && parts + initials < 2)) return 0;
    *s = start;
    *e = end;
    *pos = end_pos;
    return 1;
}

static int emit_name(const scan_state *st, cv_emit *em, size_t s, size_t e)
{
    char norm[CV_NORM_MAX + 1];
    size_t nl = 0;
    /* a name never runs across a control character (NUL, a form feed...):
     * it ends before the first one */
    for (size_t i = s; i < e; i++) {
        unsigned char c = (unsigned char)st->text[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            e = i;
            while (e > s && (st->text[e - 1] == ' ' || st->text[e - 1] == '\t')) e--;
            break;
        }
    }
    if (e <= s) return 0;
    if (!cvi_normalise_words(NULL, st->text + s, e - s, norm, &nl)) return 0;
    return cvi_emit(em, s, e, norm, nl);
}

/* The markers and auxiliaries are lower-case words (in capitals in an
 * all-capital text: "DANIEL RANG ME BACK"), one space on, beginning with a
 * letter of MARKER_FIRST: most words leave here. */
static inline int marker_gate(const scan_state *st, size_t at)
{
    const char *t = st->text;
    if (at + 1 >= st->len || t[at] != ' ') return 0;
    unsigned c = (unsigned char)t[at + 1];
    if (st->mode == MODE_UPPER) c |= 0x20;
    return c - 'a' < 26u && ((1u << (c - 'a')) & MARKER_FIRST);
}

/* After position at, a word that makes the word or two before it a name
 * ("Ciaran here", "Kevin said", "Jamie told me", "Max hier", "Romain ici"),
 * maybe after auxiliaries ("Patrick hat gesagt", "Mirko mi ha detto",
 * "Florian m'a dit", "Santiago me dijo"). */
static const char *const from_words[] = { "from", "at", "del", "della", "dal", "dalla", "van", "do", "da", "de",
                                          "du", "vom", "aus", "of", "in", NULL };
static const char *const your_words[] = { "your", "vostro", "vostra", "jullie", "vosso", "vossa", "votre", "su",
                                          "eurem", "ihrem", "ihrer", NULL };
static const char *const the_words[] = { "the", "la", "le", "il", "lo", "der", "dem", "de", "het", "o", "a", "el",
                                         NULL };
/* where people work: "from billing", "del negozio", "vom Kundenservice" */
static const char *const org_words[] = {
    "shop", "store", "office", "team", "branch", "depot", "billing", "accounts", "support", "sales", "helpdesk",
    "reception", "negozio", "ufficio", "servizio", "assistenza", "magasin", "agence", "boutique", "service",
    "tienda", "oficina", "servicio", "laden", "filiale", "kundenservice", "kundendienst", "hotline", "zentrale",
    "loja", "suporte", "atendimento", "winkel", "kantoor", "klantenservice", "balie", "buchhaltung", "abteilung",
    "vertrieb", "planung", "planning", "administratie", "boekhouding", "amministrazione", "contabilita",
    "contabilidad", "administracion", "comptabilite", "facturation", "mensajeria", "portaria", "transportadora",
    "rh", "hr", "it", NULL
};

static int possessive(const char *text, const word *p);

/* The word right after position *a in the same phrase (no separator before it). */
static int next_in_phrase(const scan_state *st, size_t a, word *v)
{
    return next_word(st->text, st->len, &a, v) && !v->sep;
}

static const char *const modal_words[] = { "can", "could", "will", "would", "should", "kann", "konnte", "wird",
                                           "soll", "muss", "deve", "peut", "doit", "puede", "debe", "pode", "kan",
                                           "zal", "moet", "wil", NULL };

/* A past participle by its shape, in lower case: -ed (en), -ato -ito -uto
 * (it), -ado -ido (es, pt), -é (fr), ge-...-t / -en and -ge-...-en (de,
 * nl: "gesagt", "abgeholt", "angerufen", "gestuurd"). */
/* "been" and its kin say what a thing is, not who acted ("Nice a été
 * annulé", "Paris has been"): no marker after them. */
static int being(const char *text, const word *w)
{
    static const char *const v[] = { "been", "stato", "stata", "sido", "estado", "gewesen", "geweest", "worden",
                                     "geworden", "is", "ist", "est", NULL };
    const unsigned char *p = (const unsigned char *)text + w->s;
    return word_in(text, w, v) || (w->e - w->s == 5 && p[0] == 0xC3 && p[1] == 0xA9 && p[2] == 't');   /* "été" */
}

static int participle(const char *text, const word *w)
{
    const unsigned char *p = (const unsigned char *)text + w->s;
    size_t n = w->e - w->s;
    if (w->shape != SH_LOW || n < 4 || n > 16) return 0;
    unsigned char a = p[n - 3], b = p[n - 2], c = p[n - 1];
    if (b == 'e' && c == 'd' && n >= 5) return 1;                                    /* fitted, called */
    if (n >= 5 && c == 'o' && (b == 't' || b == 'd') && (a == 'a' || a == 'i' || a == 'u')) return 1;   /* -ato -ido */
    if (b == 0xC3 && c == 0xA9 && n >= 5) return 1;                                  /* -é */
    if (n >= 6 && (c == 't' || c == 'd' || (b == 'e' && c == 'n')))
        for (size_t i = 0; i + 3 < n; i++)
            if (p[i] == 'g' && p[i + 1] == 'e') return 1;                            /* ge-...-t, an-ge-rufen */
    return 0;
}

static int marker_follows(const scan_state *st, size_t at)
{
    const char *t = st->text;
    if (!marker_gate(st, at)) return 0;
    word n;
    size_t a = at;
    int seen_aux = 0, skipped = 0;
    for (int k = 0; k < 5; k++) {
        if (!next_word(t, st->len, &a, &n) || n.sep) return 0;
        size_t wn = n.e - n.s;
        char key[KEY_MAX + 1];
        size_t kn;
        unsigned nk = word_lex(t, &n, key, &kn) & 15;
        /* a verb of speaking too: "Sarah speaking", "met Bram gesproken", "mit einem Tobias gesprochen" */
        if (nk == K_AFTER || (nk == K_SPEAKV && kn >= 6) || word_is(t, &n, "told") || word_is(t, &n, "spoke") ||
            word_is(t, &n, "hier") || word_is(t, &n, "called") || word_is(t, &n, "asked"))
            return !n.poss;
        /* "Kelly from your team", "Chloe at your store", "Angela del vostro
         * servizio"; "Benoît du magasin", "Jan vom Laden", "Joaquín de la
         * tienda", "sven aus der filiale", "Mark from billing" */
        if (k == 0 && wn <= 5 && strchr("fadvoi", t[n.s] | 0x20) && word_in(t, &n, from_words)) {
            word y;
            size_t a2 = a;
            if (!next_word(t, st->len, &a2, &y) || y.sep) return 0;
            if (word_in(t, &y, your_words)) return 1;
            if (word_in(t, &y, the_words) && (!next_word(t, st->len, &a2, &y) || y.sep)) return 0;
            return word_in(t, &y, org_words);
        }
        /* "Manon est disponible", "Ist Becky available": a copula, then availability */
        if (k == 0 && wn <= 4 && being(t, &n)) {
            word v;
            return next_in_phrase(st, a, &v) && v.e - v.s >= 9 && (word_lex(t, &v, key, &kn) & 15) == K_AFTER;
        }
        /* "Mohamed il mio coinquilino", "Marcus the delivery guy", "o tonho meu irmão": a role in apposition */
        if (k == 0 && wn <= 5 && st->mode == MODE_MIXED && (unsigned)(t[n.s] - 'a') < 26u && possessive(t, &n)) {
            word v;
            size_t a2 = a;
            for (int j = 0; j < 2 && next_word(t, st->len, &a2, &v) && !v.sep; j++) {
                if ((word_lex(t, &v, key, &kn) & 15) == K_REL) return 1;
                if (!possessive(t, &v)) break;
            }
        }
        /* after an auxiliary, its participle: "ha portato", "hat abgeholt", "has fitted", "heeft gestuurd" */
        if (seen_aux && being(t, &n)) return 0;
        if (seen_aux && participle(t, &n)) return !n.poss;
        int aux = word_is(t, &n, "ha") || word_is(t, &n, "hat") || word_is(t, &n, "has") || word_is(t, &n, "had") ||
                  word_is(t, &n, "a") || word_is(t, &n, "mi") || word_is(t, &n, "me") || word_is(t, &n, "heeft") ||
                  (wn == 3 && (t[n.s] | 0x20) == 'm' && t[n.s + 1] == '\'' && (t[n.s + 2] | 0x20) == 'a');
        /* a modal, then a verb: "Natalie can call me", "Dwayne can pick up", "Deniz kann das Gerät abholen" */
        if (k == 0 && !aux && wn >= 3 && wn <= 6 && strchr("cwskmdpz", t[n.s] | 0x20) && word_in(t, &n, modal_words)) {
            word v;
            if (!next_in_phrase(st, a, &v) || v.shape != SH_LOW) return 0;
            return !(word_lex(t, &v, key, &kn) & (LX_FUNCTION | LX_NOT_AFTER_GREETING));   /* "night can someone" */
        }
        /* adverbs between the auxiliary and its participle: "hat schon
         * dreimal angerufen", "ha già inviato", "a déjà tout expliqué" */
        if (!aux && seen_aux && skipped < 2 && n.shape == SH_LOW && wn <= 8) {
            skipped++;
            continue;
        }
        if (!aux) return 0;
        seen_aux = 1;
    }
    return 0;
}

/* After a name found by its context, "and X", "e X", "und X", "et X", "y
 * (a) X" at the same level: "Thanks Megan and Josh", "Merci à Baptiste et
 * Fatima", "Gracias a Gonzalo y a Yolanda". *at: after what was read. */
static int conj_name(const scan_state *st, cv_emit *em, size_t *at, int lv)
{
    const char *t = st->text;
    static const char *const or_words[] = { "ou", "o", "or", "oder", "of", NULL };
    /* a list's connectives after its comma: "Sylvie, puis Thierry", "Marco, poi Sara" */
    static const char *const then_words[] = { "then", "puis", "poi", "dann", "luego", "depois", "daarna", "et", "e",
                                              "y", "und", "and", "en", NULL };
    for (int k = 0; k < 4; k++) {
        word c;
        size_t a = *at, s, e;
        if (!next_word(t, st->len, &a, &c) || !c.alpha) return 0;
        if (!c.sep && (is_and(t, &c) || word_in(t, &c, or_words))) {
            size_t a2 = a;
            word r;
            if (next_word(t, st->len, &a2, &r) && !r.sep && is_a(t, &r)) a = a2;   /* "y a Yolanda", "et à Fatima" */
            if (!parse_name(st, &a, 0, lv < LV_SPEAK ? LV_SPEAK : lv, &s, &e)) return 0;
        } else if (c.sep == SEP_COMMA && st->mode == MODE_MIXED) {
            /* "Sylvie, Thierry et Paul", "mit Jan, Melanie und": the next of a list, a frequent given name */
            a = *at;
            size_t a2 = a;
            word r;
            if (next_word(t, st->len, &a2, &r) && (r.sep & ~(unsigned)SEP_COMMA) == 0 && r.shape == SH_LOW &&
                word_in(t, &r, then_words))
                a = a2;
            size_t a3 = a;
            word n;
            if (!next_word(t, st->len, &a3, &n) || n.shape != SH_CAP) return 0;
            char key[KEY_MAX + 1];
            size_t kn;
            word_lex(t, &n, key, &kn);
            if (cvi_person_word_flags(t, &n, key, kn) & CVI_PN_PLACE) return 0;
            if (!parse_name(st, &a, SEP_COMMA, LV_MARK, &s, &e)) return 0;
        } else {
            return 0;
        }
        int rc = emit_name(st, em, s, e);
        if (rc) return rc;
        *at = a;
    }
    return 0;
}

/* A possessive or article before a relation or role ("my", "mia", "il",
 * "mein", "le", "su", "o", "mijn", "the"). */
static int possessive(const char *text, const word *p)
{
    static const char *const w[] = {
        "my", "our", "your", "his", "her", "their", "the", "mio", "mia", "il", "la", "lo", "suo", "sua",
        "vostro", "vostra", "nostro", "nostra", "tuo", "tua", "mi", "su", "tu", "el", "nuestro", "nuestra",
        "mon", "ma", "ton", "ta", "son", "sa", "votre", "notre", "le", "mein", "meine", "meinem", "meinen",
        "meiner", "dein", "deine", "ihr", "ihre", "ihrem", "ihren", "unser", "unsere", "der", "die", "dem", "den",
        "meu", "minha", "seu", "o", "a", "nosso", "nossa", "mijn", "onze", "uw", "zijn", "haar", "de", "het", NULL
    };
    return p->e - p->s <= 7 && word_in(text, p, w);
}

/* The level a context word of kind `kind` (word w, the two before it p1,
 * p2; NULL if none) gives the word after it, or -1; *sep_ok: the
 * separators it allows before that word. Two-word contexts ("name is",
 * "speak to", "this is", "I am") are judged at their second word. */
static int context_level(const char *text, int kind, const word *w, const word *p1, int k1, int k2,
                         unsigned *sep_ok)
{
    *sep_ok = 0;
    switch (kind) {
    case K_TITLE:
        if (w->dot) *sep_ok = SEP_STOP;
        return LV_TITLE;
    case K_GREET:
        *sep_ok = SEP_COMMA | SEP_NL;
        return LV_GREET;
    case K_INTRO:
        /* "m'appelle"; "llamo", "chiamo", "chamo", "heiße" only after
         * "me", "mi", "ich": alone they are "I call" ("le llamo en 5
         * minutos", "ti chiamo domani") or "hot" ("heiße Schokolade") */
        if (w->e - w->s > 2 && (text[w->s] | 0x20) == 'm' && !((unsigned char)(text[w->s + 1] | 0x20) >= 'a' &&
                                                            (unsigned char)(text[w->s + 1] | 0x20) <= 'z'))
            return LV_INTRO;
        return p1 && (word_is(text, p1, "me") || word_is(text, p1, "mi") || word_is(text, p1, "ich") ||
                      word_is(text, p1, "m"))
                   ? LV_INTRO
                   : -1;
    case K_REL:
        /* "my wife Karen", "My wife, Róisín,", "il tecnico Fabio": after a
         * possessive or article */
        *sep_ok = SEP_COMMA;
        if (p1 && !w->sep && possessive(text, p1)) return LV_SPEAK;
        /* an agent's note drops the possessive: "spoke w/ wife Maria", "tech Luis dispatched",
         * "Techniker Marek vor Ort": a frequent given name then */
        return w->e - w->s >= 3 ? LV_MARK : -1;
    case K_ITS:
        return LV_WEAK;
    case K_CALLED:
        return LV_GREET;
    case K_ASK:
        return LV_SPEAK;
    case K_NAMEW:
        return w->poss ? LV_INTRO : -1;                     /* "name's" */
    case K_IS:
        if (w->sep) return -1;
        if (k1 == K_NAMEW) { *sep_ok = SEP_STOP; return LV_INTRO; }   /* "name is: Sarah" */
        return k1 == K_THIS ? LV_WEAK : -1;
    case K_THIS:
        return w->e - w->s > 4 ? LV_WEAK : -1;               /* c'est, c’est */
    case K_IAM:
        /* "I'm", "sono", "soy"; "im" without its apostrophe is German "im" too */
        return w->e - w->s == 2 && word_is(text, w, "im") ? LV_BARE : LV_WEAK;
    case K_PREP:
        if (w->sep) return -1;
        /* "speak to", "ask for", "thanks to", "danke an" */
        if (k1 == K_SPEAKV || k1 == K_ASK || k1 == K_GREET || k2 == K_SPEAKV || k2 == K_ASK) return LV_SPEAK;
        /* Dutch puts the verb last: "Kan ik met Daan spreken?" */
        if (p1 && word_is(text, w, "met") && (word_is(text, p1, "ik") || word_is(text, p1, "u"))) return LV_SPEAK;
        /* a Dutch phone's or message's opening: "Met Sanne,", "hallo met Joost" */
        if (word_is(text, w, "met") && (!p1 || k1 == K_GREET || word_is(text, p1, "ja"))) return LV_MARK;   /* not "Met Unlimited Max" */
        return -1;
    default:
        break;
    }
    size_t wn = w->e - w->s;
    if (w->sep || wn > 5) return -1;   /* every context below is a short word right after the one before */
    if (wn == 5) return p1 && word_is(text, w, "names") && word_is(text, p1, "my") ? LV_INTRO : -1;   /* "my names hannah" */
    /* "me and shaz", "io e Martina", "ich und Svenja", "moi et Léa", "yo y Ana", "ik en Sem", "eu e a Rita" */
    if (p1 && wn <= 3 && p1->e - p1->s <= 3 &&
        is_and(text, w) &&
        (word_is(text, p1, "me") || word_is(text, p1, "io") || word_is(text, p1, "ich") || word_is(text, p1, "moi") ||
         word_is(text, p1, "yo") || word_is(text, p1, "ik") || word_is(text, p1, "eu")))
        return LV_SPEAK;
    /* French SMS "c lucas" (c'est); German "bin sophie" (ich bin) first in the text or after a greeting */
    if (word_is(text, w, "c") || (word_is(text, w, "bin") && (!p1 || k1 == K_GREET))) return LV_WEAK;
    if (!p1 || w->sep || w->e - w->s > 4) return -1;
    /* "grazie a Lucia", "merci à Baptiste", "gracias a Gonzalo", "dire a Katia" */
    if ((k1 == K_GREET || k1 == K_ASK || k1 == K_SPEAKV) && is_a(text, w)) return LV_SPEAK;
    /* German capitalises its nouns: "Ich bin Rentner" wants a frequent given name */
    if (word_is(text, p1, "ich") && word_is(text, w, "bin")) return LV_MARK;
    if ((word_is(text, p1, "i") && word_is(text, w, "am")) || (word_is(text, p1, "ik") && word_is(text, w, "ben")) ||
        (word_is(text, p1, "je") && word_is(text, w, "suis")))
        return LV_WEAK;
    if (k1 == K_NAMEW && w->e - w->s == 2 && text[w->s] == (char)0xC3) return LV_INTRO;   /* "nome è", "nome é" */
    /* "Kan ik Daan spreken?" */
    if ((word_is(text, p1, "kan") || word_is(text, p1, "mag")) && word_is(text, w, "ik")) return LV_SPEAK;
    if (k1 == K_SPEAKV && w->e - w->s == 2 && text[w->s] == (char)0xC3 && text[w->s + 1] == (char)0xA0)
        return LV_SPEAK;                                                   /* "parler à" */
    if (word_is(text, p1, "thank") && word_is(text, w, "you")) {
        *sep_ok = SEP_COMMA | SEP_NL;
        return LV_GREET;
    }
    return -1;
}

/* Might word w be a given name of weight >= 2? The Bloom filter answers
 * without the table: no means no. */
static int maybe_given(const scan_state *st, const word *w)
{
    uint32_t h = 2166136261u;
    if (w->plain) {
        if (w->e - w->s < 2 || w->e - w->s > KEY_MAX) return 0;
        for (size_t i = w->s; i < w->e; i++) h = (h ^ ((unsigned char)st->text[i] | 0x20)) * 16777619u;
    } else {
        char key[KEY_MAX + 1];
        size_t kn = w->alpha ? cvi_person_fold_key(st->text, w->s, w->e, key) : 0;
        if (kn < 2) return 0;
        for (size_t i = 0; i < kn; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
    }
    h >>= 32 - CVI_PERSON_GIVEN_BITS;
    return (int)((cvi_person_given_bloom[h / 64] >> (h % 64)) & 1);
}

/* A full name (parse_name at LV_FULL) has a second word, right after its
 * first (at) with nothing but spaces between, letters only and no
 * contraction: without one parse_name would stop after the first word
 * ("IBAN GB82", "WEST 1234"), so it need not be called. */
static int second_part_may_follow(const scan_state *st, size_t at)
{
    word n;
    return next_word(st->text, st->len, &at, &n) && !n.sep && n.alpha && !n.contraction;
}

static int going_to(const scan_state *st, const word *p);

/* A full name's shape at s that is a street's or a place's: a street type
 * opens it ("Largo da Glória", "Rua Augusta") or stands before it ("corso
 * Vittorio Emanuele"), or a verb of going and its "to" ("vado a Marina di
 * Ragusa"). Asked of found names only. */
static int street_or_place(const scan_state *st, size_t s)
{
    word p;
    if (cvi_address_type_first(st->text, st->len, s)) return 1;
    return prev_word(st, s, &p) && p.e + 1 == s && (cvi_address_type_first(st->text, st->len, p.s) || going_to(st, &p));
}

/* No context: a full name's shape, an initial and a surname, or "X's
 * account". w was read, *pos is after it. 1 emitted, 0 none, or CV_E*. */
static int shape_name(const scan_state *st, cv_emit *em, const word *w, size_t *pos)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t at = *pos, len = st->len, s, e;
    int try_full;
    if (st->mode == MODE_MIXED) {
        if ((w->shape == SH_CAP || w->shape == SH_UP) && w->e - w->s >= 2 && !w->poss)
            try_full = capital_follows(st, at) || particle_follows(st, at);
        else
            try_full = is_initial(w) && (capital_follows(st, at + 1) || particle_follows(st, at + 1));
    } else {
        try_full = w->e - w->s >= 2 && at < len && p[at] == ' ' && !w->poss;
    }
    int given = -1;   /* maybe_given(st, w), once asked */
    /* "Kevin said", "ciaran here", "Patrick O'Brien hat gesagt": a frequent
     * given name (the Bloom filter first: most words are none) */
    if (name_case(st, w) && !w->poss && w->e - w->s >= 2 &&
        (marker_gate(st, at) || (at + 1 < len && p[at] == ' ')) && (given = maybe_given(st, w))) {
        int m = marker_follows(st, at);
        if (!m && at + 1 < len && p[at] == ' ' && (st->mode != MODE_MIXED || (unsigned)(p[at + 1] - 'A') < 26u)) {
            word n2;
            size_t a3 = at;
            m = next_word(st->text, len, &a3, &n2) && !n2.sep && name_case(st, &n2) && !n2.poss &&
                marker_follows(st, a3);
        }
        size_t a2 = w->s;
        if (m && parse_name(st, &a2, ~0u, LV_MARK, &s, &e)) {
            /* a capitalised name word right before it is the name's too: "Mei Ling here" */
            word pw;
            if (st->mode == MODE_MIXED && prev_word(st, s, &pw) && pw.e + 1 == s && pw.shape == SH_CAP && !pw.poss &&
                !not_first_part(st, &pw))
                s = pw.s;
            *pos = a2;
            int rc = emit_name(st, em, s, e);
            return rc ? rc : 1;
        }
    }
    /* "Karim et Yasmine sont", "jonas und emma haben": two frequent given
     * names joined by "and" are two names */
    if (at + 2 < len && p[at] == ' ' && ((p[at + 1] | 0x20) == 'a' || (p[at + 1] | 0x20) == 'e' ||
                                          (p[at + 1] | 0x20) == 'u' || (p[at + 1] | 0x20) == 'y') &&
        name_case(st, w) && !w->poss && w->e - w->s >= 2 && given != 0 && (given > 0 || (given = maybe_given(st, w)))) {
        word c, n2;
        size_t a3 = at;
        static const char *const me[] = { "i", "ik", "ich", "moi", "yo", "eu", "io", NULL };
        int have_n2 = next_word(st->text, len, &a3, &c) && !c.sep && c.shape == SH_LOW && is_and(st->text, &c) &&
                      next_word(st->text, len, &a3, &n2) && !n2.sep;
        if (have_n2 && n2.e - n2.s <= 3 && word_in(st->text, &n2, me)) {
            /* "Inge en ik hebben", "yolanda y yo", "Connor and I": a person beside the speaker */
            size_t a2 = w->s;
            if (parse_name(st, &a2, ~0u, LV_MARK, &s, &e) && e == w->e) {
                *pos = a2;
                int rc = emit_name(st, em, s, e);
                return rc ? rc : 1;
            }
        } else if (have_n2 && name_case(st, &n2) && n2.e - n2.s >= 2 && maybe_given(st, &n2)) {
            size_t a2 = w->s, a4 = c.e, s2, e2;
            if (parse_name(st, &a2, ~0u, LV_MARK, &s, &e) && e == w->e &&
                parse_name(st, &a4, ~0u, LV_MARK, &s2, &e2)) {
                int rc = emit_name(st, em, s, e);
                if (!rc) rc = emit_name(st, em, s2, e2);
                *pos = a4;
                return rc ? rc : 1;
            }
        }
    }
    /* "J. Smith called", "signed for by \"T. Johnson\"": an initial and a surname */
    int initial = st->mode == MODE_MIXED && is_initial(w) && try_full;
    if (try_full &&
        (initial || (given < 0 ? maybe_given(st, w) : given) || (st->mode == MODE_MIXED && particle_follows(st, at))) &&
        (initial || second_part_may_follow(st, at))) {
        size_t a2 = w->s;
        if (parse_name(st, &a2, ~0u, LV_FULL, &s, &e) && !street_or_place(st, s)) {
            *pos = a2;
            int rc = emit_name(st, em, s, e);
            return rc ? rc : 1;
        }
    }
    /* "sophies email", "darraghs phone": an apostrophe dropped, in texts
     * without capitals; a frequent given name before the s */
    if (st->mode != MODE_MIXED && !w->poss && w->e - w->s >= 4 && (p[w->e - 1] | 0x20) == 's' && at < len &&
        p[at] == ' ') {
        word n;
        size_t a2 = at;
        char key[KEY_MAX + 1];
        size_t kn;
        if (next_word(st->text, len, &a2, &n) && !n.sep && (word_lex(st->text, &n, key, &kn) & LX_POSSESSION)) {
            kn = cvi_person_fold_key(st->text, w->s, w->e - 1, key);
            unsigned fl = kn >= 2 ? cvi_person_gaz_lookup(key, kn) : 0;
            if (given_weight(fl) >= 2 && !is_common(fl)) {
                int rc = emit_name(st, em, w->s, w->e - 1);
                return rc ? rc : 1;
            }
        }
    }
    if (w->poss && name_case(st, w)) {
        word n;
        size_t a2 = at + (p[at] == '\'' ? 2 : 4);
        char key[KEY_MAX + 1];
        size_t kn;
        if (next_word(st->text, len, &a2, &n) && !n.sep && (word_lex(st->text, &n, key, &kn) & LX_POSSESSION)) {
            unsigned lx = word_lex(st->text, w, key, &kn);
            unsigned fl = (lx & (LX_NOT_IN_NAME | LX_NOT_AFTER_GREETING)) ? 0 : cvi_person_word_flags(st->text, w, key, kn);
            if (kn >= 2 && is_name(fl) &&
                (given_weight(fl) || !is_common(fl))) {
                int rc = emit_name(st, em, w->s, w->e);
                return rc ? rc : 1;
            }
        }
    }
    return 0;
}

/* Every word of text[from..) (at most max_words): contexts as they come,
 * and names' shapes (if `shapes`). *end: after the last name emitted (from
 * if none). Lower-case or all-capital
 * texts, and a few words after a greeting in mixed ones. */
static int walk(const scan_state *st, cv_emit *em, size_t from, size_t max_words, int shapes, size_t *end)
{
    size_t pos = from, s, e;
    word w, prev = { 0 };
    int k1 = K_NONE, k2 = K_NONE, rc;
    int have_prev = 0;
    *end = from;
    while (max_words-- && next_word(st->text, st->len, &pos, &w)) {
        int kind = ctx_kind2(st->text, &w, k1 != K_NONE || k2 == K_SPEAKV || k2 == K_ASK ||
                                               (have_prev && prev.e - prev.s <= 2));
        unsigned sep_ok;
        int lv = context_level(st->text, kind, &w, have_prev ? &prev : NULL, k1, k2, &sep_ok);
        if (lv >= 0) {
            size_t at = pos;
            if (kind == K_TITLE && w.dot) {
                at++;
                /* "Sig.ra", "Dott.ssa": the title's ending after its dot */
                while (at < st->len && st->text[at] >= 'a' && st->text[at] <= 'z') at++;
            } else if (kind == K_NAMEW || (kind == K_ITS && w.poss)) {
                at += st->text[at] == '\'' ? 2 : 4;             /* past "'s" */
            }
            if (parse_name(st, &at, sep_ok, lv, &s, &e)) {
                if ((rc = emit_name(st, em, s, e)) || (rc = conj_name(st, em, &at, lv))) return rc;
                pos = *end = at;
                k1 = k2 = K_NONE;
                have_prev = 0;
                continue;
            }
        } else if (kind == K_NONE && w.alpha && shapes) {
            rc = shape_name(st, em, &w, &pos);
            if (rc < 0) return rc;
            if (rc) {
                *end = pos;
                k1 = k2 = K_NONE;
                have_prev = 0;
                continue;
            }
        }
        k2 = k1;
        k1 = kind;
        prev = w;
        have_prev = 1;
    }
    return 0;
}

#define ONES 0x0101010101010101ull
/* Nonzero if an ASCII byte of x lies strictly between m and n (n <= 128;
 * Bit Twiddling Hacks' hasbetween). */
static uint64_t has_between(uint64_t x, unsigned m, unsigned n)
{
    uint64_t lo = x & ONES * 127;
    return (ONES * (127 + n) - lo) & ~x & (lo + ONES * (127 - m)) & ONES * 128;
}

/* Nonzero if a byte of x is an ASCII capital or >= 0x80. */
static uint64_t cap_or_high(uint64_t x) { return has_between(x, 'A' - 1, 'Z' + 1) | (x & ONES * 128); }

/* The first i >= from holding an ASCII capital or a byte >= 0x80, or len
 * (SSE2: 16 bytes a step, straight to the byte). */
static size_t next_cap_or_high(const unsigned char *p, size_t len, size_t i)
{
#if defined(__SSE2__)
    const __m128i ka = _mm_set1_epi8('A'), k25 = _mm_set1_epi8(25);
    for (; i + 16 <= len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i)), t = _mm_sub_epi8(x, ka);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, k25), t)) |
                     (unsigned)_mm_movemask_epi8(x);
        if (m) return i + (size_t)__builtin_ctz(m);
    }
#endif
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        if (cap_or_high(x)) break;
    }
    while (i < len && !((unsigned)(p[i] - 'A') < 26u || p[i] >= 0x80)) i++;
    return i;
}

/* Separators between two words: what next_word would report in w.sep. */
static unsigned sep_between(const unsigned char *p, size_t a, size_t b)
{
    unsigned sep = 0;
    for (size_t i = a; i < b; i++) sep |= sep_of(p[i]);
    return sep;
}

/* Is p[i] part of a word, looking backwards (UTF-8 aware: a letter's
 * continuation bytes count, those of punctuation do not)? */
static int word_byte_back(const unsigned char *p, size_t i)
{
    if (bclass[p[i]]) return 1;
    if ((p[i] & 0xC0) != 0x80) return 0;
    size_t k = i;
    while (k > 0 && i - k < 3 && (p[k] & 0xC0) == 0x80) k--;
    return bclass[p[k]] == 3 || bclass[p[k]] == 4;
}

/* The word that ends before `before` (at most 64 bytes back), with its sep
 * unknown (0). 1 found, 0 none. */
static int prev_word(const scan_state *st, size_t before, word *w)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t j = before, lim = before > 64 ? before - 64 : 0;
    while (j > lim && !word_byte_back(p, j - 1)) j--;
    if (j == lim) return 0;
    size_t e = j;
    while (j > lim && (word_byte_back(p, j - 1) ||
                       ((p[j - 1] == '\'' || p[j - 1] == '-') && j - 1 > lim && word_byte_back(p, j - 2))))
        j--;
    while (j < e && (p[j] & 0xC0) == 0x80) j++;
    if (j == lim && lim > 0) return 0;             /* may be cut */
    size_t pos = j;
    if (!next_word(st->text, st->len, &pos, w) || w->s != j) return 0;
    return w->e <= before;
}

/* After a greeting, does an introduction start ("Hi, my name is", "Hello,
 * this is", "Hi I'm", "Bonjour, je m'appelle", "Hallo, ich heiße")? The
 * next two words tell, so most greetings stop at once. */
static int intro_follows(const scan_state *st, size_t pos)
{
    word w1, w2;
    size_t at = pos;
    if (!next_word(st->text, st->len, &at, &w1) || (w1.sep & ~(unsigned)(SEP_COMMA | SEP_NL | SEP_STOP))) return 0;
    int k1 = ctx_kind2(st->text, &w1, 1);
    if (k1 == K_THIS || k1 == K_IAM || k1 == K_INTRO || (k1 == K_NAMEW && w1.poss)) return 1;   /* this is, I'm, c'est */
    if (w1.e - w1.s > 4 || !next_word(st->text, st->len, &at, &w2) || w2.sep) return 0;
    int k2 = ctx_kind2(st->text, &w2, 1);
    if (k2 == K_NAMEW || k2 == K_INTRO || k2 == K_IS) return 1;   /* my name, mi chiamo, here is */
    return word_is(st->text, &w2, "am") || word_is(st->text, &w2, "bin") || word_is(st->text, &w2, "ben") ||
           word_is(st->text, &w2, "suis") || word_is(st->text, &w2, "mio") || word_is(st->text, &w2, "meu") ||
           word_is(st->text, &w2, "mijn") || word_is(st->text, &w2, "mein") || word_is(st->text, &w2, "mon");
}

/* Can the ASCII capitalised word at i be passed over without reading it?
 * Yes if it starts a sentence (no context before it), is no context word
 * by its first letters and length, and what follows it starts no name: no
 * capital or particle next, no "'s", no initial's dot. Returns the end of
 * its letters then, else 0. */
/* Does the full stop at p[d] end a title's abbreviation or an initial
 * ("sig. Romano", "Fr. Keating", "M. Dubois"), not a sentence? */
static int abbrev_stop(const scan_state *st, size_t d)
{
    word w;
    if (!prev_word(st, d + 1, &w) || w.e != d) return 0;
    return w.e - w.s == 1 || ctx_kind2(st->text, &w, 0) == K_TITLE;
}

static size_t quick_skip(const scan_state *st, size_t i)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t len = st->len, q = i, e = i + 1;
    while (q > 0 && (p[q - 1] == ' ' || p[q - 1] == '"' || p[q - 1] == '\t')) q--;
    if (!(q == 0 || p[q - 1] == '.' || p[q - 1] == '!' || p[q - 1] == '?')) return 0;
    if (q > 0 && p[q - 1] == '.' && abbrev_stop(st, q - 1)) return 0;
    unsigned caps;
    e = ascii_run(p, len, e, &caps);
    if (e < len && p[e] != ' ' && p[e] != ',' && p[e] != '?' && p[e] != '!' && p[e] != ':' && p[e] != ';' &&
        !(p[e] == '.' && e - i > 1))
        return 0;                                    /* 's, an initial, accents, digits: the full path */
    size_t n = e - i;
    if (n >= 2) {
        unsigned c0 = (p[i] | 0x20) - 'a', c1 = (p[i + 1] | 0x20) - 'a';
        uint16_t lens = lex_ctx_len[c0][c1];
        if ((lens >> (n < 15 ? n : 15)) & 1) return 0;   /* may be "Hi", "Thanks", "Mr" */
    }
    if (capital_follows(st, e) || particle_follows(st, e)) return 0;
    /* "Kevin said": a frequent given name (the Bloom filter first) before a
     * marker; "Sofia, desculpe": before a comma and a lower-case word */
    word w = { .s = (uint32_t)i, .e = (uint32_t)e, .plain = 1, .alpha = 1 };
    if (e + 2 < len && p[e] == ',' && p[e + 1] == ' ' && p[e + 2] >= 'a' && p[e + 2] <= 'z' && maybe_given(st, &w))
        return 0;
    /* "Lorenzo e Matteo sono": and, then a capital */
    if (e + 4 < len && p[e] == ' ' && maybe_given(st, &w)) {
        size_t a = e + 1, b = a;
        while (b < len && p[b] >= 'a' && p[b] <= 'z' && b - a < 4) b++;
        word c = { .s = (uint32_t)a, .e = (uint32_t)b, .plain = 1, .alpha = 1 };
        /* ... or the speaker: "Inge en ik hebben", "Sarah and I" */
        if (b + 1 < len && p[b] == ' ' && is_and(st->text, &c) &&
            ((p[b + 1] >= 'A' && p[b + 1] <= 'Z') || p[b + 1] == 'i' || p[b + 1] == 'y' || p[b + 1] == 'e' ||
             p[b + 1] == 'm'))
            return 0;
    }
    return marker_gate(st, e) && maybe_given(st, &w) && marker_follows(st, e) ? 0 : e;
}

/* After "Thanks," or "Regards,\n": w begins a name that ends at e. */
static int greeted_name_ok(const scan_state *st, const word *w, size_t e)
{
    char key[KEY_MAX + 1];
    size_t kn;
    unsigned lx = word_lex(st->text, w, key, &kn);
    unsigned f = (lx & LX_NOT_IN_NAME) ? 0 : cvi_person_word_flags(st->text, w, key, kn);
    if (is_name(f)) return !is_common(f) || given_weight(f) >= 3;
    const unsigned char *p = (const unsigned char *)st->text;
    while (e < st->len && (p[e] == ' ' || p[e] == '.' || p[e] == '!' || p[e] == '\n' || p[e] == '\r')) e++;
    return e == st->len;
}

/* The prepositions a name often follows ("for Maria", "with Jan"). */
static int prep_word(const char *text, const word *w)
{
    /* not "bei", "chez", "at": a shop's or a firm's ("chez Zara", "bei Dell") */
    static const char *const v[] = { "for", "with", "per", "con", "mit", "pour", "avec", "para", "com", "voor",
                                     "met", NULL };
    size_t n = w->e - w->s;
    if (n < 3 || n > 4) return 0;
    if (word_in(text, w, v)) return 1;
    return n == 4 && (text[w->s] | 0x20) == 'f' && (unsigned char)text[w->s + 1] == 0xC3 &&
           (unsigned char)text[w->s + 2] == 0xBC && (text[w->s + 3] | 0x20) == 'r';   /* "für" */
}

/* p is "a", "to", "para", "nach" ... after a verb of going or moving
 * ("vado a Torino", "me voy a Sevilla", "vou para Braga", "moving to
 * Austin", "fliege nach Malaga"): the word after it is a place. */
static int going_to(const scan_state *st, const word *p)
{
    static const char *const to[] = { "a", "to", "para", "pra", "nach", "naar", "in", "en", "em", NULL };
    static const char *const go[] = {
        "go", "going", "goes", "went", "gone", "move", "moving", "moved", "fly", "flying", "flew", "travel",
        "travelling", "traveling", "trip", "holiday", "holidays", "vacation", "erasmus", "vado", "va", "vai",
        "andiamo", "andare", "andata", "andato", "torno", "tornare", "trasferisco", "trasferito", "volo",
        "vou", "vamos", "ir", "fui", "mudar", "mudo", "mudei", "mudamos", "viajo", "viajar", "viajamos", "voy",
        "vas", "van", "fuimos", "traslado", "vuelo", "fahre", "fahren", "fliege", "fliegen", "ziehe",
        "ziehen", "gezogen", "gehe", "reise", "reisen", "umzug", "ga", "gaan", "verhuis", "verhuizen",
        "verhuisd", "vlieg", "vliegen", "vais", "pars", "partir", "demenage", "déménage", "voyage", "vole",
        "mudar-me", "mudar-se", "mudo-me", "mudamo-nos", NULL
    };
    if (p->e - p->s > 4 || !word_in(st->text, p, to)) return 0;
    word q;
    return prev_word(st, p->s, &q) && q.e + 1 == p->s && q.e - q.s <= 12 && word_in(st->text, &q, go);
}

static int ours_before(const scan_state *st, size_t s)
{
    static const char *const ours[] = { "nossa", "nuestra", "notre", "our", "unsere", "onze", "nostra", NULL };
    word q;
    return prev_word(st, s, &q) && q.e + 1 == s && word_in(st->text, &q, ours);
}

/* A capitalised word w inside a sentence, p the lower-case word before it:
 * one of the most frequent given names, no word of any language, no place
 * or firm word, and not where a place stands ("in", "at", "from" ...). */
static int mid_capital(const scan_state *st, const word *p, const word *w)
{
    /* where a place or a firm stands ("in Chelsea", "to the Jackson
     * branch", "chez Armani"), and the firms that bear such a name */
    static const char *const place_preps[] = { "in", "at", "near", "from", "of", "im", "nach", "aus", "vom", "em",
                                               "no", "na", "en", "au", "aux", "nel", "nella", "dal", "dalla", "uit",
                                               "naar", "bij", "op", "te", "chez", "bei", "zum", "zur", "visit",
                                               "visiting", "via", "the", "der", "die", "das", "dem", "den", "het",
                                               "le", "les", "il", "lo", "el", "los", "las", "un", "une", "una",
                                               "uno", "ein", "eine", "een", "um", "uma", "del", "della", "dello", "des",
                                               "du", NULL };
    static const char *const firms[] = { "alexa", "armani", "chanel", "tiffany", NULL };
    if (w->shape != SH_CAP || !w->alpha || w->poss || w->contraction) return 0;
    if (p->e - p->s <= 8 && word_in(st->text, p, place_preps)) return 0;
    char key[KEY_MAX + 1];
    size_t kn;
    unsigned lx = word_lex(st->text, w, key, &kn);
    if (kn < 3 || (lx & (LX_WORD_NAME | LX_NOT_IN_NAME | LX_FUNCTION | LX_PARTICLE)) || (lx & 15) != K_NONE) return 0;
    unsigned f = cvi_person_word_flags(st->text, w, key, kn);
    if (given_weight(f) < 3 || is_common(f) || (f & (CVI_PN_INTL | CVI_PN_PLACE))) return 0;
    if (word_in(st->text, w, firms)) return 0;
    /* "the Sydney office", "Florence branch": a place's or a firm's noun after it */
    word n;
    size_t at = w->e;
    static const char *const place_nouns[] = { "location", "station", "airport", "area", "centre", "center",
                                               "hotel", "flight", "trip", "stadium", NULL };
    if (next_word(st->text, st->len, &at, &n) && !n.sep &&
        (word_in(st->text, &n, org_words) || word_in(st->text, &n, place_nouns)))
        return 0;
    /* "rue Victor", "boulevard Raspail", "corso Vittorio": a street's name; "vado a Torino": a place */
    return !going_to(st, p) && !cvi_address_type_first(st->text, st->len, p->s);
}

/* Does word p (right before a capitalised word) make the next word a
 * person's place: a reporting verb, a Portuguese article, or a finite verb
 * that opens its sentence? */
/* Is p a K_AFTER word (ctx_kind leaves them out: they follow names)? The
 * first-letter gate first. */
static int after_word(const scan_state *st, const word *p, int kind)
{
    if (kind == K_AFTER) return 1;
    if (kind != K_NONE) return 0;
    unsigned c0 = (unsigned)((st->text[p->s] | 0x20) - 'a');
    if (c0 >= 26u || !((1u << c0) & MARKER_FIRST)) return 0;
    char key[KEY_MAX + 1];
    size_t kn;
    return (word_lex(st->text, p, key, &kn) & 15) == K_AFTER;
}

static int person_slot(const scan_state *st, const word *p, int kind, const word *w)
{
    /* not "na", "no", "à": "na Zara", "no Rio", "à Lyon"; "a" only after
     * Portuguese words that put a person there ("com a Larissa", "foi a
     * Sueli", "é a Camila"), not "vado a Roma" */
    static const char *const art[] = { "o", "do", "ao", "pelo", "com", "seu", "certo", "certa", "certain",
                                       "certaine", NULL };
    static const char *const before_a[] = { "com", "foi", "era", "que", "pra", "para", "e", NULL };
    static const char *const verbs[] = {
        "can", "could", "will", "would", "has", "is", "does", "did", "kan", "kun", "mag", "moet", "zal", "zou",
        "wil", "heeft", "werkt", "kann", "konnte", "ist", "hat", "wird", "soll", "arbeitet", "puo", "ha",
        "lavora", "trabaja", "trabalha", "travaille", NULL
    };
    size_t n = p->e - p->s;
    if (n > 12) return 0;
    const unsigned char *t = (const unsigned char *)st->text + p->s;
    if (p->shape == SH_LOW) {
        if (n == 1 && t[0] == 'a') {
            word q;
            if (!prev_word(st, p->s, &q) || q.e + 1 != p->s) return 0;
            const unsigned char *u = (const unsigned char *)st->text + q.s;
            return word_in(st->text, &q, before_a) || (q.e - q.s == 2 && u[0] == 0xC3 && u[1] == 0xA9);   /* é a */
        }
        if (n <= 9 && word_in(st->text, p, art)) return 1;
        /* the agent of a passive: "told by Simon", "aangenomen door Gerrit", "atendido por Carlos" */
        if (n <= 4 && (word_is(st->text, p, "by") || word_is(st->text, p, "door") || word_is(st->text, p, "por") ||
                       word_is(st->text, p, "par") || word_is(st->text, p, "da") || word_is(st->text, p, "von"))) {
            word q;
            return prev_word(st, p->s, &q) && q.e + 1 == p->s &&
                   (participle(st->text, &q) || ctx_kind(st->text, &q) == K_ASK || after_word(st, &q, K_NONE));
        }
        if (n == 2 && word_is(st->text, p, "de")) {   /* "um tal de Josué" */
            word q;
            return prev_word(st, p->s, &q) && q.e + 1 == p->s && word_is(st->text, &q, "tal");
        }
        /* a question typed in lower case: "ist Jannik noch krank?", "is Darragh there" */
        if (n <= 4 && sentence_start(st, p->s) && memchr(st->text, '?', st->len)) {
            static const char *const qverbs[] = { "is", "ist", "can", "kann", "kan", "could", "does", "est", "hat",
                                                  "heeft", NULL };
            if (word_in(st->text, p, qverbs)) return 1;
        }
        if (n <= 4) return 0;
        return after_word(st, p, kind);   /* longer than "here", "ici", "aqui" */
    }
    if ((p->shape != SH_CAP && !(n == 1 && p->shape == SH_UP)) || !sentence_start(st, p->s)) return 0;
    if (n == 1 && t[0] == 'O') return 1;   /* "O Tiago" */
    if (n == 1 && t[0] == 'A') {            /* "A Fernanda do RH", not "A Mercedes da locadora", "A Pasqua" */
        char key[KEY_MAX + 1];
        size_t kn;
        return !(word_lex(st->text, w, key, &kn) & (LX_WORD_NAME | LX_NOT_IN_NAME));
    }
    if (n == 1) return 0;
    if (word_in(st->text, p, verbs)) return 1;
    return n >= 4 && !word_is(st->text, p, "here") && !word_is(st->text, p, "hier") && after_word(st, p, kind);   /* "Dijo Fernando que" */
}

/* A word between commas (", Sylvie je crois,", "Samir, le fils"), first
 * in its sentence before a comma and a lower-case word ("Sofia, desculpe",
 * "Manolo, el conserje, dice"), or after a comma at the message's end? */
static int name_in_commas(const scan_state *st, const word *w, int first, int have_p1)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t e = w->e;
    /* ", Loredana" ending the message ("sì sono io, Loredana", "oui c'est moi, Gaëlle") */
    if (have_p1 && !first && !w->poss && (w->sep & SEP_COMMA) && !(w->sep & ~(unsigned)SEP_COMMA)) {
        size_t k = e;
        while (k < st->len && (p[k] == '.' || p[k] == '!' || p[k] == ' ' || p[k] == '\n' || p[k] == '\r')) k++;
        if (k >= st->len) return 1;
    }
    if (w->poss || e + 2 >= st->len || p[e] != ',' || p[e + 1] != ' ' || !(p[e + 2] >= 'a' && p[e + 2] <= 'z'))
        return 0;
    if (first) return 1;
    return have_p1 && (w->sep & SEP_COMMA) && !(w->sep & ~(unsigned)SEP_COMMA);
}

/* A greeting or thanks word earlier in the sentence that ends at `before`
 * (at most eight words back, none past a full stop or a line break). */
static int greeting_before(const scan_state *st, size_t before)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t at = before;
    word w;
    for (int k = 0; k < 8 && prev_word(st, at, &w); k++) {
        if (sep_between(p, w.e, at) & (SEP_STOP | SEP_NL | SEP_BREAK)) return 0;
        if (ctx_kind2(st->text, &w, 0) == K_GREET) return 1;
        at = w.s;
    }
    return 0;
}

/* Mixed-case text: only capitalised words are candidates. Each one is
 * judged with the words before it in its sentence (lookback) or, when it is
 * a context itself ("Hi", "Mr", "Thanks"), with the words after it. */
static int scan_mixed(const scan_state *st, cv_emit *em)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t len = st->len, i = 0;
    while (i < len) {
        i = next_cap_or_high(p, len, i);
        if (i >= len) break;
        if (!cvi_person_upper_at(p, i, len) || (i > 0 && (word_byte_back(p, i - 1) || p[i - 1] == '\''))) {
            i++;
            continue;
        }
        size_t past;
        if (p[i] <= 'Z' && (past = quick_skip(st, i))) {   /* most capitals: a sentence's first word, nothing more */
            i = past;
            continue;
        }
        word w;
        size_t pos = i;
        if (!next_word(st->text, len, &pos, &w)) break;
        if (w.e - w.s == 1 && !w.dot) {               /* "I", "A", the S of "SKU-4411" */
            i = pos;
            continue;
        }
        int kind = ctx_kind2(st->text, &w, 0), rc;
        /* "M. Dubois", "M. Conti": Monsieur or an initial; as a title, and
         * in the name's span either way (no initial left beside it) */
        int m_initial = w.e - w.s == 1 && p[w.s] == 'M' && w.dot;
        if (m_initial) kind = K_TITLE;
        /* "Nossa Senhora Aparecida", "Nuestra Señora del Pilar", "Notre Dame": a feast, a church */
        if (kind == K_TITLE && !m_initial && ours_before(st, w.s)) {
            i = pos;
            continue;
        }
        if (kind != K_NONE) {
            /* a context word, capitalised: what follows it; after a greeting
             * a few words, for "Hi, my name is tom", "Hello, this is tom" */
            size_t done = pos;
            if (kind == K_IS || kind == K_PREP) {
                /* a sentence's first word: no context word before it */
            } else if (kind == K_GREET && intro_follows(st, pos)) {
                if ((rc = walk(st, em, w.s, 6, 0, &done))) return rc;
            } else if (kind != K_THIS) {
                unsigned sep_ok;
                word pw;
                int have_pw = (kind == K_REL || kind == K_INTRO) && prev_word(st, w.s, &pw);
                if (have_pw) w.sep = (uint8_t)sep_between(p, pw.e, w.s);   /* "Mein Sohn Jonas" */
                int lv = context_level(st->text, kind, &w, have_pw ? &pw : NULL, K_NONE, K_NONE, &sep_ok);
                size_t at = pos, s, e;
                if (kind == K_TITLE && w.dot) {
                    at++;
                    while (at < len && p[at] >= 'a' && p[at] <= 'z') at++;   /* "Sig.ra" */
                } else if ((kind == K_NAMEW || kind == K_ITS) && w.poss) {
                    at += p[at] == '\'' ? 2 : 4;
                }
                if (lv >= 0 && parse_name(st, &at, sep_ok, lv, &s, &e)) {
                    if (m_initial) s = w.s;
                    if ((rc = emit_name(st, em, s, e)) || (rc = conj_name(st, em, &at, lv))) return rc;
                    done = at;
                }
            } else if ((rc = walk(st, em, w.s, 2, 0, &done))) {
                return rc;
            }
            i = done > pos ? done : pos;
            continue;
        }
        /* the words before it: one, or two or three for two-word contexts */
        word p1, p2, p3;
        int lv = -1;
        unsigned sep_ok = 0;
        /* a sentence's first word has no context before it */
        size_t q = w.s;
        while (q > 0 && (p[q - 1] == ' ' || p[q - 1] == '"' || p[q - 1] == '\t')) q--;
        int first = q == 0 || (p[q - 1] == '.' && !abbrev_stop(st, q - 1)) || p[q - 1] == '!' || p[q - 1] == '?';
        size_t from = w.s;
        int have_p1 = !first && prev_word(st, w.s, &p1), p1_kind = K_NONE;
        if (have_p1) {
            /* "señora de la Fuente", "mevrouw van den Broek": particles back to the title */
            char key[KEY_MAX + 1];
            size_t kn, np = 0;
            word q1;
            while (np < 3 && p1.shape == SH_LOW && (word_lex(st->text, &p1, key, &kn) & LX_PARTICLE) &&
                   !sep_between(p, p1.e, from) && prev_word(st, p1.s, &q1)) {
                from = p1.s;
                p1 = q1;
                np++;
            }
            if (np && ctx_kind(st->text, &p1) != K_TITLE) {
                from = w.s;
                prev_word(st, w.s, &p1);
            }
            w.sep = (uint8_t)sep_between(p, p1.e + (p1.poss ? (p[p1.e] == '\'' ? 2 : 4) : 0), from);
            int k1 = ctx_kind(st->text, &p1), k2 = K_NONE, k3 = K_NONE, h2 = 0;
            p1_kind = k1;
            if (k1 == K_IS || k1 == K_PREP || k1 == K_INTRO || k1 == K_REL || (k1 == K_NONE && p1.e - p1.s <= 4)) {
                if ((h2 = prev_word(st, p1.s, &p2))) {
                    p1.sep = (uint8_t)sep_between(p, p2.e, p1.s);
                    k2 = ctx_kind(st->text, &p2);
                    if (k1 == K_PREP && k2 != K_SPEAKV && k2 != K_ASK && prev_word(st, p2.s, &p3) &&
                        !sep_between(p, p3.e, p2.s))
                        k3 = ctx_kind(st->text, &p3);
                }
            }
            if (k1 != K_NONE || h2)
                lv = context_level(st->text, k1 != K_NONE ? k1 : K_NONE, &p1, h2 ? &p2 : NULL, k2, k3, &sep_ok);
            if (k1 == K_TITLE && ours_before(st, p1.s)) lv = -1;   /* "Nossa Senhora Aparecida" */
        }
        size_t s, e, end = pos;
        /* "Thanks, Vodafone,": after a greeting and a comma or a line
         * break, a known name that is no common word, or a word of no list
         * that ends the message (a signature: "Groet,\nWouter") */
        int greet_sep = lv == LV_GREET && (w.sep & (SEP_COMMA | SEP_NL));
        /* a name addressed after a comma in a sentence that thanks or
         * greets: "Many thanks for your help, Samantha.", "Vielen Dank,
         * Tanja, das hat ...", "Best wishes, Eimear Nolan" */
        int vocative = 0;
        if (lv < 0 && have_p1 && (w.sep & SEP_COMMA) && !(w.sep & ~(unsigned)SEP_COMMA) && greeting_before(st, from)) {
            lv = LV_MARK;   /* a frequent given name: "Thanks for calling, Vodafone" is none */
            sep_ok = SEP_COMMA;
            vocative = 1;
        }
        /* a frequent given name, capitalised, after "for", "with", "per",
         * "für", "avec", "para", "voor" ...: "a refund for Maria" */
        if (lv < 0 && have_p1 && !w.sep && p1.e + 1 == w.s && p1.shape == SH_LOW && prep_word(st->text, &p1) &&
            !going_to(st, &p1))
            lv = LV_PREP;   /* not "For Easter", "With Sky Glass": a sentence's first word */
        /* a frequent given name after a word that puts a person there:
         * a reporting verb before its subject ("Me atendió Rocío", "Dijo
         * Fernando que", "ha chiamato Marco"), Portuguese articles ("o
         * Tiago da linha", "com o Diogo", "do Felipe"), a finite verb
         * opening a question or a request ("Kan Maarten bij", "Werkt
         * Hanneke vandaag?", "Can Natalie call me", "Ist Sven erreichbar?"),
         * or commas around it (", Sylvie je crois,", "Manolo, el conserje") */
        if (lv < 0 && have_p1 && !w.sep && p1.e + 1 == w.s && person_slot(st, &p1, p1_kind, &w)) lv = LV_MARK;
        /* an agent's note names a party by its role: "cust Baker called", "cliente Ferrari segnala", "Kunde Fischer" */
        if (lv < 0 && have_p1 && !w.sep && p1.e + 1 == w.s && p1.shape == SH_LOW && p1.e - p1.s <= 8) {
            static const char *const roles[] = { "cust", "customer", "cliente", "kunde", "kundin", "klant", "caller",
                                                 "cx", NULL };
            char key[KEY_MAX + 1];
            size_t kn;
            if (word_in(st->text, &p1, roles) && (word_lex(st->text, &w, key, &kn), kn >= 2) &&
                is_name(cvi_person_word_flags(st->text, &w, key, kn)))
                lv = LV_SPEAK;   /* a known name: not "our client Vodafone" */
        }
        /* a very frequent given name, capitalised inside a sentence right
         * after a lower-case word: "spiegato tutto a Rebecca", "pass this
         * on to Brendan", "se plaindre de Damien", "chatting with Euan" */
        if (lv < 0 && have_p1 && !first && !w.sep && p1.e + 1 == w.s && p1.shape == SH_LOW && mid_capital(st, &p1, &w))
            lv = LV_PREP;
        if (lv < 0 && name_in_commas(st, &w, first, have_p1)) {
            lv = LV_MARK;
            sep_ok = SEP_COMMA;
        }
        if (lv >= 0 && !(w.sep & ~sep_ok)) {
            size_t at = from;
            if (parse_name(st, &at, ~0u, lv, &s, &e) && (!vocative || name_ends(st, at)) &&
                (!greet_sep || greeted_name_ok(st, &w, e))) {
                if ((rc = emit_name(st, em, s, e)) || (rc = conj_name(st, em, &at, lv))) return rc;
                i = at;
                continue;
            }
        }
        if (w.alpha) {
            rc = shape_name(st, em, &w, &end);
            if (rc < 0) return rc;
            if (rc) {
                i = end;
                continue;
            }
        }
        i = pos;
    }
    return 0;
}

/* Lower-case or all-capital text: a light pass over its words (a hash and
 * the first letters, no word record) finds the few that may start a name
 * or a context (a context word by its letters and length, a frequent given
 * name by the Bloom filter, "am" after "i" ...); walk() judges a few words
 * from each. */
static int scan_plain(const scan_state *st, cv_emit *em)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t len = st->len, i = 0, prev_s = 0, prev2_s = 0;
    int rc;
    while (i < len) {
        while (i < len && bclass[p[i]] != 1 && bclass[p[i]] != 3) i++;
        if (i >= len) break;
        size_t s = i;
        uint32_t h = 2166136261u;
        while (i < len && bclass[p[i]] == 1) h = (h ^ (p[i++] | 0x20)) * 16777619u;
        int plain = !(i < len && (bclass[p[i]] || p[i] == '\'' || p[i] == '-' || p[i] >= 0x80));
        if (!plain)
            while (i < len && (bclass[p[i]] || p[i] == '\'' || p[i] == '-' || (p[i] & 0xC0) == 0x80)) i++;
        size_t n = i - s, from = s;
        int look = 0;
        if (!plain) {
            word w;
            size_t at = s;
            int kind = next_word(st->text, len, &at, &w) && w.alpha ? ctx_kind2(st->text, &w, 0) : K_NONE;
            look = kind != K_NONE || (w.alpha && maybe_given(st, &w));
            if (kind == K_INTRO || kind == K_REL) from = prev_s;   /* "ich heiß", "o técnico" */
        } else if (n >= 2) {
            unsigned c0 = (p[s] | 0x20) - 'a', c1 = (p[s + 1] | 0x20) - 'a';
            uint32_t b = h >> (32 - CVI_PERSON_GIVEN_BITS);
            if (((lex_ctx_len[c0][c1] >> (n < 15 ? n : 15)) & 1) && n <= 12) {
                /* the letters say maybe: the lexicon says */
                char key[16] = { 0 };
                for (size_t k = 0; k < n; k++) key[k] = (char)(p[s + k] | 0x20);
                unsigned kind = lex_lookup(key, n) & 15;
                look = kind != K_NONE && kind != K_PREP && kind != K_IS ? 6 : 0;
                if (kind == K_PREP && s == 0 && n == 3 && !memcmp(key, "met", 3)) look = 2;   /* "met fleur, ..." */
                /* "its sarah", "sorry tariq", "ok dirk": the next word only */
                if (kind == K_ITS || (kind == K_GREET && (key[0] == 'o' || key[0] == 's') && n <= 6 &&
                                      ((n == 2 && key[1] == 'k') || !memcmp(key, "okay", 4) || !memcmp(key, "oke", 3) ||
                                       !memcmp(key, "sorry", 5) || !memcmp(key, "scus", 4))))
                    look = 2;
                if (kind == K_INTRO || kind == K_REL) {
                    from = prev_s;   /* "me llamo", "my wife": the word before decides */
                    look = 3;
                }
            }
            if (!look && n >= 4 && (p[i - 1] | 0x20) == 's' && i < len && p[i] == ' ') {
                /* "sophies email": a given name, its apostrophe dropped */
                uint32_t h2 = 2166136261u;
                for (size_t k = s; k + 1 < i; k++) h2 = (h2 ^ (p[k] | 0x20)) * 16777619u;
                h2 >>= 32 - CVI_PERSON_GIVEN_BITS;
                if ((cvi_person_given_bloom[h2 / 64] >> (h2 % 64)) & 1) look = 2;
            }
            if (!look && n <= KEY_MAX && ((cvi_person_given_bloom[b / 64] >> (b % 64)) & 1)) {
                look = 3;
                /* the word before may make a context: "c lucas", "me and lisa" */
                if (prev_s < s && s - prev_s <= 4) {
                    word pw = { .s = (uint32_t)prev_s, .e = (uint32_t)(prev_s + 1) };
                    while (pw.e < s && bclass[p[pw.e]] == 1) pw.e++;
                    if (word_is(st->text, &pw, "c")) {
                        from = prev_s;
                        look = 4;
                    } else if (prev2_s < prev_s && is_and(st->text, &pw)) {
                        from = prev2_s;
                        look = 5;
                    }
                }
            }
            else if (n <= 4 && s > prev_s) {
                /* "i am", "ich bin", "ik ben", "je suis", "thank you": the pair from its first word */
                word w = { .s = (uint32_t)s, .e = (uint32_t)i };
                if (word_is(st->text, &w, "am") || word_is(st->text, &w, "bin") || word_is(st->text, &w, "ben") ||
                    word_is(st->text, &w, "suis") || word_is(st->text, &w, "you")) {
                    look = 4;
                    from = prev_s;
                }
            }
        }
        if (look) {
            size_t done;
            if ((rc = walk(st, em, from, look == 1 ? 6 : (size_t)look, 1, &done))) return rc;
            if (done > i) i = done;
        }
        prev2_s = prev_s;
        prev_s = s;
    }
    return 0;
}

/* A message's last line that is only a name, as e-mails and letters are
 * signed ("...\nPetra Lehmann", "...\n\nJ. Smith"): one to three words
 * written as a name, the first a given name that is no everyday word. */
static int signature_line(const scan_state *st, cv_emit *em)
{
    const unsigned char *p = (const unsigned char *)st->text;
    size_t e = st->len;
    while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\n' || p[e - 1] == '\r' || p[e - 1] == '.' || p[e - 1] == '\t'))
        e--;
    /* a line of its own, after another, at most 48 bytes: the last line
     * break in the text's last 49 bytes (memchr: most texts have none) */
    size_t lo = e > 49 ? e - 49 : 0;
    const unsigned char *q = memchr(p + lo, '\n', e - lo), *r;
    if (!q || q == p + e - 1) return 0;
    while ((r = memchr(q + 1, '\n', (size_t)(p + e - (q + 1))))) q = r;
    size_t b = (size_t)(q - p) + 1;
    if (b >= e) return 0;
    size_t at = b, s, ne, words = 0;
    word w;
    while (at < e && next_word(st->text, e, &at, &w)) {
        if (++words > 3 || !w.alpha || (w.shape != SH_CAP && !is_initial(&w)) || (w.sep & ~(unsigned)SEP_STOP))
            return 0;
    }
    if (words == 0) return 0;
    at = b;
    scan_state line = { st->text, e, st->mode };
    if (!parse_name(&line, &at, ~0u, LV_MARK, &s, &ne) || ne != e) return 0;
    return emit_name(st, em, s, ne);
}

static int scan(const cv_detect_opts *o, const char *text, size_t len, const cv_text_facts *f, cv_emit *em)
{
    (void)o;
    (void)f;
    /* a name needs a context or a second part: one word alone is none */
    if (len < 4 || (!memchr(text, ' ', len) && !memchr(text, '\n', len))) return 0;
    const unsigned char *p = (const unsigned char *)text;
    uint64_t up = 0, low = 0;
    size_t i = 0;
    for (; i + 8 <= len && !(up && low); i += 8) {   /* mixed texts leave at once */
        uint64_t x;
        memcpy(&x, p + i, 8);
        up |= has_between(x, 'A' - 1, 'Z' + 1);
        low |= has_between(x, 'a' - 1, 'z' + 1);
    }
    for (; i < len && !(up && low); i++) {
        up |= (unsigned)(p[i] - 'A') < 26u;
        low |= (unsigned)(p[i] - 'a') < 26u;
    }
    if (!up && !low) return 0;
    scan_state st = { text, len, !up ? MODE_LOWER : !low ? MODE_UPPER : MODE_MIXED };
    int rc = st.mode == MODE_MIXED ? scan_mixed(&st, em) : scan_plain(&st, em);
    if (rc == 0 && st.mode == MODE_MIXED) rc = signature_line(&st, em);
    return rc;
}

const cv_detector_type cvi_detector_person = {
    .name = "person",
    .entity = CV_ENT_PERSON,
    .priority = 1,
    .scan = scan,
};
