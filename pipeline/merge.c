/*
 * merge.c - cv_merge: the datasets of `run --shard I/N` joined into the one
 * dataset an un-sharded run writes. Every file of the listing was done by
 * exactly one shard, so its output and its manifest entry are the whole
 * run's: outputs are copied (digest checked), entries put back in listing
 * order (the shard manifest's positions) and totals summed again; the
 * vaults are united by token and the journals joined. Everything is staged
 * and committed through the dataset's journaled commit (dataset.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_tree.h>

#include "common/ctx.h"
#include "dataset.h"
#include "common/files.h"
#include "manifest.h"
#include "vault.h"


typedef struct shard {
    const char *dir;
    char real[PATH_MAX];
    cv_buf text;                /* its manifest.json */
    yajl_val doc;
    uint32_t index, count;
    size_t listed;
    int lockfd;
} shard;

typedef struct ment {
    cvi_entry e;
    size_t pos;                 /* in the listing of every input */
    size_t shard;               /* index into the shards given */
} ment;

typedef struct vline {
    char *line;                 /* {"token":…,"sealed":…}\n */
    size_t token_len;           /* the token is line[10 .. 10 + token_len) */
    size_t shard;
} vline;

typedef struct merge {
    cv_ctx *ctx;
    const cv_policy *p;
    const cv_key *k;
    shard *s;
    size_t ns;
    ment *m;
    size_t nm, capm;
    vline *v;
    size_t nv, capv;
    size_t vshard;              /* the shard whose vault is being read */
    uint64_t vcount;            /* its distinct tokens */
    unsigned char vault_pk[32];
} merge;

static yajl_val get(yajl_val v, const char *a, const char *b, yajl_type t)
{
    const char *path[] = { a, b, NULL };
    return v ? yajl_tree_get(v, path, t) : NULL;
}

static int get_u64(yajl_val v, const char *a, const char *b, uint64_t *out)
{
    yajl_val x = get(v, a, b, yajl_t_number);
    if (!x || !YAJL_IS_INTEGER(x) || YAJL_GET_INTEGER(x) < 0) return -1;
    *out = (uint64_t)YAJL_GET_INTEGER(x);
    return 0;
}

/* A short JSON value of a member, rendered for comparison ("" if absent). */
static void render_small(yajl_val v, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    if (!v) return;
    if (YAJL_IS_STRING(v)) snprintf(out, cap, "\"%s\"", v->u.string);
    else if (YAJL_IS_INTEGER(v)) snprintf(out, cap, "%lld", YAJL_GET_INTEGER(v));
    else if (YAJL_IS_NULL(v)) snprintf(out, cap, "null");
    else if (YAJL_IS_ARRAY(v))
        for (size_t i = 0; i < v->u.array.len && at + 24 < cap; i++)
            at += (size_t)snprintf(out + at, cap - at, "%s%lld", i ? "," : "",
                                   YAJL_IS_INTEGER(v->u.array.values[i]) ? YAJL_GET_INTEGER(v->u.array.values[i]) : -1);
    else if (YAJL_IS_OBJECT(v))
        for (size_t i = 0; i < v->u.object.len && at + 80 < cap; i++) {
            char sub[64];
            render_small(v->u.object.values[i], sub, sizeof sub);
            at += (size_t)snprintf(out + at, cap - at, "%s%.32s=%s", i ? "," : "", v->u.object.keys[i], sub);
        }
}

/* A name from a manifest that merge may copy or remove: relative, inside OUT. */
static int safe_rel(const char *r)
{
    if (!*r || *r == '/') return 0;
    for (const char *c = r;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return 0;
        if (!e) return 1;
        c = e + 1;
    }
}

/* ---- the shards' manifests ---------------------------------------------------- */

