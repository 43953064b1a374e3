/*
 * keys.c - master key files: generation (64 hex + newline, mode 0600,
 * never overwriting), loading with a permission check, and ephemeral keys.
 * Key bytes only ever live in sodium_malloc'ed memory; buffers that held
 * the hex text are wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ctx.h"
#include "pseudonym.h"

static int key_alloc(cv_key **out)
{
    cv_key *k = calloc(1, sizeof *k);
    if (!k) return CV_ENOMEM;
    k->k = sodium_malloc(CV_KEY_BYTES);
    if (!k->k) {
        free(k);
        return CV_ENOMEM;
    }
    *out = k;
    return 0;
}

void cv_key_free(cv_key *k)
{
    if (!k) return;
    sodium_free(k->k);
    free(k);
}

int cv_key_is_ephemeral(const cv_key *k) { return k && k->ephemeral; }

int cv_key_ephemeral(cv_ctx *ctx, cv_key **out)
{
    cv_key *k;
    if (key_alloc(&k)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    randombytes_buf(k->k, CV_KEY_BYTES);
    k->ephemeral = 1;
    *out = k;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int cv_key_generate_file(cv_ctx *ctx, const char *path)
{
    int rc = 0;
    unsigned char *raw = sodium_malloc(CV_KEY_BYTES);
    char *hex = sodium_malloc(2 * CV_KEY_BYTES + 2);
    if (!raw || !hex) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    randombytes_buf(raw, CV_KEY_BYTES);
    sodium_bin2hex(hex, 2 * CV_KEY_BYTES + 1, raw, CV_KEY_BYTES);
    hex[2 * CV_KEY_BYTES] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = cvi_error(ctx, errno == EEXIST ? CV_EKEY : CV_EIO, "%s: %s%s", path, strerror(errno),
                       errno == EEXIST ? " (refusing to overwrite a key)" : "");
        goto out;
    }
    /* umask may have narrowed the mode, never widened it; make it exact */
    if (fchmod(fd, 0600) != 0 || write_all(fd, hex, 2 * CV_KEY_BYTES + 1) != 0 || fsync(fd) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        goto out;
    }
    if (close(fd) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", path, strerror(errno));
        unlink(path);
    }
out:
    sodium_free(raw);
    sodium_free(hex);
    return rc;
}

int cv_key_load_file(cv_ctx *ctx, const char *path, cv_key **out)
{
    int rc = 0;
    cv_key *k = NULL;
    char *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, CV_EKEY, "key file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = cvi_error(ctx, CV_EKEY, "key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = cvi_error(ctx, CV_EKEY, "key file %s: not a regular file", path);
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = cvi_error(ctx, CV_EKEY,
                       "key file %s is accessible by group or others (mode %04o); refusing to use it: run chmod 600 %s",
                       path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    enum { CAP = 2 * CV_KEY_BYTES + 4 };
    text = sodium_malloc(CAP);
    if (!text || key_alloc(&k)) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, text + n, CAP - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = cvi_error(ctx, CV_EKEY, "key file %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n == CAP) break;
    }
    size_t len = n;
    if (len && text[len - 1] == '\n') len--;
    if (len && text[len - 1] == '\r') len--;
    size_t bin_len = 0;
    if (len != 2 * CV_KEY_BYTES ||
        sodium_hex2bin(k->k, CV_KEY_BYTES, text, len, NULL, &bin_len, NULL) != 0 || bin_len != CV_KEY_BYTES) {
        rc = cvi_error(ctx, CV_EKEY, "key file %s: expected 64 hexadecimal characters (a key made by `callveil keygen`)", path);
        goto out;
    }
    *out = k;
    k = NULL;
out:
    if (fd >= 0) close(fd);
    sodium_free(text);
    cv_key_free(k);
    return rc;
}
