/*
 * fuzz_jsonl.c - libFuzzer target for the JSON Lines format: split with a
 * small max_len, parse, drop a pseudo-random subset of nodes, write, and
 * check that what was written parses again (to the same nodes when nothing
 * was dropped). Every record is also parsed by the yajl-based reader the
 * format had before its own scanner, which must agree (cross_check).
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const cv_record *a, const cv_record *b)
{
    if (a->n != b->n) abort();
    for (size_t i = 0; i < a->n; i++) {
        const cv_node *x = &a->nodes[i], *y = &b->nodes[i];
        if (x->kind != y->kind || x->depth != y->depth || x->end != y->end) abort();
        if (!cv_str_eq(x->key, y->key) || !cv_str_eq(x->path, y->path) || !cv_str_eq(x->value, y->value))
            abort();
    }
}

/* ---- the reference: the yajl-based parser jsonl.c had before its own
 * scanner (2026-12), kept here only to cross-check it ---------------------- */

#define REF_MAX_DEPTH 256

typedef struct rframe {
    int32_t begin;
    int is_arr;
    cv_str path, elem_path;
    size_t kbase;
} rframe;

typedef struct rctx {
    cv_record *r;
    yajl_handle h;
    const char *rec, *rec_end;
    size_t first;
    const char *reason;
    size_t offset;
    size_t top_end;        /* bytes consumed when the top-level object closed */
    int depth;
    cv_str key;
    cv_str keys[4096];     /* member names of the open objects (fuzz inputs are small) */
    size_t nkeys;
    rframe st[REF_MAX_DEPTH];
} rctx;

static cv_str ref_hold(rctx *c, const char *s, size_t n)
{
    if (s >= c->rec && s + n <= c->rec_end) return cv_str_make(s, n);
    return cvi_record_strdup(c->r, s, n);
}

static int ref_cancel(rctx *c, const char *reason, size_t offset)
{
    c->reason = reason;
    c->offset = offset;
    return 0;
}

static void ref_names(rctx *c, cv_str *key, cv_str *path)
{
    const rframe *f = &c->st[c->depth - 1];
    if (f->is_arr) {
        *key = cv_str_make("", 0);
        *path = f->elem_path;
        return;
    }
    *key = c->key;
    if (c->depth == 1) {
        *path = c->key;
        return;
    }
    size_t n = f->path.n + 1 + c->key.n;
    char *p = cvi_record_alloc(c->r, n);
    if (!p) abort();
    memcpy(p, f->path.p, f->path.n);
    p[f->path.n] = '.';
    if (c->key.n) memcpy(p + f->path.n + 1, c->key.p, c->key.n);
    *path = cv_str_make(p, n);
}

static int ref_scalar(rctx *c, cv_node_kind kind, cv_str value)
{
    if (c->depth == 0) return ref_cancel(c, "record is not a JSON object", c->first);
    cv_str key, path;
    ref_names(c, &key, &path);
    if (cvi_record_push(c->r, kind, (uint16_t)(c->depth - 1), key, path, value) < 0) abort();
    return 1;
}

static int ref_null(void *ud) { return ref_scalar(ud, CV_NODE_NULL, CV_STR_LIT("null")); }
static int ref_bool(void *ud, int b) { return ref_scalar(ud, CV_NODE_BOOL, b ? CV_STR_LIT("true") : CV_STR_LIT("false")); }
static int ref_number(void *ud, const char *s, size_t n) { return ref_scalar(ud, CV_NODE_NUMBER, ref_hold(ud, s, n)); }
static int ref_string(void *ud, const unsigned char *s, size_t n)
{
    return ref_scalar(ud, CV_NODE_STRING, ref_hold(ud, (const char *)s, n));
}

static size_t ref_name_start(const rctx *c, size_t q)
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

static int ref_key(void *ud, const unsigned char *s, size_t n)
{
    rctx *c = ud;
    c->key = ref_hold(c, (const char *)s, n);
    const rframe *f = &c->st[c->depth - 1];
    for (size_t i = f->kbase; i < c->nkeys; i++)
        if (cv_str_eq(c->keys[i], c->key)) {
            size_t at = yajl_get_bytes_consumed(c->h);
            return ref_cancel(c, "duplicate member name in an object", at ? ref_name_start(c, at - 1) : 0);
        }
    if (c->nkeys == sizeof c->keys / sizeof c->keys[0]) abort();
    c->keys[c->nkeys++] = c->key;
    return 1;
}

