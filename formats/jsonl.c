/*
 * jsonl.c - JSON Lines (format "jsonl"): one JSON object per line. Parsed
 * by a strict RFC 8259 scanner of its own (one pass, no recursion: an
 * explicit stack of JSON_MAX_DEPTH containers) into the cv_record event
 * sequence with dotted policy paths (written back by jsonl_write.c). Strings
 * without escapes are borrowed from the input; escapes are decoded into the
 * record's arena. A record with two members of the same (decoded) name in
 * one object is rejected: which of them a reader keeps differs between JSON
 * tools, so a policy rule could be judged on one and an analyst read the
 * other (RFC 8259 §4, RFC 7493 §2.3).
 *
 * Rejects name the first problem in the order the yajl-based reader this
 * replaced did (invalid UTF-8 anywhere, then an unpaired surrogate escape
 * anywhere, then the first syntax or member error) at the offsets it gave;
 * tests/fuzz/fuzz_jsonl.c checks the two agree. Where yajl was lax, the
 * scanner is strict: a form feed or vertical tab between tokens, and an
 * unterminated string after the object, are rejected.
 */
#include <stdlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "formats.h"

/* An object's member names are compared one by one up to this many members;
 * a larger object gets a hash index of its names. */
#define KEYS_LINEAR 16
#define KEYS_INLINE 64
/* Paths of members of nested objects, remembered per record: the objects
 * of an array share their parent's path, so "messages[].text" is built
 * once per record, not once per message. */
#define PATH_CACHE 64

static const char bad_json[] = "invalid JSON";
static const char lone_surrogate[] = "invalid \\u escape (unpaired UTF-16 surrogate)";

typedef struct jframe {
    int32_t begin;         /* node index of the BEGIN node; -1 for the top level */
    uint8_t is_arr;
    cv_str path;           /* the container's own path ("" at the top level) */
    cv_str elem_path;      /* arrays: path + "[]", shared by every element */
    size_t kbase;          /* objects: the first of its member names in jctx.keys */
    uint64_t kbloom[2];    /* objects: bit key_bit(name) set for each name so far */
    uint32_t *kidx;        /* objects of more than KEYS_LINEAR members: key index + 1, open addressing */
    uint32_t kmask;
} jframe;

typedef struct jctx {
    cv_record *r;
    const char *rec;       /* the record's bytes (after a BOM), n of them without the line end */
    size_t n;
    size_t first;          /* offset of the first non-blank byte */
    const char *reason;    /* set when the scan stops on an error */
    size_t offset;
    int nomem;
    int depth;             /* open containers */
    cv_str key;            /* the member name the next value belongs to */
    cv_str *keys;          /* member names of the open objects, innermost last */
    size_t nkeys, capkeys;
    cv_str kinline[KEYS_INLINE];
    uint64_t pvalid;       /* slots of pcache in use */
    struct {
        const char *parent;    /* the parent's path (its bytes: same pointer, same path) */
        size_t parent_n;
        cv_str key, path;
    } pcache[PATH_CACHE];
    jframe st[JSON_MAX_DEPTH];
} jctx;

static int cancel(jctx *c, const char *reason, size_t offset)
{
    c->reason = reason;
    c->offset = offset;
    return 0;
}

static int nomem(jctx *c)
{
    c->nomem = 1;
    return 0;
}

