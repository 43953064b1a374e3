/*
 * listing.c - the inputs of a run listed (directories walked in sorted
 * order, what is not a regular file listed with why it is skipped) and
 * split into file-level shards by a keyed hash of each listed path.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "common/ctx.h"
#include "common/files.h"
#include "dataset.h"
#include "listing.h"

void cvi_items_free(cvi_items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free(it->v[i].path);
        free(it->v[i].rel);
        free(it->v[i].transcript);
    }
    free(it->v);
}

static int items_add(cvi_items *it, const char *path, const char *rel, int walked, const char *skip)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? 2 * it->cap : 64;
        cvi_item *nv = realloc(it->v, cap * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        it->v = nv;
        it->cap = cap;
    }
    memset(&it->v[it->n], 0, sizeof it->v[it->n]);
    it->v[it->n].path = strdup(path);
    it->v[it->n].rel = strdup(rel);
    if (!it->v[it->n].path || !it->v[it->n].rel) return CV_ENOMEM;
    it->v[it->n].walked = walked;
    it->v[it->n].skip = skip;
    it->n++;
    return 0;
}

/* Why a directory entry that is not a regular file is skipped. */
static const char *not_regular(mode_t m)
{
    if (S_ISFIFO(m)) return "a FIFO (named pipe), not a regular file";
    if (S_ISSOCK(m)) return "a socket, not a regular file";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device, not a regular file";
    if (S_ISDIR(m)) return "a symbolic link to a directory (not followed)";
    return "not a regular file";
}

/* The same for a symbolic link whose stat() failed with e. */
static const char *bad_link(int e)
{
    if (e == ELOOP) return "a symbolic link loop";
    if (e == ENOENT || e == ENOTDIR) return "a dangling symbolic link (its target does not exist)";
    return "a symbolic link whose target cannot be read";
}

/* Walk a directory in sorted order (so runs are reproducible); skips dot
 * files and the output directory itself. Regular files and symbolic links
 * to them are listed; anything else (symlinked directories, dangling links,
 * link loops, FIFOs, sockets, devices) is listed with the reason it is
 * skipped, so the run warns and the manifest says so. */
static int walk(cv_ctx *ctx, const char *dir, const char *rel, const char *skip_real, cvi_items *it, int depth)
{
    if (depth > 64) return cvi_error(ctx, CV_EINPUT, "%s: directories nested too deeply", dir);
    if (skip_real) {
        char real[PATH_MAX];
        if (realpath(dir, real) && strcmp(real, skip_real) == 0) return 0;
    }
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) return cvi_error(ctx, CV_EIO, "%s: %s", dir, cvi_strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (rc || name[0] == '.') continue;
        char *path = cvi_path_join(dir, name);
        char *r = rel[0] ? cvi_path_join(rel, name) : strdup(name);
        struct stat st;
        if (!path || !r) rc = CV_ENOMEM;
        else if (lstat(path, &st) != 0) {
            if (errno != ENOENT) rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
            /* else removed since the directory was read: not there to list */
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(ctx, path, r, skip_real, it, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            rc = items_add(it, path, r, 1, NULL);
        } else if (S_ISLNK(st.st_mode)) {
            struct stat t;
            if (stat(path, &t) != 0) rc = items_add(it, path, r, 1, bad_link(errno));
            else rc = items_add(it, path, r, 1, S_ISREG(t.st_mode) ? NULL : not_regular(t.st_mode));
        } else {
            rc = items_add(it, path, r, 1, not_regular(st.st_mode));
        }
        free(path);
        free(r);
    }
    for (int i = 0; i < n; i++) free(ents[i]);
    free(ents);
    return rc;
}

int cvi_collect(cv_ctx *ctx, const char *const *inputs, size_t n, const char *skip_real, cvi_items *it)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0) return cvi_error(ctx, CV_EIO, "%s: %s", inputs[i], cvi_strerror(errno));
        int rc;
        if (S_ISDIR(st.st_mode)) {
            rc = walk(ctx, inputs[i], "", skip_real, it, 0);
        } else {
            const char *base = strrchr(inputs[i], '/');
            rc = items_add(it, inputs[i], base ? base + 1 : inputs[i], 0, NULL);
        }
        if (rc) return rc == CV_ENOMEM ? cvi_error(ctx, rc, "out of memory") : rc;
    }
    return 0;
}

/* The shard key of a listed path: one trailing ".zst" or ".gz" off. */
static size_t shard_key_len(const char *rel)
{
    size_t n = strlen(rel);
    if (n > 4 && !strcmp(rel + n - 4, ".zst")) return n - 4;
    if (n > 3 && !strcmp(rel + n - 3, ".gz")) return n - 3;
    return n;
}

uint32_t cvi_shard_with(const cvi_tenant_key *kt, const char *rel, uint32_t count)
{
    static const char dom[] = "callveil/v1/shard";
    crypto_generichash_state st;
    unsigned char h[32];
    crypto_generichash_init(&st, kt->k, CV_KEY_BYTES, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)dom, sizeof dom);     /* with its NUL */
    crypto_generichash_update(&st, (const unsigned char *)rel, shard_key_len(rel));
    crypto_generichash_final(&st, h, sizeof h);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | h[i];
    sodium_memzero(&st, sizeof st);
    return (uint32_t)(v % count);
}

void cvi_listing_id(const cvi_tenant_key *kt, const cvi_items *it, char out[33])
{
    static const char dom[] = "callveil/v1/listing";
    crypto_generichash_state st;
    unsigned char h[16];
    crypto_generichash_init(&st, kt->k, CV_KEY_BYTES, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)dom, sizeof dom);
    for (size_t i = 0; i < it->n; i++)
        crypto_generichash_update(&st, (const unsigned char *)it->v[i].rel, strlen(it->v[i].rel) + 1);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_memzero(&st, sizeof st);
    sodium_bin2hex(out, 33, h, sizeof h);
}

int cv_shard_of(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *rel, uint32_t count, uint32_t *shard)
{
    if (count == 0 || count > CV_SHARD_MAX) return cvi_error(ctx, CV_EUSAGE, "shard count must be 1..%d", CV_SHARD_MAX);
    cvi_tenant_key kt = { 0 };
    int rc = cvi_tenant_key_derive(k, p->tenant, p->epoch, &kt);
    if (rc) return cvi_error(ctx, rc, "out of memory");
    *shard = cvi_shard_with(&kt, rel, count);
    cvi_tenant_key_free(&kt);
    return 0;
}

int cvi_list_files(cv_ctx *ctx, const char *dir, char ***rels, size_t *n)
{
    cvi_items it = { 0 };
    *rels = NULL;
    *n = 0;
    int rc = walk(ctx, dir, "", NULL, &it, 0);
    if (rc) {
        cvi_items_free(&it);
        return rc == CV_ENOMEM ? cvi_error(ctx, rc, "out of memory") : rc;
    }
    char **v = calloc(it.n + 1, sizeof *v);
    if (!v) {
        cvi_items_free(&it);
        return cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < it.n; i++) {
        if (it.v[i].skip) continue;
        v[k++] = it.v[i].rel;
        it.v[i].rel = NULL;
    }
    *rels = v;
    *n = k;
    cvi_items_free(&it);
    return 0;
}
