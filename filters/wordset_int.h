/*
 * wordset_int.h - what the word-set builder (wordset_build.c) and the scan
 * (wordset.c) share: the compiled set's layout, the builder's state, and
 * the trie and first-word-filter helpers both call (static inline: the
 * scan calls them per byte). Private to filters/wordset*.c.
 */
#ifndef CV_WORDSET_INT_H
#define CV_WORDSET_INT_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "filters.h"
#include "fold_utf8.h"

#define NONE 0xFFFFFFFFu
#define DENSE_MIN 1024      /* sets with fewer states (a record's names) use no dense tables */
#define WORDS_MIN 256       /* sets with fewer entries (a record's names) use no first-word filter */
#define WORDS_BITS 12       /* filter bits per entry, at least (rounded up to a power of two) */
#define START_MAX 8         /* the prefilter tests this many first bytes at most */
#define FLAT_MAX 16         /* sets of at most this many entries (a record's names) may be flat */
#define FLAT_TERMS 8        /* a flat set's prefilter tests this many first-letter pairs at most */
#define FLAT_LEN 64         /* and folded keys of at most this many bytes */
#define FLAT_END 0xF8u      /* past a flat key's end: a byte no folded text holds (no UTF-8 byte F5-FD) */
#define TAIL_END FLAT_END   /* after a tail's bytes */
#define TAIL_BIT 0x80000000u    /* on an edge's target (edge_to): a tail state */
#define TAIL_MIN_DEPTH 3    /* no tail state nearer the root: the root's, the marker's children are states */

/* The scan's action at a byte: skip a non-word character; a word character
 * no entry begins with; one an entry may begin with; a punctuation
 * character an entry may begin with; a non-ASCII byte (decode it). */
enum { A_SKIP = 0, A_WORD, A_WORD_START, A_OTHER_START, A_HIGH };

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
    uint32_t *term;         /* per state: index into ents, or NONE; a tail state's: its key's */
    /* Tail states (see wordset.c): a state with one key below it holds the
     * rest of that key's bytes, from tails[tail_at[state]] to a TAIL_END,
     * instead of a state per byte; edges to it carry TAIL_BIT. */
    uint32_t *tail_at;      /* per state: 0, or where its tail begins */
    uint8_t *tails;         /* tails[0] unused: 0 in tail_at is none */
    uint32_t ntails, cap_tails;
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
    uint8_t startv[START_MAX][16];   /* start[k] in each of 16 bytes: the SIMD compare's operands */
    /* Flat sets (flat = 1; see flat_plan in wordset_build.c): no trie; the
     * folded keys in id order (ents[k] is key k), transposed: byte d of
     * key k in flat_col[d][k], FLAT_END past a key's end and for keys
     * k >= nents, so that one SIMD compare steps every key at once. Their
     * prefilter: the keys' first two folded letters (after the marker),
     * ASCII only, as pairs (flat_pair[k]: the first in bytes 0-15, the
     * second in 16-31) or as a first letter alone when the second is not
     * an ASCII letter or digit (flat_one[k]); flat_head: bit set of those
     * first letters. */
    uint8_t flat, nflat_pair, nflat_one;
    uint8_t (*flat_col)[FLAT_MAX];
    uint32_t cap_flat;      /* columns */
    uint8_t flat_head[32];
    uint8_t flat_pair[FLAT_TERMS][32];
    uint8_t flat_one[FLAT_TERMS][16];
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
    uint32_t *parent;           /* per trie node */
    uint8_t *byte;              /* per trie node: the byte of its edge */
    size_t capnodes, capbyte;   /* of parent; of byte */
    uint32_t *path;
    size_t cappath;
};

/* The first-word filter's hash of a word's folded bytes: 8 at a time, as
 * a little-endian 64-bit chunk (the last zero-padded), so that the scan
 * hashes a word of up to 16 bytes from one SIMD load; then the length. */
#define WORD_MUL 0x100000001B3ull
static inline uint64_t word_hash_add(uint64_t h, uint64_t chunk) { return (h ^ chunk) * WORD_MUL; }
static inline uint64_t word_hash_end(uint64_t h, size_t n)
{
    h ^= n;
    h ^= h >> 32;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ h >> 29;
}
/* Bytes w[0..n) (n <= 8) as a little-endian chunk. */
static inline uint64_t le_bytes(const unsigned char *w, size_t n)
{
    uint64_t c = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n == 8) {
        memcpy(&c, w, 8);   /* one load */
        return c;
    }
#endif
    for (size_t k = 0; k < n; k++) c |= (uint64_t)w[k] << (8 * k);
    return c;
}
/* The hash of word w[0..n), each byte |low: a folded key's word (low 0)
 * or an ASCII word of the text, lower-cased (low 0x2020...: its letters
 * and digits to the folded form). */
static inline uint64_t word_hash(const unsigned char *w, size_t n, uint64_t low)
{
    uint64_t h = 0;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) h = word_hash_add(h, le_bytes(w + j, 8) | low);
    if (j < n) h = word_hash_add(h, (le_bytes(w + j, n - j) | low) & (~0ull >> (64 - 8 * (n - j))));
    return word_hash_end(h, n);
}
#define WORD_LOW 0x2020202020202020ull
/* The block's two bits for finished hash h (block: h's low bits). */
static inline uint64_t word_bits(uint64_t h) { return 1ull << (h >> 52 & 63) | 1ull << (h >> 58); }

static inline unsigned pair_hash(unsigned b0, unsigned b1) { return (b0 * 31 + b1) & 255; }

#if defined(__SSE2__)
/* Bit k set if b[k] is an ASCII letter or digit (x - lo < n unsigned, as
 * signed compares after flipping bit 7). */
static inline __m128i ascii_word(__m128i b)
{
    const __m128i k20 = _mm_set1_epi8(0x20), k80 = _mm_set1_epi8((char)0x80);
    const __m128i lim26 = _mm_set1_epi8((char)(26 ^ 0x80)), lim10 = _mm_set1_epi8((char)(10 ^ 0x80));
    __m128i l = _mm_xor_si128(_mm_sub_epi8(_mm_or_si128(b, k20), _mm_set1_epi8('a')), k80);
    __m128i d = _mm_xor_si128(_mm_sub_epi8(b, _mm_set1_epi8('0')), k80);
    return _mm_or_si128(_mm_cmplt_epi8(l, lim26), _mm_cmplt_epi8(d, lim10));
}
#endif

/* Copy n bytes (1 to 17) with fixed-size moves: no call, few branches. */
static inline void copy_short(unsigned char *t, const unsigned char *p, size_t n)
{
    if (n >= 8) {
        memcpy(t, p, 8);
        memcpy(t + n / 2 - 4, p + n / 2 - 4, 8);
        memcpy(t + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(t, p, 4);
        memcpy(t + n - 4, p + n - 4, 4);
    } else {
        t[0] = p[0];
        t[n / 2] = p[n / 2];
        t[n - 1] = p[n - 1];
    }
}

#if defined(__SSE2__)
/* p[0..n) (n >= 1) as 16 bytes, 0 after the n-th: one load, or a copy
 * near the end of the text. */
static inline __m128i load_upto16(const unsigned char *p, size_t n)
{
    if (n >= 16) return _mm_loadu_si128((const __m128i *)p);
    unsigned char t[16] = { 0 };
    copy_short(t, p, n);
    return _mm_loadu_si128((const __m128i *)t);
}
#endif

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

#endif
