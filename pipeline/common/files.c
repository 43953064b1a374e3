/*
 * files.c - whole-file reads, staged (atomic) writes, paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

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
        if (cvi_buf_append(b, tmp, (size_t)got)) { rc = CV_ENOMEM; break; }
    }
    close(fd);
    return rc;
}

int cvi_each_line(const char *path, int (*cb)(void *arg, char *line, size_t n, int complete), void *arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CV_EIO;
    cv_buf b = { 0 };
    size_t from = 0;    /* start of the line not yet passed to cb */
    int rc = 0;
    for (;;) {
        char tmp[65536];
        ssize_t got = read(fd, tmp, sizeof tmp);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { rc = CV_EIO; break; }
        if (got == 0) {
            if (b.n > from) rc = cb(arg, b.p + from, b.n - from, 0);
            break;
        }
        if (from) {     /* keep only the unfinished line */
            memmove(b.p, b.p + from, b.n - from);
            b.n -= from;
            from = 0;
        }
        size_t scan = b.n;
        if (cvi_buf_append(&b, tmp, (size_t)got)) { rc = CV_ENOMEM; break; }
        char *nl;
        while ((nl = memchr(b.p + scan, '\n', b.n - scan))) {
            size_t end = (size_t)(nl - b.p);
            *nl = '\0';
            if ((rc = cb(arg, b.p + from, end - from, 1))) break;
            from = scan = end + 1;
        }
        if (rc) break;
    }
    int e = errno;
    free(b.p);
    close(fd);
    errno = e;
    return rc;
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

int cvi_write_all(int fd, const void *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        off += (size_t)w;
    }
    return 0;
}

/* The one temporary name: ".NAME.cvtmp.PID" beside path. */
static int tmp_name_into(char *buf, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    int n = snprintf(buf, cap, "%.*s.%s.cvtmp.%ld", (int)dl, path, path + dl, (long)getpid());
    if (n < 0 || (size_t)n >= cap) return errno = ENAMETOOLONG, -1;
    return 0;
}

int cvi_staged_init_as(cvi_staged *s, const char *path, const char *tmp)
{
    s->fd = -1;
    s->by_name = 0;
    s->tmp[0] = '\0';
    int n = snprintf(s->path, sizeof s->path, "%s", path), m = snprintf(s->tmp, sizeof s->tmp, "%s", tmp);
    if (n < 0 || (size_t)n >= sizeof s->path || m < 0 || (size_t)m >= sizeof s->tmp) {
        s->tmp[0] = '\0';
        return errno = ENAMETOOLONG, -1;
    }
    return 0;
}

/* Both names of a staged write to path. */
static int staged_name(cvi_staged *s, const char *path)
{
    s->fd = -1;
    s->by_name = 0;
    s->tmp[0] = '\0';
    int n = snprintf(s->path, sizeof s->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof s->path) return errno = ENAMETOOLONG, -1;
    if (tmp_name_into(s->tmp, sizeof s->tmp, path) != 0) {
        s->tmp[0] = '\0';
        return -1;
    }
    return 0;
}

int cvi_staged_init(cvi_staged *s, const char *path)
{
    int rc = staged_name(s, path);
    s->by_name = 1;
    return rc;
}

int cvi_staged_open(cvi_staged *s, const char *path, unsigned mode)
{
    if (staged_name(s, path) != 0) return -1;
    s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    return s->fd < 0 ? -1 : 0;
}

int cvi_staged_sync(cvi_staged *s)
{
    if (s->fd < 0 && s->by_name && s->tmp[0]) {
        s->by_name = 0;
        if ((s->fd = open(s->tmp, O_RDONLY | O_CLOEXEC)) < 0) return -1;
    }
    if (s->fd < 0) return 0;
    int e = fsync(s->fd) != 0 ? errno : 0;
    if (close(s->fd) != 0 && !e) e = errno;
    s->fd = -1;
    if (e) errno = e;
    return e ? -1 : 0;
}

int cvi_staged_side_name(const cvi_staged *s, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s.k", s->tmp);
    return n < 0 || (size_t)n >= cap ? (errno = ENAMETOOLONG, -1) : 0;
}

int cvi_staged_adopt(cvi_staged *s, const char *side)
{
    if (rename(side, s->tmp) == 0) return 0;
    int e = errno;
    unlink(side);
    errno = e;
    return -1;
}

int cvi_staged_commit(cvi_staged *s, int sync_dir)
{
    if (cvi_staged_sync(s) != 0 || rename(s->tmp, s->path) != 0) return -1;
    s->tmp[0] = '\0';
    return sync_dir ? cvi_fsync_parent(s->path) : 0;
}

void cvi_staged_release(cvi_staged *s) { s->tmp[0] = '\0'; }

void cvi_staged_discard(cvi_staged *s)
{
    if (!s) return;
    int e = errno;
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    if (s->tmp[0]) unlink(s->tmp);
    s->tmp[0] = '\0';
    errno = e;
}

int cvi_write_atomic(cv_ctx *ctx, const char *path, const void *p, size_t n, unsigned mode)
{
    cvi_staged s;
    if (cvi_staged_open(&s, path, mode) != 0 || cvi_write_all(s.fd, p, n) != 0 || cvi_staged_commit(&s, 1) != 0) {
        int e = errno;
        cvi_staged_discard(&s);
        return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(e));
    }
    return 0;
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

int cvi_mkdirs(const char *path, size_t upto)
{
    char tmp[PATH_MAX];
    if (upto >= sizeof tmp) return CV_EIO;
    memcpy(tmp, path, upto);
    tmp[upto] = '\0';
    for (size_t i = 1; i <= upto; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return CV_EIO;
            tmp[i] = c;
        }
    }
    return 0;
}

int cvi_hash_file(const char *path, unsigned char h[32], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CV_EIO;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    char buf[65536];
    ssize_t got;
    *size = 0;
    while ((got = read(fd, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { close(fd); return CV_EIO; }
        crypto_generichash_update(&st, (const unsigned char *)buf, (size_t)got);
        *size += (uint64_t)got;
    }
    close(fd);
    crypto_generichash_final(&st, h, 32);
    return 0;
}