static int load_shard(merge *g, shard *s)
{
    cv_ctx *ctx = g->ctx;
    int rc = cvi_dataset_lock(ctx, s->dir, &s->lockfd);
    if (rc) return rc;
    if (cvi_dataset_interrupted(s->dir))
        return cvi_error(ctx, CV_EINPUT, "%s holds an interrupted run: finish it with `callveil run --shard ... "
                                         "--resume` first; nothing was merged", s->dir);
    char *mpath = cvi_path_join(s->dir, "manifest.json");
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    rc = cvi_read_file(mpath, &s->text, (size_t)1 << 30);
    free(mpath);
    if (rc == CV_EIO && errno == ENOENT)
        return cvi_error(ctx, CV_EINPUT, "%s: no manifest.json: not a finished shard of `callveil run --shard`", s->dir);
    if (rc || !cvi_buf_cstr(&s->text))
        return cvi_error(ctx, rc == CV_ENOMEM ? rc : CV_EIO, "%s/manifest.json: cannot be read", s->dir);
    if (!(s->doc = yajl_tree_parse(s->text.p, NULL, 0)))
        return cvi_error(ctx, CV_EINPUT, "%s/manifest.json: not a callveil manifest", s->dir);
    /* key (never a one-off one), tenant, epoch; then the policy and the tool */
    if ((rc = cvi_dataset_check_keys(ctx, s->dir, g->p, g->k, g->p->epoch))) return rc;
    yajl_val ph = get(s->doc, "policy", "blake2b", yajl_t_string), ver = get(s->doc, "version", NULL, yajl_t_string);
    char mine[65];
    sodium_bin2hex(mine, sizeof mine, g->p->hash, 32);
    if (!ph || strcmp(ph->u.string, mine) != 0)
        return cvi_error(ctx, CV_EKEY, "%s was made under another policy (its BLAKE2b differs from %s's): nothing "
                                       "was merged", s->dir, g->p->name);
    if (!ver || strcmp(ver->u.string, CV_VERSION) != 0)
        return cvi_error(ctx, CV_EINPUT, "%s was made by callveil %s, not %s: merge shards of one version", s->dir,
                         ver ? ver->u.string : "?", CV_VERSION);
    yajl_val hist = get(s->doc, "history", NULL, yajl_t_array);
    if (hist && hist->u.array.len)
        return cvi_error(ctx, CV_EINPUT, "%s was changed by forget or rekey after its run: merge the shards as run "
                                         "wrote them, then forget or rekey the merged dataset", s->dir);
    uint64_t idx, cnt, listed;
    if (get_u64(s->doc, "shard", "index", &idx) || get_u64(s->doc, "shard", "count", &cnt) ||
        get_u64(s->doc, "shard", "listed", &listed) || !get(s->doc, "shard", "positions", yajl_t_array) ||
        cnt == 0 || cnt > CV_SHARD_MAX || idx >= cnt)
        return cvi_error(ctx, CV_EINPUT, "%s is not a shard: its manifest has no \"shard\" (made by `callveil run` "
                                         "without --shard I/N)", s->dir);
    s->index = (uint32_t)idx;
    s->count = (uint32_t)cnt;
    s->listed = (size_t)listed;
    return 0;
}

/* What every shard must share with the first: the run's other settings. */
static int check_agree(merge *g)
{
    static const struct { const char *a, *b, *what; } same[] = {
        { "as_of", NULL, "--as-of" },
        { "options", "zstd_level", "--zstd-level" },
        { "options", "max_record", "--max-record-size" },
        { "policy", "inputs_unmatched", "input rules that matched no file (the shards listed other inputs)" },
        { "vault", "controller_key_id", "controller key of the vault" },
        { "erasure_register", "entries", "erasure register" },
    };
    const shard *a = &g->s[0];
    for (size_t i = 1; i < g->ns; i++) {
        const shard *b = &g->s[i];
        if (b->count != a->count)
            return cvi_error(g->ctx, CV_EINPUT, "%s is shard %" PRIu32 "/%" PRIu32 " but %s is shard %" PRIu32
                                                "/%" PRIu32 ": merge the shards of one run (one N)", a->dir, a->index,
                             a->count, b->dir, b->index, b->count);
        yajl_val la = get(a->doc, "shard", "listing", yajl_t_string), lb = get(b->doc, "shard", "listing", yajl_t_string);
        if (b->listed != a->listed || !la || !lb || strcmp(la->u.string, lb->u.string) != 0)
            return cvi_error(g->ctx, CV_EINPUT, "%s and %s listed other input files (%zu and %zu): every shard must "
                                                "be given the same INPUTs, in the same order", a->dir, b->dir,
                             a->listed, b->listed);
        for (size_t j = 0; j < sizeof same / sizeof *same; j++) {
            char x[512], y[512];
            render_small(get(a->doc, same[j].a, same[j].b, yajl_t_any), x, sizeof x);
            render_small(get(b->doc, same[j].a, same[j].b, yajl_t_any), y, sizeof y);
            if (strcmp(x, y) != 0)
                return cvi_error(g->ctx, CV_EINPUT, "%s and %s differ in the %s: not shards of one run", a->dir,
                                 b->dir, same[j].what);
        }
    }
    /* the set: 0..N-1, each once */
    uint32_t n = a->count;
    size_t *seen = calloc(n, sizeof *seen);
    if (!seen) return cvi_error(g->ctx, CV_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < g->ns && !rc; i++) {
        const shard *b = &g->s[i];
        if (seen[b->index])
            rc = cvi_error(g->ctx, CV_EINPUT, "shard %" PRIu32 "/%" PRIu32 " is given twice (%s and %s): give each "
                                              "shard once", b->index, n, g->s[seen[b->index] - 1].dir, b->dir);
        else seen[b->index] = i + 1;
    }
    for (uint32_t i = 0; i < n && !rc; i++)
        if (!seen[i])
            rc = cvi_error(g->ctx, CV_EINPUT, "shard %" PRIu32 "/%" PRIu32 " is missing: give the output "
                                              "directories of every shard 0..%" PRIu32 " once", i, n, n - 1);
    free(seen);
    return rc;
}

