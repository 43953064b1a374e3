/*
 * run.c - the three drivers of the public API: cv_run (batch over files and
 * directories into a mirrored output tree with atomic outputs, a resume
 * journal and manifest.json), cv_filter (one stream, stdin → stdout) and
 * cv_scan (count what would be found, write nothing).
 */
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
#include "common/strmap.h"
#include "listing.h"

void cv_run_opts_init(cv_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->zstd_level = 3;
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

int cvi_sanitise_rel(cvi_worker *w, const char *rel, cv_buf *out)
{
    const char *p = rel;
    int rc = 0;
    while (*p && !rc) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        size_t x = slash ? 0 : ext_len(p, n);
        rc = cvi_engine_sanitise_name(w, p, n - x, out);
        rc |= cvi_buf_append(out, p + n - x, x);
        if (slash) rc |= cvi_buf_putc(out, '/');
        p += n + (slash != NULL);
    }
    return rc || !cvi_buf_cstr(out) ? CV_ENOMEM : 0;
}

static const cv_format_type *format_for(const cv_input_rule *r, const char *rel)
{
    if (strcmp(r->format, "auto") == 0) return cvi_format_for_path(rel);
    return cvi_format_find(r->format);
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

/* ---- durability of the outputs ------------------------------------------ */

/* Each output is renamed into its directory without a directory fsync (one
 * per file would cost a run of many small files dearly); before the
 * manifest lists them, each distinct directory holding an output written
 * in this run is fsynced once, so that no output the manifest counts can
 * vanish in a power loss. 0, or CV_EIO / CV_ENOMEM with the message set. */
static int sync_output_dirs(cv_ctx *ctx, const char *outdir, const cvi_entry *ent, size_t n)
{
    cvi_strmap seen = { 0 };
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (ent[i].status != CVI_DONE && ent[i].status != CVI_RESUMED) continue;
        const char *rel[2] = { ent[i].output, ent[i].transcript };
        for (int k = 0; k < 2 && !rc; k++) {
            if (!rel[k]) continue;
            const char *slash = strrchr(rel[k], '/');
            cv_str dir = cv_str_make(rel[k], slash ? (size_t)(slash - rel[k]) : 0);
            if (cvi_strmap_get(&seen, dir)) continue;
            char *path = cvi_strmap_put(&seen, dir, 0) ? NULL : cvi_path_join(outdir, rel[k]);
            if (!path)
                rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            else if (cvi_fsync_parent(path) != 0)
                rc = cvi_error(ctx, CV_EIO, "%s: cannot sync its directory: %s", rel[k], cvi_strerror(errno));
            free(path);
        }
    }
    cvi_strmap_free(&seen);
    return rc;
}

/* ---- resume journal ----------------------------------------------------- */

/* The journal's entries by id, the last line of an id winning (a file done
 * again after an edit is journalled again). 0 or CV_ENOMEM. */
static int journal_index(const cvi_jent *v, size_t n, cvi_strmap *idx)
{
    for (size_t i = 0; i < n; i++)
        if (cvi_strmap_put(idx, cv_str_make(v[i].id, strlen(v[i].id)), i)) return CV_ENOMEM;
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
    int rc = cvi_buf_printf(&b, "%s\n%s\n%s\n%" PRIu64 "\n%s\n%zu\n%d\n", CV_VERSION, kid, r->pol->tenant,
                           r->pol->epoch, r->as_of, r->o->max_record ? r->o->max_record : (size_t)16 << 20,
                           r->o->zstd_level);
    rc |= cvi_buf_append(&b, r->pol->hash, sizeof r->pol->hash);
    if (rc) {
        cvi_buf_free(&b);
        return cvi_error(r->ctx, CV_ENOMEM, "out of memory");
    }
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)b.p, b.n, NULL, 0);
    cvi_buf_free(&b);
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

/* The input's `risk:` report on its finished (not yet renamed) output; with
 * enforce_k, the output is replaced by a copy without the records of
 * classes smaller than k (counted as dropped). */
static int risk_step(runner *r, const cv_input_rule *rule, const cv_format_type *fmt, cvi_staged *out, cvi_entry *en)
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
        if (cvi_staged_side_name(out, kpath, sizeof kpath) != 0)
            return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        o.enforce_k = rp->enforce_k;
        o.enforce_out = kpath;
    }
    if (!(en->risk = calloc(1, sizeof *en->risk))) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cv_risk(ctx, out->tmp, &o, -1, en->risk);
    if (rc) return cvi_error(ctx, rc, "%s: risk report: %s", en->input, cv_ctx_error(ctx));
    en->risk_k = rp->enforce_k;
    if (!rp->enforce_k) return 0;
    if (cvi_staged_adopt(out, kpath) != 0) return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    if (cvi_hash_file(out->tmp, en->fs.out_hash, &en->fs.bytes_out))
        return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    en->fs.written -= en->risk->suppressed;
    en->fs.dropped += en->risk->suppressed;
    en->fs.counts.k_suppressed += en->risk->suppressed;
    return 0;
}

