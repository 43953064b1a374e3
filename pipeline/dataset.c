/*
 * dataset.c - the owner of a dataset directory while a command writes to it:
 * one writer at a time (an flock on OUT/.callveil-lock, held for the whole
 * command), the removal of temporaries that a killed command left, and the
 * journaled two-phase commit of a change to a finished dataset (forget,
 * rekey) with its recovery by the next command; the erasure register
 * that forget commits and every later run reads; and what find, forget and
 * rekey read from a finished dataset's manifest (its key, tenant and epoch,
 * zstd level, recordings).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_tree.h>

#include "common/ctx.h"
#include "dataset.h"
#include "common/files.h"
#include "common/strmap.h"
#include "policy.h"
#include "pseudonym.h"

int cvi_dataset_lock(cv_ctx *ctx, const char *outdir, int *fd)
{
    char path[PATH_MAX];
    *fd = -1;
    if (snprintf(path, sizeof path, "%s/" CVI_LOCK_FILE, outdir) >= (int)sizeof path)
        return cvi_error(ctx, CV_EUSAGE, "%s: path too long", outdir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
    while (flock(f, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK)
            return cvi_error(ctx, CV_EIO, "%s is in use by another callveil command (run, forget or rekey); "
                                          "nothing was changed: wait for it to finish and try again", outdir);
        return cvi_error(ctx, CV_EIO, "%s: cannot lock: %s", path, cvi_strerror(e));
    }
    /* a command killed while it committed: finished (or undone) first */
    int rc = cvi_dataset_recover(ctx, outdir);
    if (rc) {
        close(f);
        return rc;
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
    if (!d) return errno == ENOENT ? 0 : cvi_error(ctx, CV_EIO, "%s: %s", dir, cvi_strerror(errno));
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
            if (unlink(path) != 0) rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
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

/* ---- a run into an OUT that holds another dataset ------------------------------- */

/* A name from a manifest that may be removed: relative, inside OUT. */
static int safe_rel(const char *r)
{
    if (!*r || *r == '/') return 0;
    for (const char *c = r; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || !c[2])) return 0;
    return 1;
}

static void unlink_rel(const char *outdir, const char *rel, uint64_t *n)
{
    char path[PATH_MAX];
    if (!safe_rel(rel) || snprintf(path, sizeof path, "%s/%s", outdir, rel) >= (int)sizeof path) return;
    if (unlink(path) == 0) (*n)++;
}

/* Read and parse outdir/manifest.json into *doc (yajl_tree_free it).
 * 0 with *doc NULL: no manifest (absent); 0 with *doc: parsed; else the
 * error, said on ctx (unreadable; not JSON: CV_EINPUT, "not a callveil
 * manifest"). */
static int manifest_open(cv_ctx *ctx, const char *outdir, yajl_val *doc)
{
    *doc = NULL;
    char *mpath = cvi_path_join(outdir, "manifest.json");
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    cv_buf m = { 0 };
    int rc = cvi_read_file(mpath, &m, (size_t)1 << 30);
    int absent = rc == CV_EIO && errno == ENOENT;
    free(mpath);
    if (absent) return 0;
    if (rc || !cvi_buf_cstr(&m)) {
        cvi_buf_free(&m);
        return cvi_error(ctx, rc == CV_EIO ? CV_EIO : CV_ENOMEM, "%s/manifest.json: cannot be read", outdir);
    }
    *doc = yajl_tree_parse(m.p, NULL, 0);
    cvi_buf_free(&m);
    if (!*doc) return cvi_error(ctx, CV_EINPUT, "%s/manifest.json: not a callveil manifest", outdir);
    return 0;
}

