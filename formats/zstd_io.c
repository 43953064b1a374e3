/*
 * zstd_io.c - byte sources and sinks over file descriptors: plain or zstd
 * (streaming, concatenated frames, magic-number sniffing on input; one
 * background zstd worker and frame checksums on output). EINTR and partial
 * writes are handled here so nothing above has to.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "formats.h"

enum { SRC_UNKNOWN, SRC_PLAIN, SRC_ZSTD };

struct cv_source {
    int fd;
    int mode;
    int eof;               /* read() returned 0 */
    int err;               /* sticky error code, 0 if none */
    const char *err_reason;
    size_t frame_left;     /* last ZSTD_decompressStream result: 0 = between frames */
    uint64_t raw;
    void (*hash)(void *ud, const void *p, size_t n);   /* sees raw bytes */
    void *hash_ud;
    ZSTD_DStream *ds;
    ZSTD_inBuffer in;
    char *inbuf;
    size_t incap;
};

/* read() that retries EINTR; returns bytes, 0 at end, -1 on error. */
static ssize_t read_some(int fd, void *p, size_t n)
{
    for (;;) {
        ssize_t k = read(fd, p, n);
        if (k >= 0 || errno != EINTR) return k;
    }
}

static int src_fail(cv_source *s, int code, const char *why, const char **reason)
{
    s->err = code;
    s->err_reason = why;
    if (reason) *reason = why;
    return code;
}

/* Refill the (fully consumed) input buffer; 0 or CV_EIO. Sets eof. */
static int src_fill(cv_source *s, size_t want_from)
{
    ssize_t k = read_some(s->fd, s->inbuf + want_from, s->incap - want_from);
    if (k < 0) return CV_EIO;
    if (k == 0) s->eof = 1;
    s->raw += (uint64_t)k;
    if (s->hash && k > 0) s->hash(s->hash_ud, s->inbuf + want_from, (size_t)k);
    s->in.size = want_from + (size_t)k;
    return 0;
}

int cv_source_open_fd(int fd, int zstd, cv_source **out)
{
    *out = NULL;
    if (fd < 0) return CV_EUSAGE;
    cv_source *s = calloc(1, sizeof *s);
    if (!s) return CV_ENOMEM;
    s->fd = fd;
    s->mode = zstd > 0 ? SRC_ZSTD : zstd == 0 ? SRC_PLAIN : SRC_UNKNOWN;
    if (s->mode != SRC_PLAIN) {
        s->incap = ZSTD_DStreamInSize();
        s->inbuf = malloc(s->incap);
        s->ds = ZSTD_createDStream();
        if (!s->inbuf || !s->ds) {
            cv_source_free(s);
            return CV_ENOMEM;
        }
        s->in.src = s->inbuf;
    }
    *out = s;
    return 0;
}

/* Decide plain or zstd from the first four bytes (fewer at a short end). */
static int src_sniff(cv_source *s)
{
    while (s->in.size < 4 && !s->eof) {
        int rc = src_fill(s, s->in.size);
        if (rc) return rc;
    }
    s->mode = SRC_PLAIN;
    if (s->in.size >= 4) {
        const unsigned char *b = (const unsigned char *)s->inbuf;
        uint32_t m = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
            s->mode = SRC_ZSTD;
    }
    return 0;
}

/* What a decoding error means, for the reader (static text, no content).
 * A frame asking for a window over the decoder's limit is not corrupt: it
 * was made with zstd --long (or --ultra at a high level) and decoding it
 * would need that much memory, which a hostile header must not get us to
 * allocate. */
static const char *zstd_error_reason(size_t k)
{
    if (ZSTD_getErrorCode(k) == ZSTD_error_frameParameter_windowTooLarge)
        return "zstd frame needs a window over the 128 MiB limit (made with zstd --long=28 or more?): "
               "decompress it first (zstd -d --long=31)";
    return "corrupt zstd stream";
}

static long src_read_zstd(cv_source *s, void *buf, size_t cap, const char **reason)
{
    ZSTD_outBuffer o = { buf, cap, 0 };
    while (o.pos == 0) {
        if (s->in.pos == s->in.size && !s->eof) {
            s->in.pos = 0;
            if (src_fill(s, 0)) return src_fail(s, CV_EIO, "read failed", reason);
        }
        if (s->in.pos == s->in.size && s->eof) {
            if (s->frame_left == 0) return 0;
            /* No input left: flush what the decoder still holds, if anything. */
            size_t k = ZSTD_decompressStream(s->ds, &o, &s->in);
            if (ZSTD_isError(k)) return src_fail(s, CV_EINPUT, zstd_error_reason(k), reason);
            s->frame_left = k;
            if (o.pos > 0) break;
            return src_fail(s, CV_EINPUT, "truncated zstd stream", reason);
        }
        size_t k = ZSTD_decompressStream(s->ds, &o, &s->in);
        if (ZSTD_isError(k)) return src_fail(s, CV_EINPUT, zstd_error_reason(k), reason);
        s->frame_left = k;
    }
    return (long)o.pos;
}