/* ---- input kinds --------------------------------------------------------- */

/* What a file is decides how it is read, named, resumed and written: one
 * entry per kind (records through the engine's streams, recordings with
 * their transcripts), so process_item does not branch on it. */
typedef struct cvi_input_kind {
    const char *name;
    /* the format of a file under rule: its name (static), NULL if unknown */
    const char *(*format)(const cv_input_rule *rule, const char *rel, const cv_format_type **fmt);
    /* once open; may fail the entry (en->status) */
    int (*prepare)(runner *r, const cvi_item *it, cvi_entry *en, int scan);
    /* scan: count, write nothing */
    int (*scan)(runner *r, const cvi_item *it, cvi_stream *s, cvi_entry *en);
    int zst_name;    /* the output is named with ".zst" exactly once */
    int by_name;     /* the output is written by name (the audio module): staged, not opened */
    /* what the journal id covers besides the path (NULL: nothing) */
    int (*journal_id)(const cvi_item *it, cv_buf *idsrc);
    /* resume: *there stays 1 only if its other outputs are there too (NULL: none) */
    int (*resumable)(runner *r, const cvi_item *it, const char *outdir, const cvi_jent *j, int *there);
    /* write the staged output (out->fd open on it) and commit it (its
     * name, out->tmp, emptied); may fail or erase the entry */
    int (*write)(runner *r, const cvi_item *it, const char *outdir, cvi_stream *s, cvi_staged *out, cvi_entry *en);
} cvi_input_kind;

static const char *records_format(const cv_input_rule *rule, const char *rel, const cv_format_type **fmt)
{
    *fmt = format_for(rule, rel);
    return *fmt ? (*fmt)->name : NULL;
}

static int records_scan(runner *r, const cvi_item *it, cvi_stream *s, cvi_entry *en)
{
    (void)it;
    int rc = cvi_pool_stream(r->pool, s, &en->fs);
    if (rc == CV_EINPUT) {
        cvi_entry_fail(en, en->fs.fail_reason);
        cvi_log(r->ctx, CV_LOG_ERROR, "%s", cv_ctx_error(r->ctx));
        rc = 0;
    }
    return rc;
}

static int records_write(runner *r, const cvi_item *it, const char *outdir, cvi_stream *s, cvi_staged *out,
                         cvi_entry *en)
{
    cv_ctx *ctx = r->ctx;
    (void)outdir;
    s->out_fd = out->fd;
    int rc = cvi_pool_stream(r->pool, s, &en->fs);
    en->fs.dropped += en->fs.counts.erased;     /* not written: records of erased subjects */
    if (en->fs.counts.erased)
        cvi_log(ctx, CV_LOG_WARN, "%s: %" PRIu64 " record(s) dropped: they hold a subject erased from this dataset "
                                  "(erasure register)", en->input, en->fs.counts.erased);
    if (rc == CV_EINPUT) {
        cvi_entry_fail(en, en->fs.fail_reason);
        cvi_log(ctx, CV_LOG_ERROR, "%s", cv_ctx_error(ctx));
        return 0;
    }
    if (rc) return rc;
    if (cvi_staged_sync(out) != 0) return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    if (it->rule->risk.nquasi && (rc = risk_step(r, it->rule, s->fmt, out, en))) return rc;
    if (cvi_staged_commit(out, 0) != 0) return cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
    return 0;
}

static const char *recordings_format(const cv_input_rule *rule, const char *rel, const cv_format_type **fmt)
{
    (void)rule;
    (void)rel;
    *fmt = NULL;
    return "audio";
}

static int recordings_prepare(runner *r, const cvi_item *it, cvi_entry *en, int scan)
{
    return cvi_recording_prepare(r->ctx, it->rule, it->path, it->transcript, scan, en);
}

static int recordings_scan(runner *r, const cvi_item *it, cvi_stream *s, cvi_entry *en)
{
    (void)s;
    return cvi_recording_scan(r->ctx, cvi_pool_main_worker(r->pool), it->rule, it->path, it->transcript, en);
}

static int recordings_journal_id(const cvi_item *it, cv_buf *idsrc) { return cvi_recording_journal_id(it->transcript, idsrc); }

static int recordings_resumable(runner *r, const cvi_item *it, const char *outdir, const cvi_jent *j, int *there)
{
    return cvi_recording_resumable(r->ctx, cvi_pool_main_worker(r->pool), it->rel, it->transcript, outdir, j->json,
                                   there);
}

