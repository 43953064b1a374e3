/*
 * wordset.c - multi-pattern word matcher (wordset.h): a byte trie over the
 * entries' folded forms, walked from each place a match may begin. This
 * file is the scan; the builder and the trie's construction are in
 * wordset_build.c, the character folding in fold_utf8.h, the shared layout
 * in wordset_int.h.
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
 * Small sets (a record's names: at most FLAT_MAX entries, each beginning
 * with a word) are flat instead: no trie, the folded keys side by side in
 * 16-byte columns, so the same walk steps every key still alive with one
 * SIMD compare; their prefilter tests 16 bytes at a time for word starts
 * whose first two letters begin a key, and goes on after each candidate.
 * They cost a few hundred instructions to build, against thousands for a
 * trie, and one is built per record.
 *
 * Layout after build: states in depth-first order, each state's edges
 * contiguous and sorted by byte (edge_first[s] .. edge_first[s + 1]), dense
 * 256-entry tables for the root and the word-start state in large sets.
 * Below the first state that only one key passes through (a tail state),
 * the rest of that key is bytes, not states: the walk compares them in
 * turn. In a list of names most of each key is its tail (of 100,000
 * two-word names, 1.5 million states become 128,000), which is what
 * makes a large set quick to build and small. Memory: 17 bytes per trie
 * state (edge offset, terminal, tail offset, one 5-byte edge), 12 per
 * entry, and its tail's bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "wordset_int.h"

/* ---- matching ------------------------------------------------------------ */

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

/* Where a walk is: a trie state st, and if it is a tail state (d > 0)
 * the next of its tail's bytes, tails[d]; or in a flat set the keys (bit
 * k: key k) whose first d bytes are the folded text's so far. */
typedef struct wpos {
    uint32_t st, d;
} wpos;

/* The keys of alive whose byte d is b. */
static inline uint32_t flat_step(const cv_wordset *s, uint32_t alive, uint32_t d, unsigned b)
{
#if defined(__SSE2__)
    __m128i col = _mm_loadu_si128((const __m128i *)s->flat_col[d]);
    return alive & (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(col, _mm_set1_epi8((char)b)));
#else
    uint32_t out = 0;
    for (unsigned k = 0; k < FLAT_MAX; k++) out |= (uint32_t)(s->flat_col[d][k] == b) << k;
    return alive & out;
#endif
}

/* Move the walk to x, a state or edge target (TAIL_BIT: a tail state,
 * whose first tail byte comes next); 0 if x is NONE. */
static inline int enter(const cv_wordset *s, wpos *w, uint32_t x)
{
    if (x == NONE) return 0;
    w->st = x & ~TAIL_BIT;
    w->d = x & TAIL_BIT ? s->tail_at[w->st] : 0;
    return 1;
}

/* Step a trie walk by folded byte b: 0 if no entry goes on. */
static inline int tstep(const cv_wordset *s, wpos *w, unsigned b)
{
    if (w->d) {
        if (s->tails[w->d] != b) return 0;     /* never TAIL_END: no folded byte is */
        w->d++;
        return 1;
    }
    return enter(s, w, step(s, w->st, b));
}

/* Step the walk by folded byte b: 0 if no entry goes on. flat is a
 * constant at each call (walk is inlined into one scan per layout). */
static inline int wstep(const cv_wordset *s, int flat, wpos *w, unsigned b)
{
    if (flat) return (w->st = flat_step(s, w->st, w->d++, b)) != 0;
    return tstep(s, w, b);
}

/* The first key that ends here, or NONE (flat: keys are in id order). */
static inline uint32_t wterm(const cv_wordset *s, int flat, const wpos *w)
{
    if (!flat) return w->d && s->tails[w->d] != TAIL_END ? NONE : s->term[w->st];
    uint32_t m = flat_step(s, w->st, w->d, FLAT_END);
    return m ? (uint32_t)__builtin_ctz(m) : NONE;
}

/* The first entry of key x, or of a later one that ends here, whose flags
 * the text satisfies (t0: the text's first character): the trie's entries
 * of one key follow each other (more); a flat set's keys that end here are
 * those of w->st. Out of line: rare, and walk calls it from five places. */
