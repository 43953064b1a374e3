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

#include "common/ctx.h"
#include "common/files.h"
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

/* Create the parent directory of path with mode 0700 when it is missing
 * and its own parent exists (only the last component: a mistyped deeper path
 * fails instead of growing a tree). 0 if it exists or was made. */
static int make_parent(cv_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    size_t n = (size_t)(slash - path);
    char dir[4096];
    if (n >= sizeof dir) return cvi_error(ctx, CV_EIO, "%s: path too long", path);
    memcpy(dir, path, n);
    dir[n] = '\0';
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        return cvi_error(ctx, CV_EIO, "%s: not a directory", dir);
    }
    if (errno != ENOENT) return cvi_error(ctx, CV_EIO, "%s: %s", dir, cvi_strerror(errno));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        if (errno == ENOENT)
            return cvi_error(ctx, CV_EIO, "%s: its parent directory does not exist (keygen creates only the last "
                                          "component; run mkdir -p first)", dir);
        return cvi_error(ctx, CV_EIO, "%s: cannot create the directory: %s", dir, cvi_strerror(errno));
    }
    return 0;
}

/* Write 32 bytes as 64 hex characters and a newline to a new file of the
 * given mode (never overwriting), creating a missing last directory of the
 * path with mode 0700. `what` names the file in errors. */
int cvi_hexkey_write(cv_ctx *ctx, const char *path, const unsigned char raw[32], unsigned mode, const char *what)
{
    if (!strcmp(path, "-"))
        return cvi_error(ctx, CV_EUSAGE, "refusing to write a %s to standard output ('-'): give a file name", what);
    int rc = make_parent(ctx, path);
    if (rc) return rc;
    char *hex = sodium_malloc(2 * 32 + 2);
    if (!hex) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    sodium_bin2hex(hex, 2 * 32 + 1, raw, 32);
    hex[2 * 32] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        rc = cvi_error(ctx, errno == EEXIST ? CV_EKEY : CV_EIO, "%s: %s%s", path, cvi_strerror(errno),
                       errno == EEXIST ? " (refusing to overwrite a key)" : "");
        goto out;
    }
    /* umask may have narrowed the mode, never widened it; make it exact */
    if (fchmod(fd, (mode_t)mode) != 0 || cvi_write_all(fd, hex, 2 * 32 + 1) != 0 || fsync(fd) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
        close(fd);
        unlink(path);
        goto out;
    }
    if (close(fd) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
        unlink(path);
    }
out:
    sodium_free(hex);
    return rc;
}

int cv_key_generate_file(cv_ctx *ctx, const char *path)
{
    unsigned char *raw = sodium_malloc(CV_KEY_BYTES);
    if (!raw) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    randombytes_buf(raw, CV_KEY_BYTES);
    int rc = cvi_hexkey_write(ctx, path, raw, 0600, "key");
    sodium_free(raw);
    return rc;
}

/* Read a file of 64 hex characters (and an optional newline) into dst[32].
 * secret: refuse a file group or others can access. `what` names the kind
 * of file ("key", "controller secret key", ...) in errors; hint says how
 * such a file is made. */
int cvi_hexkey_read(cv_ctx *ctx, const char *path, unsigned char dst[32], int secret, const char *what,
                    const char *hint)
{
    int rc = 0;
    char *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, CV_EKEY, "%s file %s: %s", what, path, cvi_strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = cvi_error(ctx, CV_EKEY, "%s file %s: %s", what, path, cvi_strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = cvi_error(ctx, CV_EKEY, "%s file %s: not a regular file", what, path);
        goto out;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        rc = cvi_error(ctx, CV_EKEY,
                       "%s file %s is accessible by group or others (mode %04o); refusing to use it: run chmod 600 %s",
                       what, path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    enum { CAP = 2 * 32 + 4 };
    text = sodium_malloc(CAP);
    if (!text) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, text + n, CAP - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = cvi_error(ctx, CV_EKEY, "%s file %s: %s", what, path, cvi_strerror(errno));
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
    if (len != 2 * 32 || sodium_hex2bin(dst, 32, text, len, NULL, &bin_len, NULL) != 0 || bin_len != 32) {
        rc = cvi_error(ctx, CV_EKEY, "%s file %s: expected 64 hexadecimal characters (%s)", what, path, hint);
        goto out;
    }
out:
    if (fd >= 0) close(fd);
    sodium_free(text);
    return rc;
}

int cv_key_load_file(cv_ctx *ctx, const char *path, cv_key **out)
{
    cv_key *k = NULL;
    if (key_alloc(&k)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cvi_hexkey_read(ctx, path, k->k, 1, "key", "a key made by `callveil keygen`");
    if (rc) {
        cv_key_free(k);
        return rc;
    }
    *out = k;
    return 0;
}
