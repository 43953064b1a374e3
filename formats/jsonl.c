/*
 * jsonl.c - JSON Lines (format "jsonl"): one JSON object per line. Parsed
 * with yajl's callback API (no tree) into the cv_record event sequence with
 * dotted policy paths, and written back compactly in the same shape and
 * member order, numbers exactly as they were written. A record with two
 * members of the same (decoded) name in one object is rejected: which of
 * them a reader keeps differs between JSON tools, so a policy rule could be
 * judged on one and an analyst read the other (RFC 8259 §4, RFC 7493 §2.3).
 */
#include <stdlib.h>

#include <yajl/yajl_parse.h>

#include "formats.h"

/* Open containers, the top-level object included. */
#define JSON_MAX_DEPTH 256
/* An object's member names are compared one by one up to this many members;
 * a larger object gets a hash index of its names. */
#define KEYS_LINEAR 16
#define KEYS_INLINE 64

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
    yajl_handle h;
    const char *rec, *rec_end;   /* the record's bytes: strings without escapes are borrowed from them */
    size_t first;          /* offset of the first non-blank byte */
    const char *reason;    /* set when a callback cancels the parse */
    size_t offset;
    int nomem;
    int depth;             /* open containers */
    cv_str key;            /* the member name the next value belongs to */
    cv_str *keys;          /* member names of the open objects, innermost last */
    size_t nkeys, capkeys;
    cv_str kinline[KEYS_INLINE];
    jframe st[JSON_MAX_DEPTH];
} jctx;

/* yajl hands over strings without escapes as pointers into the input: borrow
 * those (zero-copy), copy decoded ones into the record's arena. */
static cv_str hold(jctx *c, const char *s, size_t n)
{
    if (s >= c->rec && s + n <= c->rec_end) return cv_str_make(s, n);
    return cvi_record_strdup(c->r, s, n);
}

static int cancel(jctx *c, const char *reason, size_t offset)
{
    c->reason = reason;
    c->offset = offset;
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
    size_t n = f->path.n + 1 + c->key.n;
    char *p = cvi_record_alloc(c->r, n);
    if (!p) return 0;
    memcpy(p, f->path.p, f->path.n);
    p[f->path.n] = '.';
    if (c->key.n) memcpy(p + f->path.n + 1, c->key.p, c->key.n);
    *path = cv_str_make(p, n);
    return 1;
}

static int push_scalar(jctx *c, cv_node_kind kind, cv_str value)
{
    if (c->depth == 0) return cancel(c, "record is not a JSON object", c->first);
    cv_str key, path;
    if (!member_names(c, &key, &path)) goto nomem;
    if (cvi_record_push(c->r, kind, (uint16_t)(c->depth - 1), key, path, value) < 0) goto nomem;
    return 1;
nomem:
    c->nomem = 1;
    return 0;
}

static int on_null(void *ud) { return push_scalar(ud, CV_NODE_NULL, CV_STR_LIT("null")); }

static int on_bool(void *ud, int b)
{
    return push_scalar(ud, CV_NODE_BOOL, b ? CV_STR_LIT("true") : CV_STR_LIT("false"));
}

static int on_number(void *ud, const char *s, size_t n)
{
    jctx *c = ud;
    cv_str v = hold(c, s, n);
    if (!v.p) {
        c->nomem = 1;
        return 0;
    }
    return push_scalar(c, CV_NODE_NUMBER, v);
}

static int on_string(void *ud, const unsigned char *s, size_t n)
{
    jctx *c = ud;
    cv_str v = hold(c, (const char *)s, n);
    if (!v.p) {
        c->nomem = 1;
        return 0;
    }
    return push_scalar(c, CV_NODE_STRING, v);
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

/* The offset of the opening quote of the member name whose closing quote
 * is at q: the first '"' before it not escaped by an odd run of '\'
 * (inside a string every other '"' is escaped). */
static size_t name_start(const jctx *c, size_t q)
{
    const char *s = c->rec;
    while (q > 0) {
        q--;
        if (s[q] != '"') continue;
        size_t b = q;
        while (b > 0 && s[b - 1] == '\\') b--;
        if ((q - b) % 2 == 0) return q;
    }
    return 0;
}

/* on_key's rare cases: a name that may have been seen, a large object, a
 * full name stack. 1 go on, 0 cancelled or ENOMEM. */
static __attribute__((noinline)) int key_slow(jctx *c, jframe *f)
{
    int seen = key_seen(c, f, c->key);
    if (seen < 0) goto nomem;
    if (seen) {
        /* yajl has consumed the name up to its closing quote */
        size_t at = yajl_get_bytes_consumed(c->h);
        return cancel(c, "duplicate member name in an object", at ? name_start(c, at - 1) : 0);
    }
    if (c->nkeys == c->capkeys) {
        size_t cap = 2 * c->capkeys;
        cv_str *nv = c->keys == c->kinline ? malloc(cap * sizeof *nv) : realloc(c->keys, cap * sizeof *nv);
        if (!nv) goto nomem;
        if (c->keys == c->kinline) memcpy(nv, c->kinline, sizeof c->kinline);
        c->keys = nv;
        c->capkeys = cap;
    }
    c->keys[c->nkeys++] = c->key;
    return 1;
nomem:
    c->nomem = 1;
    return 0;
}

static int on_key(void *ud, const unsigned char *s, size_t n)
{
    jctx *c = ud;
    c->key = hold(c, (const char *)s, n);
    if (!c->key.p) {
        c->nomem = 1;
        return 0;
    }
    jframe *f = &c->st[c->depth - 1];
    unsigned b = key_bit(c->key);
    /* the common case: a small object, a name of a new (length, first, last byte) */
    if (c->nkeys - f->kbase < KEYS_LINEAR && !(f->kbloom[b >> 6] >> (b & 63) & 1) && c->nkeys < c->capkeys) {
        f->kbloom[b >> 6] |= 1ull << (b & 63);
        c->keys[c->nkeys++] = c->key;
        return 1;
    }
    return key_slow(c, f);
}

static int open_container(jctx *c, int is_arr)
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
    if (c->depth >= JSON_MAX_DEPTH) {
        size_t at = yajl_get_bytes_consumed(c->h);
        return cancel(c, "nesting too deep", at ? at - 1 : 0);
    }
    cv_str key, path;
    if (!member_names(c, &key, &path)) goto nomem;
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_BEGIN : CV_NODE_OBJ_BEGIN,
                             (uint16_t)(c->depth - 1), key, path, cv_str_make("", 0));
    if (idx < 0) goto nomem;
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
        if (!p) goto nomem;
        if (path.n) memcpy(p, path.p, path.n);
        p[path.n] = '[';
        p[path.n + 1] = ']';
        f->elem_path = cv_str_make(p, path.n + 2);
    }
    return 1;