static int recordings_write(runner *r, const cvi_item *it, const char *outdir, cvi_stream *s, cvi_staged *out,
                            cvi_entry *en)
{
    (void)s;
    return cvi_recording_step(r->ctx, cvi_pool_main_worker(r->pool), it->rule, it->path, it->rel, it->transcript, outdir,
                              r->o->zstd_level, out, en, &r->audio_s);
}

static const cvi_input_kind input_kinds[] = {
    { "records", records_format, NULL, records_scan, 1, 0, NULL, NULL, records_write },
    { "recordings", recordings_format, recordings_prepare, recordings_scan, 0, 1, recordings_journal_id,
      recordings_resumable, recordings_write },
};

static const cvi_input_kind *kind_of(const cv_input_rule *rule)
{
    return &input_kinds[cvi_recording_rule(rule)];
}

/* outs: the output names taken by earlier inputs (looked up only; the
 * caller adds this one's once it is final). */
static int process_item(runner *r, const cvi_item *it, const char *outdir, int scan, int jfd, const cvi_jent *jv,
                        const cvi_strmap *jidx, const cvi_strmap *outs)
{
    cv_ctx *ctx = r->ctx;
    cvi_worker *w = cvi_pool_main_worker(r->pool);
    cv_buf name = { 0 }, line = { 0 };
    char dst[PATH_MAX] = "";
    cvi_staged out = { .fd = -1 };
    int fd = -1, rc = 0;
    cvi_entry *en = new_entry(r);
    if (!en) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    if ((rc = cvi_sanitise_rel(w, it->rel, &name))) goto out;
    en->input = strdup(name.p);
    if (!en->input) { rc = CV_ENOMEM; goto out; }
    if (cvi_worker_settle(w)) {
        cvi_entry_erased(ctx, en, 1);    /* named after an erased subject */
        goto out;
    }

    if (it->skip) {
        en->status = CVI_SKIPPED;
        en->reason = it->skip;
        cvi_log(ctx, CV_LOG_WARN, "skipping %s: %s", en->input, en->reason);
        goto out;
    }
    const cv_input_rule *rule = it->rule;
    const cvi_input_kind *kind = kind_of(rule);
    const cv_format_type *fmt = NULL;
    en->format = rule ? kind->format(rule, it->rel, &fmt) : NULL;
    if (!en->format) {
        en->status = CVI_SKIPPED;
        en->reason = !rule ? "no policy input matches this file" : "unknown format (name it in the policy)";
        cvi_log(ctx, CV_LOG_WARN, "skipping %s: %s", en->input, en->reason);
        goto out;
    }

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
        cvi_entry_fail(en, oerr);
        cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
        goto out;
    }
    if (kind->prepare && ((rc = kind->prepare(r, it, en, scan)) || en->status == CVI_FAILED)) goto out;

    cvi_stream s = { .fmt = fmt, .rule = rule, .in_fd = fd, .out_fd = scan && r->o->explain ? r->scan_fd : -1,
                     .zstd_level = r->o->zstd_level, .scan_only = scan, .display = en->input, .log_rejects = 0,
                     .digests = 1, .explain = scan && r->o->explain };
    if (scan) {
        rc = kind->scan(r, it, &s, en);
        goto out;
    }

    /* output name: sanitised path, ".zst" exactly once */
    size_t nl = name.n;
    if (kind->zst_name) {
        if (nl > 4 && memcmp(name.p + nl - 4, ".zst", 4) == 0) name.n -= 4;
        else if (nl > 3 && memcmp(name.p + nl - 3, ".gz", 3) == 0) name.n -= 3;   /* gzip in, zstd out */
        cvi_buf_puts(&name, ".zst");
    }
    if (!cvi_buf_cstr(&name)) { rc = CV_ENOMEM; goto out; }
    en->output = strdup(name.p);
    if (!en->output) { rc = CV_ENOMEM; goto out; }
    if (cvi_strmap_get(outs, cv_str_make(en->output, strlen(en->output)))) {
        cvi_entry_fail(en, "output name collides with another input's");
        cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
        goto out;
    }
    if (snprintf(dst, sizeof dst, "%s/%s", outdir, en->output) >= (int)sizeof dst) {
        rc = cvi_error(ctx, CV_EIO, "%s: output path too long", en->input);
        goto out;
    }

    /* the journal id: a keyed token of the relative path (the journal sits
     * in OUT) and what the kind adds (a recording: its transcript) */
    cv_buf id = { 0 }, idsrc = { 0 };
    rc = cvi_buf_puts(&idsrc, it->rel);
    if (kind->journal_id) rc |= kind->journal_id(it, &idsrc);
    if (rc || (rc = cvi_engine_token(w, "file", idsrc.p, idsrc.n, &id)) || !cvi_buf_cstr(&id)) {
        cvi_buf_free(&id);
        cvi_buf_free(&idsrc);
        rc = CV_ENOMEM;
        goto out;
    }
    cvi_buf_free(&idsrc);
    char idz[64];
    snprintf(idz, sizeof idz, "%s", id.p + 5);
    cvi_buf_free(&id);
    int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    const uint64_t *ji = cvi_strmap_get(jidx, cv_str_make(idz, strlen(idz)));
    const cvi_jent *j = ji ? &jv[*ji] : NULL;
    struct stat ost;
    int outputs_there = j && stat(dst, &ost) == 0 && (uint64_t)ost.st_size == j->fs.bytes_out &&
                        cvi_journal_same_hash(dst, j->json, "\"output_blake2b\": \"");
    if (outputs_there && kind->resumable && (rc = kind->resumable(r, it, outdir, j, &outputs_there))) goto out;
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
    if (kind->by_name ? cvi_staged_init(&out, dst) != 0 : cvi_staged_open(&out, dst, 0666) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", out.tmp[0] ? out.tmp : en->output, cvi_strerror(errno));
        goto out;
    }
    rc = kind->write(r, it, outdir, &s, &out, en);
    if (rc || en->status == CVI_FAILED || en->status == CVI_ERASED) goto out;
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
    cvi_staged_discard(&out);
    if (fd >= 0) close(fd);
    cvi_buf_free(&name);
    cvi_buf_free(&line);
    if (rc == CV_ENOMEM) cvi_error(ctx, rc, "out of memory");
    return rc;
}

