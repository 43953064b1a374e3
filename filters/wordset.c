/*
 * wordset.c - multi-pattern word matcher (wordset.h): a byte trie over the
 * entries' folded forms, walked from each place a match may begin.
 *
 * Text and entries are folded by one function, a character at a time:
 * letters to lower case, a whitespace run to one ' ', an invalid byte to
 * 0xFE, and a marker byte 0xFF (never in UTF-8) at each boundary between a
 * word character and a non-word one, so "Jean-Luc  O'Brien" folds to
 * "|jean|-|luc| |o|'|brien|". Entries keep their markers, so word
 * boundaries are part of the key: the trie cannot match "|sam|" in
 * "|samantha|". A match can begin only at a word's first character or at a
 * punctuation character; the walk from there goes as deep as the trie
 * follows the text and keeps the longest accepted entry (leftmost-longest),
 * then the scan resumes after it. The text is decoded once by the scan;
 * a walk re-reads at most the longest entry's length, in practice the word
 * it starts at. No failure links (Aho-Corasick) needed: they buy nothing
 * for entries anchored at word starts except on adversarial lists.
 *
 * Large sets (WORDS_MIN entries and more) also keep a Bloom filter of their
 * entries' folded first words (one 64-bit block per word, two bits in it):
 * at a word start, the scan hashes the word's ASCII run while skipping it
 * and walks the trie only if the filter holds the word. A set of 100,000
 * names starts a walk at nearly every text word otherwise (all first-letter
 * pairs occur), and each walk takes 3-4 cache misses in the trie.
 *
 * Layout after build: states in depth-first order, each state's edges
 * contiguous and sorted by byte (edge_first[s] .. edge_first[s + 1]), dense
 * 256-entry tables for the root and the word-start state in large sets.
 * Memory: 13 bytes per trie state (edge offset, terminal, one 5-byte edge)
 * plus 12 per entry; a state per folded key byte that no earlier key shares.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filters.h"

#define NONE 0xFFFFFFFFu
#define MARK 0xFFu          /* word boundary */
#define INVALID_BYTE 0xFEu  /* a byte that is not valid UTF-8 */
#define CP_INVALID 0x110000u
#define DENSE_MIN 1024      /* sets with fewer states (a record's names) use no dense tables */
#define WORDS_MIN 256       /* sets with fewer entries (a record's names) use no first-word filter */
#define WORDS_BITS 12       /* filter bits per entry, at least (rounded up to a power of two) */
#define START_MAX 8         /* the prefilter tests this many first bytes at most */

enum { C_OTHER = 0, C_WORD = 1, C_SPACE = 2 };

/* The scan's action at a byte: skip a non-word character; a word character
 * no entry begins with; one an entry may begin with; a punctuation
 * character an entry may begin with; a non-ASCII byte (decode it). */
enum { A_SKIP = 0, A_WORD, A_WORD_START, A_OTHER_START, A_HIGH };
_Static_assert(A_SKIP == 0 && A_WORD == 1 && A_HIGH == 4, "act_base is written with these values");

typedef struct ws_ent {
    uint32_t id;
    uint32_t first_cp;      /* the entry's first character, as written */
    uint8_t flags;
    uint8_t more;           /* the next entry has the same key */
} ws_ent;

struct cv_wordset {
    uint32_t nstates, nedges, nents;
    uint32_t cap_states, cap_edges, cap_ents;
    uint32_t *edge_first;   /* nstates + 1 */
    uint8_t *edge_byte;
    uint32_t *edge_to;
    uint32_t *term;         /* per state: index into ents, or NONE */
    ws_ent *ents;           /* sorted by key, then id */
    uint32_t mark_state;    /* the root's child by MARK, or NONE */
    uint8_t act[256];       /* per text byte, what the scan does there (A_*) */
    uint8_t pair[32];       /* bit set, hashed: a word's first two folded bytes (the second may be MARK) */
    uint32_t *dense;        /* NULL, or 2 x 256: children of the root, then of mark_state */
    uint64_t *words;        /* NULL, or the first-word filter: words_mask + 1 blocks */
    uint32_t words_mask, cap_words;
    /* The prefilter (first_start): the distinct bytes, ASCII lower-cased,
     * that an entry's first word may begin with; nstart = 0: no prefilter
     * (more than START_MAX of them, or an entry that begins at an ASCII
     * punctuation character). */
    uint8_t nstart;
    uint8_t start[START_MAX];
};

