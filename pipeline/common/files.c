/*
 * files.c - whole-file reads and atomic whole-file writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

int cvi_read_file(const char *path, cv_buf *b, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CV_EIO;
    char tmp[65536];
    size_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, tmp, sizeof tmp);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { rc = CV_EIO; break; }
        if (got == 0) break;
        total += (size_t)got;
        if (total > max) { rc = CV_EINPUT; break; }
        if (cv_buf_append(b, tmp, (size_t)got)) { rc = CV_ENOMEM; break; }
    }
    close(fd);
    return rc;
}

char *cvi_tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + 32;
    char *t = malloc(n);
    if (t) snprintf(t, n, "%.*s.%s.cvtmp.%ld", (int)dl, path, path + dl, (long)getpid());
    return t;
}

int cvi_fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path) >= (int)sizeof dir)
        return errno = ENAMETOOLONG, -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int cvi_write_atomic(cv_ctx *ctx, const char *path, const void *p, size_t n, unsigned mode)
{
    char *tmp = cvi_tmp_name(path);
    if (!tmp) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) rc = CV_EIO;
    for (size_t off = 0; !rc && off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = CV_EIO;
        else off += (size_t)w;
    }
    if (fd >= 0 && !rc && fsync(fd) != 0) rc = CV_EIO;
    if (fd >= 0 && close(fd) != 0) rc = CV_EIO;
    if (!rc && (rename(tmp, path) != 0 || cvi_fsync_parent(path) != 0)) rc = CV_EIO;
    if (rc) {
        int e = errno;
        unlink(tmp);
        rc = cvi_error(ctx, CV_EIO, "%s: %s", path, strerror(e));
    }
    free(tmp);
    return rc;
}

char *cvi_path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    int slash = na && a[na - 1] != '/';
    char *s = malloc(na + nb + 2);
    if (!s) return NULL;
    memcpy(s, a, na);
    if (slash) s[na++] = '/';
    memcpy(s + na, b, nb + 1);
    return s;
}
