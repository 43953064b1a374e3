/*
 * dataset.c - the owner of a dataset directory while a command writes to it:
 * one writer at a time (an flock on OUT/.callveil-lock, held for the whole
 * command), and the removal of temporaries that a killed command left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "dataset.h"

int cvi_dataset_lock(cv_ctx *ctx, const char *outdir, int *fd)
{
    char path[PATH_MAX];
    *fd = -1;
    if (snprintf(path, sizeof path, "%s/" CVI_LOCK_FILE, outdir) >= (int)sizeof path)
        return cvi_error(ctx, CV_EUSAGE, "%s: path too long", outdir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) return cvi_error(ctx, CV_EIO, "%s: %s", path, strerror(errno));
    while (flock(f, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK)
            return cvi_error(ctx, CV_EIO, "%s is in use by another callveil command (run, forget or rekey); "
                                          "nothing was changed: wait for it to finish and try again", outdir);
        return cvi_error(ctx, CV_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    *fd = f;
    return 0;
}

void cvi_dataset_unlock(int fd)
{
    if (fd >= 0) close(fd);     /* closing the descriptor releases the flock */
}

int cvi_is_tmp_name(const char *name)
{
    return name[0] == '.' && (strstr(name, ".cvtmp.") != NULL || strcmp(name, CVI_VAULT_STAGE) == 0);
}

static int clean_dir(cv_ctx *ctx, const char *dir, int depth, int keep_stage, uint64_t *removed)
{
    if (depth > 64) return cvi_error(ctx, CV_EIO, "%s: directories nested too deep", dir);
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : cvi_error(ctx, CV_EIO, "%s: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, n) >= (int)sizeof path) continue;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = clean_dir(ctx, path, depth + 1, keep_stage, removed);
        } else if (S_ISREG(st.st_mode) && cvi_is_tmp_name(n) && !(keep_stage && depth == 0 &&
                                                                    strcmp(n, CVI_VAULT_STAGE) == 0)) {
            if (unlink(path) != 0) rc = cvi_error(ctx, CV_EIO, "%s: %s", path, strerror(errno));
            else (*removed)++;
        }
    }
    closedir(d);
    return rc;
}

int cvi_dataset_clean(cv_ctx *ctx, const char *outdir, int keep_stage, uint64_t *removed)
{
    uint64_t n = 0;
    int rc = clean_dir(ctx, outdir, 0, keep_stage, &n);
    if (removed) *removed = n;
    return rc;
}

int cvi_dataset_interrupted(const char *outdir)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/" CVI_VAULT_STAGE, outdir);
    return stat(path, &st) == 0;
}