static __attribute__((noinline)) void accept(const cv_wordset *s, int flat, const wpos *w, uint32_t x, uint32_t t0,
                                             uint32_t end, int last, best *bm)
{
    for (;;) {
        const ws_ent *e = &s->ents[x];
        if (!(e->flags & CV_WS_CAPITALISED) || t0 == e->first_cp || is_upper(t0)) {
            bm->end = end;
            bm->id = e->id;
            bm->last = last;
            return;
        }
        if (!flat) {
            if (!e->more) return;
            x++;
            continue;
        }
        wpos later = { w->st & ~((2u << x) - 1), w->d };
        if ((x = wterm(s, flat, &later)) == NONE) return;
    }
}

static inline void waccept(const cv_wordset *s, int flat, const wpos *w, uint32_t t0, uint32_t end, int last, best *bm)
{
    uint32_t x = wterm(s, flat, w);
    if (x != NONE) accept(s, flat, w, x, t0, end, last, bm);
}

/* Continue the walk begun at a match's first character t0: it is at w
 * after the characters before q, the last of class prev. The longest
 * accepted match, if any, goes to *bm. */
static inline __attribute__((always_inline)) int walk(const cv_wordset *s, int flat, const unsigned char *p, size_t n,
                                                     size_t q, wpos w, int prev, uint32_t t0, best *bm)
{
    unsigned char o[8];
    for (;;) {
        if (q == n) {
            if (prev == C_WORD && wstep(s, flat, &w, MARK)) waccept(s, flat, &w, t0, (uint32_t)q, prev, bm);
            break;
        }
        unsigned a = p[q];
        if (a < 0x80) {
            /* ASCII: one folded byte, and a marker at a word's edge */
            int cls = ascii_class[a];
            if (cls == C_WORD) {
                if (prev != C_WORD && !wstep(s, flat, &w, MARK)) break;
                if (!wstep(s, flat, &w, ascii_lower(a))) break;
            } else {
                if (prev == C_WORD) {
                    if (!wstep(s, flat, &w, MARK)) break;
                    waccept(s, flat, &w, t0, (uint32_t)q, C_WORD, bm);
                }
                if (cls == C_OTHER || prev != C_SPACE) {
                    if (!wstep(s, flat, &w, cls == C_SPACE ? ' ' : a)) break;
                    waccept(s, flat, &w, t0, (uint32_t)q + 1, cls, bm);
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
            if (!wstep(s, flat, &w, o[j])) return bm->end != NONE;
            if (j + 1 == close) waccept(s, flat, &w, t0, (uint32_t)q, prev, bm);
        }
        if (k > close) waccept(s, flat, &w, t0, (uint32_t)(q + l), cls, bm);
        prev = cls;
        q += l;
    }
    return bm->end != NONE;
}

static inline int has_bit(const uint8_t *set, unsigned b) { return set[b >> 3] >> (b & 7) & 1; }


/* The end of the ASCII word that begins at p[i] (i < len) and its
 * word_hash: from one 16-byte load for a word of up to 15 bytes (no loop,
 * no branch per byte). */
static inline size_t ascii_word_hash(const unsigned char *p, size_t len, size_t i, uint64_t *h)
{
#if defined(__SSE2__)
    {
        __m128i v = load_upto16(p + i, len - i);     /* 0 past the text: ends the word */
        unsigned run = ~(unsigned)_mm_movemask_epi8(ascii_word(v)) & 0xFFFF;
        if (run) {
            unsigned n = (unsigned)__builtin_ctz(run);
            const __m128i idx = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            /* letters and digits lower-cased by |0x20, the bytes after the word 0 */
            __m128i w = _mm_and_si128(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_cmplt_epi8(idx, _mm_set1_epi8((char)n)));
            uint64_t c[2];
            _mm_storeu_si128((__m128i *)c, w);
            uint64_t x = word_hash_add(0, c[0]);
            if (n > 8) x = word_hash_add(x, c[1]);
            *h = word_hash_end(x, n);
            return i + n;
        }
    }
#endif
    size_t j = i;
    while (j < len && ascii_class[p[j]] == C_WORD) j++;
    *h = word_hash(p + i, j - i, WORD_LOW);
    return j;
}

/* At the word that begins at *pi (an ASCII letter or digit): 1 if an entry
 * may begin with it (the first-word filter holds it, or it goes on past
 * its ASCII run); else 0 with *pi after the word. */
static int word_known(const cv_wordset *s, const unsigned char *p, size_t len, size_t *pi)
{
    uint64_t h;
    size_t j = ascii_word_hash(p, len, *pi, &h);
    if (j < len && p[j] >= 0x80) {
        uint32_t c;
        (void)decode(p + j, len - j, &c);
        if (cp_class(c) == C_WORD) return 1;   /* the word goes on: the walk decodes it */
    }
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

/* Where the scan may resume before a non-ASCII byte at u (the prefilter
 * found no walk start before it): the start of the ASCII word that runs up
 * to u, the byte before it being ASCII and not a word character (so the
 * scan reaches it with prev = C_OTHER), or 0. */
static size_t before_non_ascii(const unsigned char *p, size_t u)
{
    while (u > 0 && p[u - 1] < 0x80 && ascii_class[p[u - 1]] == C_WORD) u--;
    return u > 0 && p[u - 1] < 0x80 ? u : 0;
}

#if defined(__SSE2__)
/* The bytes of b[1..17) at which a walk may begin, as judged by SIMD (b[0]
 * is the byte before b[1]): bit k for b[1 + k]; *na gets the bit mask of
 * non-ASCII bytes. */
static inline unsigned block_hits(const cv_wordset *s, const unsigned char *b, unsigned *na)
{
    const __m128i k20 = _mm_set1_epi8(0x20);
    __m128i v = _mm_loadu_si128((const __m128i *)(b + 1));
    __m128i pv = _mm_loadu_si128((const __m128i *)b);
    *na = (unsigned)_mm_movemask_epi8(v);
    /* bytes (lower-cased) that may begin an entry: a superset (|0x20
     * also maps some control bytes onto digits), judged exactly after */
    __m128i lv = _mm_or_si128(v, k20), hit = _mm_setzero_si128();
    for (unsigned k = 0; k < s->nstart; k++)
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(lv, _mm_loadu_si128((const __m128i *)s->startv[k])));
    /* but not after a word character: an ASCII letter or digit */
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(ascii_word(pv), hit));
}
#endif

/*
 * The prefilter (most texts hold none of a record's names): the offset of
 * the first byte at which the scan would begin a walk, len if there is
 * none; at a non-ASCII byte (which the scan decodes) the start of the word
 * before it (before_non_ascii). It is exact because, with no A_OTHER_START
 * byte in the set (build ensures it), the scan begins walks in ASCII text
 * only at A_WORD_START bytes after a non-word byte whose first two folded
 * bytes pass the pair set; every byte before the offset returned is
 * skipped, and the scan resumes there with prev = C_OTHER, as it would have
 * reached it (the byte before is ASCII and not a word character, so
 * A_SKIP).
 */
static size_t first_start(const cv_wordset *s, const unsigned char *p, size_t len)
{
    if (len == 0 || p[0] >= 0x80 || (s->act[p[0]] == A_WORD_START && word_start_at(s, p, len, 0))) return 0;
    size_t i = 1;
#if defined(__SSE2__)
    /* 16 bytes a step; the last partial block overlaps the one before it,
     * its bytes already judged masked off; shorter texts go byte by byte */
    while (len >= 17 && i < len) {
        const unsigned char *b = p + i - 1;
        unsigned keep = 0xFFFF;
        if (len - i < 16) {
            b = p + len - 17;
            keep = 0xFFFFu << (16 - (len - i)) & 0xFFFF;
            i = len - 16;
        }
        unsigned na, m = block_hits(s, b, &na) & keep;
        na &= keep;
        if (na) m &= (1u << __builtin_ctz(na)) - 1;   /* hits before the first non-ASCII byte */
        for (; m; m &= m - 1) {
            size_t j = i + (size_t)__builtin_ctz(m);
            if (s->act[p[j]] == A_WORD_START && word_start_at(s, p, len, j)) return j;
        }
        if (na) return before_non_ascii(p, i + (size_t)__builtin_ctz(na));
        i += 16;
    }
#endif
    for (; i < len; i++) {
        unsigned a = p[i];
        if (a >= 0x80) return before_non_ascii(p, i);
        if (s->act[a] == A_WORD_START && ascii_class[p[i - 1]] != C_WORD && word_start_at(s, p, len, i)) return i;
    }
    return len;
}

/* ---- flat sets ----------------------------------------------------------- */

#if defined(__SSE2__)
/* The bytes v (pv: the byte before each, v2: the byte after) at which a
 * flat set's walk may begin: a word start (the byte before is not an ASCII
 * letter or digit) whose byte and the next, ASCII lower-cased, are one of
 * the prefilter's pairs or its byte a first letter alone. A superset (|0x20
 * also maps some control bytes onto digits), judged exactly after; a next
 * byte that is not ASCII (it may fold to a letter: "ſ", "İ") is left to
 * flat_next. Bit k for byte k; *na gets the mask of non-ASCII bytes. */
static inline unsigned flat_hits(const cv_wordset *s, __m128i pv, __m128i v, __m128i v2, unsigned *na)
{
    const __m128i k20 = _mm_set1_epi8(0x20);
    *na = (unsigned)_mm_movemask_epi8(v);
    __m128i lv = _mm_or_si128(v, k20), lv2 = _mm_or_si128(v2, k20), hit = _mm_setzero_si128();
    /* pairs two at a time (build pads their number to even) */
    for (unsigned k = 0; k < s->nflat_pair; k += 2) {
        const __m128i *a = (const __m128i *)s->flat_pair[k], *b = (const __m128i *)s->flat_pair[k + 1];
        __m128i x = _mm_and_si128(_mm_cmpeq_epi8(lv, _mm_loadu_si128(a)), _mm_cmpeq_epi8(lv2, _mm_loadu_si128(a + 1)));
        __m128i y = _mm_and_si128(_mm_cmpeq_epi8(lv, _mm_loadu_si128(b)), _mm_cmpeq_epi8(lv2, _mm_loadu_si128(b + 1)));
        hit = _mm_or_si128(hit, _mm_or_si128(x, y));
    }
    for (unsigned k = 0; k < s->nflat_one; k++)
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(lv, _mm_loadu_si128((const __m128i *)s->flat_one[k])));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(ascii_word(pv), hit));
}
#endif

