/*
 * util.c - growable buffers and UTF-8 validation, the byte-level helpers
 * every module shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void cvi_buf_init(cv_buf *b) { b->p = NULL; b->n = b->cap = 0; }

void cvi_buf_free(cv_buf *b)
{
    if (!b) return;
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

int cvi_buf_reserve(cv_buf *b, size_t extra)
{
    if (b->cap - b->n > extra) return 0;   /* keeps one spare byte for cvi_buf_cstr */
    size_t need = b->n + extra + 1;
    if (need < b->n) return CV_ENOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return CV_ENOMEM;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) return CV_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int cvi_buf_append(cv_buf *b, const void *p, size_t n)
{
    if (n == 0) return 0;
    if (cvi_buf_reserve(b, n)) return CV_ENOMEM;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

int cvi_buf_putc(cv_buf *b, char c)
{
    if (b->cap - b->n <= 1 && cvi_buf_reserve(b, 1)) return CV_ENOMEM;
    b->p[b->n++] = c;
    return 0;
}

int cvi_buf_puts(cv_buf *b, const char *z) { return cvi_buf_append(b, z, strlen(z)); }

int cvi_buf_printf(cv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) return CV_EINTERNAL;
    if (cvi_buf_reserve(b, (size_t)k + 1)) return CV_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
    return 0;
}

const char *cvi_buf_cstr(cv_buf *b)
{
    if (cvi_buf_reserve(b, 1)) return NULL;
    b->p[b->n] = '\0';
    return b->p;
}

size_t cvi_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = p[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = p[i + k];
            if ((cc & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return n;
}

int cvi_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 32;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size) return CV_ENOMEM;
        c *= 2;
    }
    void *np = realloc(*p, c * size);
    if (!np) return CV_ENOMEM;
    *p = np;
    *cap = c;
    return 0;
}

const char *cvi_strerror(int e)
{
    static _Thread_local char buf[128];
    /* the XSI strerror_r (_POSIX_C_SOURCE without _GNU_SOURCE): 0 or an error */
    if (strerror_r(e, buf, sizeof buf) != 0) snprintf(buf, sizeof buf, "error %d", e);
    return buf;
}