typedef struct b_ent {
    uint32_t off, len;      /* folded key in the arena */
    uint32_t first_cp;
    uint8_t flags;
} b_ent;

typedef struct s_key {
    const unsigned char *k;
    uint32_t len, id;
} s_key;

struct cv_wordset_builder {
    unsigned char *arena;
    size_t narena, caparena;
    b_ent *e;
    size_t ne, cape;
    /* build scratch, kept for the next build */
    s_key *keys;
    size_t capkeys;
    uint32_t *first_child, *next_sib, *term;
    uint8_t *byte;
    size_t capnodes, capaux;    /* of first_child; of next_sib, term, byte */
    uint32_t *path;
    size_t cappath;
};

/* ---- characters ---------------------------------------------------------- */

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

/* The scan's actions before any entry is known: letters and digits A_WORD,
 * non-ASCII bytes A_HIGH, the rest A_SKIP. */
static const uint8_t act_base[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    [0x80] = R16(4), R16(4), R16(4), R16(4), R16(4), R16(4), R16(4), R16(4),
#undef R16
};

/* Decode one character of p[0..n) (n >= 1): its length, the code point in
 * *cp (CP_INVALID for a byte that does not start a valid sequence: length 1). */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
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
static int cp_class(uint32_t c)
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
static uint32_t lower_cp(uint32_t c, int *upper)
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

static size_t put_utf8(uint32_t c, unsigned char *o)
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
static size_t fold_char(int prev, int cls, uint32_t c, unsigned char *o, size_t *close)
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

static int is_upper(uint32_t c)
{
    int up;
    if (c == 0x1E9E) return 1;
    (void)lower_cp(c, &up);
    return up;
}

/* ---- builder ------------------------------------------------------------- */

cv_wordset_builder *cvi_wordset_builder_create(void)
{
    return calloc(1, sizeof(cv_wordset_builder));
}

void cvi_wordset_builder_free(cv_wordset_builder *b)
{
    if (!b) return;
    free(b->arena);
    free(b->e);
    free(b->keys);
    free(b->first_child);
    free(b->next_sib);
    free(b->term);
    free(b->byte);
    free(b->path);
    free(b);
}

void cvi_wordset_builder_clear(cv_wordset_builder *b)
{
    b->narena = 0;
    b->ne = 0;
}

size_t cvi_wordset_builder_count(const cv_wordset_builder *b) { return b->ne; }

int cvi_wordset_builder_add(cv_wordset_builder *b, const char *word, size_t len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)word;
    size_t i = 0, end = len;
    uint32_t c;
    /* trim whitespace at both ends */
    while (i < end) {
        if (p[i] < 0x80) {
            if (ascii_class[p[i]] != C_SPACE) break;
            i++;
            continue;
        }
        size_t l = decode(p + i, end - i, &c);
        if (cp_class(c) != C_SPACE) break;
        i += l;
    }
    while (end > i) {
        if (p[end - 1] < 0x80) {
            if (ascii_class[p[end - 1]] != C_SPACE) break;
            end--;
            continue;
        }
        size_t s = end - 1;
        while (s > i && (p[s] & 0xC0) == 0x80 && end - s < 4) s--;
        size_t l = decode(p + s, end - s, &c);
        if (s + l != end || cp_class(c) != C_SPACE) break;
        end = s;
    }
    if (i == end) return CV_EINPUT;
    if (b->ne >= INT32_MAX || b->narena > UINT32_MAX - 16 || end - i > (UINT32_MAX - 16 - b->narena) / 3)
        return CV_ENOMEM;
    /* at most 3 folded bytes per input byte ("a.b": |a|.|b|) plus the closing marker */
    if (cvi_grow((void **)&b->arena, &b->caparena, b->narena + 3 * (end - i) + 1, 1)) return CV_ENOMEM;
    if (cvi_grow((void **)&b->e, &b->cape, b->ne + 1, sizeof *b->e)) return CV_ENOMEM;
    b_ent *e = &b->e[b->ne];
    e->off = (uint32_t)b->narena;
    e->flags = (uint8_t)flags;
    unsigned char *o = b->arena + b->narena;
    size_t k = 0, close;
    int prev = C_OTHER;
    e->first_cp = p[i];
    for (size_t q = i; q < end;) {
        unsigned a = p[q];
        if (a < 0x80) {
            /* ASCII: as fold_char does it */
            int cls = ascii_class[a];
            if (cls == C_WORD) {
                if (prev != C_WORD) o[k++] = MARK;
                o[k++] = (unsigned char)ascii_lower(a);
            } else {
                if (prev == C_WORD) o[k++] = MARK;
                if (cls == C_OTHER) o[k++] = (unsigned char)a;
                else if (prev != C_SPACE) o[k++] = ' ';
            }
            prev = cls;
            q++;
            continue;
        }
        size_t l = decode(p + q, end - q, &c);
        if (q == i) e->first_cp = c;
        int cls = cp_class(c);
        k += fold_char(prev, cls, c, o + k, &close);
        prev = cls;
        q += l;
    }
    if (prev == C_WORD) o[k++] = MARK;
    e->len = (uint32_t)k;
    b->narena += k;
    return (int)b->ne++;
}