/* The entries of a shard's "files" list as the texts run rendered (one
 * object each, "    {" at the start of its first line), with their
 * positions. */
static int load_entries(merge *g, size_t si)
{
    shard *s = &g->s[si];
    yajl_val files = get(s->doc, "files", NULL, yajl_t_array), pos = get(s->doc, "shard", "positions", yajl_t_array);
    static const char head[] = "\n  \"files\": [\n", tail[] = "\n  ]\n}\n";
    const char *t = s->text.p, *at = strstr(t, head), *end = t + s->text.n - (sizeof tail - 1);
    if (!files || !at || s->text.n < sizeof tail || strcmp(end, tail) != 0 || files->u.array.len != pos->u.array.len)
        return cvi_error(g->ctx, CV_EINPUT, "%s/manifest.json: not as callveil run writes it", s->dir);
    const char *p = at + sizeof head - 1;
    if (!files->u.array.len) p = end + 1;   /* "[\n  ]": no entry */
    for (size_t i = 0; i < files->u.array.len; i++) {
        if (p >= end || memcmp(p, "    {", 5) != 0) goto bad;
        const char *q = strstr(p + 1, "\n    {");
        if (!q || q > end) q = end;
        size_t n = (size_t)(q - p - 4);
        if (q < end && p[4 + n - 1] == ',') n--;
        else if (q < end) goto bad;
        yajl_val pv = pos->u.array.values[i];
        if (!YAJL_IS_INTEGER(pv) || YAJL_GET_INTEGER(pv) < 0 || (uint64_t)YAJL_GET_INTEGER(pv) >= s->listed) goto bad;
        if (cvi_grow((void **)&g->m, &g->capm, g->nm + 1, sizeof *g->m)) return cvi_error(g->ctx, CV_ENOMEM, "out of memory");
        ment *m = &g->m[g->nm];
        int rc = cvi_manifest_entry_read(g->p, p + 4, n, &m->e);
        if (rc == CV_ENOMEM) return cvi_error(g->ctx, rc, "out of memory");
        if (rc) goto bad;
        m->pos = (size_t)YAJL_GET_INTEGER(pv);
        m->shard = si;
        g->nm++;
        if ((m->e.output && !safe_rel(m->e.output)) || (m->e.transcript && !safe_rel(m->e.transcript))) goto bad;
        p = q + 1;
    }
    if (p != end + 1) goto bad;
    return 0;
bad:
    return cvi_error(g->ctx, CV_EINPUT, "%s/manifest.json: its \"files\" are not as callveil run writes them", s->dir);
}