nomem:
    c->nomem = 1;
    return 0;
}

static int close_container(jctx *c, int is_arr)
{
    c->depth--;
    jframe *f = &c->st[c->depth];
    c->nkeys = f->kbase;
    free(f->kidx);
    f->kidx = NULL;
    if (c->depth == 0) return 1;    /* the top-level object's braces are not nodes */
    int32_t b = c->st[c->depth].begin;
    cv_node bn = c->r->nodes[b];
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_END : CV_NODE_OBJ_END, bn.depth, bn.key, bn.path,
                             cv_str_make("", 0));
    if (idx < 0) {
        c->nomem = 1;
        return 0;
    }
    c->r->nodes[b].end = idx;
    return 1;
}

static int on_start_map(void *ud) { return open_container(ud, 0); }
static int on_end_map(void *ud) { return close_container(ud, 0); }
static int on_start_array(void *ud) { return open_container(ud, 1); }
static int on_end_array(void *ud) { return close_container(ud, 1); }

static const yajl_callbacks jsonl_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_integer = NULL,
    .yajl_double = NULL,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

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

/* yajl decodes a \u escape of a lone UTF-16 surrogate into bytes that are
 * not UTF-8 (and pairs a high surrogate with any following \u escape), so a
 * record that passed the UTF-8 check could still yield values no JSON
 * reader accepts. Returns the offset of the first \u escape of a surrogate
 * that is not half of a high-low pair, or n when there is none. Escapes outside
 * strings are invalid JSON anyway, so the scan need not track strings. */
static size_t bad_unicode_escape(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p < 2) return n;        /* yajl reports the truncated escape */
        if (p[1] != 'u') {
            p += 2;                       /* \\, \" and the like: skip the pair */
            continue;
        }
        unsigned hi, lo;
        if (end - p < 6 || !hex4(p + 2, &hi)) return n;   /* yajl reports a malformed escape */
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
    while (first < clen && (rec[first] == ' ' || rec[first] == '\t' || rec[first] == '\r' || rec[first] == '\n'))
        first++;
    if (first == clen) return CV_EEMPTY;

    size_t ok = cvi_utf8_valid_prefix(rec, clen);
    if (ok < clen) {
        diag->reason = "invalid UTF-8";
        diag->offset = ok;
        return CV_EINPUT;
    }
    if (memchr(rec, '\\', clen) && (ok = bad_unicode_escape(rec, clen)) < clen) {
        diag->reason = "invalid \\u escape (unpaired UTF-16 surrogate)";
        diag->offset = ok;
        return CV_EINPUT;
    }

    /* A handle per record: yajl 2 cannot be reset, and a const state must
     * not carry one between threads. The allocations are a handful of small
     * blocks, negligible next to the parse itself. */
    jctx c;
    c.r = r;
    c.rec = rec;
    c.rec_end = rec + clen;
    c.first = first;
    c.reason = NULL;
    c.offset = 0;
    c.nomem = 0;
    c.depth = 0;
    c.key = cv_str_make("", 0);
    c.keys = c.kinline;
    c.nkeys = 0;
    c.capkeys = KEYS_INLINE;
    c.h = yajl_alloc(&jsonl_callbacks, NULL, &c);
    if (!c.h) return CV_ENOMEM;
    /* The whole record was validated as UTF-8 above (with exact offsets);
     * yajl need not check every string again. */
    yajl_config(c.h, yajl_dont_validate_strings, 1);

    int rc = 0;
    yajl_status s = yajl_parse(c.h, (const unsigned char *)rec, clen);
    size_t at = yajl_get_bytes_consumed(c.h);
    if (s == yajl_status_ok) {
        s = yajl_complete_parse(c.h);
        at = clen;
    }
    if (s == yajl_status_ok) goto out;
    if (c.nomem) {
        rc = CV_ENOMEM;
    } else if (c.reason) {
        diag->reason = c.reason;
        diag->offset = c.offset;
        rc = CV_EINPUT;
    } else {
        diag->reason = "invalid JSON";
        diag->offset = at < clen ? at : clen;
        rc = CV_EINPUT;
    }