int cvi_dataset_claim(cv_ctx *ctx, const char *outdir, const cv_policy *p, const cv_key *k, int overwrite)
{
    yajl_val doc = NULL;
    int rc = manifest_open(ctx, outdir, &doc);
    if (rc && rc != CV_EINPUT) return rc;
    if (!rc && !doc) return 0;
    /* (not JSON: said below in this command's words, over manifest_open's) */
    /* key (a one-off key is always another), tenant and epoch, as find and
     * forget judge them; then the policy */
    const char *why = NULL;
    char detail[512] = "";
    if (!doc) why = "a manifest.json that is not callveil's";
    else if (cvi_dataset_check_keys(ctx, outdir, p, k, p->epoch)) {
        /* its reason, less its own "OUT " prefix and ": nothing was changed" */
        const char *e = cv_ctx_error(ctx);
        size_t ol = strlen(outdir), el;
        if (!strncmp(e, outdir, ol) && e[ol] == ' ') e += ol + 1;
        const char *tail = strstr(e, ": nothing was changed");
        if (!tail) tail = strstr(e, "; nothing was changed");
        el = tail ? (size_t)(tail - e) : strlen(e);
        snprintf(detail, sizeof detail, " (%.*s)", (int)el, e);
        why = "a dataset of another key, tenant or epoch";
    } else {
        static const char *ph_at[] = { "policy", "blake2b", NULL };
        yajl_val ph = yajl_tree_get(doc, ph_at, yajl_t_string);
        char mine[65];
        sodium_bin2hex(mine, sizeof mine, p->hash, 32);
        if (!ph || strcmp(ph->u.string, mine) != 0) why = "a dataset made under another policy (its BLAKE2b differs)";
    }
    if (!why) {
        yajl_tree_free(doc);
        return 0;
    }
    if (!overwrite) {
        yajl_tree_free(doc);
        return cvi_error(ctx, CV_EKEY, "%s holds %s%s: nothing was changed; write to a new output directory, or "
                                       "give --overwrite to replace that dataset whole", outdir, why, detail);
    }
    /* --overwrite: the old dataset goes before anything of the new one is
     * written (a mistyped input has been refused already). Its data files
     * first, the manifest last, so an interrupted removal still needs
     * --overwrite next time and finishes it. */
    uint64_t removed = 0;
    static const char *files_at[] = { "files", NULL }, *out_at[] = { "output", NULL },
                      *tr_at[] = { "transcript", NULL };
    yajl_val files = doc ? yajl_tree_get(doc, files_at, yajl_t_array) : NULL;
    for (size_t i = 0; files && i < files->u.array.len; i++) {
        yajl_val o = yajl_tree_get(files->u.array.values[i], out_at, yajl_t_string);
        yajl_val t = yajl_tree_get(files->u.array.values[i], tr_at, yajl_t_string);
        if (o) unlink_rel(outdir, o->u.string, &removed);
        if (t) unlink_rel(outdir, t->u.string, &removed);
    }
    yajl_tree_free(doc);
    unlink_rel(outdir, "vault.zst", &removed);
    unlink_rel(outdir, CVI_JOURNAL_FILE, &removed);
    char mpath[PATH_MAX];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", outdir);
    if (unlink(mpath) != 0 && errno != ENOENT)
        return cvi_error(ctx, CV_EIO, "%s: cannot remove: %s", mpath, cvi_strerror(errno));
    int dfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    cvi_log(ctx, CV_LOG_WARN, "--overwrite: %s held %s; removed it (%" PRIu64 " file(s) and its manifest)", outdir,
            why, removed);
    return 0;
}

/* ---- the two-phase commit ------------------------------------------------------ */

typedef struct cop {
    int del;                 /* 1: delete rel; 0: rename staged over rel */
    char *rel, *staged;      /* relative to OUT; staged: beside rel */
} cop;

struct cvi_commit {
    cv_ctx *ctx;
    char *outdir;
    char *op;
    char *history;
    cop *v;
    size_t n, cap;
    int durable;             /* the intent is on disk: staged files belong to it */
    int crashed;             /* stopped at the test crash point: leave everything as a kill would */
};

void cvi_dataset_crash_point(cv_ctx *ctx, int step) { ctx->crash_at = step; }

/* The test crash point: step k of a commit is reached. */
static int crash(cvi_commit *c, int step)
{
    if (c->ctx->crash_at != step) return 0;
    c->crashed = 1;
    return cvi_error(c->ctx, CV_EINTERNAL, "stopped at crash point %d (test hook)", step);
}

int cvi_commit_create(cv_ctx *ctx, const char *outdir, const char *op, cvi_commit **out)
{
    cvi_commit *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c || !(c->outdir = strdup(outdir)) || !(c->op = strdup(op))) {
        cvi_commit_free(c);
        return cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    c->ctx = ctx;
    *out = c;
    return 0;
}

int cvi_commit_history(cvi_commit *c, const char *entry)
{
    if (strchr(entry, '\n')) return cvi_error(c->ctx, CV_EINTERNAL, "history entry on more than one line");
    free(c->history);
    c->history = strdup(entry);
    return c->history ? 0 : cvi_error(c->ctx, CV_ENOMEM, "out of memory");
}

