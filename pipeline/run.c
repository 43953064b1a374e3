/*
 * run.c - the three drivers of the public API: cv_run (batch over files and
 * directories into a mirrored output tree with atomic outputs, a resume
 * journal and manifest.json), cv_filter (one stream, stdin → stdout) and
 * cv_scan (count what would be found, write nothing).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/ctx.h"
#include "manifest.h"
#include "vault.h"
#include "dataset.h"
#include "recording.h"
#include "common/files.h"

#define JOURNAL ".callveil-journal"

void cv_run_opts_init(cv_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->zstd_level = 3;
}

typedef struct item {
    char *path;     /* to open */
    char *rel;      /* relative to its input argument */
    const cv_input_rule *rule;   /* the policy input it matches (NULL: none) */
    char *transcript;            /* a recording's transcript, if it has one */
    int paired;                  /* a transcript processed with its recording */
    int walked;                  /* found in a directory, not named on the command line */
    const char *skip;            /* not a regular file: why it is skipped (static), else NULL */
} item;

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static void items_free(items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free(it->v[i].path);
        free(it->v[i].rel);
        free(it->v[i].transcript);
    }
    free(it->v);
}

static int items_add(items *it, const char *path, const char *rel, int walked, const char *skip)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? 2 * it->cap : 64;
        item *nv = realloc(it->v, cap * sizeof *nv);
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
static int walk(cv_ctx *ctx, const char *dir, const char *rel, const char *skip_real, items *it, int depth)
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

static int collect(cv_ctx *ctx, const char *const *inputs, size_t n, const char *skip_real, items *it)
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

/* Length of the known extensions at the end of a file name (".csv.zst",
 * ".jsonl"), which are not part of what the detectors should read: an
 * e-mail address must not swallow ".csv" as its top-level domain. */
static size_t ext_len(const char *p, size_t n)
{
    static const char *const exts[] = { ".zst", ".gz", ".jsonl", ".ndjson", ".json", ".csv", ".txt", ".tsv", NULL };
    size_t total = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; exts[i]; i++) {
            size_t k = strlen(exts[i]);
            if (n - total > k && strncasecmp(p + n - total - k, exts[i], k) == 0) {
                total += k;
                break;
            }
        }
    }
    return total;
}

/* Sanitised relative path: every component through the detectors. */
static int sanitise_rel(cvi_worker *w, const char *rel, cv_buf *out)
{
    const char *p = rel;
    int rc = 0;
    while (*p && !rc) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        size_t x = slash ? 0 : ext_len(p, n);
        rc = cvi_engine_sanitise_name(w, p, n - x, out);
        rc |= cv_buf_append(out, p + n - x, x);
        if (slash) rc |= cv_buf_putc(out, '/');
        p += n + (slash != NULL);
    }
    return rc || !cv_buf_cstr(out) ? CV_ENOMEM : 0;
}

static const cv_format_type *format_for(const cv_input_rule *r, const char *rel)
{
    if (strcmp(r->format, "auto") == 0) return cv_format_for_path(rel);
    return cv_format_find(r->format);
}

static int today(char out[11])
{
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    return strftime(out, 11, "%Y-%m-%d", &tmv) == 10 ? 0 : CV_EINTERNAL;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return 0;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    return s[4] == '-' && s[7] == '-';
}

/* ---- resume journal ----------------------------------------------------- */

typedef struct jent {
    char id[64];
    uint64_t size;
    int64_t mtime;
    char *json;
    cvi_file_stats fs;
} jent;

/* The journal's first line: what the run's outputs depend on besides the
 * inputs. A resume whose fingerprint differs redoes everything. */
#define JHEAD "cvjh1"

/* Load the journal's entries. 1 (nothing loaded) if its fingerprint is not
 * fp, else 0 (a missing or empty journal loads nothing). */
typedef struct jload {
    const char *fp;
    jent *v;
    size_t n, cap;
    int line, stale;
} jload;

static int journal_line(void *arg, char *line, size_t len, int complete)
{
    jload *L = arg;
    if (L->line++ == 0) {
        size_t hl = strlen(JHEAD), fl = strlen(L->fp);
        L->stale = !(complete && len == hl + fl + 1 && memcmp(line, JHEAD, hl) == 0 && line[hl] == '\t' &&
                     memcmp(line + hl + 1, L->fp, fl) == 0);
        return L->stale;
    }
    if (!complete) return 1;    /* a torn last line: the file was not finished */
    if (L->n == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 16;
        jent *nv = realloc(L->v, cap * sizeof *nv);
        if (!nv) return 1;      /* what is loaded is redone otherwise: never wrong */
        L->v = nv;
        L->cap = cap;
    }
    jent *j = &L->v[L->n];
    if (cvi_journal_parse(line, len, j->id, &j->size, &j->mtime, &j->json, &j->fs) == 0) L->n++;
    return 0;
}

static int journal_load(const char *path, const char *fp, jent **out, size_t *nout)
{
    jload L = { .fp = fp };
    cvi_each_line(path, journal_line, &L);   /* unreadable: nothing loaded, all redone */
    *out = L.v;
    *nout = L.n;
    return L.stale;
}

/* ---- a set of strings ---------------------------------------------------- */

/* Borrowed strings, each with a value, by open addressing: the journal's ids,
 * the output names taken and the transcripts paired with recordings were
 * linear scans per file (a resume of 40,000 files spent 12 s in strcmp). */
typedef struct strset {
    const char **key;       /* NULL: empty slot */
    size_t *val;
    size_t nslot, n;        /* nslot: 0 or a power of two */
} strset;

