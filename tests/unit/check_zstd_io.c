/*
 * check_zstd_io.c - byte sources and sinks: multi-megabyte round trips
 * through a zstd sink and source (large and tiny chunks), output that does
 * not depend on write chunking, the hash callback, plain/zstd sniffing,
 * concatenated frames, truncated and corrupt streams, empty streams.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "formats/formats.h"

#define DATA_LEN (5u << 20)

static char *DATA;

/* Deterministic chat-like text: compressible, but not trivially. */
static void make_data(void)
{
    DATA = malloc(DATA_LEN);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    static const char *const words[] = { "hello", "my", "number", "is", "+441632960123", "thanks",
                                         "order", "refund", "\"quoted\"", "caf\xc3\xa9", "\n" };
    size_t n = 0;
    while (n < DATA_LEN) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const char *w = words[x % 11];
        size_t k = strlen(w);
        if (x % 5 == 0) {
            char num[24];
            k = (size_t)snprintf(num, sizeof num, "%llu ", (unsigned long long)(x >> 20));
            w = num;
            if (n + k > DATA_LEN) k = DATA_LEN - n;
            memcpy(DATA + n, w, k);
        } else {
            if (n + k > DATA_LEN) k = DATA_LEN - n;
            memcpy(DATA + n, w, k);
        }
        n += k;
        if (n < DATA_LEN) DATA[n++] = ' ';
    }
}

static int tmpfd(void)
{
    char name[] = "/tmp/check_zstd_io_XXXXXX";
    int fd = mkstemp(name);
    ck_assert_int_ge(fd, 0);
    unlink(name);
    return fd;
}

/* Everything in fd, from the start. */
static char *slurp(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert_int_ge(end, 0);
    char *p = malloc((size_t)end + 1);
    ck_assert_int_eq(pread(fd, p, (size_t)end, 0), end);
    *len = (size_t)end;
    return p;
}

static int fd_with(const void *p, size_t n)
{
    int fd = tmpfd();
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

typedef struct hashstate {
    uint64_t h, n;
} hashstate;

static void fnv(void *ud, const void *p, size_t n)
{
    hashstate *s = ud;
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) s->h = (s->h ^ b[i]) * 0x100000001b3ull;
    s->n += n;
}

/* Compress DATA[0..len) through a sink at level, writing in chunks of
 * sizes cycling through chunk[] (one write of everything if chunk is NULL). */
static char *compress_via_sink(int level, size_t len, const size_t *chunk, size_t nchunk, size_t *outlen,
                               hashstate *hs)
{
    int fd = tmpfd();
    cv_sink *s = NULL;
    ck_assert_int_eq(cvi_sink_open_fd(fd, level, &s), 0);
    if (hs) cvi_sink_set_hash(s, fnv, hs);
    size_t off = 0, i = 0;
    while (off < len) {
        size_t k = chunk ? chunk[i++ % nchunk] : len;
        if (k > len - off) k = len - off;
        ck_assert_int_eq(cvi_sink_write(s, DATA + off, k), 0);
        off += k;
    }
    ck_assert_int_eq(cvi_sink_finish(s), 0);
    ck_assert_int_eq(cvi_sink_finish(s), 0);   /* idempotent */
    ck_assert_int_eq(cvi_sink_write(s, "x", 1), CV_EUSAGE);
    uint64_t bo = cvi_sink_bytes_out(s);
    cvi_sink_free(s);
    char *p = slurp(fd, outlen);
    ck_assert_uint_eq(bo, *outlen);
    close(fd);
    return p;
}

/* Read all of fd through a source, cap bytes at a time (cycling caps). */
static char *read_source(int fd, int zstd, const size_t *caps, size_t ncaps, size_t *len, int *err,
                         const char **why, uint64_t *raw)
{
    cv_source *src = NULL;
    ck_assert_int_eq(cvi_source_open_fd(fd, zstd, &src), 0);
    size_t cap = DATA_LEN * 2 + 64, n = 0, i = 0;
    char *out = malloc(cap);
    *err = 0;
    *why = NULL;
    for (;;) {
        size_t want = caps ? caps[i++ % ncaps] : 1 << 16;
        if (want > cap - n) want = cap - n;
        long k = cvi_source_read(src, out + n, want, why);
        if (k < 0) {
            *err = (int)k;
            /* errors are sticky */
            const char *again = NULL;
            ck_assert_int_eq(cvi_source_read(src, out, 16, &again), k);
            ck_assert_ptr_eq(again, *why);
            break;
        }
        if (k == 0) break;
        ck_assert_uint_le((size_t)k, want);
        n += (size_t)k;
    }
    if (raw) *raw = cvi_source_raw_bytes(src);
    cvi_source_free(src);
    *len = n;
    return out;
}