/* Key and path of the value about to be pushed; 0 on ENOMEM. */
static int member_names(jctx *c, cv_str *key, cv_str *path)
{
    const jframe *f = &c->st[c->depth - 1];
    if (f->is_arr) {
        *key = cv_str_make("", 0);
        *path = f->elem_path;
        return 1;
    }
    *key = c->key;
    if (c->depth == 1) {
        *path = c->key;    /* a top-level member's path is its name: share the bytes */
        return 1;
    }
    unsigned h = (unsigned)(c->key.n * 31u + (c->key.n ? (unsigned char)c->key.p[0] * 7u +
                                                            (unsigned char)c->key.p[c->key.n - 1] : 0u) +
                            (unsigned)((uintptr_t)f->path.p >> 3)) % PATH_CACHE;
    if (c->pvalid >> h & 1 && c->pcache[h].parent == f->path.p && c->pcache[h].parent_n == f->path.n &&
        cv_str_eq(c->pcache[h].key, c->key)) {
        *path = c->pcache[h].path;
        return 1;
    }
    size_t n = f->path.n + 1 + c->key.n;
    char *p = cvi_record_alloc(c->r, n);
    if (!p) return 0;
    memcpy(p, f->path.p, f->path.n);
    p[f->path.n] = '.';
    if (c->key.n) memcpy(p + f->path.n + 1, c->key.p, c->key.n);
    *path = cv_str_make(p, n);
    c->pvalid |= 1ull << h;
    c->pcache[h].parent = f->path.p;
    c->pcache[h].parent_n = f->path.n;
    c->pcache[h].key = c->key;
    c->pcache[h].path = *path;
    return 1;
}

static int push_scalar(jctx *c, cv_node_kind kind, cv_str value)
{
    if (c->depth == 0) return cancel(c, "record is not a JSON object", c->first);
    cv_str key, path;
    if (!member_names(c, &key, &path)) return nomem(c);
    if (cvi_record_push(c->r, kind, (uint16_t)(c->depth - 1), key, path, value) < 0) return nomem(c);
    return 1;
}

/* Names are short: FNV-1a is enough to spread them. */
static uint32_t key_hash(cv_str k)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < k.n; i++) h = (h ^ (unsigned char)k.p[i]) * 16777619u;
    return h;
}

static inline int key_eq(cv_str a, cv_str b)
{
    return a.n == b.n && (a.n == 0 || (a.p[0] == b.p[0] && memcmp(a.p, b.p, a.n) == 0));
}

/* Most objects' names differ in length, first or last byte: one bit of a
 * 128-bit filter per (length, first, last byte) spares them any comparison. */
static inline unsigned key_bit(cv_str k)
{
    uint32_t x = (uint32_t)(k.n & 0xffff) << 16;
    if (k.n) x |= (unsigned char)k.p[0] | (uint32_t)(unsigned char)k.p[k.n - 1] << 8;
    return (x * 0x9e3779b1u) >> 25;
}

/* Sets the filter's bit for the name; returns whether it was set before. */
static inline int bloom_test_set(jframe *f, unsigned b)
{
    uint64_t m = 1ull << (b & 63);
    int was = (f->kbloom[b >> 6] & m) != 0;
    f->kbloom[b >> 6] |= m;
    return was;
}

/* Is k already a member name of the object f? Adds it to f's hash index
 * when f has one. 1 yes, 0 no, -1 ENOMEM. */
static int key_seen(jctx *c, jframe *f, cv_str k)
{
    size_t nk = c->nkeys - f->kbase;     /* names before k */
    const cv_str *v = c->keys + f->kbase;
    if (nk < KEYS_LINEAR) {
        if (!bloom_test_set(f, key_bit(k))) return 0;
        for (size_t i = 0; i < nk; i++)
            if (key_eq(v[i], k)) return 1;
        return 0;
    }
    if (!f->kidx || nk + 1 > (size_t)f->kmask / 2) {
        /* (re)build the index at twice the size */
        uint32_t size = f->kidx ? 2 * (f->kmask + 1) : 4 * KEYS_LINEAR;
        while (size / 2 < nk + 1) size *= 2;
        uint32_t *t = calloc(size, sizeof *t);
        if (!t) return -1;
        free(f->kidx);
        f->kidx = t;
        f->kmask = size - 1;
        for (size_t i = 0; i < nk; i++) {
            uint32_t j = key_hash(v[i]) & f->kmask;
            while (t[j]) j = (j + 1) & f->kmask;
            t[j] = (uint32_t)i + 1;
        }
    }
    uint32_t j = key_hash(k) & f->kmask;
    while (f->kidx[j]) {
        if (key_eq(v[f->kidx[j] - 1], k)) return 1;
        j = (j + 1) & f->kmask;
    }
    f->kidx[j] = (uint32_t)nk + 1;
    return 0;
}

/* add_key's rare cases: a name that may have been seen, a large object, a
 * full name stack. at: the offset of the name's opening quote. 1 go on, 0
 * cancelled or ENOMEM. */