out:
    /* frames a cancelled parse left open */
    for (int d = 0; d < c.depth; d++) free(c.st[d].kidx);
    if (c.keys != c.kinline) free(c.keys);
    yajl_free(c.h);
    return rc;
}

/* ---- writing ------------------------------------------------------------- */

/* 0: byte goes out raw; else the character after the backslash ('u' for \u00XX). */
static const char json_esc[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
    [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
    [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
    [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
    [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u',
    ['"'] = '"', ['\\'] = '\\',
};

/* Writes "s" escaped at d, which has room for 6 * n + 2 bytes; returns the end. */
static char *put_jstr(char *d, cv_str s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.p;
    size_t run = 0, i = 0;
    *d++ = '"';
    for (;;) {
        /* skip 8 bytes at a time while none is < 0x20, '"' or '\\' */
        while (i + 8 <= s.n) {
            uint64_t x;
            memcpy(&x, p + i, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
            uint64_t hit = ((x - ones * 0x20) | (q - ones) | (b - ones)) & ~x & highs;
            if (hit) break;
            i += 8;
        }
        if (i >= s.n) break;
        char e = json_esc[p[i]];
        if (!e) {
            i++;
            continue;
        }
        memcpy(d, p + run, i - run);
        d += i - run;
        *d++ = '\\';
        *d++ = e;
        if (e == 'u') {
            *d++ = '0';
            *d++ = '0';
            *d++ = hex[p[i] >> 4];
            *d++ = hex[p[i] & 15];
        }
        run = ++i;
    }
    if (s.n > run) memcpy(d, p + run, s.n - run);
    d += s.n - run;
    *d++ = '"';
    return d;
}

int cvi_json_string(cv_buf *out, const char *s, size_t n)
{
    if (n > (SIZE_MAX - 2) / 6 || cvi_buf_reserve(out, 6 * n + 2)) return CV_ENOMEM;
    out->n = (size_t)(put_jstr(out->p + out->n, cv_str_make(s, n)) - out->p);
    return 0;
}

static int jsonl_write(const void *state, const cv_record *r, cv_buf *out)
{
    (void)state;
    /* in_arr[d]: the container holding depth-d nodes is an array (no keys). */
    uint8_t in_arr[JSON_MAX_DEPTH + 1];
    int need_comma = 0;
    in_arr[0] = 0;
    if (cvi_buf_putc(out, '{')) return CV_ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        const cv_node *nd = &r->nodes[i];
        int kind = nd->kind;
        if (nd->depth >= JSON_MAX_DEPTH) return CV_EINTERNAL;
        if (kind == CV_NODE_OBJ_END || kind == CV_NODE_ARR_END) {
            if (cvi_buf_putc(out, kind == CV_NODE_OBJ_END ? '}' : ']')) return CV_ENOMEM;
            need_comma = 1;
            continue;
        }
        int is_begin = kind == CV_NODE_OBJ_BEGIN || kind == CV_NODE_ARR_BEGIN;
        if (nd->flags & CV_NF_DROP) {
            if (is_begin) {
                if (nd->end <= (int32_t)i || (size_t)nd->end >= r->n) return CV_EINTERNAL;
                i = (size_t)nd->end;
            }
            continue;
        }
        int with_key = !in_arr[nd->depth];
        size_t vn = is_begin ? 0 : nd->value.n;
        if (nd->key.n > SIZE_MAX / 16 || vn > SIZE_MAX / 16) return CV_ENOMEM;
        if (cvi_buf_reserve(out, 6 * (nd->key.n + vn) + 8)) return CV_ENOMEM;
        char *d = out->p + out->n;
        if (need_comma) *d++ = ',';
        if (with_key) {
            d = put_jstr(d, nd->key);
            *d++ = ':';
        }
        if (is_begin) {
            *d++ = kind == CV_NODE_OBJ_BEGIN ? '{' : '[';
            in_arr[nd->depth + 1] = kind == CV_NODE_ARR_BEGIN;
            need_comma = 0;
        } else {
            if (kind == CV_NODE_STRING) {
                d = put_jstr(d, nd->value);
            } else {
                memcpy(d, nd->value.p, vn);
                d += vn;
            }
            need_comma = 1;
        }
        out->n = (size_t)(d - out->p);
    }
    if (cvi_buf_reserve(out, 2)) return CV_ENOMEM;
    out->p[out->n++] = '}';
    out->p[out->n++] = '\n';
    return 0;
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
    .write = jsonl_write,
    .state_free = NULL,
};