START_TEST(test_roundtrip_large)
{
    size_t zlen, len;
    hashstate hs = { 0xcbf29ce484222325ull, 0 };
    char *z = compress_via_sink(3, DATA_LEN, NULL, 0, &zlen, &hs);
    ck_assert_uint_lt(zlen, DATA_LEN / 2);
    ck_assert_uint_eq(hs.n, zlen);
    hashstate check = { 0xcbf29ce484222325ull, 0 };
    fnv(&check, z, zlen);
    ck_assert(check.h == hs.h);       /* the callback saw exactly the file's bytes */
    /* an independent decoder agrees, and the frame carries a checksum */
    char *plain = malloc(DATA_LEN);
    ck_assert_uint_eq(ZSTD_decompress(plain, DATA_LEN, z, zlen), DATA_LEN);
    ck_assert_mem_eq(plain, DATA, DATA_LEN);
    free(plain);
    ck_assert_int_ne(z[4] & 0x04, 0);   /* Content_Checksum_flag */

    int fd = fd_with(z, zlen);
    int err;
    const char *why;
    uint64_t raw;
    for (int zmode = -1; zmode <= 1; zmode += 2) {
        ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
        char *back = read_source(fd, zmode, NULL, 0, &len, &err, &why, &raw);
        ck_assert_int_eq(err, 0);
        ck_assert_uint_eq(len, DATA_LEN);
        ck_assert_mem_eq(back, DATA, DATA_LEN);
        ck_assert_uint_eq(raw, zlen);
        free(back);
    }
    /* tiny reads */
    static const size_t caps[] = { 1, 7, 3, 4096, 13, 2 };
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    char *back = read_source(fd, 1, caps, 6, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, DATA_LEN);
    ck_assert_mem_eq(back, DATA, DATA_LEN);
    free(back);
    close(fd);
    free(z);
}
END_TEST

START_TEST(test_chunking_independent)
{
    size_t a, b, c;
    static const size_t small[] = { 1, 5, 17, 300, 2, 65536, 9 };
    const size_t len = 3u << 20;
    char *whole = compress_via_sink(3, len, NULL, 0, &a, NULL);
    char *bits = compress_via_sink(3, len, small, 7, &b, NULL);
    static const size_t big[] = { 1u << 20, 12345 };
    char *blocks = compress_via_sink(3, len, big, 2, &c, NULL);
    ck_assert_uint_eq(a, b);
    ck_assert_mem_eq(whole, bits, a);
    ck_assert_uint_eq(a, c);
    ck_assert_mem_eq(whole, blocks, a);
    free(whole);
    free(bits);
    free(blocks);
}
END_TEST

START_TEST(test_plain)
{
    size_t zlen, len;
    hashstate hs = { 0xcbf29ce484222325ull, 0 };
    static const size_t chunks[] = { 1000, 1, 77 };
    char *p = compress_via_sink(0, 100000, chunks, 3, &zlen, &hs);
    ck_assert_uint_eq(zlen, 100000);
    ck_assert_mem_eq(p, DATA, 100000);
    ck_assert_uint_eq(hs.n, 100000);
    /* sniffing delivers the first bytes of plain input too */
    int fd = fd_with(p, zlen);
    int err;
    const char *why;
    static const size_t caps[] = { 1, 2, 3, 50000 };
    char *back = read_source(fd, -1, caps, 4, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, 100000);
    ck_assert_mem_eq(back, DATA, 100000);
    free(back);
    close(fd);
    free(p);
    /* inputs shorter than the magic number */
    for (size_t n = 0; n <= 4; n++) {
        fd = fd_with("\x28\xb5\x2f" "ab", n);
        back = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
        ck_assert_int_eq(err, 0);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(back, "\x28\xb5\x2f" "ab", n);
        free(back);
        close(fd);
    }
}
END_TEST

