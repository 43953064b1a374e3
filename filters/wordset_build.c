/*
 * wordset_build.c - the word-set builder and compiler (wordset.h): entries
 * folded into an arena as they are added, then sorted and laid out as the
 * trie, dense root tables, start-byte prefilter and first-word filter that
 * the scan (wordset.c) walks, or for a few entries the flat layout
 * (flat_plan). The layouts are described in wordset.c.
 */
#include <stdlib.h>
#include <string.h>

#include "wordset_int.h"

_Static_assert(A_SKIP == 0 && A_WORD == 1 && A_HIGH == 4, "act_base is written with these values");

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
    free(b->parent);
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
    /* (and 16 bytes of slack for the SIMD store of a word below) */
    if (cvi_grow((void **)&b->arena, &b->caparena, b->narena + 3 * (end - i) + 1 + 16, 1)) return CV_ENOMEM;
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
#if defined(__SSE2__)
                /* the ASCII run of a word (up to 16 bytes) at once, lower-cased by |0x20 */
                __m128i v = load_upto16(p + q, end - q);
                unsigned run = ~(unsigned)_mm_movemask_epi8(ascii_word(v)) & 0xFFFF;
                size_t n = run ? (size_t)__builtin_ctz(run) : 16;
                _mm_storeu_si128((__m128i *)(o + k), _mm_or_si128(v, _mm_set1_epi8(0x20)));
                k += n;
                q += n;
                prev = C_WORD;
                continue;
#else
                o[k++] = (unsigned char)ascii_lower(a);
#endif
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

/* The first 8 bytes of a key, big-endian, zero-padded: keys hold no NUL,
 * so these order as the keys do up to their 8th byte. */
static uint64_t key_prefix(const s_key *k)
{
    uint64_t v = 0;
    if (k->len >= 8) return __builtin_bswap64(le_bytes(k->k, 8));     /* a load and a byte swap */
    for (uint32_t i = 0; i < 8; i++) v = v << 8 | (i < k->len ? k->k[i] : 0);
    return v;
}

/* The length of the common prefix of keys x and y: 8 bytes a step. */
static uint32_t common_prefix(const s_key *x, const s_key *y)
{
    uint32_t m = x->len < y->len ? x->len : y->len, c = 0;
    for (; c + 8 <= m; c += 8) {
        uint64_t d = le_bytes(x->k + c, 8) ^ le_bytes(y->k + c, 8);
        if (d) return c + (uint32_t)__builtin_ctzll(d) / 8;
    }
    while (c < m && x->k[c] == y->k[c]) c++;
    return c;
}

typedef struct pkey {
    uint64_t prefix;
    uint32_t at;
} pkey;

/* Sort v[0..n) as cmp_key does, for long lists (a words_file of 100,000
 * entries): a radix sort of the keys' 8-byte prefixes (stable, a byte a
 * pass), then cmp_key within each run of equal prefixes. 0 or CV_ENOMEM. */
static int sort_keys(s_key *v, size_t n)
{
    pkey *a = malloc(n * sizeof *a), *t = malloc(n * sizeof *t);
    s_key *out = malloc(n * sizeof *out);
    int rc = CV_ENOMEM;
    if (!a || !t || !out) goto done;
    for (size_t i = 0; i < n; i++) a[i] = (pkey){ key_prefix(&v[i]), (uint32_t)i };
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < n; i++) count[(a[i].prefix >> shift & 0xff) + 1]++;
        if (count[(a[0].prefix >> shift & 0xff) + 1] == n) continue;   /* one byte value: nothing moves */
        for (unsigned b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) t[count[a[i].prefix >> shift & 0xff]++] = a[i];
        pkey *x = a;
        a = t;
        t = x;
    }
    for (size_t i = 0; i < n; i++) out[i] = v[a[i].at];
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && a[j].prefix == a[i].prefix; j++) {}
        if (j - i > 16) qsort(out + i, j - i, sizeof *out, cmp_key);
        else if (j - i > 1) insertion_sort(out + i, j - i);
    }
    memcpy(v, out, n * sizeof *v);
    rc = 0;
done:
    free(a);
    free(t);
    free(out);
    return rc;
}