static __attribute__((noinline)) int key_slow(jctx *c, jframe *f, size_t at)
{
    int seen = key_seen(c, f, c->key);
    if (seen < 0) return nomem(c);
    if (seen) return cancel(c, "duplicate member name in an object", at);
    if (c->nkeys == c->capkeys) {
        size_t cap = 2 * c->capkeys;
        cv_str *nv = c->keys == c->kinline ? malloc(cap * sizeof *nv) : realloc(c->keys, cap * sizeof *nv);
        if (!nv) return nomem(c);
        if (c->keys == c->kinline) memcpy(nv, c->kinline, sizeof c->kinline);
        c->keys = nv;
        c->capkeys = cap;
    }
    c->keys[c->nkeys++] = c->key;
    return 1;
}

/* The member name c->key of the innermost object, whose opening quote is at at. */
static inline int add_key(jctx *c, size_t at)
{
    jframe *f = &c->st[c->depth - 1];
    unsigned b = key_bit(c->key);
    /* the common case: a small object, a name of a new (length, first, last byte) */
    if (c->nkeys - f->kbase < KEYS_LINEAR && !(f->kbloom[b >> 6] >> (b & 63) & 1) && c->nkeys < c->capkeys) {
        f->kbloom[b >> 6] |= 1ull << (b & 63);
        c->keys[c->nkeys++] = c->key;
        return 1;
    }
    return key_slow(c, f, at);
}

/* A '{' or '[' at offset at. */
static int open_container(jctx *c, int is_arr, size_t at)
{
    if (c->depth == 0) {
        if (is_arr) return cancel(c, "record is not a JSON object", c->first);
        jframe *f = &c->st[0];
        f->begin = -1;
        f->is_arr = 0;
        f->path = f->elem_path = cv_str_make("", 0);
        f->kbase = c->nkeys;
        f->kbloom[0] = f->kbloom[1] = 0;
        f->kidx = NULL;
        c->depth = 1;
        return 1;
    }
    if (c->depth >= JSON_MAX_DEPTH) return cancel(c, "nesting too deep", at);
    cv_str key, path;
    if (!member_names(c, &key, &path)) return nomem(c);
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_BEGIN : CV_NODE_OBJ_BEGIN,
                             (uint16_t)(c->depth - 1), key, path, cv_str_make("", 0));
    if (idx < 0) return nomem(c);
    jframe *f = &c->st[c->depth++];
    f->begin = idx;
    f->is_arr = (uint8_t)is_arr;
    f->path = path;
    f->elem_path = cv_str_make("", 0);
    f->kbase = c->nkeys;
    f->kbloom[0] = f->kbloom[1] = 0;
    f->kidx = NULL;
    if (is_arr) {
        char *p = cvi_record_alloc(c->r, path.n + 2);
        if (!p) return nomem(c);
        if (path.n) memcpy(p, path.p, path.n);
        p[path.n] = '[';
        p[path.n + 1] = ']';
        f->elem_path = cv_str_make(p, path.n + 2);
    }
    return 1;
}

static int close_container(jctx *c)
{
    c->depth--;
    jframe *f = &c->st[c->depth];
    int is_arr = f->is_arr;
    c->nkeys = f->kbase;
    free(f->kidx);
    f->kidx = NULL;
    if (c->depth == 0) return 1;    /* the top-level object's braces are not nodes */
    int32_t b = f->begin;
    cv_node bn = c->r->nodes[b];
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_END : CV_NODE_OBJ_END, bn.depth, bn.key, bn.path,
                             cv_str_make("", 0));
    if (idx < 0) return nomem(c);
    c->r->nodes[b].end = idx;
    return 1;
}

/* ---- the scanner ---------------------------------------------------------- */

/* A token's lexing: LEX_OK, LEX_ERR (at the offset given), or LEX_EOF (the
 * record ended inside it). Offsets follow yajl's: a bad byte inside a
 * token is reported where it is, a token that cannot start here just past
 * it, a record that ends inside a token at its end. */
enum { LEX_OK, LEX_ERR, LEX_EOF };