START_TEST(test_zstd_read_raw)
{
    /* zstd = 0 hands compressed bytes through untouched */
    size_t zlen, len;
    char *z = compress_via_sink(1, 5000, NULL, 0, &zlen, NULL);
    int fd = fd_with(z, zlen);
    int err;
    const char *why;
    char *back = read_source(fd, 0, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, zlen);
    ck_assert_mem_eq(back, z, zlen);
    free(back);
    close(fd);
    free(z);
}
END_TEST

START_TEST(test_concatenated)
{
    size_t a, b, len;
    char *z1 = compress_via_sink(3, 200000, NULL, 0, &a, NULL);
    char *z2 = compress_via_sink(19, 300000, NULL, 0, &b, NULL);
    char *both = malloc(a + b);
    memcpy(both, z1, a);
    memcpy(both + a, z2, b);
    int fd = fd_with(both, a + b);
    int err;
    const char *why;
    char *back = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, 500000);
    ck_assert_mem_eq(back, DATA, 200000);
    ck_assert_mem_eq(back + 200000, DATA, 300000);
    free(back);
    close(fd);
    free(both);
    free(z1);
    free(z2);
}
END_TEST

START_TEST(test_truncated_and_corrupt)
{
    size_t zlen, len;
    char *z = compress_via_sink(3, 1u << 20, NULL, 0, &zlen, NULL);
    int err;
    const char *why;
    const size_t cuts[] = { zlen - 1, zlen - 4, zlen / 2, 10, 5 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        int fd = fd_with(z, cuts[i]);
        char *back = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
        ck_assert_int_eq(err, CV_EINPUT);
        ck_assert_str_eq(why, "truncated zstd stream");
        ck_assert_uint_le(len, 1u << 20);   /* a cut checksum loses no data, but still fails */
        ck_assert_mem_eq(back, DATA, len);    /* what came out before the cut is right */
        free(back);
        close(fd);
    }
    /* a flipped byte in the middle: the block or the checksum gives it away */
    char *bad = malloc(zlen);
    memcpy(bad, z, zlen);
    bad[zlen / 2] ^= 0x5a;
    int fd = fd_with(bad, zlen);
    char *back = read_source(fd, 1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, CV_EINPUT);
    ck_assert_str_eq(why, "corrupt zstd stream");
    free(back);
    close(fd);
    /* garbage after a valid frame */
    char *extra = malloc(zlen + 8);
    memcpy(extra, z, zlen);
    memcpy(extra + zlen, "garbage!", 8);
    fd = fd_with(extra, zlen + 8);
    back = read_source(fd, 1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, CV_EINPUT);
    ck_assert_str_eq(why, "corrupt zstd stream");
    ck_assert_uint_eq(len, 1u << 20);
    free(back);
    close(fd);
    free(extra);
    free(bad);
    free(z);
}
END_TEST

START_TEST(test_empty)
{
    size_t zlen, len;
    char *z = compress_via_sink(3, 0, NULL, 0, &zlen, NULL);
    ck_assert_uint_gt(zlen, 0);                   /* still a whole frame */
    char tmp[8];
    ck_assert_uint_eq(ZSTD_decompress(tmp, sizeof tmp, z, zlen), 0);
    int fd = fd_with(z, zlen);
    int err;
    const char *why;
    char *back = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, 0);
    free(back);
    close(fd);
    free(z);
    /* an empty file is an empty stream, zstd or not */
    fd = tmpfd();
    back = read_source(fd, 1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, 0);
    free(back);
    close(fd);
}
END_TEST

START_TEST(test_bad_args)
{
    cv_sink *s = (cv_sink *)&s;
    ck_assert_int_eq(cvi_sink_open_fd(1, ZSTD_maxCLevel() + 1, &s), CV_EUSAGE);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(cvi_sink_open_fd(-1, 3, &s), CV_EUSAGE);
    cv_source *src = (cv_source *)&src;
    ck_assert_int_eq(cvi_source_open_fd(-1, -1, &src), CV_EUSAGE);
    ck_assert_ptr_null(src);
    cvi_sink_free(NULL);
    cvi_source_free(NULL);
    /* a write error is reported, and stays reported */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    ck_assert_int_eq(cvi_sink_open_fd(p[1], 0, &s), 0);
    signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(cvi_sink_write(s, "abc", 3), CV_EIO);
    ck_assert_int_eq(cvi_sink_finish(s), CV_EIO);
    cvi_sink_free(s);
    close(p[1]);
    /* reading from a write-only descriptor fails with CV_EIO */
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(cvi_source_open_fd(p[1], -1, &src), 0);
    const char *why = NULL;
    char b[4];
    ck_assert_int_eq(cvi_source_read(src, b, sizeof b, &why), CV_EIO);
    ck_assert_str_eq(why, "read failed");
    cvi_source_free(src);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* gzip n bytes of p (a gzip member, as `gzip -c` writes one) onto fd. */
static void gzip_onto(int fd, const char *p, size_t n)
{
    z_stream z = { 0 };
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n);
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_int_eq(write(fd, out, z.total_out), (ssize_t)z.total_out);
    deflateEnd(&z);
    free(out);
}

