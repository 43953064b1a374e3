/*
 * forget.c - erasure: `callveil forget` removes a subject (one or more of
 * their identifiers) from a finished dataset: their records dropped (or,
 * with `erasure: replace`, their tokens replaced by "[erased]"), the files
 * and call recordings that are theirs whole deleted, their vault entries
 * and those only their records held removed, their erasure marks added to
 * the register (dataset.h), the resume journal amended; all in one
 * journaled commit with one history entry in the manifest.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/ctx.h"
#include "common/files.h"
#include "engine.h"
#include "manifest.h"
#include "subject.h"
#include "vault.h"

/* A call goes whole: its audio, then its transcript. Counted once. */
static void del_recording(cvi_delset *d, const cvi_recpair *rp, cv_forget_result *res)
{
    if (!cvi_del_has(d, rp->audio)) res->recordings_removed++;
    cvi_del_add(d, rp->audio);
    cvi_del_add(d, rp->transcript);
}


/* The resume journal as forget leaves it, staged in its commit: the line of
 * each file it rewrote amended to the new output (size, BLAKE2b, records
 * erased), so that `run --resume` keeps it as it is; the line of each file
 * it deleted whole gone (a resume does that file again, and the erasure
 * register drops it), and lines that do not parse (a torn last line) gone.
 * No journal: nothing staged. */
static int journal_stage(cv_ctx *ctx, cvi_commit *cm, const char *outdir, const cvi_newfile *nf, size_t nnew,
                         const char *const *del, size_t ndel)
{
    char *path = cvi_path_join(outdir, CVI_JOURNAL_FILE);
    cv_buf j = { 0 }, o = { 0 };
    int rc = 0;
    if (!path) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    rc = cvi_read_file(path, &j, (size_t)1 << 30);
    if (rc == CV_EIO && errno == ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc) {
        rc = cvi_error(ctx, CV_EIO, "%s: cannot be read", path);
        goto out;
    }
    const char *p = j.p ? j.p : "", *end = p + j.n;
    for (int first = 1; p < end && !rc; first = 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;                                 /* torn: never finished */
        size_t n = (size_t)(nl - p);
        int match = 0;
        if (first) {
            rc = cvi_buf_append(&o, p, n + 1) ? CV_ENOMEM : 0;       /* the fingerprint */
            p = nl + 1;
            continue;
        }
        for (size_t i = 0; i < ndel && !match; i++) match = cvi_journal_names(p, n, del[i]);
        for (size_t i = 0; i < nnew && !match && !rc; i++)
            rc = cvi_journal_amend(p, n, nf[i].rel, nf[i].removed, nf[i].bytes, nf[i].hash, &o, &match);
        if (rc == CV_EINPUT) rc = 0, match = 1;      /* not a line of ours: resume ignores it too */
        if (!rc && !match && cvi_buf_append(&o, p, n + 1)) rc = CV_ENOMEM;
        p = nl + 1;
    }
    if (rc) rc = cvi_error(ctx, rc, "out of memory");
    else rc = cvi_commit_stage(cm, CVI_JOURNAL_FILE, o.p ? o.p : "", o.n, 0666);
out:
    free(path);
    cvi_buf_free(&j);
    cvi_buf_free(&o);
    return rc;
}

/* Hand the staged data files to the commit (it removes them if it never
 * runs). */
/* Where the vault's tokens occur in the data, for a forget: a token held
 * only by records the forget deletes (the subject's other identifiers: an
 * e-mail beside the phone number asked for) loses its vault entries too,
 * else it would stay revealable; one that a kept record (or a kept file's
 * name) still holds keeps them. A file's occurrences are listed first (each
 * token once, by generation) and counted once its fate is known: a
 * transcript that goes with its call counts as deleted whole. */
enum { USE_DEL = 1, USE_KEEP = 2 };

typedef struct tokuse {
    cvi_tokmap map;                   /* the vault's tokens; map.n of them */
    uint8_t *flag;                /* USE_DEL | USE_KEEP per token */
    uint32_t *gen_del, *gen_keep; /* the file pass that listed the token last */
    uint32_t gen;
    uint32_t *fdel, *fkeep;       /* this file's, each once */
    size_t ndel, nkeep, capdel, capkeep;
    int oom;
} tokuse;