/*
 * The flat scan's prefilter: the first offset from i at which a match may
 * begin (prev: the class of the character before i), or the first
 * non-ASCII byte, whichever comes first; len if neither. Every flat key
 * begins with a word, and a word that begins with an ASCII byte folds to
 * its lower case, then to the next character's folding: so no match
 * begins at an ASCII byte the SIMD test turns away. The bytes skipped are
 * ASCII, so the scan knows the class before the offset returned.
 */
static size_t flat_next(const cv_wordset *s, const unsigned char *p, size_t len, size_t i, int prev)
{
    if (i >= len || p[i] >= 0x80 || (prev != C_WORD && has_bit(s->flat_head, ascii_lower(p[i])))) return i;
    size_t i0 = ++i;    /* the first byte the SIMD test judges */
#if defined(__SSE2__)
    while (i < len) {
        unsigned na, m, keep = 0xFFFF;
        if (len - i >= 17) {
            m = flat_hits(s, _mm_loadu_si128((const __m128i *)(p + i - 1)), _mm_loadu_si128((const __m128i *)(p + i)),
                          _mm_loadu_si128((const __m128i *)(p + i + 1)), &na);
        } else if (len >= 17) {
            /* the last block ends at the text's: the bytes before i masked
             * off, the byte after the last is none (0, not a letter) */
            __m128i v = _mm_loadu_si128((const __m128i *)(p + len - 16));
            m = flat_hits(s, _mm_loadu_si128((const __m128i *)(p + len - 17)), v, _mm_srli_si128(v, 1), &na);
            keep = 0xFFFFu << (16 - (len - i)) & 0xFFFF;
            i = len - 16;
        } else {
            /* a short text: its bytes from i - 1 in a zeroed block */
            unsigned char t[32] = { 0 };
            copy_short(t, p + i - 1, len - i + 1);
            m = flat_hits(s, _mm_loadu_si128((const __m128i *)t), _mm_loadu_si128((const __m128i *)(t + 1)),
                          _mm_loadu_si128((const __m128i *)(t + 2)), &na);
            keep = (1u << (len - i)) - 1;
        }
        m &= keep;
        na &= keep;
        if (na) m &= (1u << __builtin_ctz(na)) - 1;
        if (m) return i + (size_t)__builtin_ctz(m);
        if (na) {
            /* the first non-ASCII byte, or the ASCII word start before it
             * that flat_hits could not judge (a pair's second letter may
             * be this byte's folding) */
            size_t u = i + (size_t)__builtin_ctz(na);
            int back = u > i0 && ascii_class[p[u - 2]] != C_WORD && has_bit(s->flat_head, ascii_lower(p[u - 1]));
            return u - (size_t)back;
        }
        i += 16;
    }
    return len;
#else
    (void)i0;
    for (; i < len; i++)
        if (p[i] >= 0x80 || (ascii_class[p[i - 1]] != C_WORD && has_bit(s->flat_head, ascii_lower(p[i])))) return i;
    return len;
#endif
}

