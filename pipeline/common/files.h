/*
 * files.h - whole-file reads and atomic whole-file writes (internal).
 */
#ifndef CV_FILES_H
#define CV_FILES_H

#include "base.h"

/* Append the file at path to b. 0, CV_EIO (cannot open or read: errno
 * set), CV_EINPUT (longer than max bytes) or CV_ENOMEM. */
int cvi_read_file(const char *path, cv_buf *b, size_t max);

/* "a/b" ("a/" + "b" gives "a/b"; malloc'ed, NULL on ENOMEM). */
char *cvi_path_join(const char *a, const char *b);

/* The name a file is written under before it replaces path: a dot file
 * beside it (".NAME.cvtmp.PID"), so directory walks skip it. malloc'ed. */
char *cvi_tmp_name(const char *path);

/* Write p[0..n) to path atomically: a temporary name beside it (mode, less
 * the umask), fsync, rename, fsync of the directory. Reports CV_EIO/CV_ENOMEM through ctx. */
/* fsync the directory that holds path, so that a rename into it lasts.
 * 0, or -1 with errno set. */
int cvi_fsync_parent(const char *path);

int cvi_write_atomic(cv_ctx *ctx, const char *path, const void *p, size_t n, unsigned mode);

#endif