static void tokuse_free(tokuse *u)
{
    cvi_map_free(&u->map);
    free(u->flag);
    free(u->gen_del);
    free(u->gen_keep);
    free(u->fdel);
    free(u->fkeep);
    memset(u, 0, sizeof *u);
}

static int use_load(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    (void)s, (void)sn;
    tokuse *u = ud;
    if (tn <= CV_TOKEN_CHARS || t[tn - CV_TOKEN_CHARS - 1] != ':') return 0;
    char bare[CV_TOKEN_CHARS + 1];
    memcpy(bare, t + tn - CV_TOKEN_CHARS, CV_TOKEN_CHARS);
    bare[CV_TOKEN_CHARS] = '\0';
    return cvi_map_add(&u->map, bare, bare);
}

/* Read the vault's tokens (none without a vault). */
static int tokuse_init(cv_ctx *ctx, tokuse *u, const char *vpath, int have_vault)
{
    memset(u, 0, sizeof *u);
    u->gen = 1;
    int rc = have_vault ? cvi_vault_read(ctx, vpath, use_load, u) : 0;
    if (rc) return rc == CV_ENOMEM ? cvi_error(ctx, rc, "out of memory") : rc;
    size_t n = u->map.n ? u->map.n : 1;
    if (!(u->flag = calloc(n, 1)) || !(u->gen_del = calloc(n, sizeof *u->gen_del)) ||
        !(u->gen_keep = calloc(n, sizeof *u->gen_keep)))
        return cvi_error(ctx, CV_ENOMEM, "out of memory");
    return 0;
}

static void use_push(tokuse *u, uint32_t idx, int del)
{
    uint32_t *gen = del ? u->gen_del : u->gen_keep;
    if (gen[idx] == u->gen) return;
    uint32_t **v = del ? &u->fdel : &u->fkeep;
    size_t *n = del ? &u->ndel : &u->nkeep, *cap = del ? &u->capdel : &u->capkeep;
    if (cvi_grow((void **)v, cap, *n + 1, sizeof **v)) {
        u->oom = 1;
        return;
    }
    (*v)[(*n)++] = idx;
    gen[idx] = u->gen;
}

/* List the vault tokens rendered in p[0..n) (after a ':', or in a file name
 * also a '-') as this file's deleted or kept occurrences. */
static void use_scan(tokuse *u, const char *p, size_t n, int del, int name)
{
    if (!u->map.n) return;
    for (size_t i = 1; i + CV_TOKEN_CHARS <= n; i++) {
        if (p[i - 1] != ':' && !(name && p[i - 1] == '-')) continue;
        if (i + CV_TOKEN_CHARS < n && cvi_is_b32(p[i + CV_TOKEN_CHARS])) continue;
        size_t k = 0;
        while (k < CV_TOKEN_CHARS && cvi_is_b32(p[i + k])) k++;
        if (k < CV_TOKEN_CHARS) continue;
        int idx = cvi_map_find(&u->map, p + i);
        if (idx >= 0) use_push(u, (uint32_t)idx, del);
    }
}

/* The file's fate is known: its listed occurrences count (all as deleted
 * if the file goes whole). */
static int use_done(cv_ctx *ctx, tokuse *u, int file_kept)
{
    for (size_t i = 0; i < u->ndel; i++) u->flag[u->fdel[i]] |= USE_DEL;
    for (size_t i = 0; i < u->nkeep; i++) u->flag[u->fkeep[i]] |= file_kept ? USE_KEEP : USE_DEL;
    u->ndel = u->nkeep = 0;
    u->gen++;
    return u->oom ? cvi_error(ctx, CV_ENOMEM, "out of memory") : 0;
}

/* Of the subject's tokens: does the record hold one? */
typedef struct subject_toks {
    char (*tok)[CV_TOKEN_CHARS + 1];
    char (*rendered)[CVI_TOKEN_TEXT_MAX + 32];
    size_t n;
} subject_toks;

static int holds_any(const subject_toks *st, const char *p, size_t n)
{
    for (size_t i = 0; i < st->n; i++)
        if (cvi_find_tok(p, n, st->tok[i])) return 1;
    return 0;
}