static uint64_t str_hash(const char *z)
{
    uint64_t h = 1469598103934665603u;      /* FNV-1a */
    for (; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211u;
    return h;
}

static size_t strset_slot(const strset *s, const char *k)
{
    size_t i = (size_t)str_hash(k) & (s->nslot - 1);
    while (s->key[i] && strcmp(s->key[i], k) != 0) i = (i + 1) & (s->nslot - 1);
    return i;
}

/* The value stored for k, or NULL. */
static const size_t *strset_get(const strset *s, const char *k)
{
    if (!s->n) return NULL;
    size_t i = strset_slot(s, k);
    return s->key[i] ? &s->val[i] : NULL;
}

/* Add k (borrowed: it must outlive the set) with value v, or give a key
 * already there value v. 0 or CV_ENOMEM. */
static int strset_put(strset *s, const char *k, size_t v)
{
    if (2 * (s->n + 1) > s->nslot) {
        strset g = { NULL, NULL, s->nslot ? 2 * s->nslot : 64, 0 };
        g.key = calloc(g.nslot, sizeof *g.key);
        g.val = calloc(g.nslot, sizeof *g.val);
        if (!g.key || !g.val) {
            free(g.key);
            free(g.val);
            return CV_ENOMEM;
        }
        for (size_t i = 0; i < s->nslot; i++)
            if (s->key[i]) {
                size_t j = strset_slot(&g, s->key[i]);
                g.key[j] = s->key[i];
                g.val[j] = s->val[i];
                g.n++;
            }
        free(s->key);
        free(s->val);
        *s = g;
    }
    size_t i = strset_slot(s, k);
    if (!s->key[i]) s->n++;
    s->key[i] = k;
    s->val[i] = v;
    return 0;
}

static void strset_free(strset *s)
{
    free(s->key);
    free(s->val);
    memset(s, 0, sizeof *s);
}

/* The journal's entries by id, the last line of an id winning (a file done
 * again after an edit is journalled again). 0 or CV_ENOMEM. */
static int journal_index(const jent *v, size_t n, strset *idx)
{
    for (size_t i = 0; i < n; i++)
        if (strset_put(idx, v[i].id, i)) return CV_ENOMEM;
    return 0;
}

/* ---- file-level shards ----------------------------------------------------- */

/* The shard key of a listed path: one trailing ".zst" or ".gz" off. */
static size_t shard_key_len(const char *rel)
{
    size_t n = strlen(rel);
    if (n > 4 && !strcmp(rel + n - 4, ".zst")) return n - 4;
    if (n > 3 && !strcmp(rel + n - 3, ".gz")) return n - 3;
    return n;
}

static uint32_t shard_with(const cvi_tenant_key *kt, const char *rel, uint32_t count)
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

/* What every shard of one run lists alike: a keyed hash (so it says
 * nothing of the names) of every listed path, in order. */
static void listing_id(const cvi_tenant_key *kt, const items *it, char out[33])
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
    *shard = shard_with(&kt, rel, count);
    cvi_tenant_key_free(&kt);
    return 0;
}

/* ---- the batch driver ---------------------------------------------------- */

typedef struct runner {
    cv_ctx *ctx;
    int scan_fd;                /* scan: where the report (or, explaining, the decisions) goes */
    const cv_policy *pol;
    const cv_key *key;
    const cv_run_opts *o;
    cvi_engine *e;
    cvi_pool *pool;
    cvi_entry *ent;
    size_t nent, capent;
    char as_of[11];
    cvi_vault *vault;           /* NULL without `vault:` in the policy */
    cvi_register *reg;          /* OUT's erasure register (maybe empty); NULL: scan */
    double audio_s;             /* seconds of audio done (progress) */
    unsigned char vault_pk[32];
} runner;

static cvi_entry *new_entry(runner *r)
{
    if (r->nent == r->capent) {
        size_t cap = r->capent ? 2 * r->capent : 32;
        cvi_entry *nv = realloc(r->ent, cap * sizeof *nv);
        if (!nv) return NULL;
        r->ent = nv;
        r->capent = cap;
    }
    cvi_entry *e = &r->ent[r->nent++];
    memset(e, 0, sizeof *e);
    return e;
}

/* Hex BLAKE2b of what outputs depend on besides the inputs. */
static int run_fingerprint(const runner *r, char out[65])
{
    char kid[17];
    cvi_key_id(r->key, kid);
    cv_buf b = { 0 };
    int rc = cv_buf_printf(&b, "%s\n%s\n%s\n%" PRIu64 "\n%s\n%zu\n%d\n", CV_VERSION, kid, r->pol->tenant,
                           r->pol->epoch, r->as_of, r->o->max_record ? r->o->max_record : (size_t)16 << 20,
                           r->o->zstd_level);
    rc |= cv_buf_append(&b, r->pol->hash, sizeof r->pol->hash);
    if (rc) {
        cv_buf_free(&b);
        return cvi_error(r->ctx, CV_ENOMEM, "out of memory");
    }
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)b.p, b.n, NULL, 0);
    cv_buf_free(&b);
    sodium_bin2hex(out, 65, h, sizeof h);
    return 0;
}

static int setup(runner *r, cv_ctx *ctx, const cv_policy *p, const cv_key *k, const cv_run_opts *o, int vault)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->pol = p;
    r->key = k;
    r->o = o;
    if (o->as_of) {
        if (!valid_date(o->as_of)) return cvi_error(ctx, CV_EUSAGE, "--as-of: expected a date YYYY-MM-DD");
        memcpy(r->as_of, o->as_of, 11);
    } else if (today(r->as_of)) {
        return cvi_error(ctx, CV_EINTERNAL, "cannot read the clock");
    }
    if (o->zstd_level < 0 || o->zstd_level > 19)
        return cvi_error(ctx, CV_EUSAGE, "zstd level must be between 1 and 19");
    int rc = cvi_engine_create(ctx, p, k, &r->e);
    if (rc) return rc;
    if (cvi_engine_set_as_of(r->e, r->as_of)) return cvi_error(ctx, CV_EUSAGE, "--as-of: expected a date YYYY-MM-DD");
    if (vault) {
        if ((rc = cvi_controller_load(ctx, p->vault_pub, NULL, r->vault_pk, NULL))) return rc;
        cvi_engine_collect_vault(r->e, 1);
    }
    return cvi_pool_create(ctx, r->e, o, &r->pool);
}

static void teardown(runner *r)
{
    for (size_t i = 0; i < r->nent; i++) cvi_entry_free(&r->ent[i]);
    free(r->ent);
    cvi_pool_free(r->pool);
    cvi_engine_free(r->e);
    cvi_vault_close(r->vault);
    cvi_register_free(r->reg);
}

void cvi_totals_add(cv_totals *t, const cvi_entry *e)
{
    if (e->status == CVI_SKIPPED) {
        t->files_skipped++;
        return;
    }
    if (e->status == CVI_ERASED) return;     /* in the manifest's erasure_register */
    t->files++;
    if (e->status == CVI_FAILED) t->files_failed++;
    t->records_in += e->fs.records_in;
    t->written += e->fs.written;
    t->dropped += e->fs.dropped;
    t->rejected += e->fs.rejected;
    t->bytes_in += e->fs.bytes_in;
    t->bytes_out += e->fs.bytes_out;
    for (int i = 0; i < CV_ENT_MAX; i++) t->detections += e->fs.counts.detections[i];
    t->audio_seconds_in += e->fs.counts.audio_ms_in / 1000.0;
    t->audio_seconds_redacted += e->fs.counts.audio_ms_redacted / 1000.0;
    t->audio_spans += e->fs.counts.audio_spans;
    t->dtmf_spans += e->fs.counts.dtmf_spans;
    t->values_unparseable += e->fs.counts.unparseable;
}