static int add_op(cvi_commit *c, int del, const char *rel, const char *staged_base)
{
    if (c->durable) return cvi_error(c->ctx, CV_EINTERNAL, "commit: already under way");
    if (cvi_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v)) return cvi_error(c->ctx, CV_ENOMEM, "out of memory");
    cop *o = &c->v[c->n];
    memset(o, 0, sizeof *o);
    o->del = del;
    o->rel = strdup(rel);
    if (!del) {
        const char *slash = strrchr(rel, '/');
        size_t dl = slash ? (size_t)(slash - rel) + 1 : 0, bl = strlen(staged_base);
        if ((o->staged = malloc(dl + bl + 1))) {
            memcpy(o->staged, rel, dl);
            memcpy(o->staged + dl, staged_base, bl + 1);
        }
    }
    if (!o->rel || (!del && !o->staged)) {
        free(o->rel);
        free(o->staged);
        return cvi_error(c->ctx, CV_ENOMEM, "out of memory");
    }
    c->n++;
    return 0;
}

int cvi_commit_replace(cvi_commit *c, const char *rel, const char *staged)
{
    const char *base = strrchr(staged, '/');
    base = base ? base + 1 : staged;
    if (!cvi_is_tmp_name(base)) return cvi_error(c->ctx, CV_EINTERNAL, "commit: %s is not a staged name", base);
    return add_op(c, 0, rel, base);
}

int cvi_commit_delete(cvi_commit *c, const char *rel) { return add_op(c, 1, rel, NULL); }

int cvi_commit_stage(cvi_commit *c, const char *rel, const void *p, size_t n, unsigned mode)
{
    char *path = cvi_path_join(c->outdir, rel);
    if (!path) return cvi_error(c->ctx, CV_ENOMEM, "out of memory");
    cvi_staged st;
    int rc = 0;
    if (cvi_staged_open(&st, path, mode) != 0 || cvi_write_all(st.fd, p, n) != 0 || cvi_staged_sync(&st) != 0)
        rc = cvi_error(c->ctx, CV_EIO, "%s: %s", rel, cvi_strerror(errno));
    if (!rc && !(rc = cvi_commit_replace(c, rel, st.tmp))) cvi_staged_release(&st);
    cvi_staged_discard(&st);
    free(path);
    return rc;
}

void cvi_commit_free(cvi_commit *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        /* staged files of a commit that never got its intent written are
         * temporaries of a change that did not happen */
        if (!c->durable && !c->crashed && c->v[i].staged) {
            char *p = cvi_path_join(c->outdir, c->v[i].staged);
            if (p) unlink(p);
            free(p);
        }
        free(c->v[i].rel);
        free(c->v[i].staged);
    }
    free(c->v);
    free(c->outdir);
    free(c->op);
    free(c->history);
    free(c);
}

/* Names in the intent: bytes outside '!'..'~' and '%' as %XX. */
static int put_name(cv_buf *b, const char *s)
{
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++)
        rc = *p <= ' ' || *p > '~' || *p == '%' ? cvi_buf_printf(b, "%%%02X", *p) : cvi_buf_putc(b, (char)*p);
    return rc;
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Decode a name of n bytes; NULL if malformed or not a safe relative path
 * (no leading '/', no empty, "." or ".." component). */
static char *get_name(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    size_t k = 0;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') { o[k++] = s[i]; continue; }
        int a = i + 2 < n ? hexval(s[i + 1]) : -1, b = i + 2 < n ? hexval(s[i + 2]) : -1;
        if (a < 0 || b < 0 || (a == 0 && b == 0)) { free(o); return NULL; }
        o[k++] = (char)(a * 16 + b);
        i += 2;
    }
    o[k] = '\0';
    for (const char *c = o;; ) {
        const char *e = strchr(c, '/');
        size_t cl = e ? (size_t)(e - c) : strlen(c);
        if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.')) { free(o); return NULL; }
        if (!e) break;
        c = e + 1;
    }
    return o;
}

/* Intents and the erasure register end in a line "end " + the BLAKE2b-256
 * (hex) of everything before it, so a torn or altered file is told apart.
 * rc: the caller's cv_buf results so far (nonzero: out of memory). */
static int seal_end(cv_buf *b, int rc)
{
    unsigned char h[32];
    char hx[65];
    crypto_generichash(h, sizeof h, (const unsigned char *)b->p, b->n, NULL, 0);
    sodium_bin2hex(hx, sizeof hx, h, sizeof h);
    rc |= cvi_buf_printf(b, "end %s\n", hx);
    return rc ? CV_ENOMEM : 0;
}

/* The start of p[0..n)'s last line if it is an "end" line sealing what
 * precedes it, else NULL (the caller has checked p ends in '\n'). */