static int by_pos(const void *a, const void *b)
{
    const ment *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Positions once each; no output name written by two files. */
static int check_entries(merge *g)
{
    qsort(g->m, g->nm, sizeof *g->m, by_pos);
    for (size_t i = 1; i < g->nm; i++)
        if (g->m[i].pos == g->m[i - 1].pos)
            return cvi_error(g->ctx, CV_EINPUT, "%s and %s both processed input %zu of the listing: the shards were "
                                                "given different INPUTs or key", g->s[g->m[i - 1].shard].dir,
                             g->s[g->m[i].shard].dir, g->m[i].pos);
    const char **names = calloc(2 * g->nm + 1, sizeof *names);
    size_t n = 0;
    if (!names) return cvi_error(g->ctx, CV_ENOMEM, "out of memory");
    for (size_t i = 0; i < g->nm; i++) {
        if (g->m[i].e.output) names[n++] = g->m[i].e.output;
        if (g->m[i].e.transcript) names[n++] = g->m[i].e.transcript;
    }
    qsort(names, n, sizeof *names, by_str);
    int rc = 0;
    for (size_t i = 1; i < n && !rc; i++)
        if (!strcmp(names[i], names[i - 1]))
            rc = cvi_error(g->ctx, CV_EINPUT, "two shards wrote the output %s (inputs whose names sanitise alike): "
                                              "run those inputs in one process", names[i]);
    free(names);
    return rc;
}

/* ---- the vaults ------------------------------------------------------------ */

static int on_vault(void *ud, const char *token, size_t tn, const unsigned char *sealed, size_t sn)
{
    merge *g = ud;
    if (cvi_grow((void **)&g->v, &g->capv, g->nv + 1, sizeof *g->v)) return CV_ENOMEM;
    size_t bn = sodium_base64_ENCODED_LEN(sn, sodium_base64_VARIANT_ORIGINAL);
    cv_buf b = { 0 };
    char *b64 = malloc(bn);
    int rc = !b64;
    if (!rc) {
        sodium_bin2base64(b64, bn, sealed, sn, sodium_base64_VARIANT_ORIGINAL);
        rc = cvi_buf_puts(&b, "{\"token\":\"") | cvi_buf_append(&b, token, tn) | cvi_buf_puts(&b, "\",\"sealed\":\"") |
             cvi_buf_puts(&b, b64) | cvi_buf_puts(&b, "\"}\n") | !cvi_buf_cstr(&b);
    }
    free(b64);
    if (rc) {
        cvi_buf_free(&b);
        return CV_ENOMEM;
    }
    g->v[g->nv++] = (vline){ b.p, tn, g->vshard };
    g->vcount++;
    return 0;
}

/* By token; of one token, the lowest shard's first (kept). */
static int by_token(const void *a, const void *b)
{
    const vline *x = a, *y = b;
    size_t n = x->token_len < y->token_len ? x->token_len : y->token_len;
    int c = memcmp(x->line + 10, y->line + 10, n);
    if (c) return c;
    if (x->token_len != y->token_len) return x->token_len < y->token_len ? -1 : 1;
    return x->shard < y->shard ? -1 : x->shard > y->shard;
}

/* One line per token. Sealing is randomised, so one token sealed in two
 * shards has two different sealed texts of the same value (the token is a
 * keyed hash of it; reveal checks every value against its token): the
 * lowest shard's is kept. */
static int stage_vault(merge *g, cvi_commit *c, uint64_t *entries, uint64_t *bytes)
{
    for (size_t i = 0; i < g->ns; i++) {
        shard *s = &g->s[0];      /* in shard order: the set is complete (check_agree) */
        for (size_t j = 0; j < g->ns; j++)
            if (g->s[j].index == i) s = &g->s[j];
        char *path = cvi_path_join(s->dir, CVI_VAULT_FILE);
        if (!path) return cvi_error(g->ctx, CV_ENOMEM, "out of memory");
        g->vshard = i;
        size_t before = g->nv;
        g->vcount = 0;
        int rc = cvi_vault_read(g->ctx, path, on_vault, g);
        free(path);
        if (rc == CV_ENOMEM) return cvi_error(g->ctx, rc, "out of memory");
        if (rc) return rc;
        /* a shard's vault holds each token once, as many as its manifest says */
        uint64_t want = 0;
        qsort(g->v + before, g->nv - before, sizeof *g->v, by_token);
        for (size_t j = before + 1; j < g->nv; j++)
            if (!by_token(&g->v[j], &g->v[j - 1])) g->vcount--;
        if (get_u64(s->doc, "vault", "entries", &want) || want != g->vcount)
            return cvi_error(g->ctx, CV_EINPUT, "%s/vault.zst holds %" PRIu64 " token(s), its manifest says %" PRIu64
                                                ": not the vault of that run", s->dir, g->vcount, want);
    }
    qsort(g->v, g->nv, sizeof *g->v, by_token);
    cv_buf lines = { 0 };
    uint64_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < g->nv && !rc; i++) {
        const vline *x = &g->v[i];
        if (i && x->token_len == g->v[i - 1].token_len && !memcmp(x->line + 10, g->v[i - 1].line + 10, x->token_len))
            continue;
        rc = cvi_buf_puts(&lines, x->line) ? CV_ENOMEM : 0;
        n++;
    }
    if (rc) rc = cvi_error(g->ctx, rc, "out of memory");
    else rc = cvi_vault_stage(g->ctx, c, lines.p ? lines.p : "", lines.n, bytes);
    cvi_buf_free(&lines);
    *entries = n;
    return rc;
}