/* gzip is sniffed and read like zstd: equal to the plain bytes at any read
 * size, members one after another as one stream, a cut member "truncated",
 * a damaged one "corrupt", and other compressions named. */
START_TEST(test_gzip)
{
    static const size_t caps[] = { 1, 7, 4096, 65536, 3 };
    size_t len;
    int err;
    const char *why;
    uint64_t raw;
    int fd = tmpfd();
    gzip_onto(fd, DATA, DATA_LEN);
    off_t gzlen = lseek(fd, 0, SEEK_CUR);
    gzip_onto(fd, DATA, 1000);                       /* a second member */
    off_t total = lseek(fd, 0, SEEK_CUR);
    lseek(fd, 0, SEEK_SET);
    char *got = read_source(fd, -1, caps, 5, &len, &err, &why, &raw);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, DATA_LEN + 1000);
    ck_assert_int_eq(memcmp(got, DATA, DATA_LEN), 0);
    ck_assert_int_eq(memcmp(got + DATA_LEN, DATA, 1000), 0);
    ck_assert_uint_eq(raw, (uint64_t)total);
    free(got);
    /* cut inside the first member */
    ck_assert_int_eq(ftruncate(fd, gzlen / 2), 0);
    lseek(fd, 0, SEEK_SET);
    got = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, CV_EINPUT);
    ck_assert_str_eq(why, "truncated gzip stream");
    ck_assert_int_eq(memcmp(got, DATA, len), 0);     /* what came before is exact */
    free(got);
    /* damaged deflate data */
    ck_assert_int_eq(pwrite(fd, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 100), 8);
    lseek(fd, 0, SEEK_SET);
    got = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, CV_EINPUT);
    ck_assert_ptr_nonnull(strstr(why, "gzip stream"));
    free(got);
    close(fd);
    /* bzip2, xz, lz4: refused by name, before any byte is handed out */
    static const char *const magic[] = { "BZh91AY&SY", "\xfd" "7zXZ\0\0\x04", "\x04\x22\x4d\x18\x64\x40" };
    static const size_t mlen[] = { 10, 8, 6 };
    static const char *const name[] = { "bzip2", "xz", "lz4" };
    for (int i = 0; i < 3; i++) {
        fd = tmpfd();
        ck_assert_int_eq(write(fd, magic[i], mlen[i]), (ssize_t)mlen[i]);
        lseek(fd, 0, SEEK_SET);
        got = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
        ck_assert_int_eq(err, CV_EINPUT);
        ck_assert_uint_eq(len, 0);
        ck_assert_ptr_nonnull(strstr(why, name[i]));
        free(got);
        close(fd);
    }
    /* plain text that starts like none of them stays plain */
    fd = tmpfd();
    ck_assert_int_eq(write(fd, "BZ", 2), 2);
    lseek(fd, 0, SEEK_SET);
    got = read_source(fd, -1, NULL, 0, &len, &err, &why, NULL);
    ck_assert_int_eq(err, 0);
    ck_assert_uint_eq(len, 2);
    free(got);
    close(fd);
}
END_TEST

static Suite *zstd_io_suite(void)
{
    Suite *s = suite_create("zstd_io");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_roundtrip_large);
    tcase_add_test(tc, test_chunking_independent);
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_zstd_read_raw);
    tcase_add_test(tc, test_concatenated);
    tcase_add_test(tc, test_truncated_and_corrupt);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bad_args);
    tcase_add_test(tc, test_gzip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    make_data();
    SRunner *sr = srunner_create(zstd_io_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(DATA);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