static const char *sealed_end(const char *p, size_t n)
{
    const char *last = p + n - 1;
    while (last > p && last[-1] != '\n') last--;
    if ((size_t)(p + n - last) != 4 + 64 + 1 || memcmp(last, "end ", 4) != 0) return NULL;
    unsigned char h[32];
    char hx[65];
    crypto_generichash(h, sizeof h, (const unsigned char *)p, (size_t)(last - p), NULL, 0);
    sodium_bin2hex(hx, sizeof hx, h, sizeof h);
    return memcmp(hx, last + 4, 64) == 0 ? last : NULL;
}

/* The intent's text: a header, the op, the history entry, the steps in
 * order, and a last line with the BLAKE2b of everything before it (a torn
 * intent has none: it was never complete). */
static int render_intent(const cvi_commit *c, cv_buf *b)
{
    int rc = cvi_buf_printf(b, "callveil-intent 1\nop %s\n", c->op);
    if (c->history) rc |= cvi_buf_printf(b, "history %s\n", c->history);
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].del) {
            rc |= cvi_buf_puts(b, "delete ") | put_name(b, c->v[i].rel);
        } else {
            rc |= cvi_buf_puts(b, "replace ") | put_name(b, c->v[i].staged) | cvi_buf_putc(b, ' ') |
                  put_name(b, c->v[i].rel);
        }
        rc |= cvi_buf_putc(b, '\n');
    }
    return seal_end(b, rc);
}

/* Parse an intent into c's steps. 1: incomplete or torn (no valid end
 * line); 0: complete; CV_EINPUT: complete but not an intent of ours. */
static int parse_intent(cvi_commit *c, const char *p, size_t n)
{
    static const char hdr[] = "callveil-intent 1\n";
    if (n < sizeof hdr - 1 + 70 || memcmp(p, hdr, sizeof hdr - 1) != 0 || p[n - 1] != '\n') return 1;
    const char *last = sealed_end(p, n);
    if (!last) return 1;
    for (const char *l = p + sizeof hdr - 1; l < last;) {
        const char *nl = memchr(l, '\n', (size_t)(last - l));
        size_t ln = (size_t)(nl - l);
        if (ln > 3 && memcmp(l, "op ", 3) == 0) {
            free(c->op);
            if (!(c->op = strndup(l + 3, ln - 3))) return CV_ENOMEM;
        } else if (ln > 8 && memcmp(l, "history ", 8) == 0) {
            /* what the commit appends to the manifest (staged in it): for
             * whoever reads the intent */
        } else if (ln > 7 && memcmp(l, "delete ", 7) == 0) {
            char *rel = get_name(l + 7, ln - 7);
            int rc = rel ? add_op(c, 1, rel, NULL) : CV_EINPUT;
            free(rel);
            if (rc) return rc == CV_ENOMEM ? rc : CV_EINPUT;
        } else if (ln > 8 && memcmp(l, "replace ", 8) == 0) {
            const char *sp = memchr(l + 8, ' ', ln - 8);
            char *st = sp ? get_name(l + 8, (size_t)(sp - l - 8)) : NULL;
            char *rel = sp ? get_name(sp + 1, (size_t)(nl - sp - 1)) : NULL;
            const char *sb = st ? strrchr(st, '/') : NULL, *rb = rel ? strrchr(rel, '/') : NULL;
            /* the staged file sits beside the file it replaces and has a temporary's name */
            int ok = st && rel && (sb ? sb - st : 0) == (rb ? rb - rel : 0) &&
                     strncmp(st, rel, sb ? (size_t)(sb - st) : 0) == 0 && cvi_is_tmp_name(sb ? sb + 1 : st);
            int rc = ok ? add_op(c, 0, rel, sb ? sb + 1 : st) : CV_EINPUT;
            free(st);
            free(rel);
            if (rc) return rc == CV_ENOMEM ? rc : CV_EINPUT;
        } else {
            return CV_EINPUT;
        }
        l = nl + 1;
    }
    return 0;
}

/* fsync the directory of each target once (targets of one directory are
 * listed together). */
static int fsync_dirs(cvi_commit *c)
{
    const char *prev = NULL;
    size_t prevn = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *rel = c->v[i].rel, *slash = strrchr(rel, '/');
        size_t dn = slash ? (size_t)(slash - rel) : 0;
        if (i > 0 && dn == prevn && strncmp(rel, prev, dn) == 0) continue;
        prev = rel;
        prevn = dn;
        char *path = cvi_path_join(c->outdir, rel);
        if (!path) return cvi_error(c->ctx, CV_ENOMEM, "out of memory");
        int rc = cvi_fsync_parent(path);
        free(path);
        if (rc != 0 && errno != ENOENT) return cvi_error(c->ctx, CV_EIO, "%s: %s", c->outdir, cvi_strerror(errno));
    }
    return 0;
}