static inline int is_ws(unsigned char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
static inline int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

static inline size_t skip_ws(const char *s, size_t i, size_t n)
{
    /* compact JSON Lines have no blanks: one test, mostly */
    if (i < n && (unsigned char)s[i] > ' ') return i;
    while (i < n && is_ws((unsigned char)s[i])) i++;
    return i;
}

static int hex4(const char *p, unsigned *v)
{
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        unsigned d;
        if (ch >= '0' && ch <= '9') d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') d = (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') d = (unsigned)(ch - 'A' + 10);
        else return 0;
        x = x << 4 | d;
    }
    *v = x;
    return 1;
}

static inline int is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

/* The length of the UTF-8 sequence at p (lead byte >= 0x80), 0 if it is
 * not one: the rules of cvi_utf8_valid_prefix (no overlongs, surrogates or
 * code points above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], cp, min;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < len) return 0;
    for (size_t k = 1; k < len; k++) {
        unsigned cc = p[k];
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* The string whose opening quote is s[i]. LEX_OK: *close is the offset of
 * its closing quote, *esc whether it holds an escape (checked: a known
 * escape character, four hex digits after \u). Bytes of 0x80 and above
 * must form UTF-8 (else LEX_ERR: the caller's UTF-8 check names the place). */
static int scan_string(const char *s, size_t n, size_t i, size_t *close, int *esc, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s + i + 1, *end = (const unsigned char *)s + n;
    int e = 0;
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes at a time while none is '"', '\\', < 0x20 or >= 0x80 */
        const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
                                     _mm_cmplt_epi8(x, sp));   /* signed: also >= 0x80 */
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz(bits);
                break;
            }
            p += 16;
        }
#else
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t qx = x ^ (ones * '"'), bx = x ^ (ones * '\\');
            if ((((x - ones * 0x20) | (qx - ones) | (bx - ones)) & ~x & highs) | (x & highs)) break;
            p += 8;
        }
#endif
        if (p == end) return LEX_EOF;
        unsigned ch = *p;
        if (ch == '"') break;
        if (ch == '\\') {
            e = 1;
            if (end - p < 2) return LEX_EOF;
            unsigned x = p[1];
            if (x == 'u') {
                for (int k = 2; k < 6; k++) {
                    if (end - p <= k) return LEX_EOF;
                    if (!is_hex(p[k])) {
                        *at = (size_t)((const char *)p - s) + (size_t)k;
                        return LEX_ERR;
                    }
                }
                p += 6;
            } else if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' ||
                       x == 't') {
                p += 2;
            } else {
                *at = (size_t)((const char *)p - s) + 1;
                return LEX_ERR;
            }
            continue;
        }
        if (ch < 0x20) {
            *at = (size_t)((const char *)p - s);
            return LEX_ERR;
        }
        if (ch >= 0x80) {
            size_t k = utf8_seq(p, end);
            if (!k) {
                *at = (size_t)((const char *)p - s);
                return LEX_ERR;
            }
            p += k;
            continue;
        }
        p++;
    }
    *close = (size_t)((const char *)p - s);
    *esc = e;
    return LEX_OK;
}

/* A number at s[i] ('-' or a digit), by RFC 8259's grammar. LEX_OK: *tend is
 * the offset just past it (n when it ends the record). */
static int scan_number(const char *s, size_t n, size_t i, size_t *tend, size_t *at)
{
    size_t j = i;
    if (s[j] == '-' && ++j == n) return LEX_EOF;
    if (s[j] == '0') {
        j++;
    } else if (s[j] >= '1' && s[j] <= '9') {
        do j++;
        while (j < n && is_digit((unsigned char)s[j]));
    } else {
        *at = j;
        return LEX_ERR;
    }
    if (j < n && s[j] == '.') {
        if (++j == n) return LEX_EOF;
        if (!is_digit((unsigned char)s[j])) {
            *at = j;
            return LEX_ERR;
        }
        do j++;
        while (j < n && is_digit((unsigned char)s[j]));
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        if (++j == n) return LEX_EOF;
        if ((s[j] == '+' || s[j] == '-') && ++j == n) return LEX_EOF;
        if (!is_digit((unsigned char)s[j])) {
            *at = j;
            return LEX_ERR;
        }
        do j++;
        while (j < n && is_digit((unsigned char)s[j]));
    }
    *tend = j;
    return LEX_OK;
}

