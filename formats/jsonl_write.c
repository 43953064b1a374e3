/*
 * jsonl_write.c - JSON Lines written back (format "jsonl", jsonl.c reads
 * it): each record compactly, in its shape and member order, numbers as
 * they were written; strings borrowed from the input copied as they are
 * (cv_record.src: no escape can be in them), every other string escaped
 * (quote, backslash and control bytes; nothing else), 16 bytes a step with
 * SSE2. cvi_json_string is the same escaping for the library's own JSON.
 */
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "formats.h"

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

/* Writes the escape of byte ch (json_esc[ch] != 0) at d; returns the end. */
static inline char *put_esc(char *d, unsigned char ch)
{
    static const char hex[] = "0123456789abcdef";
    char e = json_esc[ch];
    *d++ = '\\';
    *d++ = e;
    if (e == 'u') {
        *d++ = '0';
        *d++ = '0';
        *d++ = hex[ch >> 4];
        *d++ = hex[ch & 15];
    }
    return d;
}

/* Is any of the 8 bytes at p < 0x20, '"' or '\\'? */
static inline int needs_esc8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q8 = x ^ (ones * '"'), b8 = x ^ (ones * '\\');
    return (((x - ones * 0x20) | (q8 - ones) | (b8 - ones)) & ~x & highs) != 0;
}

/* memcpy for the short runs most strings end with, without the call */
static inline void copy_short(char *d, const unsigned char *p, size_t n)
{
    if (n >= 16) {
        memcpy(d, p, n);
    } else if (n >= 8) {
        memcpy(d, p, 8);
        memcpy(d + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, p, 4);
        memcpy(d + n - 4, p + n - 4, 4);
    } else {
        for (size_t k = 0; k < n; k++) d[k] = (char)p[k];
    }
}

/* Writes "s" escaped at d, which has room for 6 * n + 2 bytes; returns the end. */
static char *put_jstr(char *d, cv_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    *d++ = '"';
#ifdef __SSE2__
    /* 16 bytes at a time, stored whole before looking: with n - i >= 16
     * bytes to go, at most 1 + 6 * i bytes are written, so the store stays
     * within the 6 * n + 2; the bytes past an escaped one are written again. */
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), lim = _mm_set1_epi8(0x1f);
    while (s.n - i >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(x, lim), x));    /* < 0x20 */
        _mm_storeu_si128((__m128i *)(void *)d, x);
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (!bits) {
            d += 16;
            i += 16;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(bits);
        d = put_esc(d + k, p[i + k]);
        i += k + 1;
    }
#endif
    size_t run = i;
    for (;;) {
        /* skip 8 bytes at a time while none is < 0x20, '"' or '\\', the
         * last 8 (overlapping ones already seen) at once */
        while (i + 8 <= s.n) {
            if (needs_esc8(p + i)) break;
            i += 8;
        }
        if (i < s.n && s.n >= 8 && i + 8 > s.n && !needs_esc8(p + s.n - 8)) i = s.n;
        if (i >= s.n) break;
        if (!json_esc[p[i]]) {
            i++;
            continue;
        }
        memcpy(d, p + run, i - run);
        d = put_esc(d + (i - run), p[i]);
        run = ++i;
    }
    copy_short(d, p + run, s.n - run);
    d += s.n - run;
    *d++ = '"';
    return d;
}

/* s written as a JSON string: copied as is when it lies in the bytes the
 * parser borrowed from (no escape can be in it: cv_record.src), else
 * escaped. */
static inline char *put_str(const cv_record *r, char *d, cv_str s)
{
    uintptr_t at = (uintptr_t)s.p, lo = (uintptr_t)r->src;
    if (r->src && at >= lo && at - lo <= r->src_n && s.n <= r->src_n - (at - lo)) {
        *d++ = '"';
        memcpy(d, s.p, s.n);
        d += s.n;
        *d++ = '"';
        return d;
    }
    return put_jstr(d, s);
}

int cvi_json_string(cv_buf *out, const char *s, size_t n)
{
    if (n > (SIZE_MAX - 2) / 6 || cvi_buf_reserve(out, 6 * n + 2)) return CV_ENOMEM;
    out->n = (size_t)(put_jstr(out->p + out->n, cv_str_make(s, n)) - out->p);
    return 0;
}

int cvi_jsonl_write(const void *state, const cv_record *r, cv_buf *out)
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
            d = put_str(r, d, nd->key);
            *d++ = ':';
        }
        if (is_begin) {
            *d++ = kind == CV_NODE_OBJ_BEGIN ? '{' : '[';
            in_arr[nd->depth + 1] = kind == CV_NODE_ARR_BEGIN;
            need_comma = 0;
        } else {
            if (kind == CV_NODE_STRING) {
                d = put_str(r, d, nd->value);
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