/* ---- files --------------------------------------------------------------------- */

/* Copy SHARD/rel to a staged name beside OUT/rel, checking it is the file
 * the shard's manifest describes (BLAKE2b), and add it to the commit. */
static int stage_copy(merge *g, cvi_commit *c, const char *outdir, const shard *s, const char *rel,
                      const unsigned char want[32])
{
    char *src = cvi_path_join(s->dir, rel), *dst = cvi_path_join(outdir, rel);
    int in = -1, rc = 0;
    cvi_staged out = { .fd = -1 };
    crypto_generichash_state st;
    unsigned char got[32];
    if (!src || !dst) { rc = cvi_error(g->ctx, CV_ENOMEM, "out of memory"); goto out; }
    const char *slash = strrchr(dst, '/');
    if (cvi_mkdirs(dst, (size_t)(slash - dst)) != 0) {
        rc = cvi_error(g->ctx, CV_EIO, "cannot create the directory of %s: %s", rel, cvi_strerror(errno));
        goto out;
    }
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) { rc = cvi_error(g->ctx, CV_EINPUT, "%s/%s: %s (named in its manifest)", s->dir, rel, cvi_strerror(errno)); goto out; }
    struct stat sst;
    if (fstat(in, &sst) != 0) { rc = cvi_error(g->ctx, CV_EIO, "%s/%s: %s", s->dir, rel, cvi_strerror(errno)); goto out; }
    if (cvi_staged_open(&out, dst, sst.st_mode & 0777) != 0) {
        rc = cvi_error(g->ctx, CV_EIO, "%s: %s", out.tmp[0] ? out.tmp : rel, cvi_strerror(errno));
        goto out;
    }
    crypto_generichash_init(&st, NULL, 0, sizeof got);
    char buf[1 << 16];
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { rc = cvi_error(g->ctx, CV_EIO, "%s/%s: %s", s->dir, rel, cvi_strerror(errno)); goto out; }
        if (r == 0) break;
        crypto_generichash_update(&st, (const unsigned char *)buf, (size_t)r);
        if (cvi_write_all(out.fd, buf, (size_t)r) != 0) {
            rc = cvi_error(g->ctx, CV_EIO, "%s: %s", rel, cvi_strerror(errno));
            goto out;
        }
    }
    crypto_generichash_final(&st, got, sizeof got);
    if (memcmp(got, want, sizeof got) != 0) {
        rc = cvi_error(g->ctx, CV_EINPUT, "%s/%s is not the file its manifest describes (its BLAKE2b differs): "
                                          "changed since the run; nothing was merged", s->dir, rel);
        goto out;
    }
    if (cvi_staged_sync(&out) != 0) { rc = cvi_error(g->ctx, CV_EIO, "%s: %s", rel, cvi_strerror(errno)); goto out; }
    if (!(rc = cvi_commit_replace(c, rel, out.tmp))) cvi_staged_release(&out);     /* the commit's now */
out:
    if (in >= 0) close(in);
    cvi_staged_discard(&out);
    free(src);
    free(dst);
    return rc;
}

/* A shard's file copied whole, identical in every shard that has one (the
 * erasure register); *have: whether they have it. */
static int stage_same(merge *g, cvi_commit *c, const char *name, int *have)
{
    cv_buf first = { 0 };
    int rc = 0;
    *have = 0;
    for (size_t i = 0; i < g->ns && !rc; i++) {
        char *path = cvi_path_join(g->s[i].dir, name);
        cv_buf b = { 0 };
        if (!path) { rc = cvi_error(g->ctx, CV_ENOMEM, "out of memory"); break; }
        int r = cvi_read_file(path, &b, (size_t)1 << 30);
        int absent = r == CV_EIO && errno == ENOENT;
        free(path);
        if (r && !absent) rc = cvi_error(g->ctx, r == CV_ENOMEM ? r : CV_EIO, "%s/%s: cannot be read", g->s[i].dir, name);
        else if (i > 0 && (absent != !*have || (!absent && (b.n != first.n || memcmp(b.p, first.p, b.n) != 0))))
            rc = cvi_error(g->ctx, CV_EINPUT, "the shards' %s files differ: not shards of one dataset", name);
        else if (i == 0 && !absent) {
            *have = 1;
            first = b;
            b = (cv_buf){ 0 };
        }
        cvi_buf_free(&b);
    }
    if (!rc && *have) rc = cvi_commit_stage(c, name, first.p, first.n, 0666);
    cvi_buf_free(&first);
    return rc;
}