long cv_source_read(cv_source *s, void *buf, size_t cap, const char **reason)
{
    if (s->err) {
        if (reason) *reason = s->err_reason;
        return s->err;
    }
    if (cap == 0) return 0;
    if (cap > LONG_MAX) cap = LONG_MAX;
    if (s->mode == SRC_UNKNOWN && src_sniff(s)) return src_fail(s, CV_EIO, "read failed", reason);
    if (s->mode == SRC_ZSTD) return src_read_zstd(s, buf, cap, reason);
    /* Plain: first hand out whatever sniffing buffered. */
    if (s->in.pos < s->in.size) {
        size_t n = s->in.size - s->in.pos;
        if (n > cap) n = cap;
        memcpy(buf, s->inbuf + s->in.pos, n);
        s->in.pos += n;
        return (long)n;
    }
    if (s->eof) return 0;
    ssize_t k = read_some(s->fd, buf, cap);
    if (k < 0) return src_fail(s, CV_EIO, "read failed", reason);
    if (k == 0) s->eof = 1;
    s->raw += (uint64_t)k;
    if (s->hash && k > 0) s->hash(s->hash_ud, buf, (size_t)k);
    return (long)k;
}

uint64_t cv_source_raw_bytes(const cv_source *s) { return s ? s->raw : 0; }

void cv_source_set_hash(cv_source *s, void (*fn)(void *ud, const void *p, size_t n), void *ud)
{
    s->hash = fn;
    s->hash_ud = ud;
}

void cv_source_free(cv_source *s)
{
    if (!s) return;
    ZSTD_freeDStream(s->ds);
    free(s->inbuf);
    free(s);
}

/* ---- sinks --------------------------------------------------------------- */

struct cv_sink {
    int fd;
    int err;               /* sticky */
    int finished;
    uint64_t out_bytes;
    ZSTD_CCtx *cc;
    char *obuf;
    size_t ocap;
    void (*hash)(void *ud, const void *p, size_t n);
    void *hash_ud;
};

static int write_all(cv_sink *s, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(s->fd, c, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* A non-blocking fd (a pipe set up by someone else): wait. */
                struct pollfd pf = { .fd = s->fd, .events = POLLOUT };
                if (poll(&pf, 1, -1) >= 0 || errno == EINTR) continue;
            }
            s->err = CV_EIO;
            return CV_EIO;
        }
        if (s->hash) s->hash(s->hash_ud, c, (size_t)k);
        s->out_bytes += (uint64_t)k;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

int cv_sink_open_fd(int fd, int zstd_level, cv_sink **out)
{
    *out = NULL;
    if (fd < 0) return CV_EUSAGE;
    if (zstd_level != 0 && (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel())) return CV_EUSAGE;
    cv_sink *s = calloc(1, sizeof *s);
    if (!s) return CV_ENOMEM;
    s->fd = fd;
    if (zstd_level != 0) {
        s->ocap = ZSTD_CStreamOutSize();
        s->obuf = malloc(s->ocap);
        s->cc = ZSTD_createCCtx();
        if (!s->obuf || !s->cc) goto nomem;
        if (ZSTD_isError(ZSTD_CCtx_setParameter(s->cc, ZSTD_c_compressionLevel, zstd_level)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(s->cc, ZSTD_c_checksumFlag, 1))) {
            cv_sink_free(s);
            return CV_EINTERNAL;
        }
        /* One worker: compression overlaps with the caller, and the output
         * no longer depends on how the caller chunks its writes. */
        ZSTD_bounds b = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers);
        if (!ZSTD_isError(b.error) && b.upperBound >= 1)
            (void)ZSTD_CCtx_setParameter(s->cc, ZSTD_c_nbWorkers, 1);
    }
    *out = s;
    return 0;
nomem:
    cv_sink_free(s);
    return CV_ENOMEM;
}

void cv_sink_set_hash(cv_sink *s, void (*fn)(void *ud, const void *p, size_t n), void *ud)
{
    s->hash = fn;
    s->hash_ud = ud;
}

/* Feed input (possibly none) with the given directive, writing whatever
 * output appears, until the input is consumed (and, for ZSTD_e_end, the
 * frame is complete). */
static int sink_compress(cv_sink *s, const void *p, size_t n, ZSTD_EndDirective op)
{
    ZSTD_inBuffer in = { p, n, 0 };
    for (;;) {
        ZSTD_outBuffer o = { s->obuf, s->ocap, 0 };
        size_t left = ZSTD_compressStream2(s->cc, &o, &in, op);
        if (ZSTD_isError(left)) {
            s->err = CV_EINTERNAL;
            return CV_EINTERNAL;
        }
        if (o.pos > 0 && write_all(s, s->obuf, o.pos)) return CV_EIO;
        if (op == ZSTD_e_end ? left == 0 : in.pos == in.size) return 0;
    }
}

int cv_sink_write(cv_sink *s, const void *p, size_t n)
{
    if (s->err) return s->err;
    if (s->finished) return CV_EUSAGE;
    if (n == 0) return 0;
    if (!s->cc) return write_all(s, p, n);
    return sink_compress(s, p, n, ZSTD_e_continue);
}

int cv_sink_finish(cv_sink *s)
{
    if (s->err) return s->err;
    if (s->finished) return 0;
    int rc = s->cc ? sink_compress(s, NULL, 0, ZSTD_e_end) : 0;
    if (rc == 0) s->finished = 1;
    return rc;
}

uint64_t cv_sink_bytes_out(const cv_sink *s) { return s ? s->out_bytes : 0; }

void cv_sink_free(cv_sink *s)
{
    if (!s) return;
    ZSTD_freeCCtx(s->cc);
    free(s->obuf);
    free(s);
}