/* The literal w (wl bytes) whose first byte is s[i]. */
static int scan_literal(const char *s, size_t n, size_t i, const char *w, size_t wl, size_t *at)
{
    for (size_t k = 1; k < wl; k++) {
        if (i + k >= n) return LEX_EOF;
        if (s[i + k] != w[k]) {
            *at = i + k;
            return LEX_ERR;
        }
    }
    return LEX_OK;
}

/* Where yajl reported a token at s[i] that cannot come here: just past it,
 * or (restore: after a member's value) at its start, two bytes in for a
 * string (yajl steps back over the token's value, quotes not counted); a
 * token malformed in itself where it goes wrong, one cut short at n. */
static size_t bad_token(const char *s, size_t n, size_t i, int restore)
{
    size_t end = i + 1, at = n, close = 0;
    int st = LEX_OK, esc;
    switch (s[i]) {
    case '{': case '}': case '[': case ']': case ',': case ':':
        break;
    case '"':
        st = scan_string(s, n, i, &close, &esc, &at);
        if (st == LEX_OK) {
            end = close + 1;
            if (restore) return i + 2;
        }
        break;
    case 't':
        st = scan_literal(s, n, i, "true", 4, &at);
        end = i + 4;
        break;
    case 'f':
        st = scan_literal(s, n, i, "false", 5, &at);
        end = i + 5;
        break;
    case 'n':
        st = scan_literal(s, n, i, "null", 4, &at);
        end = i + 4;
        break;
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        st = scan_number(s, n, i, &end, &at);
        if (st == LEX_OK && end == n) st = LEX_EOF;    /* a number needs the byte after it */
        break;
    case '/':
        return i;                     /* a comment: not allowed */
    default:
        return i + 1;
    }
    if (st == LEX_ERR) return at;
    if (st == LEX_EOF) return n;
    return restore ? i : end;
}

static int bad(jctx *c, size_t offset) { return cancel(c, bad_json, offset); }

static char *put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* The string between the quotes at i and close, into *out: borrowed from the
 * input, or (esc) decoded into the arena (its escapes were checked by
 * scan_string; decoding never lengthens). 0: ENOMEM, or an unpaired
 * surrogate escape (reason set). */
static __attribute__((noinline)) int decode_string(jctx *c, size_t i, size_t close, cv_str *out)
{
    const char *p = c->rec + i + 1, *end = c->rec + close;
    char *d0 = cvi_record_alloc(c->r, (size_t)(end - p)), *d = d0;
    if (!d0) return nomem(c);
    for (;;) {
        const char *b = memchr(p, '\\', (size_t)(end - p));
        if (!b) b = end;
        memcpy(d, p, (size_t)(b - p));
        d += b - p;
        if (b == end) break;
        p = b + 2;
        switch (b[1]) {
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            hex4(b + 2, &cp);
            p = b + 6;
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                /* a high surrogate and a low one, as bad_unicode_escape pairs them */
                if (cp >= 0xDC00 || end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return cancel(c, lone_surrogate, (size_t)(b - c->rec));
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            d = put_utf8(d, cp);
            break;
        }
        default: *d++ = b[1]; break;        /* '"', '\\', '/' */
        }
    }
    *out = cv_str_make(d0, (size_t)(d - d0));
    return 1;
}

static inline int string_value(jctx *c, size_t i, size_t close, int esc, cv_str *out)
{
    if (esc) return decode_string(c, i, close, out);
    *out = cv_str_make(c->rec + i + 1, close - i - 1);
    return 1;
}

/* The literal w (true, false, null) at *i as a node of kind; *i after it.
 * 1, or 0 with the reject set. */
static int literal(jctx *c, size_t *i, cv_node_kind kind, cv_str w)
{
    size_t at = 0;
    int st = scan_literal(c->rec, c->n, *i, w.p, w.n, &at);
    if (st != LEX_OK) return bad(c, st == LEX_ERR ? at : c->n);
    if (!push_scalar(c, kind, w)) return 0;
    *i += w.n;
    return 1;
}