static int ref_open(rctx *c, int is_arr)
{
    if (c->depth == 0) {
        if (is_arr) return ref_cancel(c, "record is not a JSON object", c->first);
        rframe *f = &c->st[0];
        f->begin = -1;
        f->is_arr = 0;
        f->path = f->elem_path = cv_str_make("", 0);
        f->kbase = c->nkeys;
        c->depth = 1;
        return 1;
    }
    if (c->depth >= REF_MAX_DEPTH) {
        size_t at = yajl_get_bytes_consumed(c->h);
        return ref_cancel(c, "nesting too deep", at ? at - 1 : 0);
    }
    cv_str key, path;
    ref_names(c, &key, &path);
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_BEGIN : CV_NODE_OBJ_BEGIN, (uint16_t)(c->depth - 1), key,
                              path, cv_str_make("", 0));
    if (idx < 0) abort();
    rframe *f = &c->st[c->depth++];
    f->begin = idx;
    f->is_arr = is_arr;
    f->path = path;
    f->elem_path = cv_str_make("", 0);
    f->kbase = c->nkeys;
    if (is_arr) {
        char *p = cvi_record_alloc(c->r, path.n + 2);
        if (!p) abort();
        if (path.n) memcpy(p, path.p, path.n);
        p[path.n] = '[';
        p[path.n + 1] = ']';
        f->elem_path = cv_str_make(p, path.n + 2);
    }
    return 1;
}

static int ref_close(rctx *c, int is_arr)
{
    c->depth--;
    c->nkeys = c->st[c->depth].kbase;
    if (c->depth == 0) {
        c->top_end = yajl_get_bytes_consumed(c->h);
        return 1;
    }
    int32_t b = c->st[c->depth].begin;
    cv_node bn = c->r->nodes[b];
    int idx = cvi_record_push(c->r, is_arr ? CV_NODE_ARR_END : CV_NODE_OBJ_END, bn.depth, bn.key, bn.path,
                              cv_str_make("", 0));
    if (idx < 0) abort();
    c->r->nodes[b].end = idx;
    return 1;
}

static int ref_start_map(void *ud) { return ref_open(ud, 0); }
static int ref_end_map(void *ud) { return ref_close(ud, 0); }
static int ref_start_array(void *ud) { return ref_open(ud, 1); }
static int ref_end_array(void *ud) { return ref_close(ud, 1); }

static const yajl_callbacks ref_callbacks = {
    .yajl_null = ref_null,
    .yajl_boolean = ref_bool,
    .yajl_number = ref_number,
    .yajl_string = ref_string,
    .yajl_start_map = ref_start_map,
    .yajl_map_key = ref_key,
    .yajl_end_map = ref_end_map,
    .yajl_start_array = ref_start_array,
    .yajl_end_array = ref_end_array,
};

static int ref_hex4(const char *p, unsigned *v)
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

static size_t ref_bad_unicode_escape(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p < 2) return n;
        if (p[1] != 'u') {
            p += 2;
            continue;
        }
        unsigned hi, lo;
        if (end - p < 6 || !ref_hex4(p + 2, &hi)) return n;
        if (hi >= 0xDC00 && hi <= 0xDFFF) return (size_t)(p - s);
        if (hi >= 0xD800 && hi <= 0xDBFF) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !ref_hex4(p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return (size_t)(p - s);
            p += 12;
        } else {
            p += 6;
        }
    }
    return n;
}

/* As jsonl_parse was; c->top_end: where the top-level object closed (0: it did not). */
static int ref_parse(const char *rec, size_t len, cv_record *r, cv_diag *diag, rctx *c)
{
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
    if (memchr(rec, '\\', clen) && (ok = ref_bad_unicode_escape(rec, clen)) < clen) {
        diag->reason = "invalid \\u escape (unpaired UTF-16 surrogate)";
        diag->offset = ok;
        return CV_EINPUT;
    }
    c->r = r;
    c->rec = rec;
    c->rec_end = rec + clen;
    c->first = first;
    c->reason = NULL;
    c->offset = 0;
    c->top_end = 0;
    c->depth = 0;
    c->key = cv_str_make("", 0);
    c->nkeys = 0;
    c->h = yajl_alloc(&ref_callbacks, NULL, c);
    if (!c->h) abort();
    yajl_config(c->h, yajl_dont_validate_strings, 1);
    int rc = 0;
    yajl_status s = yajl_parse(c->h, (const unsigned char *)rec, clen);
    size_t at = yajl_get_bytes_consumed(c->h);
    if (s == yajl_status_ok) {
        s = yajl_complete_parse(c->h);
        at = clen;
    }
    if (s != yajl_status_ok) {
        rc = CV_EINPUT;
        diag->reason = c->reason ? c->reason : "invalid JSON";
        diag->offset = c->reason ? c->offset : at < clen ? at : clen;
    }
    yajl_free(c->h);
    return rc;
}

