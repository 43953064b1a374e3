/*
 * files.h - whole-file reads, staged (atomic) writes, paths (internal).
 */
#ifndef CV_FILES_H
#define CV_FILES_H

#include <limits.h>

#include "base.h"

/* Append the file at path to b. 0, CV_EIO (cannot open or read: errno
 * set), CV_EINPUT (longer than max bytes) or CV_ENOMEM. */
int cvi_read_file(const char *path, cv_buf *b, size_t max);
/* Call cb(arg, line, n, complete) for each line of the file at path, without
 * its '\n' (complete 0: the last line had none: a torn write); lines of any
 * length, read in blocks. Stops at cb's first non-zero return and returns
 * it; else 0, CV_EIO (errno set) or CV_ENOMEM. */
int cvi_each_line(const char *path, int (*cb)(void *arg, char *line, size_t n, int complete), void *arg);

/* "a/b" ("a/" + "b" gives "a/b"; malloc'ed, NULL on ENOMEM). */
char *cvi_path_join(const char *a, const char *b);

/* fsync the directory that holds path, so that a rename into it lasts.
 * 0, or -1 with errno set. */
int cvi_fsync_parent(const char *path);

/* Write all n bytes of p to fd (a short write is continued, EINTR retried):
 * 0, or -1 with errno set. */
int cvi_write_all(int fd, const void *p, size_t n);

/* ---- staged writes: the one place the library names a file it has not
 * finished, fsyncs it, renames it into place and removes it on failure ----
 * A file is written in full under a temporary name beside its target, a dot
 * file ".NAME.cvtmp.PID" (directory walks skip it; cvi_dataset_clean
 * removes a killed command's), fsynced, then renamed over the target (and,
 * when that rename must last by itself, the directory fsynced). Or, instead
 * of the rename, it is handed over to a dataset commit (cvi_commit_replace:
 * renamed together with others) and released here. Calls return 0, or -1
 * with errno set: the caller words the error. */
typedef struct cvi_staged {
    char path[PATH_MAX];        /* the target */
    char tmp[PATH_MAX + 64];    /* the staged file; "" once renamed, released or removed */
    int fd;                     /* open on tmp for writing, or -1 */
    int by_name;                /* written by another writer under tmp: fsynced by name */
} cvi_staged;

/* Name the temporary for target path (nothing is created; s->fd -1): for a
 * file another writer creates under s->tmp by name (the audio module);
 * cvi_staged_sync opens it to fsync it. -1 (ENAMETOOLONG) if the names do
 * not fit. */
int cvi_staged_init(cvi_staged *s, const char *path);
/* As cvi_staged_init, with the temporary's name given: a stage that outlives
 * the process (the vault's), reopened by its owner; fd set by the caller. */
int cvi_staged_init_as(cvi_staged *s, const char *path, const char *tmp);
/* cvi_staged_init, then create the temporary (mode less the umask) and open
 * it for writing in s->fd. On failure s->tmp still names it (for the
 * message; "" if the name did not fit): cvi_staged_discard as usual. */
int cvi_staged_open(cvi_staged *s, const char *path, unsigned mode);
/* fsync and close s->fd if open (a file written by name: open, fsync,
 * close): the staged file is complete. On a failure the fd is closed all
 * the same. */
int cvi_staged_sync(cvi_staged *s);
/* Name, in buf[0..cap), a scratch file beside s's temporary (its name +
 * ".k", a temporary name too): another writer fills it (run's risk
 * enforcement: the output without the small classes), cvi_staged_adopt
 * takes it. */
int cvi_staged_side_name(const cvi_staged *s, char *buf, size_t cap);
/* The complete file at side (cvi_staged_side_name) becomes s's staged file,
 * replacing what was staged (renamed over it; side removed on failure). */
int cvi_staged_adopt(cvi_staged *s, const char *side);
/* cvi_staged_sync, rename the staged file over the target and, with
 * sync_dir, fsync the target's directory. s->tmp "" once renamed. */
int cvi_staged_commit(cvi_staged *s, int sync_dir);
/* The staged file belongs to someone else now (a dataset commit): forget it. */
void cvi_staged_release(cvi_staged *s);
/* After a failure: close s->fd and remove the staged file, if any (again
 * harmless; NULL ok). errno is kept. */
void cvi_staged_discard(cvi_staged *s);

/* Write p[0..n) to path atomically (a staged write: temporary beside it
 * with mode less the umask, fsync, rename, fsync of the directory).
 * Reports CV_EIO/CV_ENOMEM through ctx. */
int cvi_write_atomic(cv_ctx *ctx, const char *path, const void *p, size_t n, unsigned mode);

/* mkdir -p of path's first upto bytes. 0, or CV_EIO with errno set. */
int cvi_mkdirs(const char *path, size_t upto);
/* BLAKE2b-256 and size of a file. 0 or CV_EIO (errno set). */
int cvi_hash_file(const char *path, unsigned char h[32], uint64_t *size);

#endif