/* Report the match *bm that begins at *i to cb and go on after it. */
static inline int report(cv_word_cb cb, void *arg, const best *bm, size_t *i, int *prev)
{
    cv_word_match m = { (uint32_t)*i, bm->end, bm->id };
    *i = bm->end;
    *prev = bm->last;
    return cb(arg, &m);
}

/* The scan of a flat set: from each word start the prefilter lets through,
 * the walk as in a trie, over the keys still alive. */
static int scan_flat(const cv_wordset *s, const unsigned char *p, size_t len, cv_word_cb cb, void *arg)
{
    int prev = C_OTHER;
    size_t i = 0, j;
    while ((j = flat_next(s, p, len, i, prev)) < len) {
        if (j > i) prev = ascii_class[p[j - 1]] == C_WORD ? C_WORD : C_OTHER;
        i = j;
        uint32_t c;
        size_t l = decode(p + i, len - i, &c);
        int cls = cp_class(c);
        if (cls == C_WORD && prev != C_WORD) {
            unsigned char o[8];
            size_t close, k = fold_char(C_OTHER, C_WORD, c, o, &close);
            wpos w = { (uint32_t)((2ull << (s->nents - 1)) - 1), 0 };
            best bm;
            bm.end = NONE;
            for (size_t q = 0; q < k && w.st; q++) wstep(s, 1, &w, o[q]);
            if (w.st && walk(s, 1, p, len, i + l, w, C_WORD, c, &bm)) {
                int r = report(cb, arg, &bm, &i, &prev);
                if (r) return r;
                continue;
            }
        }
        prev = cls;
        i += l;
    }
    return 0;
}

