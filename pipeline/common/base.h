/*
 * base.h - the small vocabulary every part of the library shares: byte views
 * (cv_str), growable buffers (cv_buf), error codes and the error/diagnostic
 * plumbing of cv_ctx. Internal: not installed, not part of the public API.
 */
#ifndef CV_BASE_H
#define CV_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../include/callveil.h"

/* A borrowed view of bytes; never NUL-terminated unless the producer says so. */
typedef struct cv_str {
    const char *p;
    size_t n;
} cv_str;

#define CV_STR_LIT(s) ((cv_str){ (s), sizeof(s) - 1 })

static inline cv_str cv_str_make(const char *p, size_t n) { cv_str s = { p, n }; return s; }
static inline int cv_str_eq(cv_str a, cv_str b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }
static inline int cv_str_eqz(cv_str a, const char *z) { size_t n = strlen(z); return a.n == n && memcmp(a.p, z, n) == 0; }

/* A growable byte buffer. Zero-initialise, or cvi_buf_init(). Contents are not
 * NUL-terminated unless cvi_buf_cstr() is called. */
typedef struct cv_buf {
    char *p;
    size_t n;
    size_t cap;
} cv_buf;

void cvi_buf_init(cv_buf *b);
void cvi_buf_free(cv_buf *b);                       /* NULL ok; leaves b empty */
int cvi_buf_reserve(cv_buf *b, size_t extra);       /* ensure n + extra fit; 0 or CV_ENOMEM */
int cvi_buf_append(cv_buf *b, const void *p, size_t n);
int cvi_buf_putc(cv_buf *b, char c);
int cvi_buf_puts(cv_buf *b, const char *z);
int cvi_buf_printf(cv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cvi_buf_cstr(cv_buf *b);
/* Grow the array *p (of *cap elements of `size` bytes) to hold at least
 * `need`, doubling (from 32). 0, or CV_ENOMEM leaving *p as it was. */
int cvi_grow(void **p, size_t *cap, size_t need, size_t size);                /* NUL-terminates (not counted in n); NULL on ENOMEM */
static inline void cv_buf_clear(cv_buf *b) { b->n = 0; }

/* UTF-8: returns the length of the valid prefix of p[0..n) (== n when all valid).
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
size_t cvi_utf8_valid_prefix(const char *p, size_t n);

/* Errors: set the detailed message on the context (like curl's error buffer).
 * Messages name files, lines, byte offsets and reasons; never record content. */
int cvi_error(cv_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The system's text for errno value e, safe in threads (strerror is not):
 * strerror_r into a per-thread buffer, valid until this thread's next call. */
const char *cvi_strerror(int e);
/* Log through the context's callback (level CV_LOG_*). */
void cvi_log(cv_ctx *ctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
