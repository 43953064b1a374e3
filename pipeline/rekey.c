/*
 * rekey.c - key rotation: `callveil rekey` moves a finished dataset from
 * one epoch to another: each vault entry opened with the controller's
 * secret key and its token recomputed at the new epoch, every token in the
 * data files replaced, the vault sealed again, the resume journal (its ids
 * belong to the old epoch) deleted; in one journaled commit with one
 * history entry in the manifest, which then names the new epoch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "common/ctx.h"
#include "common/files.h"
#include "manifest.h"
#include "subject.h"
#include "vault.h"

typedef struct rekey_ctx {
    cv_ctx *ctx;
    const unsigned char *pk, *sk;
    cvi_tenant_key from, to;
    cvi_tokmap map;
    cv_buf vault;             /* the new vault's lines */
    cv_buf val;
    int bad;                  /* entries that do not belong to the old key/epoch */
} rekey_ctx;

static int rekey_entry(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    rekey_ctx *r = ud;
    cv_buf_clear(&r->val);
    int rc = cvi_vault_open_entry(r->pk, r->sk, t, tn, s, sn, &r->val);
    if (rc == CV_ENOMEM) return rc;
    if (rc) return cvi_error(r->ctx, CV_ECRYPTO, "a vault entry does not open with this secret key "
                                                 "(wrong controller key, or a tampered entry)");
    const char *colon = memchr(t, ':', tn);
    size_t dn = colon ? (size_t)(colon - t) : 0;
    if (!colon || tn != dn + 1 + CV_TOKEN_CHARS || dn > 32) return cvi_error(r->ctx, CV_EINPUT, "malformed vault token");
    char old[CV_TOKEN_CHARS + 1], check[CV_TOKEN_CHARS + 1], neu[CV_TOKEN_CHARS + 1];
    memcpy(old, t + dn + 1, CV_TOKEN_CHARS);
    old[CV_TOKEN_CHARS] = '\0';
    cvi_token(&r->from, t, dn, r->val.p, r->val.n, check);
    if (memcmp(check, old, CV_TOKEN_CHARS) != 0) {
        r->bad++;
        return 0;
    }
    cvi_token(&r->to, t, dn, r->val.p, r->val.n, neu);
    int known = 0;
    for (size_t i = 0; i < r->map.ndomains; i++)
        if (strlen(r->map.domains[i]) == dn && memcmp(r->map.domains[i], t, dn) == 0) known = 1;
    if (!known && r->map.ndomains < 32) {
        memcpy(r->map.domains[r->map.ndomains], t, dn);
        r->map.domains[r->map.ndomains++][dn] = '\0';
    }
    char nt[CVI_TOKEN_TEXT_MAX];
    snprintf(nt, sizeof nt, "%.*s:%s", (int)dn, t, neu);
    if (cvi_map_add(&r->map, old, neu)) return CV_ENOMEM;
    return cvi_vault_seal_line(r->pk, nt, strlen(nt), r->val.p, r->val.n, &r->vault);
}

typedef struct rekey_file {
    rekey_ctx *r;
    cvi_rewriter *w;              /* NULL: checking pass */
    uint64_t replaced, unmapped;
} rekey_file;

/* Is p[i..i+16) a token rendering's 16 characters: after "DOMAIN:" or
 * "DOMAIN:+CC:" of a domain the vault holds, and not inside a longer run? */
static int token_at(const cvi_tokmap *m, const char *p, size_t n, size_t i)
{
    if (i == 0 || p[i - 1] != ':' || i + CV_TOKEN_CHARS > n) return 0;
    for (size_t k = 0; k < CV_TOKEN_CHARS; k++)
        if (!cvi_is_b32(p[i + k])) return 0;
    if (i + CV_TOKEN_CHARS < n && cvi_is_b32(p[i + CV_TOKEN_CHARS])) return 0;
    size_t e = i - 1;                     /* the ':' */
    size_t c = e;
    while (c > 0 && p[c - 1] >= '0' && p[c - 1] <= '9') c--;
    if (c > 1 && c < e && p[c - 1] == '+' && p[c - 2] == ':') e = c - 2;
    size_t d = e;
    while (d > 0 && ((p[d - 1] >= 'a' && p[d - 1] <= 'z') || (p[d - 1] >= '0' && p[d - 1] <= '9') || p[d - 1] == '_'))
        d--;
    for (size_t k = 0; k < m->ndomains; k++)
        if (strlen(m->domains[k]) == e - d && memcmp(m->domains[k], p + d, e - d) == 0) return 1;
    return 0;
}

static int rekey_rec(void *ud, const char *rec, size_t n, uint64_t line, int header)
{
    (void)line;
    rekey_file *f = ud;
    const cvi_tokmap *m = &f->r->map;
    size_t at = f->w ? f->w->out.n : 0;
    if (f->w && cvi_buf_append(&f->w->out, rec, n)) return CV_ENOMEM;
    if (header) return 0;
    const char *p = rec;
    for (const char *c = memchr(p, ':', n); c; c = memchr(c + 1, ':', n - (size_t)(c + 1 - rec))) {
        size_t i = (size_t)(c - rec) + 1;
        if (!token_at(m, rec, n, i)) continue;
        int idx = cvi_map_find(m, rec + i);
        if (idx < 0) {
            f->unmapped++;
            continue;
        }
        f->replaced++;
        if (f->w) memcpy(f->w->out.p + at + i, m->neu[idx], CV_TOKEN_CHARS);
    }
    return f->w ? cvi_rw_flush(f->w, 0) : 0;
}