/* Is rec[from..) (line end stripped) more than RFC 8259 blanks? */
static int ref_nonblank_after(const char *rec, size_t len, size_t from)
{
    if (len >= 3 && memcmp(rec, "\xef\xbb\xbf", 3) == 0) {
        rec += 3;
        len -= 3;
    }
    if (len > 0 && rec[len - 1] == '\n') len--;
    if (len > 0 && rec[len - 1] == '\r') len--;
    for (size_t i = from; i < len; i++)
        if (rec[i] != ' ' && rec[i] != '\t' && rec[i] != '\r' && rec[i] != '\n') return 1;
    return 0;
}

/* The scanner must do what yajl did: accept and reject the same records,
 * with the same reasons and offsets, and the same nodes. Where yajl was lax
 * the scanner may reject what it accepted: a vertical tab or form feed
 * taken as a blank (then the offsets may differ too), an unterminated
 * string after the object. */
static void cross_check(const char *rec, size_t len, int rc, const cv_diag *d, const cv_record *r)
{
    static rctx c;
    static cv_record ref;
    static int init;
    if (!init) {
        cvi_record_init(&ref);
        init = 1;
    }
    cvi_record_reset(&ref);
    cv_diag rd = { 0 };
    int rrc = ref_parse(rec, len, &ref, &rd, &c);
    int lax = memchr(rec, '\v', len) || memchr(rec, '\f', len);
    if (rrc == 0 && rc == CV_EINPUT) {
        if (strcmp(d->reason, "invalid JSON") != 0) abort();
        if (!lax && !(c.top_end && ref_nonblank_after(rec, len, c.top_end))) abort();
        return;
    }
    if (rrc != rc) abort();
    if (rc == CV_EINPUT) {
        if (!lax && (strcmp(d->reason, rd.reason) != 0 || d->offset != rd.offset)) abort();
    } else if (rc == 0) {
        check_same(r, &ref);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const cv_format_type *f = cvi_format_find("jsonl");
    size_t max_len = 8 + data[0] * 4u;
    uint8_t seed = data[0];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1, off = 0;
    char st[8] = { 0 };
    cv_record r, again;
    cv_buf out;
    cvi_record_init(&r);
    cvi_record_init(&again);
    cvi_buf_init(&out);

    while (off < len) {
        size_t rl = 0, nl = 0, rl2 = 0, nl2 = 0;
        const char *why = NULL, *why2 = NULL;
        int rc = f->split(st, buf + off, len - off, 1, max_len, &rl, &nl, &why);
        if (rc == CV_SPLIT_MORE) abort();                 /* bytes left at eof */
        if (rl < 1 || rl > len - off || rl > max_len) abort();
        /* without eof, a split either waits or agrees */
        int rc2 = f->split(st, buf + off, len - off, 0, max_len, &rl2, &nl2, &why2);
        if (rc2 != CV_SPLIT_MORE && (rc2 != rc || rl2 != rl || nl2 != nl)) abort();
        if (rc == CV_SPLIT_BAD) {
            if (!why) abort();
            off += rl;
            const char *e = memchr(buf + off, '\n', len - off);   /* as the runner does */
            off = e ? (size_t)(e - buf) + 1 : len;
            continue;
        }
        cvi_record_reset(&r);
        cv_diag d = { 0 };
        rc = f->parse(st, buf + off, rl, &r, &d);
        cross_check(buf + off, rl, rc, &d, &r);
        if (rc == CV_EINPUT) {
            if (!d.reason || d.offset > rl) abort();
        } else if (rc == 0) {
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
            cvi_record_reset(&again);
            if (f->parse(st, out.p, out.n, &again, &d)) abort();
            check_same(&r, &again);
            /* now drop some nodes and write again: still valid JSON */
            for (size_t i = 0; i < r.n; i++)
                if (((i * 131u + seed) & 3) == 0 && r.nodes[i].kind != CV_NODE_OBJ_END &&
                    r.nodes[i].kind != CV_NODE_ARR_END)
                    r.nodes[i].flags |= CV_NF_DROP;
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
            cvi_record_reset(&again);
            if (f->parse(st, out.p, out.n, &again, &d)) abort();
        } else if (rc != CV_EEMPTY) {
            abort();
        }
        off += rl;
    }
    cvi_record_free(&r);
    cvi_record_free(&again);
    cvi_buf_free(&out);
    return 0;
}