/* Grow the set's arrays to hold ns states, ne edges, nn entries, nt tail
 * bytes. */
static int set_reserve(cv_wordset *s, size_t ns, size_t ne, size_t nn, size_t nt)
{
    if (ns > s->cap_states) {
        uint32_t *a = realloc(s->edge_first, (ns + 1) * sizeof *a);
        if (!a) return CV_ENOMEM;
        s->edge_first = a;
        uint32_t *t = realloc(s->term, ns * sizeof *t);
        if (!t) return CV_ENOMEM;
        s->term = t;
        uint32_t *ta = realloc(s->tail_at, ns * sizeof *ta);
        if (!ta) return CV_ENOMEM;
        s->tail_at = ta;
        s->cap_states = (uint32_t)ns;
    }
    if (nt > s->cap_tails) {
        uint8_t *tb = realloc(s->tails, nt);
        if (!tb) return CV_ENOMEM;
        s->tails = tb;
        s->cap_tails = (uint32_t)nt;
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
 * prefix sharing and tails used; small sets (a record's names) keep theirs
 * for the next rebuild. A failed shrink keeps the larger block. */
static void set_shrink(cv_wordset *s)
{
    if (s->cap_states < 4096 || s->cap_states / 4 * 3 < s->nstates) return;
    uint32_t ns = s->nstates, ne = s->nedges ? s->nedges : 1;
    void *q;
    if (s->cap_tails / 4 * 3 >= s->ntails && (q = realloc(s->tails, s->ntails))) {
        s->tails = q;
        s->cap_tails = s->ntails;
    }
    /* a capacity is the smaller of its arrays' sizes: set it as soon as one shrinks */
    if (!(q = realloc(s->edge_first, ((size_t)ns + 1) * sizeof *s->edge_first))) return;
    s->edge_first = q;
    s->cap_states = ns;
    if ((q = realloc(s->term, (size_t)ns * sizeof *s->term))) s->term = q;
    if ((q = realloc(s->tail_at, (size_t)ns * sizeof *s->tail_at))) s->tail_at = q;
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
        const unsigned char *m = memchr(k + 1, MARK, len - 1);    /* the marker after the word */
        uint64_t h = word_hash(k + 1, m ? (size_t)(m - k - 1) : len - 1, 0);
        s->words[h & s->words_mask] |= word_bits(h);
    }
    return 0;
}

/* Add first letter c0 (and second c1, or NONE) to a flat set's prefilter,
 * once. 0 if the prefilter would need more than FLAT_TERMS of either. */
static int flat_term(cv_wordset *s, unsigned c0, unsigned c1)
{
    s->flat_head[c0 >> 3] |= (uint8_t)(1u << (c0 & 7));
    if (c1 == NONE) {
        for (unsigned k = 0; k < s->nflat_one; k++)
            if (s->flat_one[k][0] == c0) return 1;
        if (s->nflat_one == FLAT_TERMS) return 0;
        memset(s->flat_one[s->nflat_one++], (int)c0, 16);
        return 1;
    }
    for (unsigned k = 0; k < s->nflat_pair; k++)
        if (s->flat_pair[k][0] == c0 && s->flat_pair[k][16] == c1) return 1;
    if (s->nflat_pair == FLAT_TERMS - 1) return 0;   /* room to pad to an even number */
    memset(s->flat_pair[s->nflat_pair], (int)c0, 16);
    memset(s->flat_pair[s->nflat_pair++] + 16, (int)c1, 16);
    return 1;
}

/*
 * Whether the builder's entries can be a flat set, and if so its
 * prefilter: at most FLAT_MAX entries of at most FLAT_LEN folded bytes,
 * each beginning with a word character (so every match begins at a word start, which the flat scan's
 * prefilter finds), with first letters that fit FLAT_TERMS. A key that
 * begins with a non-ASCII letter needs no term: the prefilter stops at
 * every non-ASCII byte.
 */
static int flat_plan(cv_wordset *s, const cv_wordset_builder *b)
{
    if (b->ne > FLAT_MAX) return 0;
    s->nflat_pair = s->nflat_one = 0;
    memset(s->flat_head, 0, sizeof s->flat_head);
    for (size_t i = 0; i < b->ne; i++) {
        const unsigned char *k = b->arena + b->e[i].off;
        if (k[0] != MARK || b->e[i].len > FLAT_LEN) return 0;
        if (k[1] >= 0x80) continue;
        /* a key that begins with a word ends with a marker: k[2] exists */
        if (!flat_term(s, k[1], ascii_class[k[2]] == C_WORD ? k[2] : NONE)) return 0;
    }
    if (s->nflat_pair & 1) {
        /* flat_hits tests pairs two at a time: the last once more */
        memcpy(s->flat_pair[s->nflat_pair], s->flat_pair[s->nflat_pair - 1], sizeof s->flat_pair[0]);
        s->nflat_pair++;
    }
    return 1;
}

/* Compile the builder's entries as a flat set (flat_plan said they fit). */
static int flat_build(cv_wordset *s, const cv_wordset_builder *b)
{
    size_t n = b->ne, ncol = 1;
    for (size_t i = 0; i < n; i++)
        if (b->e[i].len + 1 > ncol) ncol = b->e[i].len + 1;
    if (!s->flat_col) {
        /* room for the longest keys at once: 1 KiB, kept for the next rebuild */
        if (!(s->flat_col = malloc((FLAT_LEN + 1) * sizeof *s->flat_col))) return CV_ENOMEM;
        s->cap_flat = FLAT_LEN + 1;
    }
    if (set_reserve(s, 0, 0, n ? n : 1, 0)) return CV_ENOMEM;
    memset(s->flat_col, FLAT_END, ncol * sizeof *s->flat_col);
    for (size_t i = 0; i < n; i++) {
        const b_ent *e = &b->e[i];
        const unsigned char *k = b->arena + e->off;
        for (uint32_t d = 0; d < e->len; d++) s->flat_col[d][i] = k[d];
        s->ents[i] = (ws_ent){ (uint32_t)i, e->first_cp, e->flags, 0 };
    }
    s->nents = (uint32_t)n;
    s->flat = 1;
    return 0;
}

int cvi_wordset_build(cv_wordset_builder *b, cv_wordset **set) { return cvi_wordset_build_layout(b, set, CV_WS_AUTO); }

int cvi_wordset_build_layout(cv_wordset_builder *b, cv_wordset **set, int layout)
{
    cv_wordset *s = *set;
    int fresh = s == NULL;
    if (fresh && !(s = calloc(1, sizeof *s))) return CV_ENOMEM;
    int rc = CV_ENOMEM;
    size_t n = b->ne;
    s->flat = 0;
    if (layout == CV_WS_AUTO && flat_plan(s, b)) {
        if (flat_build(s, b)) goto out;
        rc = 0;
        goto out;
    }
    /* sort the keys (ids break ties: duplicates in order of addition) */
    if (cvi_grow((void **)&b->keys, &b->capkeys, n ? n : 1, sizeof *b->keys)) goto out;
    for (size_t i = 0; i < n; i++)
        b->keys[i] = (s_key){ b->arena + b->e[i].off, b->e[i].len, (uint32_t)i };
    if (n <= 16) insertion_sort(b->keys, n);
    else if (n <= 4096) qsort(b->keys, n, sizeof *b->keys, cmp_key);
    else if (sort_keys(b->keys, n)) goto out;

    /* the trie, from sorted keys: a key shares its path with the previous
     * key up to their common prefix, and its new nodes come after every
     * node made so far, so children are made in increasing byte order */
    size_t maxnodes = 1 + b->narena, maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (b->e[i].len > maxlen) maxlen = b->e[i].len;
    if (maxnodes >= TAIL_BIT || b->narena + n + 1 >= NONE) goto out;
    if (cvi_grow((void **)&b->parent, &b->capnodes, maxnodes, sizeof(uint32_t))) goto out;
    if (b->capbyte < b->capnodes) {
        uint8_t *nb = realloc(b->byte, b->capnodes);
        if (!nb) goto out;
        b->byte = nb;
        b->capbyte = b->capnodes;
    }
    if (cvi_grow((void **)&b->path, &b->cappath, maxlen + 1, sizeof *b->path)) goto out;
    if (set_reserve(s, maxnodes, maxnodes, n ? n : 1, b->narena + n + 1)) goto out;

    /* each node's parent and byte, and in edge_first[x + 1] the number of
     * x's children. A key's nodes: from the one after its common prefix
     * with the key before (the nodes up to there are that key's) to the
     * first that no neighbour shares, at TAIL_MIN_DEPTH or deeper (u); if
     * the key goes on past u, u is a tail state and holds the rest. Equal
     * keys (i..j) are one key, their entries in a row (more). */
    uint32_t nn = 1, nt = 1, lprev = 0;
    uint32_t *ef = s->edge_first;
    ef[0] = ef[1] = 0;
    s->term[0] = NONE;
    s->tail_at[0] = 0;
    s->tails[0] = TAIL_END;
    b->path[0] = 0;
    for (size_t i = 0, j; i < n; i = j) {
        const s_key *k = &b->keys[i];
        uint32_t lnext = 0;
        for (j = i + 1; j < n; j++) {
            lnext = common_prefix(k, &b->keys[j]);
            if (lnext != k->len || b->keys[j].len != k->len) break;
        }
        if (j == n) lnext = 0;
        uint32_t u = (lprev > lnext ? lprev : lnext) + 1;
        if (u < TAIL_MIN_DEPTH) u = TAIL_MIN_DEPTH;
        uint32_t last = u < k->len ? u : k->len;
        for (uint32_t d = lprev; d < last; d++) {
            uint32_t parent = b->path[d], x = nn++;
            b->parent[x] = parent;
            b->byte[x] = k->k[d];
            s->term[x] = NONE;
            s->tail_at[x] = 0;
            ef[x + 1] = 0;
            ef[parent + 1]++;
            b->path[d + 1] = x;
        }
        uint32_t leaf = b->path[last];
        if (last < k->len) {
            s->tail_at[leaf] = nt;
            memcpy(s->tails + nt, k->k + last, k->len - last);
            nt += k->len - last;
            s->tails[nt++] = TAIL_END;
        }
        s->term[leaf] = (uint32_t)i;
        for (size_t m = i; m < j; m++) {
            const b_ent *e = &b->e[b->keys[m].id];
            s->ents[m] = (ws_ent){ b->keys[m].id, e->first_cp, e->flags, m + 1 < j };
        }
        lprev = lnext;
    }
    s->ntails = nt;

    /* freeze: each state's edges contiguous, in byte order (a parent's
     * children were made in byte order). The counts summed, ef[x] is where
     * x's edges begin; placing them advances it to where x + 1's begin,
     * so one shift puts it back. */
    uint32_t sum = 0;
    for (uint32_t x = 1; x <= nn; x++) {
        sum += ef[x];
        ef[x] = sum;
    }
    for (uint32_t x = 1; x < nn; x++) {
        uint32_t at = ef[b->parent[x]]++;
        s->edge_byte[at] = b->byte[x];
        s->edge_to[at] = x | (s->tail_at[x] ? TAIL_BIT : 0);
    }
    uint32_t ne = ef[nn];
    memmove(ef + 1, ef, nn * sizeof *ef);
    ef[0] = 0;
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
    for (unsigned k = 0; k < s->nstart; k++) memset(s->startv[k], s->start[k], sizeof s->startv[k]);
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
    free(s->tail_at);
    free(s->tails);
    free(s->ents);
    free(s->dense);
    free(s->words);
    free(s->flat_col);
    free(s);
}

size_t cvi_wordset_entries(const cv_wordset *s) { return s->nents; }

size_t cvi_wordset_bytes(const cv_wordset *s)
{
    return sizeof *s + ((size_t)s->cap_states + 1) * 4 + (size_t)s->cap_states * 8 + s->cap_tails + (size_t)s->cap_edges * 5 +
           (size_t)s->cap_ents * sizeof(ws_ent) + (s->dense ? 2 * 256 * 4 : 0) + (size_t)s->cap_words * 8 +
           (size_t)s->cap_flat * FLAT_MAX;
}