static int cmp_key(const void *a, const void *b)
{
    const s_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    /* keys differ early: a byte loop beats a memcmp call */
    for (uint32_t i = 0; i < n; i++)
        if (x->k[i] != y->k[i]) return x->k[i] < y->k[i] ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void insertion_sort(s_key *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        s_key t = v[i];
        size_t j = i;
        while (j && cmp_key(&v[j - 1], &t) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

/* Grow the set's arrays to hold ns states, ne edges, nn entries. */
static int set_reserve(cv_wordset *s, size_t ns, size_t ne, size_t nn)
{
    if (ns > s->cap_states) {
        uint32_t *a = realloc(s->edge_first, (ns + 1) * sizeof *a);
        if (!a) return CV_ENOMEM;
        s->edge_first = a;
        uint32_t *t = realloc(s->term, ns * sizeof *t);
        if (!t) return CV_ENOMEM;
        s->term = t;
        s->cap_states = (uint32_t)ns;
    }
    if (ne > s->cap_edges) {
        uint8_t *eb = realloc(s->edge_byte, ne);
        if (!eb) return CV_ENOMEM;
        s->edge_byte = eb;
        uint32_t *et = realloc(s->edge_to, ne * sizeof *et);
        if (!et) return CV_ENOMEM;
        s->edge_to = et;
        s->cap_edges = (uint32_t)ne;
    }
    if (nn > s->cap_ents) {
        ws_ent *en = realloc(s->ents, nn * sizeof *en);
        if (!en) return CV_ENOMEM;
        s->ents = en;
        s->cap_ents = (uint32_t)nn;
    }
    return 0;
}

/* Give back what the build reserved (one state per key byte) beyond what
 * prefix sharing used; small sets (a record's names) keep theirs for the
 * next rebuild. A failed shrink keeps the larger block. */
static void set_shrink(cv_wordset *s)
{
    if (s->cap_states < 4096 || s->cap_states / 4 * 3 < s->nstates) return;
    uint32_t ns = s->nstates, ne = s->nedges ? s->nedges : 1;
    void *q;
    /* a capacity is the smaller of its arrays' sizes: set it as soon as one shrinks */
    if (!(q = realloc(s->edge_first, ((size_t)ns + 1) * sizeof *s->edge_first))) return;
    s->edge_first = q;
    s->cap_states = ns;
    if ((q = realloc(s->term, (size_t)ns * sizeof *s->term))) s->term = q;
    if (!(q = realloc(s->edge_byte, ne))) return;
    s->edge_byte = q;
    s->cap_edges = ne;
    if ((q = realloc(s->edge_to, (size_t)ne * sizeof *s->edge_to))) s->edge_to = q;
}

/* After a failed rebuild: no entries (cvi_wordset_scan finds nothing). */
static void set_empty(cv_wordset *s)
{
    s->nents = 0;
    s->words_mask = 0;
    free(s->dense);
    s->dense = NULL;
}

static inline uint32_t child(const cv_wordset *s, uint32_t st, unsigned b);

/* The first-word filter's hash: fed one folded byte at a time (the scan
 * hashes while it skips a word, so no second pass), finished once. */
#define WORD_MUL 0x100000001B3ull
static inline uint64_t word_hash_add(uint64_t h, unsigned c) { return (h ^ c) * WORD_MUL; }
static inline uint64_t word_hash_end(uint64_t h)
{
    h ^= h >> 32;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ h >> 29;
}
/* The block's two bits for finished hash h (block: h's low bits). */
static inline uint64_t word_bits(uint64_t h) { return 1ull << (h >> 52 & 63) | 1ull << (h >> 58); }

/* Build the first-word filter of the builder's n keys (0 or CV_ENOMEM),
 * in the order they were added (the arena's: sequential reads). Keys that
 * begin with a word hold a marker after it; the others (punctuation first)
 * are not in the filter, as the scan does not consult it for them. */
static int words_build(cv_wordset *s, const cv_wordset_builder *b, size_t n)
{
    size_t nb = 64;
    while (nb * 64 < n * WORDS_BITS) nb *= 2;
    if (nb > s->cap_words) {
        uint64_t *w = realloc(s->words, nb * sizeof *w);
        if (!w) return CV_ENOMEM;
        s->words = w;
        s->cap_words = (uint32_t)nb;
    }
    memset(s->words, 0, nb * sizeof *s->words);
    s->words_mask = (uint32_t)(nb - 1);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *k = b->arena + b->e[i].off;
        uint32_t len = b->e[i].len;
        if (len < 2 || k[0] != MARK) continue;
        uint64_t h = 0;
        for (uint32_t j = 1; j < len && k[j] != MARK; j++) h = word_hash_add(h, k[j]);
        h = word_hash_end(h);
        s->words[h & s->words_mask] |= word_bits(h);
    }
    return 0;
}
static inline unsigned pair_hash(unsigned b0, unsigned b1) { return (b0 * 31 + b1) & 255; }

int cvi_wordset_build(cv_wordset_builder *b, cv_wordset **set)
{
    cv_wordset *s = *set;
    int fresh = s == NULL;
    if (fresh && !(s = calloc(1, sizeof *s))) return CV_ENOMEM;
    int rc = CV_ENOMEM;
    size_t n = b->ne;
    /* sort the keys (ids break ties: duplicates in order of addition) */
    if (cvi_grow((void **)&b->keys, &b->capkeys, n ? n : 1, sizeof *b->keys)) goto out;
    for (size_t i = 0; i < n; i++)
        b->keys[i] = (s_key){ b->arena + b->e[i].off, b->e[i].len, (uint32_t)i };
    if (n <= 16) insertion_sort(b->keys, n);
    else qsort(b->keys, n, sizeof *b->keys, cmp_key);

    /* the trie, from sorted keys: a key shares its path with the previous
     * key up to their common prefix, and its new nodes come after every
     * node made so far, so children are made in increasing byte order */
    size_t maxnodes = 1 + b->narena, maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (b->e[i].len > maxlen) maxlen = b->e[i].len;
    if (maxnodes >= NONE) goto out;
    if (cvi_grow((void **)&b->first_child, &b->capnodes, maxnodes, sizeof(uint32_t))) goto out;
    if (b->capaux < b->capnodes) {
        size_t capn = b->capnodes;
        uint32_t *nfc;
        if (!(nfc = realloc(b->next_sib, capn * sizeof *nfc))) goto out;
        b->next_sib = nfc;
        if (!(nfc = realloc(b->term, capn * sizeof *nfc))) goto out;
        b->term = nfc;
        uint8_t *nb = realloc(b->byte, capn);
        if (!nb) goto out;
        b->byte = nb;
        b->capaux = capn;
    }
    if (cvi_grow((void **)&b->path, &b->cappath, maxlen + 1, sizeof *b->path)) goto out;
    if (set_reserve(s, maxnodes, maxnodes, n ? n : 1)) goto out;

    uint32_t nn = 1;
    b->first_child[0] = b->next_sib[0] = b->term[0] = NONE;
    b->path[0] = 0;
    const s_key *pk = NULL;
    for (size_t i = 0; i < n; i++) {
        const s_key *k = &b->keys[i];
        uint32_t c = 0;
        if (pk)
            while (c < pk->len && c < k->len && pk->k[c] == k->k[c]) c++;
        for (uint32_t d = c; d < k->len; d++) {
            uint32_t parent = b->path[d], x = nn++;
            b->first_child[x] = b->next_sib[x] = b->term[x] = NONE;
            b->byte[x] = k->k[d];
            /* the parent's last child is the previous key's node at d + 1 */
            if (pk && d == c && c < pk->len) b->next_sib[b->path[d + 1]] = x;
            else b->first_child[parent] = x;
            b->path[d + 1] = x;
        }
        uint32_t leaf = b->path[k->len];
        const b_ent *e = &b->e[k->id];
        s->ents[i] = (ws_ent){ k->id, e->first_cp, e->flags, 0 };
        if (b->term[leaf] == NONE) b->term[leaf] = (uint32_t)i;
        else s->ents[i - 1].more = 1;
        pk = k;
    }

    /* freeze: each state's edges contiguous, in byte order */
    uint32_t ne = 0;
    for (uint32_t x = 0; x < nn; x++) {
        s->edge_first[x] = ne;
        s->term[x] = b->term[x];
        for (uint32_t y = b->first_child[x]; y != NONE; y = b->next_sib[y]) {
            s->edge_byte[ne] = b->byte[y];
            s->edge_to[ne++] = y;
        }
    }
    s->edge_first[nn] = ne;
    s->nstates = nn;
    s->nedges = ne;
    s->nents = (uint32_t)n;
    free(s->dense);
    s->dense = NULL;
    s->mark_state = NONE;
    s->mark_state = child(s, 0, MARK);
    s->words_mask = 0;
    if (n >= WORDS_MIN && s->mark_state != NONE && words_build(s, b, n)) goto out;
    memcpy(s->act, act_base, sizeof s->act);
    memset(s->pair, 0, sizeof s->pair);
    for (size_t i = 0; i < n; i++) {
        const s_key *k = &b->keys[i];
        if (k->len >= 3 && k->k[0] == MARK) {
            unsigned h = pair_hash(k->k[1], k->k[2]);
            s->pair[h >> 3] |= (uint8_t)(1u << (h & 7));
        }
    }
    int quick = 1;   /* the prefilter applies (see nstart) */
    for (uint32_t a = s->edge_first[0]; a < s->edge_first[1]; a++) {
        unsigned c = s->edge_byte[a];
        if (c < 0x80) {
            s->act[c] = A_OTHER_START;
            quick = 0;
        }
    }
    s->nstart = 0;
    if (s->mark_state != NONE)
        for (uint32_t a = s->edge_first[s->mark_state]; a < s->edge_first[s->mark_state + 1]; a++) {
            unsigned c = s->edge_byte[a];
            if (c >= 0x80) continue;
            s->act[c] = A_WORD_START;
            if (c >= 'a' && c <= 'z') s->act[c - 32] = A_WORD_START;
            /* a state's edges are distinct: each folded first byte once */
            if (s->nstart < START_MAX) s->start[s->nstart++] = (uint8_t)c;
            else quick = 0;
        }
    if (!quick) s->nstart = 0;
    if (nn >= DENSE_MIN) {
        if (!(s->dense = malloc(2 * 256 * sizeof *s->dense))) goto out;
        memset(s->dense, 0xFF, 2 * 256 * sizeof *s->dense);     /* NONE */
        for (uint32_t a = s->edge_first[0]; a < s->edge_first[1]; a++) s->dense[s->edge_byte[a]] = s->edge_to[a];
        if (s->mark_state != NONE)
            for (uint32_t a = s->edge_first[s->mark_state]; a < s->edge_first[s->mark_state + 1]; a++)
                s->dense[256 + s->edge_byte[a]] = s->edge_to[a];
    }
    set_shrink(s);
    rc = 0;
out:
    if (rc) {
        if (fresh) {
            cvi_wordset_free(s);
            return rc;
        }
        set_empty(s);
        return rc;
    }
    *set = s;
    return 0;
}

void cvi_wordset_free(cv_wordset *s)
{
    if (!s) return;
    free(s->edge_first);
    free(s->edge_byte);
    free(s->edge_to);
    free(s->term);
    free(s->ents);
    free(s->dense);
    free(s->words);
    free(s);
}

size_t cvi_wordset_entries(const cv_wordset *s) { return s->nents; }

size_t cvi_wordset_bytes(const cv_wordset *s)
{
    return sizeof *s + ((size_t)s->cap_states + 1) * 4 + (size_t)s->cap_states * 4 + (size_t)s->cap_edges * 5 +
           (size_t)s->cap_ents * sizeof(ws_ent) + (s->dense ? 2 * 256 * 4 : 0) + (size_t)s->cap_words * 8;
}

/* ---- matching ------------------------------------------------------------ */

static inline uint32_t child(const cv_wordset *s, uint32_t st, unsigned b)
{
    uint32_t a = s->edge_first[st], e = s->edge_first[st + 1];
    if (e - a <= 8) {
        for (; a < e; a++) {
            unsigned x = s->edge_byte[a];
            if (x >= b) return x == b ? s->edge_to[a] : NONE;
        }
        return NONE;
    }
    while (a < e) {
        uint32_t m = a + (e - a) / 2;
        unsigned x = s->edge_byte[m];
        if (x == b) return s->edge_to[m];
        if (x < b) a = m + 1;
        else e = m;
    }
    return NONE;
}

static inline uint32_t step(const cv_wordset *s, uint32_t st, unsigned b)
{
    if (s->dense) {
        if (st == 0) return s->dense[b];
        if (st == s->mark_state) return s->dense[256 + b];
    }
    return child(s, st, b);
}

typedef struct best {
    uint32_t end, id;
    int last;               /* class of the match's last character */
} best;

/* The first entry of terminal state st that the text satisfies (t0: the
 * text's first character). */
static void accept(const cv_wordset *s, uint32_t st, uint32_t t0, uint32_t end, int last, best *bm)
{
    uint32_t x = s->term[st];
    if (x == NONE) return;
    for (;; x++) {
        const ws_ent *e = &s->ents[x];
        if (!(e->flags & CV_WS_CAPITALISED) || t0 == e->first_cp || is_upper(t0)) {
            bm->end = end;
            bm->id = e->id;
            bm->last = last;
            return;
        }
        if (!e->more) return;
    }
}

/* Continue the walk begun at a match's first character t0: the trie is at
 * state st after the characters before q, the last of class prev. The
 * longest accepted match, if any, goes to *bm. */
static int walk(const cv_wordset *s, const unsigned char *p, size_t n, size_t q, uint32_t st, int prev, uint32_t t0,
                best *bm)
{
    unsigned char o[8];
    for (;;) {
        if (q == n) {
            if (prev == C_WORD && (st = step(s, st, MARK)) != NONE) accept(s, st, t0, (uint32_t)q, prev, bm);
            break;
        }
        unsigned a = p[q];
        if (a < 0x80) {
            /* ASCII: one folded byte, and a marker at a word's edge */
            int cls = ascii_class[a];
            if (cls == C_WORD) {
                if (prev != C_WORD && (st = step(s, st, MARK)) == NONE) break;
                if ((st = step(s, st, ascii_lower(a))) == NONE) break;
            } else {
                if (prev == C_WORD) {
                    if ((st = step(s, st, MARK)) == NONE) break;
                    if (s->term[st] != NONE) accept(s, st, t0, (uint32_t)q, C_WORD, bm);
                }
                if (cls == C_OTHER || prev != C_SPACE) {
                    if ((st = step(s, st, cls == C_SPACE ? ' ' : a)) == NONE) break;
                    if (s->term[st] != NONE) accept(s, st, t0, (uint32_t)q + 1, cls, bm);
                }
            }
            prev = cls;
            q++;
            continue;
        }
        uint32_t c;
        size_t l = decode(p + q, n - q, &c);
        int cls = cp_class(c);
        size_t close, k = fold_char(prev, cls, c, o, &close);
        for (size_t j = 0; j < k; j++) {
            if ((st = step(s, st, o[j])) == NONE) return bm->end != NONE;
            if (j + 1 == close && s->term[st] != NONE) accept(s, st, t0, (uint32_t)q, prev, bm);
        }
        if (k > close && s->term[st] != NONE) accept(s, st, t0, (uint32_t)(q + l), cls, bm);
        prev = cls;
        q += l;
    }
    return bm->end != NONE;
}

static inline int has_bit(const uint8_t *set, unsigned b) { return set[b >> 3] >> (b & 7) & 1; }

/* At the word that begins at *pi (an ASCII letter or digit): 1 if an entry
 * may begin with it (the first-word filter holds it, or it goes on past
 * its ASCII run); else 0 with *pi after the word. */
static int word_known(const cv_wordset *s, const unsigned char *p, size_t len, size_t *pi)
{
    size_t i = *pi, j = i;
    uint64_t h = 0;
    while (j < len && ascii_class[p[j]] == C_WORD) h = word_hash_add(h, ascii_lower(p[j++]));
    if (j < len && p[j] >= 0x80) {
        uint32_t c;
        (void)decode(p + j, len - j, &c);
        if (cp_class(c) == C_WORD) return 1;   /* the word goes on: the walk decodes it */
    }
    h = word_hash_end(h);
    uint64_t bits = word_bits(h);
    if ((s->words[h & s->words_mask] & bits) == bits) return 1;
    *pi = j;
    return 0;
}

/* Would the scan begin a walk at p[i], an A_WORD_START byte after a
 * non-word ASCII byte (or at 0)? The same test as the scan's. */
static inline int word_start_at(const cv_wordset *s, const unsigned char *p, size_t len, size_t i)
{
    unsigned la = ascii_lower(p[i]), b1 = i + 1 < len ? p[i + 1] : MARK;
    if (b1 < 0x80) b1 = ascii_class[b1] == C_WORD ? ascii_lower(b1) : MARK;
    return b1 >= 0x80 || has_bit(s->pair, pair_hash(la, b1));
}

/*
 * The prefilter (most texts hold none of a record's names): the offset of
 * the first byte at which the scan would begin a walk, len if there is
 * none, or 0 when it cannot tell cheaply (a non-ASCII byte). It is exact
 * for ASCII text because, with no A_OTHER_START byte in the set (build
 * ensures it), the scan begins walks only at A_WORD_START bytes after a
 * non-word byte whose first two folded bytes pass the pair set; every byte
 * before the offset returned is skipped, and the scan resumes there with
 * prev = C_OTHER, as it would have reached it (the byte before is ASCII and
 * not a word character, so A_SKIP). 16 bytes a step with SSE2.
 */
static size_t first_start(const cv_wordset *s, const unsigned char *p, size_t len)
{
    if (len == 0 || p[0] >= 0x80 || (s->act[p[0]] == A_WORD_START && word_start_at(s, p, len, 0))) return 0;
    size_t i = 1;
#if defined(__SSE2__)
    const __m128i k20 = _mm_set1_epi8(0x20), k80 = _mm_set1_epi8((char)0x80);
    const __m128i ka = _mm_set1_epi8('a'), k0 = _mm_set1_epi8('0');
    const __m128i lim26 = _mm_set1_epi8((char)(26 ^ 0x80)), lim10 = _mm_set1_epi8((char)(10 ^ 0x80));
    __m128i first[START_MAX];
    for (unsigned k = 0; k < s->nstart; k++) first[k] = _mm_set1_epi8((char)s->start[k]);
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        if (_mm_movemask_epi8(v)) return 0;   /* non-ASCII: the scan decodes it */
        __m128i pv = _mm_loadu_si128((const __m128i *)(p + i - 1));
        /* bytes (lower-cased) that may begin an entry: a superset (|0x20
         * also maps some control bytes onto digits), judged exactly below */
        __m128i lv = _mm_or_si128(v, k20), hit = _mm_setzero_si128();
        for (unsigned k = 0; k < s->nstart; k++) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(lv, first[k]));
        /* the byte before is a word character: an ASCII letter or digit
         * (unsigned x - lo < n, as signed compares after flipping bit 7) */
        __m128i pl = _mm_xor_si128(_mm_sub_epi8(_mm_or_si128(pv, k20), ka), k80);
        __m128i pd = _mm_xor_si128(_mm_sub_epi8(pv, k0), k80);
        __m128i word = _mm_or_si128(_mm_cmplt_epi8(pl, lim26), _mm_cmplt_epi8(pd, lim10));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(word, hit));
        for (; m; m &= m - 1) {
            size_t j = i + (size_t)__builtin_ctz(m);
            if (s->act[p[j]] == A_WORD_START && word_start_at(s, p, len, j)) return j;
        }
    }