static int name_has_any(const subject_toks *st, const char *rel)
{
    for (size_t i = 0; i < st->n; i++)
        if (cvi_name_has_tok(rel, st->tok[i])) return 1;
    return 0;
}

typedef struct forget_ctx {
    const subject_toks *st;
    int replace;
    cvi_rewriter *w;          /* NULL: counting pass */
    tokuse *use;          /* counting pass: where the vault's tokens occur */
    uint64_t removed, replaced;
} forget_ctx;

/* Replace each whole rendering of the token ("phone:…", "phone:+44:…",
 * "[phone:…]") by "[erased]". */
static int erase_in(const char *rec, size_t n, const char *tok, cv_buf *out, uint64_t *count)
{
    const char *p = rec, *end = rec + n;
    const char *hit;
    while ((hit = cvi_find_tok(p, (size_t)(end - p), tok))) {
        const char *l = hit - 1;                        /* the ':' */
        const char *q = l;
        /* optional "+CC:" */
        const char *c = q - 1;
        while (c > p && c[0] >= '0' && c[0] <= '9') c--;
        if (c >= p && *c == '+' && c < q - 1 && c > p && c[-1] == ':') q = c - 1;
        const char *d = q;
        while (d > p && ((d[-1] >= 'a' && d[-1] <= 'z') || (d[-1] >= '0' && d[-1] <= '9') || d[-1] == '_')) d--;
        const char *r = hit + CV_TOKEN_CHARS;
        if (d > p && d[-1] == '[' && r < end && *r == ']') {
            d--;
            r++;
        }
        if (cvi_buf_append(out, p, (size_t)(d - p)) || cvi_buf_puts(out, "[erased]")) return CV_ENOMEM;
        (*count)++;
        p = r;
    }
    return cvi_buf_append(out, p, (size_t)(end - p)) ? CV_ENOMEM : 0;
}

/* erase_in for each of the subject's tokens in turn. */
static int erase_all(const char *rec, size_t n, const subject_toks *st, cv_buf *out, uint64_t *count)
{
    if (st->n == 1) return erase_in(rec, n, st->tok[0], out, count);
    cv_buf a = { 0 }, b = { 0 };
    int rc = cvi_buf_append(&a, rec, n) ? CV_ENOMEM : 0;
    for (size_t i = 0; i < st->n && !rc; i++) {
        cv_buf_clear(&b);
        rc = erase_in(a.p ? a.p : "", a.n, st->tok[i], &b, count);
        cv_buf t = a;
        a = b;
        b = t;
    }
    if (!rc && cvi_buf_append(out, a.p ? a.p : "", a.n)) rc = CV_ENOMEM;
    cvi_buf_free(&a);
    cvi_buf_free(&b);
    return rc;
}

static int forget_rec(void *ud, const char *rec, size_t n, uint64_t line, int header)
{
    (void)line;
    forget_ctx *f = ud;
    int has = !header && holds_any(f->st, rec, n);
    if (!f->w) {
        f->removed += has && !f->replace;
        f->replaced += has && f->replace;
        if (!header) use_scan(f->use, rec, n, has && !f->replace, 0);
        return 0;
    }
    cv_buf *o = &f->w->out;
    int rc;
    if (!has) rc = cvi_buf_append(o, rec, n) ? CV_ENOMEM : 0;
    else if (!f->replace) { f->removed++; rc = 0; }
    else rc = erase_all(rec, n, f->st, o, &f->replaced);
    return rc ? rc : cvi_rw_flush(f->w, 0);
}

/* A data file deleted whole: its records counted, its tokens' occurrences
 * all deleted. */
typedef struct gone_ctx {
    tokuse *use;
    uint64_t records;
} gone_ctx;

static int gone_rec(void *ud, const char *rec, size_t n, uint64_t line, int header)
{
    (void)line;
    gone_ctx *g = ud;
    if (header) return 0;
    g->records++;
    use_scan(g->use, rec, n, 1, 0);
    return 0;
}

typedef struct vfilter {
    const subject_toks *st;
    const tokuse *use;
    cv_buf *keep;
    uint64_t removed, linked;
} vfilter;