/* Phase 2 from step `first` (the crash points count on from there): every
 * step in order, directories, the intent removed. Repeatable: a staged file
 * already renamed and a file already deleted are steps done. */
static int apply(cvi_commit *c, int first, const char *ipath)
{
    int rc = 0, step = first;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const cop *o = &c->v[i];
        char *target = cvi_path_join(c->outdir, o->rel), *staged = o->del ? NULL : cvi_path_join(c->outdir, o->staged);
        if (!target || (!o->del && !staged)) rc = cvi_error(c->ctx, CV_ENOMEM, "out of memory");
        else if (o->del && unlink(target) != 0 && errno != ENOENT)
            rc = cvi_error(c->ctx, CV_EIO, "%s: %s", o->rel, cvi_strerror(errno));
        else if (!o->del && rename(staged, target) != 0 && errno != ENOENT)
            rc = cvi_error(c->ctx, CV_EIO, "%s: %s", o->rel, cvi_strerror(errno));
        free(target);
        free(staged);
        if (!rc) rc = crash(c, ++step);
    }
    if (!rc) rc = fsync_dirs(c);
    if (!rc) rc = crash(c, ++step);
    if (!rc && (unlink(ipath) != 0 || cvi_fsync_parent(ipath) != 0))
        rc = cvi_error(c->ctx, CV_EIO, "%s: %s", ipath, cvi_strerror(errno));
    return rc;
}

int cvi_commit_run(cvi_commit *c)
{
    char *ipath = cvi_path_join(c->outdir, CVI_INTENT_FILE);
    cv_buf b = { 0 };
    int rc = 0, fd = -1, made = 0;
    if (!ipath || render_intent(c, &b)) { rc = cvi_error(c->ctx, CV_ENOMEM, "out of memory"); goto out; }
    /* step 1: everything staged, no intent yet */
    if ((rc = crash(c, 1))) goto out;
    fd = open(ipath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) { rc = cvi_error(c->ctx, CV_EIO, "%s: %s", ipath, cvi_strerror(errno)); goto out; }
    made = 1;
    size_t want = b.n;
    if (c->ctx->crash_at == 2) want = b.n / 2;       /* step 2: killed while writing the intent */
    for (size_t off = 0; off < want;) {
        ssize_t w = write(fd, b.p + off, want - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) { rc = cvi_error(c->ctx, CV_EIO, "%s: %s", ipath, cvi_strerror(errno)); goto out; }
        off += (size_t)w;
    }
    if ((rc = crash(c, 2))) goto out;
    if (fsync(fd) != 0 || cvi_fsync_parent(ipath) != 0) {
        rc = cvi_error(c->ctx, CV_EIO, "%s: %s", ipath, cvi_strerror(errno));
        goto out;
    }
    /* from here on the change happens: whatever stops it, the next command on OUT finishes it */
    c->durable = 1;
    if ((rc = crash(c, 3))) goto out;
    rc = apply(c, 3, ipath);
    if (rc && !c->crashed)
        cvi_error(c->ctx, rc, "%s; the %s is recorded in %s and the next callveil command on %s finishes it",
                  cv_ctx_error(c->ctx), c->op, CVI_INTENT_FILE, c->outdir);
out:
    if (fd >= 0) close(fd);
    if (rc && made && !c->durable && !c->crashed) unlink(ipath);
    free(ipath);
    cvi_buf_free(&b);
    return rc;
}