/* The record's one object, token by token. 1, or 0 with c->reason (or
 * c->nomem) set: the first problem in the order of the bytes. */
static int scan_record(jctx *c)
{
    const char *s = c->rec;
    const size_t n = c->n;
    size_t i = c->first, at = 0, end = 0, close = 0;
    int st, esc;
    cv_str v;

value:
    i = skip_ws(s, i, n);
    if (i == n) return bad(c, n);
    switch (s[i]) {
    case '"':
        st = scan_string(s, n, i, &close, &esc, &at);
        if (st != LEX_OK) return bad(c, st == LEX_ERR ? at : n);
        if (!string_value(c, i, close, esc, &v) || !push_scalar(c, CV_NODE_STRING, v)) return 0;
        i = close + 1;
        break;
    case '{':
        if (!open_container(c, 0, i)) return 0;
        i++;
        goto obj_first;
    case '[':
        if (!open_container(c, 1, i)) return 0;
        i++;
        goto arr_first;
    case 't':
        if (!literal(c, &i, CV_NODE_BOOL, CV_STR_LIT("true"))) return 0;
        break;
    case 'f':
        if (!literal(c, &i, CV_NODE_BOOL, CV_STR_LIT("false"))) return 0;
        break;
    case 'n':
        if (!literal(c, &i, CV_NODE_NULL, CV_STR_LIT("null"))) return 0;
        break;
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        st = scan_number(s, n, i, &end, &at);
        if (st != LEX_OK) return bad(c, st == LEX_ERR ? at : n);
        if (!push_scalar(c, CV_NODE_NUMBER, cv_str_make(s + i, end - i))) return 0;
        i = end;
        break;
    case '/':
        return bad(c, i);
    default:                          /* '}', ']', ',', ':', anything else */
        return bad(c, i + 1);
    }

after_value:
    if (c->depth == 0) goto done;
    i = skip_ws(s, i, n);
    if (i == n) return bad(c, n);
    if (c->st[c->depth - 1].is_arr) {
        if (s[i] == ',') {
            i++;
            goto value;
        }
        if (s[i] != ']') return bad(c, bad_token(s, n, i, 0));
    } else {
        if (s[i] == ',') {
            i++;
            goto key;
        }
        if (s[i] != '}') return bad(c, bad_token(s, n, i, 1));
    }
close_it:
    if (!close_container(c)) return 0;
    i++;
    goto after_value;

obj_first:
    i = skip_ws(s, i, n);
    if (i == n) return bad(c, n);
    if (s[i] == '}') goto close_it;
    goto key_at;
key:
    i = skip_ws(s, i, n);
    if (i == n) return bad(c, n);
key_at:
    if (s[i] != '"') return bad(c, bad_token(s, n, i, 0));
    st = scan_string(s, n, i, &close, &esc, &at);
    if (st != LEX_OK) return bad(c, st == LEX_ERR ? at : n);
    if (!string_value(c, i, close, esc, &c->key) || !add_key(c, i)) return 0;
    i = skip_ws(s, close + 1, n);
    if (i == n) return bad(c, n);
    if (s[i] != ':') return bad(c, bad_token(s, n, i, 0));
    i++;
    goto value;

arr_first:
    i = skip_ws(s, i, n);
    if (i == n) return bad(c, n);
    if (s[i] == ']') goto close_it;
    goto value;

done:
    i = skip_ws(s, i, n);
    if (i < n) return bad(c, bad_token(s, n, i, 0));
    return 1;
}

/* The offset of the first \u escape of a UTF-16 surrogate that is not half
 * of a high-low pair, or n when there is none; the scan stops at a malformed
 * escape (a syntax error). Escapes outside strings are invalid JSON anyway,
 * so it need not track strings. Only a rejected record is scanned so: a
 * record the scanner accepts has no unpaired surrogate (string_value). */
