/*
 * files.h - whole-file reads and atomic whole-file writes (internal).
 */
#ifndef CV_FILES_H
#define CV_FILES_H

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

/* The name a file is written under before it replaces path: a dot file
 * beside it (".NAME.cvtmp.PID"), so directory walks skip it. malloc'ed. */
char *cvi_tmp_name(const char *path);
/* The same name into buf[0..cap): 0, or -1 (and errno ENAMETOOLONG) if it does not fit. */
int cvi_tmp_name_into(char *buf, size_t cap, const char *path);

/* Write p[0..n) to path atomically: a temporary name beside it (mode, less
 * the umask), fsync, rename, fsync of the directory. Reports CV_EIO/CV_ENOMEM through ctx. */
/* fsync the directory that holds path, so that a rename into it lasts.
 * 0, or -1 with errno set. */
int cvi_fsync_parent(const char *path);

/* Write all n bytes of p to fd (a short write is continued, EINTR retried):
 * 0, or -1 with errno set. */
int cvi_write_all(int fd, const void *p, size_t n);
int cvi_write_atomic(cv_ctx *ctx, const char *path, const void *p, size_t n, unsigned mode);

/* mkdir -p of path's first upto bytes. 0, or CV_EIO with errno set. */
int cvi_mkdirs(const char *path, size_t upto);
/* BLAKE2b-256 and size of a file. 0 or CV_EIO (errno set). */
int cvi_hash_file(const char *path, unsigned char h[32], uint64_t *size);

#endif