int cvi_dataset_recover(cv_ctx *ctx, const char *outdir)
{
    char *ipath = cvi_path_join(outdir, CVI_INTENT_FILE);
    cv_buf b = { 0 };
    cvi_commit *c = NULL;
    if (!ipath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cvi_read_file(ipath, &b, (size_t)1 << 30);
    if (rc == CV_EIO && errno == ENOENT) {
        free(ipath);
        return 0;
    }
    if (rc) {
        rc = cvi_error(ctx, rc == CV_EIO ? CV_EIO : rc, "%s: cannot be read", ipath);
        goto out;
    }
    if ((rc = cvi_commit_create(ctx, outdir, "change", &c))) goto out;
    int st = parse_intent(c, b.p ? b.p : "", b.n);
    c->durable = 1;                   /* the staged files are the intent's: never removed as a commit's own */
    if (st < 0) {
        rc = st == CV_ENOMEM ? cvi_error(ctx, st, "out of memory")
                             : cvi_error(ctx, CV_EINPUT, "%s is not a callveil intent; nothing was changed: "
                                                         "restore the dataset from a copy", ipath);
        goto out;
    }
    if (st == 1) {
        /* killed while it wrote the intent: no step was taken; the staged
         * files are temporaries (removed with the others) */
        if (unlink(ipath) != 0 || cvi_fsync_parent(ipath) != 0) {
            rc = cvi_error(ctx, CV_EIO, "%s: %s", ipath, cvi_strerror(errno));
            goto out;
        }
        uint64_t gone = 0;
        rc = cvi_dataset_clean(ctx, outdir, 1, &gone);
        if (!rc) cvi_log(ctx, CV_LOG_WARN, "%s: an interrupted change had not started; undone (%" PRIu64
                                           " temporary file(s) removed)", outdir, gone);
        goto out;
    }
    rc = apply(c, 3, ipath);
    if (!rc) cvi_log(ctx, CV_LOG_WARN, "%s: finished an interrupted %s (%zu step(s))", outdir, c->op, c->n);
out:
    cvi_commit_free(c);
    cvi_buf_free(&b);
    free(ipath);
    return rc;
}

int cvi_dataset_settle(cv_ctx *ctx, const char *outdir)
{
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/" CVI_INTENT_FILE, outdir) >= (int)sizeof path)
        return cvi_error(ctx, CV_EUSAGE, "%s: path too long", outdir);
    if (stat(path, &st) != 0) return 0;
    int fd = -1, rc = cvi_dataset_lock(ctx, outdir, &fd);     /* recovers */
    if (!rc) rc = cvi_dataset_clean(ctx, outdir, 1, NULL);
    cvi_dataset_unlock(fd);
    return rc;
}

/* ---- the erasure register ---------------------------------------------------- */

#define REG_HEAD "callveil-erasure-register 1 "

struct cvi_register {
    char check[17];
    unsigned char (*mark)[CVI_MARK_BYTES];
    char (*domain)[33];
    size_t n, cap;
    cvi_idxmap idx;          /* mark -> index */
};

void cvi_register_free(cvi_register *r)
{
    if (!r) return;
    free(r->mark);
    free(r->domain);
    cvi_idxmap_free(&r->idx);
    free(r);
}

size_t cvi_register_count(const cvi_register *r) { return r ? r->n : 0; }

static cv_str mark_key(const void *arg, size_t i)
{
    return cv_str_make((const char *)((const cvi_register *)arg)->mark[i], CVI_MARK_BYTES);
}

int cvi_register_has(const cvi_register *r, const unsigned char mark[CVI_MARK_BYTES])
{
    return r && cvi_idxmap_find(&r->idx, cv_str_make((const char *)mark, CVI_MARK_BYTES), mark_key, r) != CVI_IDX_NONE;
}

int cvi_register_add(cvi_register *r, const char *domain, const unsigned char mark[CVI_MARK_BYTES])
{
    if (cvi_register_has(r, mark)) return 0;
    size_t dl = strlen(domain);
    if (dl == 0 || dl > 32 || strpbrk(domain, " \t\n")) return CV_EINTERNAL;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        void *a = realloc(r->mark, cap * sizeof *r->mark), *b = a ? realloc(r->domain, cap * sizeof *r->domain) : NULL;
        if (a) r->mark = a;
        if (!b) return CV_ENOMEM;
        r->domain = b;
        r->cap = cap;
    }
    memcpy(r->mark[r->n], mark, CVI_MARK_BYTES);
    memcpy(r->domain[r->n], domain, dl + 1);
    if (cvi_idxmap_add(&r->idx, r->n, mark_key, r)) return CV_ENOMEM;
    r->n++;
    return 1;
}

static int register_render(const cvi_register *r, cv_buf *b)
{
    int rc = cvi_buf_printf(b, REG_HEAD "%s\n", r->check);
    for (size_t i = 0; i < r->n; i++) {
        char hx[2 * CVI_MARK_BYTES + 1];
        sodium_bin2hex(hx, sizeof hx, r->mark[i], CVI_MARK_BYTES);
        rc |= cvi_buf_printf(b, "%s %s\n", r->domain[i], hx);
    }
    return seal_end(b, rc);
}

/* Parse the register's text into r. 0, CV_EINPUT (not a whole register),
 * CV_EKEY (another key's or tenant's) or CV_ENOMEM. */