static int vault_filter(void *ud, const char *t, size_t tn, const unsigned char *s, size_t sn)
{
    vfilter *v = ud;
    if (tn > CV_TOKEN_CHARS && t[tn - CV_TOKEN_CHARS - 1] == ':') {
        const char *bare = t + tn - CV_TOKEN_CHARS;
        for (size_t i = 0; i < v->st->n; i++)
            if (memcmp(bare, v->st->tok[i], CV_TOKEN_CHARS) == 0) {
                v->removed++;
                return 0;
            }
        int idx = cvi_map_find(&v->use->map, bare);
        if (idx >= 0 && v->use->flag[idx] == USE_DEL) {
            v->removed++;
            v->linked++;
            return 0;
        }
    }
    size_t bl = sodium_base64_ENCODED_LEN(sn, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(bl);
    if (!b) return CV_ENOMEM;
    sodium_bin2base64(b, bl, s, sn, sodium_base64_VARIANT_ORIGINAL);
    int rc = cvi_buf_puts(v->keep, "{\"token\":") | cvi_json_string(v->keep, t, tn) |
             cvi_buf_puts(v->keep, ",\"sealed\":\"") | cvi_buf_puts(v->keep, b) | cvi_buf_puts(v->keep, "\"}\n");
    free(b);
    return rc ? CV_ENOMEM : 0;
}

int cv_forget(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
              const char *outdir, cv_forget_result *res)
{
    cv_subject_id id = { type, value };
    return cv_forget_ids(ctx, p, k, &id, 1, outdir, res);
}

int cv_forget_ids(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const cv_subject_id *ids, size_t nids,
                  const char *outdir, cv_forget_result *res)
{
    memset(res, 0, sizeof *res);
    if (!ids || !nids) return cvi_error(ctx, CV_EUSAGE, "forget: no identifier");
    subject_toks st = { calloc(nids, sizeof *st.tok), calloc(nids, sizeof *st.rendered), 0 };
    /* and their erasure marks, for the register (dataset.h) */
    unsigned char (*marks)[CVI_MARK_BYTES] = calloc(nids, sizeof *marks);
    char (*mdom)[33] = calloc(nids, sizeof *mdom), check[17];
    if (!st.tok || !st.rendered || !marks || !mdom) {
        free(st.tok);
        free(st.rendered);
        free(marks);
        free(mdom);
        return cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < nids && !rc; i++) {
        if (!ids[i].type || !ids[i].value) { rc = cvi_error(ctx, CV_EUSAGE, "forget: missing type or value"); break; }
        if ((rc = cvi_subject_token(ctx, p, k, ids[i].type, ids[i].value, st.rendered[st.n], st.tok[st.n])) ||
            (rc = cvi_erasure_mark(ctx, p, k, ids[i].type, ids[i].value, marks[i], mdom[i], check)))
            break;
        int dup = 0;      /* two spellings of one identifier: one token */
        for (size_t j = 0; j < st.n; j++) dup |= strcmp(st.tok[j], st.tok[st.n]) == 0;
        if (!dup) st.n++;
    }
    if (rc) {
        free(st.tok);
        free(st.rendered);
        free(marks);
        free(mdom);
        return rc;
    }
    char **rels = NULL;
    size_t nrel = 0, nnew = 0;
    cvi_newfile *nf = NULL;
    cvi_dataset_info ds = { 0 };
    cvi_delset del = { NULL, 0 };        /* outputs deleted whole (erasure: drop) */
    int drop = !p->erasure_replace, lockfd = -1;
    cv_buf vkeep = { 0 }, entry = { 0 };
    cvi_commit *cm = NULL;
    cvi_register *reg = NULL;
    uint64_t added = 0;
    tokuse use;
    memset(&use, 0, sizeof use);
    char *vpath = cvi_path_join(outdir, CVI_VAULT_FILE);
    if (!vpath) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd)) ||
        (rc = cvi_dataset_load(ctx, outdir, 1, p, k, p->epoch, &ds)) ||
        (rc = cvi_dataset_clean(ctx, outdir, 0, NULL)) || (rc = cvi_list_files(ctx, outdir, &rels, &nrel)) ||
        (rc = cvi_register_load(ctx, outdir, check, &reg)))
        goto out;
    /* the subject's marks not yet in the register: later runs keep them out */
    for (size_t i = 0; i < nids && !rc; i++) {
        int a = cvi_register_add(reg, mdom[i], marks[i]);
        if (a < 0) rc = cvi_error(ctx, a, "%s", a == CV_ENOMEM ? "out of memory" : "bad erasure mark");
        added += a == 1;
    }
    if (rc) goto out;
    res->register_added = added;
    if (!(nf = calloc(nrel ? nrel : 1, sizeof *nf)) || !(del.v = calloc(2 * nrel + 1, sizeof *del.v))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    struct stat sv;
    int have_vault = stat(vpath, &sv) == 0;
    if ((rc = tokuse_init(ctx, &use, vpath, have_vault))) goto out;

    /* 1. outputs named after the subject (an input named by a phone number):
     * theirs whole; a recording's audio and transcript together */
    for (size_t i = 0; i < nrel && drop; i++) {
        if (!name_has_any(&st, rels[i])) continue;
        const cvi_recpair *rp = cvi_recording_of(ds.rec, ds.nrec, rels[i], 1);
        if (rp) del_recording(&del, rp, res);
        else cvi_del_add(&del, rels[i]);
    }

    /* 2. every other data file holding the subject, rewritten to a temporary
     * name; a call's transcript: the call goes with it */
    for (size_t i = 0; i < nrel && !rc; i++) {
        if (!cvi_is_data_file(rels[i])) continue;
        res->files++;
        if (cvi_del_has(&del, rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        if (!path) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); break; }
        forget_ctx f = { &st, p->erasure_replace, NULL, &use, 0, 0 };
        if ((rc = cvi_each_record(ctx, path, rels[i], forget_rec, &f))) {
            free(path);
            break;
        }
        const cvi_recpair *rp = f.removed ? cvi_recording_of(ds.rec, ds.nrec, rels[i], 0) : NULL;
        /* a transcript that goes with its call: counted below, as deleted whole */
        if ((rc = use_done(ctx, &use, rp == NULL))) { free(path); break; }
        if (!f.removed && !f.replaced) {
            free(path);
            continue;
        }
        if (rp) {
            del_recording(&del, rp, res);
            free(path);
            continue;
        }
        cvi_newfile *n = &nf[nnew++];
        f.removed = f.replaced = 0;
        f.use = NULL;
        rc = cvi_stage(ctx, rels[i], path, ds.zstd_level, forget_rec, &f, &f.w, n);
        n->removed = f.removed;
        n->replaced = f.replaced;
        res->records_removed += f.removed;
        res->tokens_replaced += f.replaced;
    }
    /* the records of the data files deleted whole */
    for (size_t i = 0; i < del.n && !rc; i++) {
        char *path = cvi_is_data_file(del.v[i]) ? cvi_path_join(outdir, del.v[i]) : NULL;
        struct stat sb;
        gone_ctx g = { &use, 0 };
        if (path && stat(path, &sb) == 0) rc = cvi_each_record(ctx, path, del.v[i], gone_rec, &g);
        res->records_removed += g.records;
        if (!rc) rc = use_done(ctx, &use, 0);
        free(path);
    }
    /* the names of the files kept */
    for (size_t i = 0; i < nrel && !rc; i++) {
        if (cvi_del_has(&del, rels[i])) continue;
        use_scan(&use, rels[i], strlen(rels[i]), 0, 1);
        rc = use_done(ctx, &use, 1);
    }
    res->files_deleted = del.n;
    if (rc) goto out;

    /* 3. the vault without the subject's entries, nor those of the tokens
     * only the deleted records held */
    vfilter vf = { &st, &use, &vkeep, 0, 0 };
    if (have_vault && (rc = cvi_vault_read(ctx, vpath, vault_filter, &vf))) goto out;
    res->vault_entries_removed = vf.removed;
    res->linked_entries_removed = vf.linked;
    /* nothing of this subject and already in the register: a no-op */
    if (nnew == 0 && del.n == 0 && vf.removed == 0 && added == 0) goto out;

    /* 4. commit, journaled: data files, deletions (a recording's audio
     * before its transcript), vault, the resume journal amended to what
     * this commit writes, the register, manifest with the history entry */
    if ((rc = cvi_commit_create(ctx, outdir, "forget", &cm)) || (rc = cvi_newfiles_commit(cm, nf, nnew))) goto out;
    for (size_t i = 0; i < del.n && !rc; i++) rc = cvi_commit_delete(cm, del.v[i]);
    if (rc) goto out;
    if (vf.removed && (rc = cvi_vault_stage(ctx, cm, vkeep.p ? vkeep.p : "", vkeep.n, NULL))) goto out;
    if ((nnew || del.n) && (rc = journal_stage(ctx, cm, outdir, nf, nnew, del.v, del.n))) goto out;
    if (added && (rc = cvi_register_stage(reg, cm))) goto out;
    char when[32];
    cvi_now_utc(when);
    if (st.n == 1) {
        rc = cvi_buf_puts(&entry, "{\"op\": \"forget\", \"token\": ") |
             cvi_json_string(&entry, st.rendered[0], strlen(st.rendered[0]));
    } else {
        rc = cvi_buf_puts(&entry, "{\"op\": \"forget\", \"tokens\": [");
        for (size_t i = 0; i < st.n; i++)
            rc |= cvi_buf_puts(&entry, i ? ", " : "") | cvi_json_string(&entry, st.rendered[i], strlen(st.rendered[i]));
        rc |= cvi_buf_putc(&entry, ']');
    }
    rc |= cvi_buf_printf(&entry, ", \"at\": \"%s\", \"mode\": \"%s\", \"records_removed\": %" PRIu64
                                ", \"tokens_replaced\": %" PRIu64 ", \"vault_entries_removed\": %" PRIu64
                                ", \"recordings_removed\": %" PRIu64 ", \"files_deleted\": %" PRIu64 ", \"files\": [",
                        when, p->erasure_replace ? "replace" : "drop", res->records_removed, res->tokens_replaced,
                        res->vault_entries_removed, res->recordings_removed, res->files_deleted);
    for (size_t i = 0; i < nnew; i++) {
        char hx[65];
        sodium_bin2hex(hx, sizeof hx, nf[i].hash, 32);
        rc |= cvi_buf_printf(&entry, "%s{\"output\": ", i ? ", " : "");
        rc |= cvi_json_string(&entry, nf[i].rel, strlen(nf[i].rel));
        rc |= cvi_buf_printf(&entry, ", \"records_removed\": %" PRIu64 ", \"tokens_replaced\": %" PRIu64
                                    ", \"output_bytes\": %" PRIu64 ", \"output_blake2b\": \"%s\"}",
                            nf[i].removed, nf[i].replaced, nf[i].bytes, hx);
    }
    for (size_t i = 0; i < del.n; i++) {
        rc |= cvi_buf_puts(&entry, nnew || i ? ", {\"output\": " : "{\"output\": ");
        rc |= cvi_json_string(&entry, del.v[i], strlen(del.v[i]));
        rc |= cvi_buf_puts(&entry, ", \"deleted\": true}");
    }
    rc |= cvi_buf_printf(&entry, "], \"linked_vault_entries_removed\": %" PRIu64 ", \"register_added\": %" PRIu64 "}",
                        res->linked_entries_removed, added);
    if (rc || !cvi_buf_cstr(&entry)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = cvi_manifest_stage_history(ctx, cm, outdir, entry.p, NULL)) || (rc = cvi_commit_run(cm))) goto out;
    res->files_changed = nnew;
    if (added)
        cvi_log(ctx, CV_LOG_INFO, "%s: %" PRIu64 " identifier(s) added to the erasure register: later runs into it "
                                  "drop every record that carries them", outdir, added);
out:
    cvi_commit_free(cm);
    cvi_register_free(reg);
    free(marks);
    free(mdom);
    cvi_newfiles_free(nf, nnew, 1);
    cvi_dataset_unlock(lockfd);
    cvi_dataset_info_free(&ds);
    free(del.v);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    free(vpath);
    cvi_buf_free(&vkeep);
    cvi_buf_free(&entry);
    tokuse_free(&use);
    free(st.tok);
    free(st.rendered);
    return rc;
}

