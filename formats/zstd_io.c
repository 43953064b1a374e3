/*
 * zstd_io.c - byte sources and sinks over file descriptors: plain, zstd or
 * (input only) gzip; streaming, concatenated frames or members, the format
 * sniffed from the magic number, other compressions (bzip2, xz, lz4) named
 * and refused; one background zstd worker and frame checksums on output.
 * EINTR and partial writes are handled here so nothing above has to.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "formats.h"

enum { SRC_UNKNOWN, SRC_PLAIN, SRC_ZSTD, SRC_GZIP };

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
    z_stream *gz;          /* gzip: inflate state, made when sniffed */
    int gz_ended;          /* the last gzip member is complete */
    ZSTD_inBuffer in;      /* the raw input buffer (zstd and gzip) */
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

int cvi_source_open_fd(int fd, int zstd, cv_source **out)
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
            cvi_source_free(s);
            return CV_ENOMEM;
        }
        s->in.src = s->inbuf;
    }
    *out = s;
    return 0;
}

/* Compressions we do not read, by magic number: named in the error so the
 * user knows what to decompress with (static text). */
static const char *foreign_compression(const unsigned char *b, size_t n)
{
    if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9')
        return "bzip2-compressed input is not read: decompress it first (bzip2 -dc FILE)";
    if (n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6))
        return "xz-compressed input is not read: decompress it first (xz -dc FILE)";
    if (n >= 4 && !memcmp(b, "\x04\x22\x4d\x18", 4))
        return "lz4-compressed input is not read: decompress it first (lz4 -dc FILE)";
    return NULL;
}

/* Decide plain, zstd or gzip from the first bytes (fewer at a short end);
 * CV_EINPUT with *why for a compression we do not read. */
static int src_sniff(cv_source *s, const char **why)
{
    while (s->in.size < 6 && !s->eof) {
        int rc = src_fill(s, s->in.size);
        if (rc) return rc;
    }
    s->mode = SRC_PLAIN;
    const unsigned char *b = (const unsigned char *)s->inbuf;
    if (s->in.size >= 4) {
        uint32_t m = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
            s->mode = SRC_ZSTD;
    }
    if (s->in.size >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8) {
        s->gz = calloc(1, sizeof *s->gz);
        if (!s->gz) return CV_ENOMEM;
        /* 16 + MAX_WBITS: a gzip wrapper only (not zlib or raw deflate) */
        if (inflateInit2(s->gz, 16 + MAX_WBITS) != Z_OK) {
            free(s->gz);
            s->gz = NULL;
            return CV_ENOMEM;
        }
        s->mode = SRC_GZIP;
    }
    if ((*why = foreign_compression(b, s->in.size))) return CV_EINPUT;
    return 0;
}

/* gzip: members one after another (as `cat a.gz b.gz` makes) read as one
 * stream; a member cut short is "truncated", anything else "corrupt". */
static long src_read_gzip(cv_source *s, void *buf, size_t cap, const char **reason)
{
    z_stream *z = s->gz;
    uInt want = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
    z->next_out = buf;
    z->avail_out = want;
    while (z->avail_out == want) {
        if (s->in.pos == s->in.size) {
            if (s->eof) {
                if (s->gz_ended) return 0;
                return src_fail(s, CV_EINPUT, "truncated gzip stream", reason);
            }
            s->in.pos = 0;
            if (src_fill(s, 0)) return src_fail(s, CV_EIO, "read failed", reason);
            continue;
        }
        if (s->gz_ended) {
            if (inflateReset(z) != Z_OK) return src_fail(s, CV_EINPUT, "corrupt gzip stream", reason);
            s->gz_ended = 0;
        }
        z->next_in = (unsigned char *)s->inbuf + s->in.pos;
        z->avail_in = (uInt)(s->in.size - s->in.pos);
        int zr = inflate(z, Z_NO_FLUSH);
        s->in.pos = s->in.size - z->avail_in;
        if (zr == Z_STREAM_END) s->gz_ended = 1;
        else if (zr != Z_OK) return src_fail(s, CV_EINPUT, "corrupt gzip stream", reason);
    }
    return (long)(want - z->avail_out);
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

long cvi_source_read(cv_source *s, void *buf, size_t cap, const char **reason)
{
    if (s->err) {
        if (reason) *reason = s->err_reason;
        return s->err;
    }
    if (cap == 0) return 0;
    if (cap > LONG_MAX) cap = LONG_MAX;
    if (s->mode == SRC_UNKNOWN) {
        const char *why = NULL;
        int rc = src_sniff(s, &why);
        if (rc) return src_fail(s, rc, why ? why : rc == CV_ENOMEM ? "out of memory" : "read failed", reason);
    }
    if (s->mode == SRC_ZSTD) return src_read_zstd(s, buf, cap, reason);
    if (s->mode == SRC_GZIP) return src_read_gzip(s, buf, cap, reason);
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

uint64_t cvi_source_raw_bytes(const cv_source *s) { return s ? s->raw : 0; }

void cvi_source_set_hash(cv_source *s, void (*fn)(void *ud, const void *p, size_t n), void *ud)
{
    s->hash = fn;
    s->hash_ud = ud;
}

void cvi_source_free(cv_source *s)
{
    if (!s) return;
    ZSTD_freeDStream(s->ds);
    if (s->gz) {
        inflateEnd(s->gz);
        free(s->gz);
    }
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

int cvi_sink_open_fd(int fd, int zstd_level, cv_sink **out)
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
            cvi_sink_free(s);
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
    cvi_sink_free(s);
    return CV_ENOMEM;
}

void cvi_sink_set_hash(cv_sink *s, void (*fn)(void *ud, const void *p, size_t n), void *ud)
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

int cvi_sink_write(cv_sink *s, const void *p, size_t n)
{
    if (s->err) return s->err;
    if (s->finished) return CV_EUSAGE;
    if (n == 0) return 0;
    if (!s->cc) return write_all(s, p, n);
    return sink_compress(s, p, n, ZSTD_e_continue);
}

int cvi_sink_finish(cv_sink *s)
{
    if (s->err) return s->err;
    if (s->finished) return 0;
    int rc = s->cc ? sink_compress(s, NULL, 0, ZSTD_e_end) : 0;
    if (rc == 0) s->finished = 1;
    return rc;
}

uint64_t cvi_sink_bytes_out(const cv_sink *s) { return s ? s->out_bytes : 0; }

void cvi_sink_free(cv_sink *s)
{
    if (!s) return;
    ZSTD_freeCCtx(s->cc);
    free(s->obuf);
    free(s);
}