static int register_parse(cvi_register *r, const char *p, size_t n, const char *check)
{
    size_t hl = sizeof REG_HEAD - 1;
    if (n < hl + 17 || memcmp(p, REG_HEAD, hl) != 0 || p[n - 1] != '\n') return CV_EINPUT;
    const char *last = sealed_end(p, n);
    if (!last) return CV_EINPUT;
    if (memcmp(p + hl, check, 16) != 0 || p[hl + 16] != '\n') return CV_EKEY;
    for (const char *l = p + hl + 17; l < last;) {
        const char *nl = memchr(l, '\n', (size_t)(last - l)), *sp = memchr(l, ' ', (size_t)(nl - l));
        unsigned char m[CVI_MARK_BYTES];
        size_t got = 0;
        char dom[33];
        if (!sp || sp == l || sp - l > 32 || nl - sp - 1 != 2 * CVI_MARK_BYTES ||
            sodium_hex2bin(m, sizeof m, sp + 1, 2 * CVI_MARK_BYTES, NULL, &got, NULL) != 0 || got != sizeof m)
            return CV_EINPUT;
        memcpy(dom, l, (size_t)(sp - l));
        dom[sp - l] = '\0';
        int rc = cvi_register_add(r, dom, m);
        if (rc < 0) return rc == CV_ENOMEM ? rc : CV_EINPUT;
        l = nl + 1;
    }
    return 0;
}

int cvi_register_load(cv_ctx *ctx, const char *outdir, const char *check, cvi_register **out)
{
    char *path = cvi_path_join(outdir, CVI_REGISTER_FILE);
    cvi_register *r = calloc(1, sizeof *r);
    cv_buf b = { 0 };
    int rc = 0;
    *out = NULL;
    if (!path || !r) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    memcpy(r->check, check, 16);
    rc = cvi_read_file(path, &b, (size_t)1 << 30);
    if (rc == CV_EIO && errno == ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc) {
        rc = cvi_error(ctx, CV_EIO, "%s: cannot be read; nothing was changed", path);
        goto out;
    }
    rc = register_parse(r, b.p ? b.p : "", b.n, check);
    if (rc == CV_ENOMEM) rc = cvi_error(ctx, rc, "out of memory");
    else if (rc == CV_EKEY)
        rc = cvi_error(ctx, rc, "%s belongs to another key or tenant: the subjects it holds could not be kept out "
                                "with this one; nothing was changed", path);
    else if (rc)
        rc = cvi_error(ctx, rc, "%s is damaged (not a whole erasure register): erased subjects could come back; "
                                "nothing was changed: restore it from a copy of the dataset", path);
out:
    if (rc) {
        cvi_register_free(r);
        r = NULL;
    }
    *out = r;
    free(path);
    cvi_buf_free(&b);
    return rc;
}

int cvi_register_stage(const cvi_register *r, cvi_commit *c)
{
    cv_buf b = { 0 };
    int rc = register_render(r, &b);
    if (rc) rc = cvi_error(c->ctx, rc, "out of memory");
    else rc = cvi_commit_stage(c, CVI_REGISTER_FILE, b.p, b.n, 0666);
    cvi_buf_free(&b);
    return rc;
}

/* ---- a finished dataset's manifest, read by find, forget and rekey ---------------- */

static void recpairs_free(cvi_recpair *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].transcript);
        free(v[i].audio);
    }
    free(v);
}

void cvi_dataset_info_free(cvi_dataset_info *d)
{
    recpairs_free(d->rec, d->nrec);
    memset(d, 0, sizeof *d);
}

/* The dataset's tokens must be those this key, tenant and epoch make:
 * otherwise find finds nothing and forget erases nothing, and both would
 * say "nothing of this subject" about a subject who is there. */