/* A journal line with its vault size (the 17th field: the vault's size once
 * the file's entries were in) set to vsize. */
static int journal_put(cv_buf *out, const char *l, size_t n, uint64_t vsize)
{
    const char *a = l, *end = l + n;
    for (int tabs = 0; tabs < 16 && a; tabs++) {
        a = memchr(a, '\t', (size_t)(end - a));
        if (a) a++;
    }
    const char *b = a ? memchr(a, '\t', (size_t)(end - a)) : NULL;
    if (!b) return CV_EINPUT;
    return cvi_buf_append(out, l, (size_t)(a - l)) || cvi_buf_printf(out, "%" PRIu64, vsize) ||
           cvi_buf_append(out, b, (size_t)(end - b)) ? CV_ENOMEM : 0;
}

/* The journals joined: one header (the shards share it: the same settings),
 * every shard's lines; a resumed run on the merged dataset skips what the
 * shards did. Their vault sizes become the merged vault's: a resumed run
 * takes it up whole, as after one run. A shard without a journal: none. */
static int stage_journal(merge *g, cvi_commit *c, uint64_t vsize)
{
    cv_buf all = { 0 }, head = { 0 };
    int rc = 0;
    for (size_t i = 0; i < g->ns && !rc; i++) {
        char *path = cvi_path_join(g->s[i].dir, CVI_JOURNAL_FILE);
        cv_buf b = { 0 };
        if (!path) { rc = CV_ENOMEM; break; }
        int r = cvi_read_file(path, &b, (size_t)1 << 30);
        free(path);
        if (r) {
            cvi_buf_free(&b);
            cvi_buf_free(&all);
            cvi_buf_free(&head);
            return r == CV_ENOMEM ? cvi_error(g->ctx, r, "out of memory") : 0;
        }
        const char *nl = b.n ? memchr(b.p, '\n', b.n) : NULL;
        size_t hn = nl ? (size_t)(nl - b.p) + 1 : 0, end = b.n;
        while (end > hn && b.p[end - 1] != '\n') end--;       /* a torn last line: not a finished file's */
        if (!hn) rc = cvi_error(g->ctx, CV_EINPUT, "%s/" CVI_JOURNAL_FILE ": no header", g->s[i].dir);
        else if (i == 0) rc = cvi_buf_append(&head, b.p, hn) ? CV_ENOMEM : 0;
        else if (hn != head.n || memcmp(b.p, head.p, hn) != 0)
            rc = cvi_error(g->ctx, CV_EINPUT, "%s/" CVI_JOURNAL_FILE ": made with other settings than %s's", g->s[i].dir,
                           g->s[0].dir);
        for (size_t at = hn; !rc && at < end;) {
            const char *nl2 = memchr(b.p + at, '\n', end - at);
            size_t ln = (size_t)(nl2 - (b.p + at));
            rc = journal_put(&all, b.p + at, ln + 1, vsize);
            if (rc == CV_EINPUT) rc = cvi_error(g->ctx, rc, "%s/" CVI_JOURNAL_FILE ": a line is not a journal entry", g->s[i].dir);
            at += ln + 1;
        }
        cvi_buf_free(&b);
    }
    if (rc == CV_ENOMEM) rc = cvi_error(g->ctx, rc, "out of memory");
    if (!rc && (cvi_buf_append(&head, all.p, all.n))) rc = cvi_error(g->ctx, CV_ENOMEM, "out of memory");
    if (!rc) rc = cvi_commit_stage(c, CVI_JOURNAL_FILE, head.p, head.n, 0666);
    cvi_buf_free(&all);
    cvi_buf_free(&head);
    return rc;
}

/* --overwrite: what OUT's old dataset has that the merge does not write goes
 * in the same commit. */
