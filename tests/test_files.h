/*
 * test_files.h - file helpers shared by the Check suites (header-only):
 * read a whole file, write one with a mode, decompress a whole
 * (multi-frame) zstd file. Include after <check.h>.
 */
#ifndef CV_TEST_FILES_H
#define CV_TEST_FILES_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

/* The whole file, NUL-terminated (length in *n if n); NULL if it cannot be opened. */
static inline char *readfile(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    size_t got = fread(p, 1, (size_t)len, f);
    fclose(f);
    p[got] = '\0';
    if (n) *n = got;
    return p;
}

static inline void writefile(const char *path, const void *p, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* The whole (multi-frame) zstd file decompressed, NUL-terminated; the
 * file must exist and be valid zstd. */
static inline char *zstd_file(const char *path, size_t *n)
{
    size_t zn;
    char *z = readfile(path, &zn);
    ck_assert_msg(z != NULL, "missing %s", path);
    size_t cap = 1 << 16, len = 0;
    char *o = malloc(cap);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer ib = { z, zn, 0 };
    while (ib.pos < ib.size) {
        if (cap - len < 65536) o = realloc(o, cap *= 2);
        ZSTD_outBuffer ob = { o + len, cap - len - 1, 0 };
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        ck_assert_msg(!ZSTD_isError(r), "%s: %s", path, ZSTD_getErrorName(r));
        len += ob.pos;
    }
    ZSTD_freeDCtx(d);
    free(z);
    o[len] = '\0';
    if (n) *n = len;
    return o;
}

#endif