static int same_keys(cv_ctx *ctx, const char *outdir, yajl_val doc, const cv_policy *p, const cv_key *k,
                     uint64_t epoch)
{
    static const char *kid_at[] = { "key_id", NULL }, *eph_at[] = { "key_ephemeral", NULL },
                      *ten_at[] = { "tenant", NULL }, *ep_at[] = { "epoch", NULL }, *hist_at[] = { "history", NULL },
                      *op_at[] = { "op", NULL }, *to_at[] = { "to_epoch", NULL };
    yajl_val eph = yajl_tree_get(doc, eph_at, yajl_t_true);
    if (eph)
        return cvi_error(ctx, CV_EKEY, "%s was made with a one-off random key (no --key): its tokens cannot be "
                                       "recomputed; nothing was changed", outdir);
    yajl_val kid = yajl_tree_get(doc, kid_at, yajl_t_string), ten = yajl_tree_get(doc, ten_at, yajl_t_string);
    yajl_val ep = yajl_tree_get(doc, ep_at, yajl_t_number);
    if (!kid || !ten || !ep || !YAJL_IS_INTEGER(ep))
        return cvi_error(ctx, CV_EINPUT, "%s/manifest.json: no key id, tenant or epoch", outdir);
    uint64_t have = (uint64_t)YAJL_GET_INTEGER(ep);
    yajl_val hist = yajl_tree_get(doc, hist_at, yajl_t_array);
    for (size_t i = 0; hist && i < hist->u.array.len; i++) {
        yajl_val op = yajl_tree_get(hist->u.array.values[i], op_at, yajl_t_string);
        yajl_val to = yajl_tree_get(hist->u.array.values[i], to_at, yajl_t_number);
        if (op && strcmp(op->u.string, "rekey") == 0 && to && YAJL_IS_INTEGER(to)) have = (uint64_t)YAJL_GET_INTEGER(to);
    }
    char mine[17];
    cvi_key_id(k, mine);
    if (strcmp(kid->u.string, mine) != 0)
        return cvi_error(ctx, CV_EKEY, "%s was made with another key (key id in manifest.json differs): its tokens "
                                       "are not this key's; nothing was changed", outdir);
    if (strcmp(ten->u.string, p->tenant) != 0)
        return cvi_error(ctx, CV_EKEY, "%s belongs to another tenant than the policy's: nothing was changed", outdir);
    if (have != epoch)
        return cvi_error(ctx, CV_EKEY, "%s is at epoch %" PRIu64 ", not %" PRIu64 ": nothing was changed", outdir,
                         have, epoch);
    return 0;
}

int cvi_dataset_check_keys(cv_ctx *ctx, const char *outdir, const cv_policy *p, const cv_key *k, uint64_t epoch)
{
    yajl_val doc;
    int rc = manifest_open(ctx, outdir, &doc);
    if (rc || !doc) return rc;
    rc = same_keys(ctx, outdir, doc, p, k, epoch);
    yajl_tree_free(doc);
    return rc;
}

int cvi_dataset_load(cv_ctx *ctx, const char *outdir, int required, const cv_policy *p, const cv_key *k,
                     uint64_t epoch, cvi_dataset_info *d)
{
    if (cvi_dataset_interrupted(outdir))
        return cvi_error(ctx, CV_EINPUT, "%s holds an interrupted run: finish it with `callveil run --resume` "
                                         "first; nothing was changed", outdir);
    memset(d, 0, sizeof *d);
    d->zstd_level = 3;
    yajl_val doc;
    int rc = manifest_open(ctx, outdir, &doc);
    if (rc) return rc;
    if (!doc) return required ? cvi_error(ctx, CV_EINPUT, "%s: no manifest.json: not a callveil dataset", outdir) : 0;
    static const char *files_at[] = { "files", NULL }, *audio_at[] = { "audio", "transcript", NULL },
                      *output_at[] = { "output", NULL }, *level_at[] = { "options", "zstd_level", NULL },
                      *shifted_at[] = { "totals", "dates_shifted", NULL };
    yajl_val files = doc ? yajl_tree_get(doc, files_at, yajl_t_array) : NULL;
    if (!files) {
        yajl_tree_free(doc);
        return cvi_error(ctx, CV_EINPUT, "%s/manifest.json: not a callveil manifest", outdir);
    }
    if ((rc = same_keys(ctx, outdir, doc, p, k, epoch))) {
        yajl_tree_free(doc);
        return rc;
    }
    yajl_val v = yajl_tree_get(doc, level_at, yajl_t_number);
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 1 && YAJL_GET_INTEGER(v) <= 19)
        d->zstd_level = (int)YAJL_GET_INTEGER(v);
    v = yajl_tree_get(doc, shifted_at, yajl_t_number);
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0) d->dates_shifted = (uint64_t)YAJL_GET_INTEGER(v);
    size_t cap = 0;
    for (size_t i = 0; i < files->u.array.len && !rc; i++) {
        yajl_val t = yajl_tree_get(files->u.array.values[i], audio_at, yajl_t_string);
        yajl_val a = yajl_tree_get(files->u.array.values[i], output_at, yajl_t_string);
        if (!t || !a) continue;
        if (cvi_grow((void **)&d->rec, &cap, d->nrec + 1, sizeof *d->rec)) {
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            break;
        }
        cvi_recpair *r = &d->rec[d->nrec++];
        r->transcript = strdup(t->u.string);     /* yajl_tree_get checked the type */
        r->audio = strdup(a->u.string);
        if (!r->transcript || !r->audio) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    yajl_tree_free(doc);
    if (rc) cvi_dataset_info_free(d);
    return rc;
}