#endif
    for (; i < len; i++) {
        unsigned a = p[i];
        if (a >= 0x80) return 0;
        if (s->act[a] == A_WORD_START && ascii_class[p[i - 1]] != C_WORD && word_start_at(s, p, len, i)) return i;
    }
    return len;
}

int cvi_wordset_scan(const cv_wordset *s, const char *text, size_t len, cv_word_cb cb, void *arg)
{
    if (len > UINT32_MAX) return CV_EINPUT;
    if (!s->nents) return 0;
    const unsigned char *p = (const unsigned char *)text;
    const uint8_t *act = s->act;
    int prev = C_OTHER;
    size_t i = s->nstart ? first_start(s, p, len) : 0;
    while (i < len) {
        unsigned a = p[i];
        uint32_t c = a, st = NONE;
        size_t l = 1;
        int cls;
        switch (act[a]) {
        case A_SKIP:
            /* whitespace and punctuation no entry begins with */
            i++;
            while (i < len && act[p[i]] == A_SKIP) i++;
            prev = C_OTHER;
            continue;
        case A_WORD_START:
            if (prev != C_WORD) {
                size_t start = i;
                unsigned la = ascii_lower(a), b1 = i + 1 < len ? p[i + 1] : MARK;
                /* and its second byte (MARK after a one-letter word) */
                if (b1 < 0x80) b1 = ascii_class[b1] == C_WORD ? ascii_lower(b1) : MARK;
                if ((b1 >= 0x80 || has_bit(s->pair, pair_hash(la, b1))) &&
                    (!s->words_mask || word_known(s, p, len, &i))) {
                    st = step(s, s->mark_state, la);
                    cls = C_WORD;
                    break;
                }
                if (i != start) {
                    /* word_known skipped a word no entry begins with */
                    prev = C_WORD;
                    continue;
                }
            }
            /* fall through */
        case A_WORD:
            /* no match begins inside a word: skip its ASCII run */
            i++;
            while (i < len && ascii_class[p[i]] == C_WORD) i++;
            prev = C_WORD;
            continue;
        case A_OTHER_START:
            st = step(s, 0, a);
            cls = C_OTHER;
            break;
        default:
            l = decode(p + i, len - i, &c);
            cls = cp_class(c);
            if (cls == C_OTHER || (cls == C_WORD && prev != C_WORD)) {
                unsigned char o[8];
                size_t close, k = fold_char(C_OTHER, cls, c, o, &close);
                st = 0;
                for (size_t j = 0; j < k && st != NONE; j++) st = step(s, st, o[j]);
            }
        }
        if (st != NONE) {
            /* the first character is in the trie: walk on from the next */
            best bm;
            bm.end = NONE;
            if (cls != C_WORD && s->term[st] != NONE) accept(s, st, c, (uint32_t)(i + l), cls, &bm);
            if (walk(s, p, len, i + l, st, cls, c, &bm)) {
                cv_word_match m = { (uint32_t)i, bm.end, bm.id };
                int r = cb(arg, &m);
                if (r) return r;
                i = bm.end;
                prev = bm.last;
                continue;
            }
        }
        prev = cls;
        i += l;
    }
    return 0;
}