static int delete_old(merge *g, cvi_commit *c, yajl_val old)
{
    yajl_val files = get(old, "files", NULL, yajl_t_array);
    for (size_t i = 0; files && i < files->u.array.len; i++) {
        yajl_val f = files->u.array.values[i];
        const char *names[2] = { NULL, NULL };
        yajl_val o = get(f, "output", NULL, yajl_t_string), t = get(f, "audio", "transcript", yajl_t_string);
        names[0] = o ? o->u.string : NULL;
        names[1] = t ? t->u.string : NULL;
        for (int k = 0; k < 2; k++) {
            if (!names[k] || !safe_rel(names[k])) continue;
            int kept = 0;
            for (size_t j = 0; j < g->nm && !kept; j++)
                kept = (g->m[j].e.output && !strcmp(g->m[j].e.output, names[k])) ||
                       (g->m[j].e.transcript && !strcmp(g->m[j].e.transcript, names[k]));
            int rc = kept ? 0 : cvi_commit_delete(c, names[k]);
            if (rc) return rc;
        }
    }
    return 0;
}

int cv_merge(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *shards, size_t nshards,
             const char *outdir, int overwrite, cv_totals *t)
{
    merge g = { .ctx = ctx, .p = p, .k = k, .ns = nshards };
    cvi_commit *c = NULL;
    cv_buf doc = { 0 }, old = { 0 };
    yajl_val oldv = NULL;
    uint8_t *rule_used = NULL;
    int lockfd = -1, rc = 0;
    char real_out[PATH_MAX];
    memset(t, 0, sizeof *t);
    if (!nshards || !outdir) return cvi_error(ctx, CV_EUSAGE, "merge: no shards or no output directory");
    if (cv_key_is_ephemeral(k))
        return cvi_error(ctx, CV_EKEY, "merge needs the key file the shards were made with (--key or the policy's key:)");
    if (!(g.s = calloc(nshards, sizeof *g.s))) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    for (size_t i = 0; i < nshards; i++) {
        g.s[i].dir = shards[i];
        g.s[i].lockfd = -1;
    }
    if (cvi_mkdirs(outdir, strlen(outdir)) != 0 || !realpath(outdir, real_out)) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", outdir, cvi_strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < nshards; i++) {
        if (!realpath(g.s[i].dir, g.s[i].real)) {
            rc = cvi_error(ctx, CV_EIO, "%s: %s", g.s[i].dir, cvi_strerror(errno));
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(g.s[i].real, g.s[j].real)) {
                rc = cvi_error(ctx, CV_EINPUT, "%s is given twice: give each shard once", g.s[i].dir);
                goto out;
            }
    }
    for (size_t i = 0; i < nshards; i++) {
        if ((rc = load_shard(&g, &g.s[i]))) goto out;
        size_t a = strlen(g.s[i].real), b = strlen(real_out), n = a < b ? a : b;
        if (!strncmp(g.s[i].real, real_out, n) && (a == b || (a < b ? real_out : g.s[i].real)[n] == '/')) {
            rc = cvi_error(ctx, CV_EUSAGE, "the merged output %s and the shard %s are %s: merge into a directory of "
                                           "its own", outdir, g.s[i].dir, a == b ? "the same directory" : "nested");
            goto out;
        }
    }
    if ((rc = check_agree(&g))) goto out;
    for (size_t i = 0; i < nshards; i++)
        if ((rc = load_entries(&g, i))) goto out;
    if ((rc = check_entries(&g))) goto out;
    if (p->vault_pub && (rc = cvi_controller_load(ctx, p->vault_pub, NULL, g.vault_pk, NULL))) goto out;
    yajl_val cki = get(g.s[0].doc, "vault", "controller_key_id", yajl_t_string);
    if (p->vault_pub) {
        unsigned char h[8];
        char hx[17];
        crypto_generichash(h, sizeof h, g.vault_pk, 32, NULL, 0);
        sodium_bin2hex(hx, sizeof hx, h, sizeof h);
        if (!cki || strcmp(cki->u.string, hx) != 0) {
            rc = cvi_error(ctx, CV_EKEY, "the shards' vaults are sealed to another controller key than %s", p->vault_pub);
            goto out;
        }
    } else if (cki) {
        rc = cvi_error(ctx, CV_EINPUT, "the shards have a vault but the policy none");
        goto out;
    }

    /* OUT: one writer; a dataset there is replaced only with --overwrite */
    if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd))) goto out;
    if ((rc = cvi_dataset_clean(ctx, outdir, 0, NULL))) goto out;
    char *mpath = cvi_path_join(outdir, "manifest.json");
    if (!mpath) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    int r = cvi_read_file(mpath, &old, (size_t)1 << 30);
    int absent = r == CV_EIO && errno == ENOENT;
    free(mpath);
    if (!absent && !overwrite) {
        rc = cvi_error(ctx, CV_EKEY, "%s already holds a dataset (manifest.json): nothing was changed; merge into a new "
                                     "output directory, or give --overwrite to replace it", outdir);
        goto out;
    }
    if (!absent && (r || !cvi_buf_cstr(&old) || !(oldv = yajl_tree_parse(old.p, NULL, 0)))) {
        rc = cvi_error(ctx, CV_EINPUT, "%s/manifest.json: cannot be read: remove it to merge there", outdir);
        goto out;
    }

    if ((rc = cvi_commit_create(ctx, outdir, "merge", &c))) goto out;
    for (size_t i = 0; i < g.nm; i++) {
        const ment *m = &g.m[i];
        const shard *s = &g.s[m->shard];
        if (m->e.output && (rc = stage_copy(&g, c, outdir, s, m->e.output, m->e.fs.out_hash))) goto out;
        if (m->e.transcript && (rc = stage_copy(&g, c, outdir, s, m->e.transcript, m->e.transcript_out_hash))) goto out;
    }
    uint64_t ventries = 0, vbytes = 0;
    if (p->vault_pub && (rc = stage_vault(&g, c, &ventries, &vbytes))) goto out;
    int have_reg = 0;
    if ((rc = stage_same(&g, c, CVI_REGISTER_FILE, &have_reg))) goto out;
    if ((rc = stage_journal(&g, c, vbytes))) goto out;
    if (oldv && (rc = delete_old(&g, c, oldv))) goto out;
    if (oldv && !p->vault_pub && (rc = cvi_commit_delete(c, CVI_VAULT_FILE))) goto out;
    if (oldv && !have_reg && (rc = cvi_commit_delete(c, CVI_REGISTER_FILE))) goto out;

    /* the manifest, as the un-sharded run renders it */
    rule_used = calloc(p->ninputs + 1, 1);
    cvi_entry *ents = calloc(g.nm + 1, sizeof *ents);
    if (!rule_used || !ents) {
        free(ents);
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    memset(rule_used, 1, p->ninputs);
    yajl_val un = get(g.s[0].doc, "policy", "inputs_unmatched", yajl_t_array);
    for (size_t i = 0; un && i < un->u.array.len; i++) {
        yajl_val v = un->u.array.values[i];
        for (size_t j = 0; j < p->ninputs; j++)
            if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == p->inputs[j].line) rule_used[j] = 0;
    }
    for (size_t i = 0; i < g.nm; i++) ents[i] = g.m[i].e;
    yajl_val as_of = get(g.s[0].doc, "as_of", NULL, yajl_t_string);
    uint64_t zl = 0, mr = 0, regn = 0;
    if (!as_of || get_u64(g.s[0].doc, "options", "zstd_level", &zl) || get_u64(g.s[0].doc, "options", "max_record", &mr) ||
        (have_reg && get_u64(g.s[0].doc, "erasure_register", "entries", &regn))) {
        free(ents);
        rc = cvi_error(ctx, CV_EINPUT, "%s/manifest.json: not as callveil run writes it", g.s[0].dir);
        goto out;
    }
    cvi_manifest_info mi = { p, k, as_of->u.string, (int)zl, (size_t)mr, p->vault_pub != NULL, ventries, g.vault_pk,
                             rule_used, have_reg, regn, 0, 0, 0, NULL };
    rc = cvi_manifest_render(&mi, ents, g.nm, &doc);
    free(ents);
    if (rc) { rc = cvi_error(ctx, rc, "out of memory"); goto out; }
    if ((rc = cvi_commit_stage(c, "manifest.json", doc.p, doc.n, 0666))) goto out;
    if ((rc = cvi_commit_run(c))) goto out;
    for (size_t i = 0; i < g.nm; i++) cvi_totals_add(t, &g.m[i].e);
out:
    cvi_commit_free(c);
    cvi_dataset_unlock(lockfd);
    for (size_t i = 0; i < g.ns; i++) {
        cvi_dataset_unlock(g.s[i].lockfd);
        yajl_tree_free(g.s[i].doc);
        cvi_buf_free(&g.s[i].text);
    }
    free(g.s);
    for (size_t i = 0; i < g.nm; i++) cvi_entry_free(&g.m[i].e);
    free(g.m);
    for (size_t i = 0; i < g.nv; i++) free(g.v[i].line);
    free(g.v);
    free(rule_used);
    yajl_tree_free(oldv);
    cvi_buf_free(&old);
    cvi_buf_free(&doc);
    return rc;
}