int cv_rekey(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *secret_key_path, uint64_t from_epoch,
             uint64_t to_epoch, const char *outdir, cv_rekey_result *res)
{
    memset(res, 0, sizeof *res);
    if (from_epoch == to_epoch) return cvi_error(ctx, CV_EUSAGE, "rekey: the epochs are the same");
    unsigned char pk[32], *sk = NULL;
    rekey_ctx r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    char **rels = NULL;
    size_t nrel = 0, nnew = 0;
    cvi_newfile *nf = NULL;
    char *vpath = cvi_path_join(outdir, CVI_VAULT_FILE), *jpath = cvi_path_join(outdir, CVI_JOURNAL_FILE);
    cvi_dataset_info ds = { 0 };
    cvi_commit *cm = NULL;
    int rc = 0, lockfd = -1;
    if (!vpath || !jpath) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd)) ||
        (rc = cvi_dataset_load(ctx, outdir, 1, p, k, from_epoch, &ds)) ||
        (rc = cvi_dataset_clean(ctx, outdir, 0, NULL)))
        goto out;
    if ((rc = cvi_controller_load(ctx, NULL, secret_key_path, pk, &sk))) goto out;
    r.pk = pk;
    r.sk = sk;
    if (cvi_tenant_key_derive(k, p->tenant, from_epoch, &r.from) ||
        cvi_tenant_key_derive(k, p->tenant, to_epoch, &r.to)) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    struct stat st;
    if (stat(vpath, &st) != 0) {
        rc = cvi_error(ctx, CV_EINPUT, "%s: no vault: rekeying needs one (`vault:` in the policy); "
                                       "without it, re-run the pipeline from the source data with the new epoch", vpath);
        goto out;
    }
    if ((rc = cvi_vault_read(ctx, vpath, rekey_entry, &r))) goto out;
    if (r.bad) {
        rc = cvi_error(ctx, CV_EKEY, "%d vault entr%s do not belong to this key, tenant and epoch %" PRIu64
                                     "; nothing was changed", r.bad, r.bad == 1 ? "y does" : "ies do", from_epoch);
        goto out;
    }
    res->vault_entries = r.map.n;
    res->dates_shifted_kept = ds.dates_shifted;     /* they keep the offsets of the old tokens */
    if ((rc = cvi_list_files(ctx, outdir, &rels, &nrel))) goto out;
    if (!(nf = calloc(nrel ? nrel : 1, sizeof *nf))) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < nrel && !rc; i++) {
        if (!cvi_is_data_file(rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        if (!path) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); break; }
        rekey_file f = { &r, NULL, 0, 0 };
        if ((rc = cvi_each_record(ctx, path, rels[i], rekey_rec, &f))) { free(path); break; }
        if (f.unmapped) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: %" PRIu64 " token(s) not in the vault; nothing was changed "
                                           "(re-run from the source data instead)", rels[i], f.unmapped);
            free(path);
            break;
        }
        if (!f.replaced) { free(path); continue; }
        cvi_newfile *n = &nf[nnew++];
        f.replaced = 0;
        rc = cvi_stage(ctx, rels[i], path, ds.zstd_level, rekey_rec, &f, &f.w, n);
        res->tokens_replaced += f.replaced;
    }
    if (rc) goto out;
    /* commit, journaled: data files, vault, the resume journal (its ids
     * belong to the old epoch), manifest with the history entry */
    if ((rc = cvi_commit_create(ctx, outdir, "rekey", &cm)) || (rc = cvi_newfiles_commit(cm, nf, nnew)) ||
        (rc = cvi_vault_stage(ctx, cm, r.vault.p ? r.vault.p : "", r.vault.n, NULL)))
        goto out;
    if (stat(jpath, &st) == 0 && (rc = cvi_commit_delete(cm, CVI_JOURNAL_FILE))) goto out;
    char when[32], e[512];
    cvi_now_utc(when);
    snprintf(e, sizeof e, "{\"op\": \"rekey\", \"at\": \"%s\", \"from_epoch\": %" PRIu64 ", \"to_epoch\": %" PRIu64
                          ", \"tokens_replaced\": %" PRIu64 ", \"vault_entries\": %" PRIu64 ", \"files_changed\": %" PRIu64
                          ", \"dates_shifted_kept\": %" PRIu64 "}",
             when, from_epoch, to_epoch, res->tokens_replaced, res->vault_entries, (uint64_t)nnew,
             res->dates_shifted_kept);
    if ((rc = cvi_manifest_stage_history(ctx, cm, outdir, e, &to_epoch)) || (rc = cvi_commit_run(cm))) goto out;
    res->files_changed = nnew;
out:
    cvi_commit_free(cm);
    cvi_newfiles_free(nf, nnew, 1);
    cvi_dataset_unlock(lockfd);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    free(vpath);
    free(jpath);
    cvi_dataset_info_free(&ds);
    cvi_tenant_key_free(&r.from);
    cvi_tenant_key_free(&r.to);
    cvi_map_free(&r.map);
    if (r.vault.p) sodium_memzero(r.vault.p, r.vault.cap);
    if (r.val.p) sodium_memzero(r.val.p, r.val.cap);
    cvi_buf_free(&r.vault);
    cvi_buf_free(&r.val);
    sodium_free(sk);
    return rc;
}