static int drive(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *inputs, size_t ninputs,
                 const char *outdir, const cv_run_opts *o, cv_totals *t, int scan_fd)
{
    runner r;
    cvi_items it = { 0 };
    cvi_jent *jv = NULL;
    size_t jn = 0;
    uint8_t *rule_used = NULL;
    cvi_strmap jidx = { 0 }, outs = { 0 };
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
    if (scan && (rc = cvi_collect(ctx, inputs, ninputs, NULL, &it))) goto out;
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
        if ((rc = cvi_collect(ctx, inputs, ninputs, real_out, &it))) goto out;
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
        snprintf(jpath, sizeof jpath, "%s/" CVI_JOURNAL_FILE, outdir);
        int resume = o->resume;
        if (resume && cvi_journal_load(jpath, fp, &jv, &jn) == 1) {
            cvi_log(ctx, CV_LOG_WARN, "--resume: the policy, key, tenant, epoch, --as-of, record limit, zstd level or "
                                      "tool version changed since the interrupted run: every file is done again");
            resume = 0;
        }
        if ((rc = cvi_journal_open(ctx, jpath, fp, resume, &jfd))) goto out;
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
    if (journal_index(jv, jn, &jidx)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    /* each input's rule and, for recordings, transcript: found once */
    for (size_t i = 0; i < it.n; i++)
        if (!it.v[i].skip) it.v[i].rule = cvi_policy_input_for(p, it.v[i].rel, NULL);
    if (cvi_recording_pair(&it)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    /* a rule that matched nothing is probably a mistyped pattern: say so */
    rule_used = calloc(p->ninputs + 1, 1);
    if (!rule_used) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < it.n; i++)
        if (!it.v[i].skip && it.v[i].rule) rule_used[it.v[i].rule - p->inputs] = 1;
    for (size_t i = 0; strcmp(p->name, "<default>") != 0 && i < p->ninputs; i++)   /* the default covers every kind */
        if (!rule_used[i])
            cvi_log(ctx, CV_LOG_WARN, "%s:%d: this input rule matched no file", p->name, p->inputs[i].line);
    for (size_t i = 0; i < it.n; i++) {
        if (it.v[i].paired) continue;
        /* another shard's file (a transcript goes with its recording) */
        if (shards && cvi_shard_with(&skey, it.v[i].rel, shards) != o->shard_index) continue;
        if ((rc = process_item(&r, &it.v[i], outdir, scan, jfd, jv, &jidx, &outs))) goto out;
        r.ent[r.nent - 1].listed_at = i;
        /* the name is taken once the entry is final: a failed file's
         * output (freed, NULL) takes none */
        const char *on = r.ent[r.nent - 1].output;
        if (on && cvi_strmap_put(&outs, cv_str_make(on, strlen(on)), 0)) {
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            goto out;
        }
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
    if (shards) cvi_listing_id(&skey, &it, lid);
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
        if ((rc = sync_output_dirs(ctx, outdir, r.ent, r.nent))) goto out;
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
    cvi_strmap_free(&jidx);
    cvi_strmap_free(&outs);
    free(rule_used);
    cvi_items_free(&it);
    cvi_buf_free(&doc);
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
    const cv_format_type *fmt = format ? cvi_format_find(format) : NULL;
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