/* A file that could not be processed: nothing of it is written, every
 * record seen is counted as rejected so the totals still add up. */
static void mark_failed(cvi_entry *en, const char *reason)
{
    en->status = CVI_FAILED;
    en->reason = reason;
    en->fs.rejected = en->fs.records_in - en->fs.dropped;
    en->fs.written = 0;
    free(en->output);
    en->output = NULL;
}

/* BLAKE2b-256 and size of a file (after a rewrite). */
static int hash_file(const char *path, unsigned char h[32], uint64_t *size)
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

/* 1 if the file at path has the BLAKE2b that the journalled entry json
 * records after key: an output edited or replaced since is done again. */
static int same_hash(const char *path, const char *json, const char *key)
{
    const char *at = strstr(json, key);
    unsigned char want[32], got[32];
    uint64_t n;
    if (!at || sodium_hex2bin(want, sizeof want, at + strlen(key), 64, NULL, NULL, NULL) != 0) return 0;
    return hash_file(path, got, &n) == 0 && sodium_memcmp(want, got, sizeof got) == 0;
}

/* The input's `risk:` report on its finished (not yet renamed) output; with
 * enforce_k, the output is replaced by a copy without the records of
 * classes smaller than k (counted as dropped). */
static int risk_step(runner *r, const cv_input_rule *rule, const cv_format_type *fmt, const char *tmp, cvi_entry *en)
{
    cv_ctx *ctx = r->ctx;
    const cv_risk_policy *rp = &rule->risk;
    cv_risk_opts o;
    cv_risk_opts_init(&o);
    o.quasi = (const char *const *)rp->quasi;
    o.nquasi = rp->nquasi;
    o.subject = rp->subject;
    o.points = (int)rp->points;
    o.format = fmt->name;
    o.zstd_level = r->o->zstd_level;
    o.max_record = r->o->max_record;
    char kpath[PATH_MAX + 80];
    if (rp->enforce_k) {
        snprintf(kpath, sizeof kpath, "%s.k", tmp);
        o.enforce_k = rp->enforce_k;
        o.enforce_out = kpath;
    }
    if (!(en->risk = calloc(1, sizeof *en->risk))) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cv_risk(ctx, tmp, &o, -1, en->risk);
    if (rc) return cvi_error(ctx, rc, "%s: risk report: %s", en->input, cv_ctx_error(ctx));
    en->risk_k = rp->enforce_k;
    if (!rp->enforce_k) return 0;
    if (rename(kpath, tmp) != 0) {
        unlink(kpath);
        return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    }
    if (hash_file(tmp, en->fs.out_hash, &en->fs.bytes_out))
        return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    en->fs.written -= en->risk->suppressed;
    en->fs.dropped += en->risk->suppressed;
    en->fs.counts.k_suppressed += en->risk->suppressed;
    return 0;
}

/* The transcript path of a recording: rule->transcript with {dir} (the
 * recording's directory), {stem} (its name without the last extension)
 * and {name} replaced. NULL if the rule has none or on ENOMEM. */
static char *expand_transcript(const char *pattern, const char *path)
{
    if (!pattern) return NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t dl = slash ? (size_t)(slash - path) : 1, bl = strlen(base), sl = dot && dot > base ? (size_t)(dot - base) : bl;
    cv_buf b = { 0 };
    int rc = 0;
    for (const char *p = pattern; *p && !rc;) {
        if (!strncmp(p, "{dir}", 5)) { rc = cv_buf_append(&b, slash ? path : ".", dl); p += 5; }
        else if (!strncmp(p, "{stem}", 6)) { rc = cv_buf_append(&b, base, sl); p += 6; }
        else if (!strncmp(p, "{name}", 6)) { rc = cv_buf_append(&b, base, bl); p += 6; }
        else rc = cv_buf_putc(&b, *p++);
    }
    if (rc || !cv_buf_cstr(&b)) {
        cv_buf_free(&b);
        return NULL;
    }
    return b.p;
}

static int is_audio_rule(const cv_input_rule *rule) { return rule && strcmp(rule->format, "audio") == 0; }

/* The recording's transcript, if its rule names one and it exists. */
static char *transcript_of(const cv_input_rule *rule, const char *path)
{
    char *t = is_audio_rule(rule) ? expand_transcript(rule->transcript, path) : NULL;
    struct stat st;
    if (t && (stat(t, &st) != 0 || !S_ISREG(st.st_mode))) {
        free(t);
        t = NULL;
    }
    return t;
}

/* The output name of a recording's transcript (relative to OUT): beside the
 * recording's, under its own sanitised name, ".zst" added. 0 or CV_ENOMEM. */
static int transcript_out_name(cvi_worker *w, const item *it, const char *tpath, cv_buf *tname)
{
    const char *base = strrchr(tpath, '/');
    base = base ? base + 1 : tpath;
    const char *rs = strrchr(it->rel, '/');
    cv_buf rel = { 0 };
    int rc = cv_buf_append(&rel, it->rel, rs ? (size_t)(rs - it->rel) + 1 : 0) | cv_buf_puts(&rel, base);
    if (rc || !cv_buf_cstr(&rel) || sanitise_rel(w, rel.p, tname) || cv_buf_puts(tname, ".zst") ||
        !cv_buf_cstr(tname)) {
        cv_buf_free(&rel);
        cv_buf_free(tname);
        return CV_ENOMEM;
    }
    cv_buf_free(&rel);
    return 0;
}

/* The file is an erased subject's whole (erasure register): nothing of it
 * is written, and the manifest says so. A name that holds the erased token
 * is not repeated (by_name): the manifest and the log say "[erased]". */
static void erased_whole(cv_ctx *ctx, cvi_entry *en, int by_name)
{
    char *anon = by_name ? strdup("[erased]") : NULL;
    if (anon) {
        free(en->input);
        en->input = anon;
    }
    en->status = CVI_ERASED;
    en->reason = "an erased subject's (erasure register): not written";
    free(en->output);
    en->output = NULL;
    cvi_log(ctx, CV_LOG_WARN, "%s: not written: it is a subject's whole that was erased from this dataset "
                              "(erasure register)", en->input);
}