int cvi_wordset_scan(const cv_wordset *s, const char *text, size_t len, cv_word_cb cb, void *arg)
{
    if (len > UINT32_MAX) return CV_EINPUT;
    if (!s->nents) return 0;
    const unsigned char *p = (const unsigned char *)text;
    if (s->flat) return scan_flat(s, p, len, cb, arg);
    const uint8_t *act = s->act;
    int prev = C_OTHER;
    size_t i = s->nstart ? first_start(s, p, len) : 0;
    while (i < len) {
        unsigned a = p[i];
        uint32_t c = a;
        wpos w = { 0, 0 };
        int at = 0;     /* the first character is in the trie: the walk is at w */
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
                    at = enter(s, &w, step(s, s->mark_state, la));
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
            at = enter(s, &w, step(s, 0, a));
            cls = C_OTHER;
            break;
        default:
            l = decode(p + i, len - i, &c);
            cls = cp_class(c);
            if (cls == C_OTHER || (cls == C_WORD && prev != C_WORD)) {
                unsigned char o[8];
                size_t close, k = fold_char(C_OTHER, cls, c, o, &close);
                at = 1;
                for (size_t j = 0; j < k && at; j++) at = tstep(s, &w, o[j]);
            }
        }
        if (at) {
            /* walk on from the next character */
            best bm;
            bm.end = NONE;
            if (cls != C_WORD) waccept(s, 0, &w, c, (uint32_t)(i + l), cls, &bm);
            if (walk(s, 0, p, len, i + l, w, cls, c, &bm)) {
                int r = report(cb, arg, &bm, &i, &prev);
                if (r) return r;
                continue;
            }
        }
        prev = cls;
        i += l;
    }
    return 0;
}