static size_t bad_unicode_escape(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p < 2) return n;
        if (p[1] != 'u') {
            p += 2;                       /* \\, \" and the like: skip the pair */
            continue;
        }
        unsigned hi, lo;
        if (end - p < 6 || !hex4(p + 2, &hi)) return n;
        if (hi >= 0xDC00 && hi <= 0xDFFF) return (size_t)(p - s);
        if (hi >= 0xD800 && hi <= 0xDBFF) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, &lo) || lo < 0xDC00 ||
                lo > 0xDFFF)
                return (size_t)(p - s);
            p += 12;
        } else {
            p += 6;
        }
    }
    return n;
}

static int jsonl_parse(const void *state, const char *rec, size_t len, cv_record *r, cv_diag *diag)
{
    (void)state;
    /* A UTF-8 BOM can only open the input, so only the first record meets
     * one; strip it rather than reject the record (issue 8, item 15). */
    if (len >= 3 && memcmp(rec, "\xef\xbb\xbf", 3) == 0) {
        rec += 3;
        len -= 3;
    }
    size_t clen = len;
    if (clen > 0 && rec[clen - 1] == '\n') clen--;
    if (clen > 0 && rec[clen - 1] == '\r') clen--;

    size_t first = 0;
    while (first < clen && is_ws((unsigned char)rec[first])) first++;
    if (first == clen) return CV_EEMPTY;

    jctx c;
    r->src = rec;
    r->src_n = clen;
    c.r = r;
    c.rec = rec;
    c.n = clen;
    c.first = first;
    c.reason = NULL;
    c.offset = 0;
    c.nomem = 0;
    c.depth = 0;
    c.key = cv_str_make("", 0);
    c.keys = c.kinline;
    c.nkeys = 0;
    c.capkeys = KEYS_INLINE;
    c.pvalid = 0;

    int rc = 0;
    if (!scan_record(&c)) {
        /* The scan validated the strings' UTF-8 and surrogate escapes as it
         * went; a rejected record is checked whole, so that these are named
         * first wherever they are, as before. */
        size_t at = cvi_utf8_valid_prefix(rec, clen);
        rc = CV_EINPUT;
        if (at < clen) {
            diag->reason = "invalid UTF-8";
            diag->offset = at;
        } else if (memchr(rec, '\\', clen) && (at = bad_unicode_escape(rec, clen)) < clen) {
            diag->reason = lone_surrogate;
            diag->offset = at;
        } else if (c.nomem) {
            rc = CV_ENOMEM;
        } else {
            diag->reason = c.reason;
            diag->offset = c.offset;
        }
    }
    /* frames an error left open */
    for (int d = 0; d < c.depth; d++) free(c.st[d].kidx);
    if (c.keys != c.kinline) free(c.keys);
    return rc;
}

/* ---- splitting ----------------------------------------------------------- */

static int jsonl_split(void *state, const char *buf, size_t len, int eof, size_t max_len,
                       size_t *rec_len, size_t *nlines, const char **reason)
{
    (void)state;
    if (max_len == 0) max_len = SIZE_MAX;
    size_t lim = len < max_len ? len : max_len;
    const char *e = memchr(buf, '\n', lim);
    if (e) {
        *rec_len = (size_t)(e - buf) + 1;
        *nlines = 1;
        return CV_SPLIT_RECORD;
    }
    *nlines = 0;
    if (len >= max_len) {
        *rec_len = max_len;
        *reason = "record exceeds the maximum record size";
        return CV_SPLIT_BAD;
    }
    if (!eof || len == 0) {
        *rec_len = 0;
        return CV_SPLIT_MORE;
    }
    *rec_len = len;
    return CV_SPLIT_RECORD;
}

static const char *const jsonl_exts[] = { ".jsonl", ".ndjson", ".json", NULL };

const cv_format_type cvi_format_jsonl = {
    .name = "jsonl",
    .extensions = jsonl_exts,
    .has_header = 0,
    .state_size = 1,          /* stateless; non-zero so callers can allocate uniformly */
    .split = jsonl_split,
    .parse_header = NULL,
    .columns = NULL,
    .parse = jsonl_parse,
    .write_header = NULL,
    .write = cvi_jsonl_write,
    .state_free = NULL,
};