/* A recording (audio rule): transcript and audio written under temporary
 * names, then both renamed. A recording that cannot be decoded, or whose
 * transcript cannot be read, fails: nothing of it is written. */
static int recording_step(runner *r, const item *it, const cv_input_rule *rule, const char *tpath, const char *outdir,
                          char *tmp, cvi_entry *en)
{
    cv_ctx *ctx = r->ctx;
    cvi_worker *w = cvi_pool_main_worker(r->pool);
    cv_buf tname = { 0 };
    char ttmp[PATH_MAX + 64] = "", tdst[PATH_MAX] = "";
    int rc = 0;
    en->fs.records_in = 1;
    if (hash_file(it->path, en->fs.in_hash, &en->fs.bytes_in))
        return cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
    if (tpath) {
        if (transcript_out_name(w, it, tpath, &tname)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
        snprintf(tdst, sizeof tdst, "%s/%s", outdir, tname.p);
        if (cvi_tmp_name_into(ttmp, sizeof ttmp, tdst) != 0) {
            cv_buf_free(&tname);
            return cvi_error(ctx, CV_EIO, "%s: the transcript's output name: %s", en->output, cvi_strerror(ENAMETOOLONG));
        }
    }
    cvi_recording_stats rs;
    const char *why = NULL;
    rc = cvi_recording_process(w, rule, it->path, tpath, tmp, tpath ? ttmp : NULL, r->o->zstd_level, en->fs.in_hash,
                               &en->fs.counts, &rs, &why);
    if (rc == CV_ENOMEM) {
        rc = cvi_error(ctx, rc, "out of memory");
        goto out;
    }
    if (rc) {
        mark_failed(en, why);
        if (rs.seconds_in > 0)
            cvi_log(ctx, CV_LOG_ERROR, "%s: recording rejected: %s (the audio stops at %.3f s)", en->input, why,
                    rs.seconds_in);
        else
            cvi_log(ctx, CV_LOG_ERROR, "%s: recording rejected: %s", en->input, why);
        unlink(tmp);
        rc = 0;
        goto out;
    }
    if (cvi_worker_settle(w)) {
        /* its transcript holds an erased subject: the call is theirs whole */
        erased_whole(ctx, en, 0);
        unlink(tmp);
        goto out;
    }
    en->fs.written = 1;
    en->words = rs.words;
    en->spoken_ids = rs.spoken_identifiers;
    en->segment_timing = rs.segment_timing;
    en->audio_rate = rs.sample_rate;
    en->audio_channels = rs.channels;
    en->per_speaker = rule->audio.nchannels > 0;
    en->voice_channels = rs.voice_channels;
    en->voice_unchanged = rs.voice_unchanged;
    memcpy(en->audio_codec, rs.codec, sizeof en->audio_codec);
    if (hash_file(tmp, en->fs.out_hash, &en->fs.bytes_out)) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    if (tpath && (hash_file(tpath, en->transcript_in_hash, &en->transcript_bytes_in) ||
                  hash_file(ttmp, en->transcript_out_hash, &en->transcript_bytes_out))) {
        rc = cvi_error(ctx, CV_EIO, "%s: transcript: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    char dst[PATH_MAX];
    snprintf(dst, sizeof dst, "%s/%s", outdir, en->output);
    if (rename(tmp, dst) != 0 || (tpath && rename(ttmp, tdst) != 0)) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    ttmp[0] = '\0';
    if (tpath && !(en->transcript = strdup(tname.p))) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    r->audio_s += rs.seconds_in;
out:
    if (ttmp[0]) unlink(ttmp);
    cv_buf_free(&tname);
    return rc;
}

/* outs: the output names taken by earlier inputs (looked up only; the
 * caller adds this one's once it is final). */
static int process_item(runner *r, const item *it, const char *outdir, int scan, int jfd, const jent *jv,
                        const strset *jidx, const strset *outs)
{
    cv_ctx *ctx = r->ctx;
    cvi_worker *w = cvi_pool_main_worker(r->pool);
    cv_buf name = { 0 }, line = { 0 };
    char tmp[PATH_MAX + 64] = "", dst[PATH_MAX] = "";
    int fd = -1, ofd = -1, rc = 0;
    const char *tpath = it->transcript;
    cvi_entry *en = new_entry(r);
    if (!en) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    if ((rc = sanitise_rel(w, it->rel, &name))) goto out;
    en->input = strdup(name.p);
    if (!en->input) { rc = CV_ENOMEM; goto out; }
    if (cvi_worker_settle(w)) {
        erased_whole(ctx, en, 1);    /* named after an erased subject */
        goto out;
    }

    if (it->skip) {
        en->status = CVI_SKIPPED;
        en->reason = it->skip;
        cvi_log(ctx, CV_LOG_WARN, "skipping %s: %s", en->input, en->reason);
        goto out;
    }
    const cv_input_rule *rule = it->rule;
    int audio = is_audio_rule(rule);
    const cv_format_type *fmt = rule && !audio ? format_for(rule, it->rel) : NULL;
    if (!rule || (!fmt && !audio)) {
        en->status = CVI_SKIPPED;
        en->reason = !rule ? "no policy input matches this file" : "unknown format (name it in the policy)";
        cvi_log(ctx, CV_LOG_WARN, "skipping %s: %s", en->input, en->reason);
        goto out;
    }
    en->format = audio ? "audio" : fmt->name;

    /* Opened before anything else is done for it. A file that vanished
     * since the listing (or cannot be opened) fails alone: nothing of it is
     * written, the run goes on and exits 3. O_NONBLOCK for a file found in
     * a directory: one that became a FIFO must not hang the run. A FIFO
     * named on the command line (`<(zcat ...)`) is opened as before,
     * waiting for its writer (without it, read() would see no writer yet
     * and an empty input). */
    fd = open(it->path, O_RDONLY | O_CLOEXEC | (it->walked ? O_NONBLOCK : 0));
    struct stat st;
    const char *oerr = NULL;
    if (fd < 0)
        oerr = errno == ENOENT || errno == ENOTDIR ? "the file vanished after it was listed"
              : errno == EACCES || errno == EPERM ? "the file cannot be opened: permission denied"
              : "the file cannot be opened";
    else if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        oerr = "the file cannot be read";
    else if (it->walked && !S_ISREG(st.st_mode))
        oerr = "no longer a regular file";
    if (oerr) {
        en->unread = 1;
        mark_failed(en, oerr);
        cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
        goto out;
    }
    if (audio) {
        if (!tpath && rule->audio.transcript_required) {
            en->fs.records_in = 1;
            if (hash_file(it->path, en->fs.in_hash, &en->fs.bytes_in)) {
                rc = cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
                goto out;
            }
            mark_failed(en, "the recording has no transcript (the policy requires one)");
            cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
            goto out;
        }
        if (!tpath && !scan)
            cvi_log(ctx, CV_LOG_WARN, "%s: no transcript: only DTMF tones are masked, spoken identifiers are not",
                    en->input);
    }

    cvi_stream s = { .fmt = fmt, .rule = rule, .in_fd = fd, .out_fd = scan && r->o->explain ? r->scan_fd : -1,
                     .zstd_level = r->o->zstd_level, .scan_only = scan, .display = en->input, .log_rejects = 0,
                     .digests = 1, .explain = scan && r->o->explain };
    if (scan && audio) {
        cvi_recording_stats rs;
        const char *why = NULL;
        en->fs.records_in = 1;
        if (hash_file(it->path, en->fs.in_hash, &en->fs.bytes_in)) {
            rc = cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
            goto out;
        }
        rc = cvi_recording_process(w, rule, it->path, tpath, NULL, NULL, 0, en->fs.in_hash, &en->fs.counts, &rs, &why);
        if (rc == CV_ENOMEM) goto out;
        if (rc) mark_failed(en, why);
        else en->fs.written = 1;
        rc = 0;
        goto out;
    }
    if (scan) {
        rc = cvi_pool_stream(r->pool, &s, &en->fs);
        if (rc == CV_EINPUT) {
            mark_failed(en, en->fs.fail_reason);
            cvi_log(ctx, CV_LOG_ERROR, "%s", cv_ctx_error(ctx));
            rc = 0;
        }
        goto out;
    }

    /* output name: sanitised path, ".zst" exactly once */
    size_t nl = name.n;
    if (!audio) {
        if (nl > 4 && memcmp(name.p + nl - 4, ".zst", 4) == 0) name.n -= 4;
        else if (nl > 3 && memcmp(name.p + nl - 3, ".gz", 3) == 0) name.n -= 3;   /* gzip in, zstd out */
        cv_buf_puts(&name, ".zst");
    }
    if (!cv_buf_cstr(&name)) { rc = CV_ENOMEM; goto out; }
    en->output = strdup(name.p);
    if (!en->output) { rc = CV_ENOMEM; goto out; }
    if (strset_get(outs, en->output)) {
        mark_failed(en, "output name collides with another input's");
        cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
        goto out;
    }
    if (snprintf(dst, sizeof dst, "%s/%s", outdir, en->output) >= (int)sizeof dst) {
        rc = cvi_error(ctx, CV_EIO, "%s: output path too long", en->input);
        goto out;
    }

    /* the journal id: a keyed token of the relative path (the journal sits
     * in OUT); a recording's also covers its transcript's size and mtime, so
     * an edited (or newly added) transcript is processed again */
    cv_buf id = { 0 }, idsrc = { 0 };
    rc = cv_buf_puts(&idsrc, it->rel);
    if (audio) {
        struct stat ts;
        if (tpath && stat(tpath, &ts) == 0)
            rc |= cv_buf_printf(&idsrc, "\n%llu\n%lld.%09ld", (unsigned long long)ts.st_size, (long long)ts.st_mtim.tv_sec,
                                (long)ts.st_mtim.tv_nsec);
        else
            rc |= cv_buf_puts(&idsrc, "\n-");
    }
    if (rc || (rc = cvi_engine_token(w, "file", idsrc.p, idsrc.n, &id)) || !cv_buf_cstr(&id)) {
        cv_buf_free(&id);
        cv_buf_free(&idsrc);
        rc = CV_ENOMEM;
        goto out;
    }
    cv_buf_free(&idsrc);
    char idz[64];
    snprintf(idz, sizeof idz, "%s", id.p + 5);
    cv_buf_free(&id);
    int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    const size_t *ji = strset_get(jidx, idz);
    const jent *j = ji ? &jv[*ji] : NULL;
    struct stat ost;
    int outputs_there = j && stat(dst, &ost) == 0 && (uint64_t)ost.st_size == j->fs.bytes_out &&
                        same_hash(dst, j->json, "\"output_blake2b\": \"");
    if (outputs_there && audio && tpath) {
        /* a recording is done only if its transcript's output is there too */
        cv_buf tn = { 0 };
        char tdst[PATH_MAX];
        if (transcript_out_name(w, it, tpath, &tn)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
        if (cvi_worker_settle(w)) outputs_there = 0;     /* done again: the register drops it */
        snprintf(tdst, sizeof tdst, "%s/%s", outdir, tn.p);
        cv_buf_free(&tn);
        struct stat tst;
        outputs_there = stat(tdst, &tst) == 0 && S_ISREG(tst.st_mode) &&
                        same_hash(tdst, j->json, "\"transcript_blake2b\": \"");
    }
    if (j && j->size == (uint64_t)st.st_size && j->mtime == mt && outputs_there) {
        en->status = CVI_RESUMED;
        en->fs = j->fs;
        en->json = strdup(j->json);
        cvi_log(ctx, CV_LOG_INFO, "%s: already done (resumed)", en->input);
        goto out;
    }

    const char *slash = strrchr(dst, '/');
    if (cvi_mkdirs(dst, (size_t)(slash - dst)) != 0) {
        rc = cvi_error(ctx, CV_EIO, "cannot create the output directory for %s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    if (cvi_tmp_name_into(tmp, sizeof tmp, dst) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(ENAMETOOLONG));
        goto out;
    }
    ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (ofd < 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", tmp, cvi_strerror(errno));
        goto out;
    }
    if (audio) {
        close(ofd);
        ofd = -1;
        rc = recording_step(r, it, rule, tpath, outdir, tmp, en);
        if (rc || en->status == CVI_FAILED || en->status == CVI_ERASED) goto out;
        goto renamed;
    }
    s.out_fd = ofd;
    rc = cvi_pool_stream(r->pool, &s, &en->fs);
    en->fs.dropped += en->fs.counts.erased;     /* not written: records of erased subjects */
    if (en->fs.counts.erased)
        cvi_log(ctx, CV_LOG_WARN, "%s: %" PRIu64 " record(s) dropped: they hold a subject erased from this dataset "
                                  "(erasure register)", en->input, en->fs.counts.erased);
    if (rc == CV_EINPUT) {
        mark_failed(en, en->fs.fail_reason);
        cvi_log(ctx, CV_LOG_ERROR, "%s", cv_ctx_error(ctx));
        rc = 0;
        goto out;
    }
    if (rc) goto out;
    if (fsync(ofd) != 0 || close(ofd) != 0) {
        ofd = -1;
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    ofd = -1;
    if (rule->risk.nquasi && (rc = risk_step(r, rule, fmt, tmp, en))) goto out;
    if (rename(tmp, dst) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
renamed:
    en->status = CVI_DONE;
    if (r->vault && ((rc = cvi_pool_take_vault(r->pool, r->vault)) ||
                     (rc = cvi_vault_flush(r->vault, &en->fs.vault_size))))
        goto out;
    if (jfd >= 0) {
        if ((rc = cvi_journal_line(r->pol, idz, (uint64_t)st.st_size, mt, en, &line))) goto out;
        if (write(jfd, line.p, line.n) != (ssize_t)line.n || fdatasync(jfd) != 0) {
            rc = cvi_error(ctx, CV_EIO, "cannot write the resume journal: %s", cvi_strerror(errno));
            goto out;
        }
    }
    if (en->fs.rejected)
        cvi_log(ctx, CV_LOG_WARN, "%s: %" PRIu64 " record(s) rejected (see manifest.json)", en->input, en->fs.rejected);
out:
    if (ofd >= 0) close(ofd);
    if (tmp[0]) unlink(tmp);
    if (fd >= 0) close(fd);
    cv_buf_free(&name);
    cv_buf_free(&line);
    if (rc == CV_ENOMEM) cvi_error(ctx, rc, "out of memory");
    return rc;
}

static int drive(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *inputs, size_t ninputs,
                 const char *outdir, const cv_run_opts *o, cv_totals *t, int scan_fd)
{
    runner r;
    items it = { 0 };
    jent *jv = NULL;
    size_t jn = 0;
    char **paired = NULL;
    size_t npaired = 0;
    uint8_t *rule_used = NULL;
    strset jidx = { 0 }, outs = { 0 }, pairs = { 0 };
    int jfd = -1, lockfd = -1, scan = scan_fd >= 0;
    char real_out[PATH_MAX], jpath[PATH_MAX];
    cv_buf doc = { 0 };
    cvi_tenant_key skey = { 0 };
    uint32_t shards = scan ? 0 : o->shard_count;
    memset(t, 0, sizeof *t);
    if (!ninputs) return cvi_error(ctx, CV_EUSAGE, "no inputs");
    if (shards && (shards > CV_SHARD_MAX || o->shard_index >= shards))
        return cvi_error(ctx, CV_EUSAGE, "--shard I/N: expected 0 <= I < N <= %d", CV_SHARD_MAX);
    /* a one-off key is each process's own: its shards' tokens would never join */
    if (shards && cv_key_is_ephemeral(k))
        return cvi_error(ctx, CV_EKEY, "--shard needs a key file (--key or the policy's key:) that every shard "
                                       "reads; with a one-off key the shards' tokens would not join");
    if (shards && cvi_tenant_key_derive(k, p->tenant, p->epoch, &skey))
        return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = setup(&r, ctx, p, k, o, !scan && p->vault_pub);
    r.scan_fd = scan_fd;
    if (rc) goto out;
    if (scan && (rc = collect(ctx, inputs, ninputs, NULL, &it))) goto out;
    if (!scan) {
        if (cvi_mkdirs(outdir, strlen(outdir)) != 0 || !realpath(outdir, real_out)) {
            rc = cvi_error(ctx, CV_EIO, "%s: %s", outdir, cvi_strerror(errno));
            goto out;
        }
        if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd))) goto out;
        /* under the lock, any temporary in OUT is a killed command's */
        uint64_t stale = 0;
        if ((rc = cvi_dataset_clean(ctx, outdir, o->resume, &stale))) goto out;
        if (stale)
            cvi_log(ctx, CV_LOG_INFO, "removed %" PRIu64 " unfinished file(s) of an interrupted command", stale);
        /* the inputs are listed before the journal or the vault is touched:
         * a mistyped input changes nothing in OUT */
        if ((rc = collect(ctx, inputs, ninputs, real_out, &it))) goto out;
        /* the subjects forget erased from OUT stay out of it: every token is
         * checked against the register (fails closed if it does not read);
         * the workers read it only once a stream hands them a batch. Read
         * before --overwrite may remove anything: a register of another
         * key stops the run with the dataset as it was */
        char chk[17];
        cvi_engine_erasure_id(r.e, chk);
        if ((rc = cvi_register_load(ctx, outdir, chk, &r.reg))) goto out;
        if (cvi_engine_set_register(r.e, r.reg)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
        /* OUT holds one dataset: another key's, tenant's or policy's is
         * refused, or with --overwrite removed whole (pipeline/dataset.c) */
        if (!o->resume && (rc = cvi_dataset_claim(ctx, outdir, p, k, o->overwrite))) goto out;
        char fp[2 * 32 + 1];
        if ((rc = run_fingerprint(&r, fp))) goto out;
        snprintf(jpath, sizeof jpath, "%s/" JOURNAL, outdir);
        int resume = o->resume;
        if (resume && journal_load(jpath, fp, &jv, &jn) == 1) {
            cvi_log(ctx, CV_LOG_WARN, "--resume: the policy, key, tenant, epoch, --as-of, record limit, zstd level or "
                                      "tool version changed since the interrupted run: every file is done again");
            resume = 0;
        }
        jfd = open(jpath, O_RDWR | O_CREAT | O_CLOEXEC | (resume ? O_APPEND : O_TRUNC), 0666);
        if (jfd < 0) {
            rc = cvi_error(ctx, CV_EIO, "%s: %s", jpath, cvi_strerror(errno));
            goto out;
        }
        if (!resume || lseek(jfd, 0, SEEK_END) == 0) {
            char head[sizeof JHEAD + sizeof fp + 2];
            int hn = snprintf(head, sizeof head, "%s\t%s\n", JHEAD, fp);
            if (write(jfd, head, (size_t)hn) != hn || fdatasync(jfd) != 0) {
                rc = cvi_error(ctx, CV_EIO, "%s: %s", jpath, cvi_strerror(errno));
                goto out;
            }
        }
        if (resume) {
            /* after a torn last line, start appended lines on a line of their own */
            char last = '\n';
            off_t end = lseek(jfd, 0, SEEK_END);
            if (end > 0 && pread(jfd, &last, 1, end - 1) == 1 && last != '\n' && write(jfd, "\n", 1) != 1) {
                rc = cvi_error(ctx, CV_EIO, "%s: %s", jpath, cvi_strerror(errno));
                goto out;
            }
        }
        if (p->vault_pub) {
            /* a resumed run carries on with the interrupted run's stage, as
             * it was after the last journalled file */
            uint64_t keep = 0;
            for (size_t i = 0; i < jn; i++)
                if (jv[i].fs.vault_size > keep) keep = jv[i].fs.vault_size;
            char vpath[PATH_MAX];
            snprintf(vpath, sizeof vpath, "%s/" CVI_VAULT_FILE, outdir);
            if ((rc = cvi_vault_open(ctx, vpath, r.vault_pk, resume, keep, &r.vault))) goto out;
        }
    }
    paired = calloc(it.n + 1, sizeof *paired);
    if (!paired || journal_index(jv, jn, &jidx)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    /* each input's rule and, for recordings, transcript: found once. A
     * transcript paired with a recording is processed with it, not on its own. */
    for (size_t i = 0; i < it.n; i++) {
        item *x = &it.v[i];
        if (x->skip) continue;
        x->rule = cvi_policy_input_for(p, x->rel, NULL);
        x->transcript = transcript_of(x->rule, x->path);
        char real[PATH_MAX];
        if (x->transcript && realpath(x->transcript, real) && !(paired[npaired++] = strdup(real))) {
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            goto out;
        }
    }
    /* a rule that matched nothing is probably a mistyped pattern: say so */
    rule_used = calloc(p->ninputs + 1, 1);
    if (!rule_used) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < it.n; i++)
        if (!it.v[i].skip && it.v[i].rule) rule_used[it.v[i].rule - p->inputs] = 1;
    for (size_t i = 0; strcmp(p->name, "<default>") != 0 && i < p->ninputs; i++)   /* the default covers every kind */
        if (!rule_used[i])
            cvi_log(ctx, CV_LOG_WARN, "%s:%d: this input rule matched no file", p->name, p->inputs[i].line);
    for (size_t q = 0; q < npaired; q++)
        if (strset_put(&pairs, paired[q], q)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; npaired && i < it.n; i++) {
        char real[PATH_MAX];
        if (realpath(it.v[i].path, real)) it.v[i].paired = strset_get(&pairs, real) != NULL;
    }
    for (size_t i = 0; i < it.n; i++) {
        if (it.v[i].paired) continue;
        /* another shard's file (a transcript goes with its recording) */
        if (shards && shard_with(&skey, it.v[i].rel, shards) != o->shard_index) continue;
        if ((rc = process_item(&r, &it.v[i], outdir, scan, jfd, jv, &jidx, &outs))) goto out;
        r.ent[r.nent - 1].listed_at = i;
        /* the name is taken once the entry is final: a failed file's
         * output (freed, NULL) takes none */
        const char *on = r.ent[r.nent - 1].output;
        if (on && strset_put(&outs, on, 0)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
        static const char *const status[] = { [CVI_DONE] = "done", [CVI_RESUMED] = "resumed", [CVI_SKIPPED] = "skipped",
                                              [CVI_FAILED] = "failed", [CVI_ERASED] = "erased" };
        const cvi_entry *e = &r.ent[r.nent - 1];
        const char *sn = (unsigned)e->status < sizeof status / sizeof *status ? status[e->status] : "?";
        cvi_log(ctx, CV_LOG_VERBOSE, "%s: %s; %" PRIu64 " records in, %" PRIu64 " written, %" PRIu64 " dropped, %" PRIu64
                " rejected", e->input ? e->input : "?", sn, e->fs.records_in, e->fs.written, e->fs.dropped,
                e->fs.rejected);
        if (o->progress && r.audio_s > 0)
            cvi_log(ctx, CV_LOG_PROGRESS, "%zu/%zu files, %.2f h of audio", i + 1, it.n, r.audio_s / 3600.0);
        else if (o->progress)
            cvi_log(ctx, CV_LOG_PROGRESS, "%zu/%zu files", i + 1, it.n);
    }
    for (size_t i = 0; i < r.nent; i++) cvi_totals_add(t, &r.ent[i]);
    char lid[33] = "";
    if (shards) listing_id(&skey, &it, lid);
    cvi_manifest_info mi = { p, k, r.as_of, scan ? 0 : o->zstd_level, o->max_record ? o->max_record : CVI_MAX_RECORD_DEFAULT,
                             r.vault != NULL, cvi_vault_count(r.vault), r.vault_pk, rule_used,
                             cvi_register_count(r.reg) > 0, cvi_register_count(r.reg), o->shard_index, shards,
                             it.n, lid };
    if ((rc = cvi_manifest_render(&mi, r.ent, r.nent, &doc))) goto out;
    if (scan && o->explain) {
        /* the decisions were written as they were made */
    } else if (scan) {
        size_t off = 0;
        while (off < doc.n) {
            ssize_t wn = write(scan_fd, doc.p + off, doc.n - off);
            if (wn < 0 && errno == EINTR) continue;
            if (wn < 0) { rc = cvi_error(ctx, CV_EIO, "write: %s", cvi_strerror(errno)); goto out; }
            off += (size_t)wn;
        }
    } else {
        char mpath[PATH_MAX];
        snprintf(mpath, sizeof mpath, "%s/manifest.json", outdir);
        /* the vault first: a manifest never counts entries the vault lacks */
        if (r.vault && (rc = cvi_vault_commit(r.vault))) goto out;
        if ((rc = cvi_write_atomic(ctx, mpath, doc.p, doc.n, 0666))) goto out;
    }
out:
    if (jfd >= 0) close(jfd);
    if (rc && r.vault) {
        /* the stage stays for `run --resume` only if outputs rely on it */
        int committed = 0;
        for (size_t i = 0; i < r.nent && !committed; i++) committed = r.ent[i].status == CVI_DONE;
        if (!committed) cvi_vault_discard(r.vault);
    }
    teardown(&r);
    cvi_tenant_key_free(&skey);
    cvi_dataset_unlock(lockfd);
    lockfd = -1;
    for (size_t i = 0; i < jn; i++) free(jv[i].json);
    free(jv);
    strset_free(&jidx);
    strset_free(&outs);
    strset_free(&pairs);
    for (size_t i = 0; i < npaired; i++) free(paired[i]);
    free(paired);
    free(rule_used);
    items_free(&it);
    cv_buf_free(&doc);
    return rc;
}

int cv_run(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *inputs, size_t ninputs,
           const char *outdir, const cv_run_opts *o, cv_totals *t)
{
    if (!outdir) return cvi_error(ctx, CV_EUSAGE, "no output directory");
    cv_run_opts def;
    if (!o) { cv_run_opts_init(&def); o = &def; }
    if (o->zstd_level < 1) return cvi_error(ctx, CV_EUSAGE, "zstd level must be between 1 and 19");
    return drive(ctx, p, k, inputs, ninputs, outdir, o, t, -1);
}

int cv_scan(cv_ctx *ctx, const cv_policy *p, const char *const *inputs, size_t ninputs, int out_fd,
            const cv_run_opts *o, cv_totals *t)
{
    cv_key *k = NULL;
    cv_run_opts def;
    if (!o) { cv_run_opts_init(&def); o = &def; }
    int rc = cv_key_ephemeral(ctx, &k);
    if (rc) return rc;
    rc = drive(ctx, p, k, inputs, ninputs, NULL, o, t, out_fd);
    cv_key_free(k);
    return rc;
}

int cvi_stream_rule(cv_ctx *ctx, const cv_policy *p, const char *format, const char *match_path,
                    const cv_format_type **fmt_out, const cv_input_rule **rule_out)
{
    const cv_format_type *fmt = format ? cv_format_find(format) : NULL;
    if (format && !fmt) return cvi_error(ctx, CV_EUSAGE, "unknown format '%.40s' (jsonl, csv, asterisk-cdr)", format);
    const cv_input_rule *rule = NULL;
    if (match_path) {
        rule = cvi_policy_input_for(p, match_path, NULL);
        if (rule && !fmt) fmt = format_for(rule, match_path);
    } else if (fmt) {
        for (size_t i = 0; i < p->ninputs && !rule; i++)
            if (strcmp(p->inputs[i].format, fmt->name) == 0) rule = &p->inputs[i];
        for (size_t i = 0; i < p->ninputs && !rule; i++)
            if (strcmp(p->inputs[i].format, "auto") == 0) rule = &p->inputs[i];
    }
    if (!fmt) return cvi_error(ctx, CV_EUSAGE, "say which format the stream is in (--format)");
    if (!rule) return cvi_error(ctx, CV_EPOLICY, "the policy has no input for format %s", fmt->name);
    if (strcmp(rule->format, "auto") != 0 && strcmp(rule->format, fmt->name) != 0)
        return cvi_error(ctx, CV_EPOLICY, "the policy input for this stream is format %s, not %s", rule->format,
                         fmt->name);
    if (p->vault_pub)
        return cvi_error(ctx, CV_EPOLICY, "the policy has a vault: use `callveil run`, which writes OUT/vault.zst");
    *fmt_out = fmt;
    *rule_out = rule;
    return 0;
}

int cvi_as_of(cv_ctx *ctx, const char *given, char out[11])
{
    if (given) {
        if (!valid_date(given)) return cvi_error(ctx, CV_EUSAGE, "--as-of: expected a date YYYY-MM-DD");
        memcpy(out, given, 11);
        return 0;
    }
    return today(out) ? cvi_error(ctx, CV_EINTERNAL, "cannot read the clock") : 0;
}

int cv_filter(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *format, const char *match_path,
              int in_fd, int out_fd, const cv_run_opts *o, cv_totals *t)
{
    cv_run_opts def;
    if (!o) { cv_run_opts_init(&def); o = &def; }
    memset(t, 0, sizeof *t);
    const cv_format_type *fmt;
    const cv_input_rule *rule;
    int rc = cvi_stream_rule(ctx, p, format, match_path, &fmt, &rule);
    if (rc) return rc;
    runner r;
    rc = setup(&r, ctx, p, k, o, 0);
    if (rc) { teardown(&r); return rc; }
    cvi_file_stats fs = { 0 };
    if ((o->header || (o->omit_header && !rule->output_csv)) && !fmt->has_header)
        return cvi_error(ctx, CV_EUSAGE, "--header and --no-header apply to formats with a header row (csv), not %s",
                         fmt->name);
    cvi_stream s = { .fmt = fmt, .rule = rule, .in_fd = in_fd, .out_fd = out_fd, .zstd_level = o->zstd_level,
                     .scan_only = 0, .display = "stdin", .log_rejects = 1, .header = o->header,
                     .header_len = o->header_len, .omit_header = o->omit_header };
    rc = cvi_pool_stream(r.pool, &s, &fs);
    if (rc == CV_EINPUT) {
        /* The stream could not be read to its end (a truncated or corrupt
         * .zst, a malformed header): exit 3 as under `run`, not 2. The
         * records read before are written; the unreadable rest counts as
         * one rejected record, so records_in = written + dropped + rejected. */
        cvi_log(ctx, CV_LOG_ERROR, "%s (the output holds the records before it)", cv_ctx_error(ctx));
        t->files_failed = 1;
        fs.records_in++;
        fs.rejected++;
        rc = 0;
    }
    t->files = 1;
    t->records_in = fs.records_in;
    t->written = fs.written;
    t->dropped = fs.dropped;
    t->rejected = fs.rejected;
    t->bytes_in = fs.bytes_in;
    t->bytes_out = fs.bytes_out;
    for (int i = 0; i < CV_ENT_MAX; i++) t->detections += fs.counts.detections[i];
    cvi_file_stats_free(&fs);
    teardown(&r);
    return rc;
}

int cvi_list_files(cv_ctx *ctx, const char *dir, char ***rels, size_t *n)
{
    items it = { 0 };
    *rels = NULL;
    *n = 0;
    int rc = walk(ctx, dir, "", NULL, &it, 0);
    if (rc) {
        items_free(&it);
        return rc == CV_ENOMEM ? cvi_error(ctx, rc, "out of memory") : rc;
    }
    char **v = calloc(it.n + 1, sizeof *v);
    if (!v) {
        items_free(&it);
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
    items_free(&it);
    return 0;
}
