/*
 * subject.c - operations on a finished dataset: subject access (find),
 * erasure (forget) and key rotation (rekey).
 *
 * A dataset is what `callveil run` wrote: the .zst data files under OUT (JSON
 * Lines, CSV, Asterisk CDR; zstd), OUT/vault.zst and OUT/manifest.json.
 * A subject is found by their token: the 16 base32 characters are 80 bits
 * of a keyed hash, so matching those bytes in a record finds exactly that
 * subject's records (a chance match is ~2^-80 per position).
 *
 * Rewrites are all-or-nothing across the dataset: every changed file, the
 * vault and the manifest (with its history entry) are first written in full
 * to temporary names, then committed as one journaled change (dataset.h):
 * a command killed before its intent is durable changed nothing, one killed
 * after is finished by the next command on the dataset. A second forget of
 * the same subject finds nothing: a no-op.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_tree.h>

#include "common/ctx.h"
#include "dataset.h"
#include "engine.h"
#include "common/files.h"
#include "manifest.h"
#include "pseudonym.h"
#include "vault.h"
#include "../formats/formats.h"
#include "../formats/record_reader.h"

static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";

static int is_b32(char c) { return c && strchr(b32, c) != NULL; }

/* ---- reading a dataset file record by record ------------------------------ */

typedef int (*rec_fn)(void *ud, const char *rec, size_t n, uint64_t line, int header);

static int is_data_file(const char *rel)
{
    size_t n = strlen(rel);
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    return n > 4 && memcmp(rel + n - 4, ".zst", 4) == 0 && strcmp(base, CVI_VAULT_FILE) != 0 &&
           cv_format_for_path(rel) != NULL;
}

/* each_record's pass over one file: the first record of a header format is
 * the header (handed to fn as such, not parsed); a span that is no record
 * stops the pass (a dataset file is written by callveil: it has none). */
typedef struct each_ctx {
    cv_ctx *ctx;
    const char *rel;
    rec_fn fn;
    void *ud;
    int header;
} each_ctx;

static int each_rec(void *ud, const char *rec, size_t n, uint64_t line, uint64_t abs, size_t nlines)
{
    (void)abs;
    (void)nlines;
    each_ctx *e = ud;
    int header = e->header;
    e->header = 0;
    return e->fn(e->ud, rec, n, line, header);
}

static int each_bad(void *ud, uint64_t line, uint64_t abs, const char *reason)
{
    (void)abs;
    each_ctx *e = ud;
    if (reason == cvi_reader_truncated) reason = "the last record is cut short";
    return cvi_error(e->ctx, CV_EINPUT, "%s: line %" PRIu64 ": %s", e->rel, line, reason);
}

static const cvi_reader_cb each_cb = { NULL, each_rec, each_bad };

static int each_record(cv_ctx *ctx, const char *path, const char *rel, rec_fn fn, void *ud)
{
    const cv_format_type *fmt = cv_format_for_path(rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, CV_EIO, "%s: %s", rel, strerror(errno));
    cv_source *src = NULL;
    void *fstate = calloc(1, fmt->state_size ? fmt->state_size : 1);
    int rc = fstate ? cv_source_open_fd(fd, -1, &src) : CV_ENOMEM;
    if (!rc) {
        each_ctx e = { ctx, rel, fn, ud, fmt->has_header };
        cvi_read_fail fail;
        rc = cvi_read_records(src, fmt, fstate, (size_t)1 << 30, &each_cb, &e, &fail);
        if (rc && fail.reason) cvi_error(ctx, rc, "%s: %s", rel, fail.reason);
    }
    if (rc == CV_ENOMEM) cvi_error(ctx, rc, "out of memory");
    cv_source_free(src);
    close(fd);
    free(fstate);
    return rc;
}

/* ---- writing a replacement file --------------------------------------------- */

typedef struct newfile {
    char *rel, *path, *tmp;
    uint64_t removed, replaced, bytes;
    unsigned char hash[32];
} newfile;

typedef struct rewriter {
    cv_ctx *ctx;
    int fd;
    cv_sink *sink;
    crypto_generichash_state h;
    cv_buf out;
} rewriter;

static void rw_hash(void *ud, const void *p, size_t n)
{
    crypto_generichash_update(ud, p, n);
}

static int rw_open(rewriter *w, cv_ctx *ctx, newfile *nf, int level)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->fd = open(nf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (w->fd < 0) return cvi_error(ctx, CV_EIO, "%s: %s", nf->tmp, strerror(errno));
    crypto_generichash_init(&w->h, NULL, 0, 32);
    if (cv_sink_open_fd(w->fd, level, &w->sink)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    cv_sink_set_hash(w->sink, rw_hash, &w->h);
    return 0;
}

static int rw_flush(rewriter *w, int force)
{
    if (w->out.n < (1u << 20) && !force) return 0;
    int rc = cv_sink_write(w->sink, w->out.p, w->out.n);
    w->out.n = 0;
    return rc ? cvi_error(w->ctx, CV_EIO, "write: %s", strerror(errno)) : 0;
}

static int rw_close(rewriter *w, newfile *nf, int ok)
{
    int rc = 0;
    if (ok) {
        if ((rc = rw_flush(w, 1)) == 0 && cv_sink_finish(w->sink) != 0) rc = cvi_error(w->ctx, CV_EIO, "write failed");
        if (!rc) {
            nf->bytes = cv_sink_bytes_out(w->sink);
            crypto_generichash_final(&w->h, nf->hash, 32);
        }
    }
    cv_sink_free(w->sink);
    if (w->fd >= 0) {
        if (ok && !rc && fsync(w->fd) != 0) rc = cvi_error(w->ctx, CV_EIO, "%s: %s", nf->tmp, strerror(errno));
        close(w->fd);
    }
    cv_buf_free(&w->out);
    return rc;
}

static void newfiles_free(newfile *v, size_t n, int unlink_tmp)
{
    for (size_t i = 0; i < n; i++) {
        if (unlink_tmp && v[i].tmp) unlink(v[i].tmp);
        free(v[i].rel);
        free(v[i].path);
        free(v[i].tmp);
    }
    free(v);
}

/* Second pass over a data file that needs changing: fn (whose context holds
 * the rewriter at *wp) writes the new records to a temporary file beside it.
 * n takes ownership of path. */
static int stage(cv_ctx *ctx, const char *rel, char *path, int level, rec_fn fn, void *ud, rewriter **wp, newfile *n)
{
    n->path = path;
    n->rel = strdup(rel);
    n->tmp = cvi_tmp_name(path);
    if (!n->rel || !n->tmp) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    rewriter w;
    *wp = &w;
    int rc = rw_open(&w, ctx, n, level);
    if (rc == 0) rc = each_record(ctx, path, rel, fn, ud);
    int crc = rw_close(&w, n, rc == 0);
    *wp = NULL;
    return rc ? rc : crc;
}

/* ---- the manifest ---------------------------------------------------------------- */

/* Stage the manifest with one entry appended to its "history" list
 * (erasures, rekeys), its last member once present, as the commit's last
 * step; the entry goes into the intent too. The manifest is our own
 * rendering. */
/* Stage OUT/manifest.json with the history entry appended; epoch (rekey;
 * NULL: unchanged) replaces the top-level epoch, so readers of the manifest
 * see the dataset's epoch without replaying the history. */
static int manifest_stage(cv_ctx *ctx, cvi_commit *cm, const char *outdir, const char *entry, const uint64_t *epoch)
{
    static const char list[] = "history";
    char *mpath = cvi_path_join(outdir, "manifest.json");
    cv_buf m = { 0 }, o = { 0 };
    int rc = 0;
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    if (cvi_read_file(mpath, &m, (size_t)1 << 30) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", mpath, strerror(errno));
        goto out;
    }
    char key[64];
    snprintf(key, sizeof key, "\n  \"%s\": [\n", list);
    /* the document ends "\n}\n"; an existing list ends "\n  ]\n}\n" */
    if (m.n < 4 || memcmp(m.p + m.n - 3, "\n}\n", 3) != 0) {
        rc = cvi_error(ctx, CV_EINPUT, "%s: not a callveil manifest", mpath);
        goto out;
    }
    cv_buf_cstr(&m);
    if (epoch) {
        /* the first `, "epoch": N` is the top-level one (the header precedes
         * "files"; a JSON string cannot hold a bare quote) */
        static const char ek[] = ", \"epoch\": ";
        char *ep = strstr(m.p, ek), *end;
        if (!ep) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: no epoch", mpath);
            goto out;
        }
        ep += sizeof ek - 1;
        strtoull(ep, &end, 10);
        if (end == ep) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: no epoch", mpath);
            goto out;
        }
        cv_buf r = { 0 };
        rc = cv_buf_append(&r, m.p, (size_t)(ep - m.p)) | cv_buf_printf(&r, "%" PRIu64, *epoch) |
             cv_buf_append(&r, end, m.n - (size_t)(end - m.p));
        if (rc || !cv_buf_cstr(&r)) {
            cv_buf_free(&r);
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            goto out;
        }
        cv_buf_free(&m);
        m = r;
    }
    char *at = strstr(m.p, key);
    if (at && m.n >= 7 && memcmp(m.p + m.n - 7, "\n  ]\n}\n", 7) == 0) {
        rc = cv_buf_append(&o, m.p, m.n - 7) | cv_buf_puts(&o, ",\n    ") | cv_buf_puts(&o, entry) |
             cv_buf_puts(&o, "\n  ]\n}\n");
    } else {
        rc = cv_buf_append(&o, m.p, m.n - 3) | cv_buf_printf(&o, ",%s    ", key) | cv_buf_puts(&o, entry) |
             cv_buf_puts(&o, "\n  ]\n}\n");
    }
    if (rc) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    if (!(rc = cvi_commit_history(cm, entry))) rc = cvi_commit_stage(cm, "manifest.json", o.p, o.n, 0666);
out:
    free(mpath);
    cv_buf_free(&m);
    cv_buf_free(&o);
    return rc;
}

#define JOURNAL_FILE ".callveil-journal"

/* The resume journal as forget leaves it, staged in its commit: the line of
 * each file it rewrote amended to the new output (size, BLAKE2b, records
 * erased), so that `run --resume` keeps it as it is; the line of each file
 * it deleted whole gone (a resume does that file again, and the erasure
 * register drops it), and lines that do not parse (a torn last line) gone.
 * No journal: nothing staged. */
static int journal_stage(cv_ctx *ctx, cvi_commit *cm, const char *outdir, const newfile *nf, size_t nnew,
                         const char *const *del, size_t ndel)
{
    char *path = cvi_path_join(outdir, JOURNAL_FILE);
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
            rc = cv_buf_append(&o, p, n + 1) ? CV_ENOMEM : 0;       /* the fingerprint */
            p = nl + 1;
            continue;
        }
        for (size_t i = 0; i < ndel && !match; i++) match = cvi_journal_names(p, n, del[i]);
        for (size_t i = 0; i < nnew && !match && !rc; i++)
            rc = cvi_journal_amend(p, n, nf[i].rel, nf[i].removed, nf[i].bytes, nf[i].hash, &o, &match);
        if (rc == CV_EINPUT) rc = 0, match = 1;      /* not a line of ours: resume ignores it too */
        if (!rc && !match && cv_buf_append(&o, p, n + 1)) rc = CV_ENOMEM;
        p = nl + 1;
    }
    if (rc) rc = cvi_error(ctx, rc, "out of memory");
    else rc = cvi_commit_stage(cm, JOURNAL_FILE, o.p ? o.p : "", o.n, 0666);
out:
    free(path);
    cv_buf_free(&j);
    cv_buf_free(&o);
    return rc;
}

/* Hand the staged data files to the commit (it removes them if it never
 * runs). */
static int commit_files(cvi_commit *cm, newfile *nf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = cvi_commit_replace(cm, nf[i].rel, nf[i].tmp);
        if (rc) return rc;
        free(nf[i].tmp);
        nf[i].tmp = NULL;
    }
    return 0;
}

static void now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

/* The dataset's call recordings, from its manifest: each redacted
 * transcript's output name and the recording's. None without a manifest. */
typedef struct recpair {
    char *transcript, *audio;
} recpair;

static void recpairs_free(recpair *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].transcript);
        free(v[i].audio);
    }
    free(v);
}

/* What forget, rekey and find take from a dataset's manifest, read once. */
typedef struct dataset {
    int zstd_level;           /* options.zstd_level (1..19), else 3 */
    uint64_t dates_shifted;   /* totals.dates_shifted */
    recpair *rec;             /* the call recordings */
    size_t nrec;
} dataset;

static void dataset_free(dataset *d)
{
    recpairs_free(d->rec, d->nrec);
    memset(d, 0, sizeof *d);
}

/* Read OUT/manifest.json. Without one, required (forget and rekey: they
 * change a dataset and record it there) is an error; otherwise (find) the
 * dataset has no recordings. An unreadable manifest is always an error. */
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
    char *mpath = cvi_path_join(outdir, "manifest.json");
    cv_buf m = { 0 };
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cvi_read_file(mpath, &m, (size_t)1 << 30);
    int absent = rc == CV_EIO && errno == ENOENT;
    free(mpath);
    if (absent) return 0;
    if (rc || !cv_buf_cstr(&m)) {
        cv_buf_free(&m);
        return cvi_error(ctx, rc == CV_EIO ? CV_EIO : CV_ENOMEM, "%s/manifest.json: cannot be read", outdir);
    }
    yajl_val doc = yajl_tree_parse(m.p, NULL, 0);
    cv_buf_free(&m);
    if (!doc) return cvi_error(ctx, CV_EINPUT, "%s/manifest.json: not a callveil manifest", outdir);
    rc = same_keys(ctx, outdir, doc, p, k, epoch);
    yajl_tree_free(doc);
    return rc;
}

static int dataset_load(cv_ctx *ctx, const char *outdir, int required, const cv_policy *p, const cv_key *k,
                        uint64_t epoch, dataset *d)
{
    if (cvi_dataset_interrupted(outdir))
        return cvi_error(ctx, CV_EINPUT, "%s holds an interrupted run: finish it with `callveil run --resume` "
                                         "first; nothing was changed", outdir);
    memset(d, 0, sizeof *d);
    d->zstd_level = 3;
    char *mpath = cvi_path_join(outdir, "manifest.json");
    cv_buf m = { 0 };
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    int rc = cvi_read_file(mpath, &m, (size_t)1 << 30);
    free(mpath);
    if (rc == CV_EIO && errno == ENOENT) {
        return required ? cvi_error(ctx, CV_EINPUT, "%s: no manifest.json: not a callveil dataset", outdir) : 0;
    }
    if (rc || !cv_buf_cstr(&m)) {
        cv_buf_free(&m);
        return cvi_error(ctx, rc == CV_EIO ? CV_EIO : CV_ENOMEM, "%s/manifest.json: cannot be read", outdir);
    }
    yajl_val doc = yajl_tree_parse(m.p, NULL, 0);
    cv_buf_free(&m);
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
        if (cv_grow((void **)&d->rec, &cap, d->nrec + 1, sizeof *d->rec)) {
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            break;
        }
        recpair *r = &d->rec[d->nrec++];
        r->transcript = strdup(t->u.string);     /* yajl_tree_get checked the type */
        r->audio = strdup(a->u.string);
        if (!r->transcript || !r->audio) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    yajl_tree_free(doc);
    if (rc) dataset_free(d);
    return rc;
}

/* The recording whose transcript (or, with audio_too, whose audio) is rel. */
static const recpair *recording_of(const recpair *v, size_t n, const char *rel, int audio_too)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].transcript, rel) == 0 || (audio_too && strcmp(v[i].audio, rel) == 0)) return &v[i];
    return NULL;
}

/* Output names, each once, in order: for forget those it deletes whole (a
 * recording's audio before its transcript), for find those that are the
 * subject's whole. */
typedef struct delset {
    const char **v;
    size_t n;
} delset;

static int del_has(const delset *d, const char *rel)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i], rel) == 0) return 1;
    return 0;
}

static void del_add(delset *d, const char *rel)
{
    if (!del_has(d, rel)) d->v[d->n++] = rel;
}

/* A call goes whole: its audio, then its transcript. Counted once. */
static void del_recording(delset *d, const recpair *rp, cv_forget_result *res)
{
    if (!del_has(d, rp->audio)) res->recordings_removed++;
    del_add(d, rp->audio);
    del_add(d, rp->transcript);
}

/* ---- the subject's token ---------------------------------------------------------- */

/* The rendered token of (type, value) and its 16 characters. */
static int subject_token(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                         char rendered[CVI_TOKEN_TEXT_MAX + 32], char tok[CV_TOKEN_CHARS + 1])
{
    int rc = cv_token(ctx, p, k, type, value, strlen(value), rendered, CVI_TOKEN_TEXT_MAX + 32);
    if (rc) return rc;
    size_t n = strlen(rendered);
    if (strcmp(type, "clid") == 0) {
        /* a caller id renders "person:… <phone:…>": the subject is the number */
        const char *ph = strstr(rendered, "phone:");
        if (!ph) return cvi_error(ctx, CV_EUSAGE, "the caller id has no number; use --type person or phone");
        n = (size_t)(strchr(ph, '>') ? strchr(ph, '>') - rendered : (ptrdiff_t)n);
    }
    if (n < CV_TOKEN_CHARS) return cvi_error(ctx, CV_EINTERNAL, "unexpected token rendering");
    memcpy(tok, rendered + n - CV_TOKEN_CHARS, CV_TOKEN_CHARS);
    tok[CV_TOKEN_CHARS] = '\0';
    return 0;
}

/* The first whole occurrence of tok in p[0..n): right after one of the
 * characters seps and not followed by another base32 character. */
static const char *find_tok_after(const char *p, size_t n, const char *tok, const char *seps)
{
    const char *start = p, *end = p + n;
    while ((size_t)(end - p) >= CV_TOKEN_CHARS) {
        const char *hit = memchr(p, tok[0], (size_t)(end - p) - (CV_TOKEN_CHARS - 1));
        if (!hit) return NULL;
        if (memcmp(hit, tok, CV_TOKEN_CHARS) != 0) {
            p = hit + 1;
            continue;
        }
        int left = hit > start && hit[-1] && strchr(seps, hit[-1]) != NULL;
        int right = hit + CV_TOKEN_CHARS == end || !is_b32(hit[CV_TOKEN_CHARS]);
        if (left && right) return hit;
        p = hit + 1;
    }
    return NULL;
}

/* In a record, a rendering: "phone:<token>" */
static const char *find_tok(const char *p, size_t n, const char *tok) { return find_tok_after(p, n, tok, ":"); }

/* Does the output name rel hold the token? Identifiers in input names are
 * tokenised with '-' for the ':' ("call_phone-<token>.wav"). */
static int name_has_tok(const char *rel, const char *tok) { return find_tok_after(rel, strlen(rel), tok, ":-") != NULL; }

/* ---- find ------------------------------------------------------------------------ */

typedef struct find_ctx {
    const char *tok, *rel;
    cv_buf *out;
    uint64_t hits;
} find_ctx;

static int find_rec(void *ud, const char *rec, size_t n, uint64_t line, int header)
{
    find_ctx *f = ud;
    if (header || !find_tok(rec, n, f->tok)) return 0;
    f->hits++;
    return cv_buf_printf(f->out, "%s\t%" PRIu64 "\n", f->rel, line) ? CV_ENOMEM : 0;
}

int cv_find(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
            const char *outdir, int out_fd, uint64_t *hits)
{
    char rendered[CVI_TOKEN_TEXT_MAX + 32], tok[CV_TOKEN_CHARS + 1];
    int rc = subject_token(ctx, p, k, type, value, rendered, tok);
    if (rc) return rc;
    char **rels = NULL;
    size_t nrel = 0;
    dataset ds = { 0 };
    delset whole = { NULL, 0 };      /* files that are the subject's whole, each listed once */
    cv_buf out = { 0 };
    *hits = 0;
    if ((rc = cvi_dataset_settle(ctx, outdir)) || (rc = cvi_list_files(ctx, outdir, &rels, &nrel)) ||
        (rc = dataset_load(ctx, outdir, 0, p, k, p->epoch, &ds)))
        goto out;
    if (!(whole.v = calloc(2 * nrel + 1, sizeof *whole.v))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nrel && !rc; i++) {
        const recpair *rp = recording_of(ds.rec, ds.nrec, rels[i], 1);
        if (name_has_tok(rels[i], tok)) {
            /* named after the subject: the whole file, a recording with its transcript */
            if (rp) {
                del_add(&whole, rp->audio);
                del_add(&whole, rp->transcript);
            } else {
                del_add(&whole, rels[i]);
            }
            continue;
        }
        if (!is_data_file(rels[i]) || del_has(&whole, rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        find_ctx f = { tok, rels[i], &out, 0 };
        rc = path ? each_record(ctx, path, rels[i], find_rec, &f) : cvi_error(ctx, CV_ENOMEM, "out of memory");
        *hits += f.hits;
        free(path);
        /* a call whose transcript holds the subject: its audio too */
        if (!rc && f.hits && rp && !strcmp(rp->transcript, rels[i])) del_add(&whole, rp->audio);
    }
    for (size_t i = 0; i < whole.n && !rc; i++) {
        if (cv_buf_printf(&out, "%s\t-\n", whole.v[i])) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    for (size_t off = 0; !rc && off < out.n;) {
        ssize_t w = write(out_fd, out.p + off, out.n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = cvi_error(ctx, CV_EIO, "write: %s", strerror(errno));
        else off += (size_t)w;
    }
out:
    dataset_free(&ds);
    free(whole.v);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    cv_buf_free(&out);
    return rc;
}

/* ---- tokens: a table of 16-character tokens (rekey: old to new; forget: the vault's) ---- */

typedef struct tokmap {
    char (*old)[CV_TOKEN_CHARS + 1];
    char (*neu)[CV_TOKEN_CHARS + 1];
    size_t n, cap;
    uint32_t *slot;
    size_t nslot;
    char domains[32][33];     /* the token domains met in the vault */
    size_t ndomains;
} tokmap;

static uint32_t th(const char *t)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < CV_TOKEN_CHARS; i++) h = (h ^ (unsigned char)t[i]) * 16777619u;
    return h;
}

static int map_find(const tokmap *m, const char *t)
{
    if (!m->nslot) return -1;
    for (size_t j = th(t) & (m->nslot - 1); m->slot[j]; j = (j + 1) & (m->nslot - 1))
        if (memcmp(m->old[m->slot[j] - 1], t, CV_TOKEN_CHARS) == 0) return (int)(m->slot[j] - 1);
    return -1;
}

static int map_add(tokmap *m, const char *old, const char *neu)
{
    if ((m->n + 1) * 2 > m->nslot) {
        size_t ns = m->nslot ? 2 * m->nslot : 1024;
        uint32_t *sl = calloc(ns, sizeof *sl);
        if (!sl) return CV_ENOMEM;
        for (size_t i = 0; i < m->n; i++) {
            size_t j = th(m->old[i]) & (ns - 1);
            while (sl[j]) j = (j + 1) & (ns - 1);
            sl[j] = (uint32_t)(i + 1);
        }
        free(m->slot);
        m->slot = sl;
        m->nslot = ns;
    }
    if (map_find(m, old) >= 0) return 0;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        void *a = realloc(m->old, cap * sizeof *m->old), *b = a ? realloc(m->neu, cap * sizeof *m->neu) : NULL;
        if (a) m->old = a;
        if (!b) return CV_ENOMEM;
        m->neu = b;
        m->cap = cap;
    }
    memcpy(m->old[m->n], old, CV_TOKEN_CHARS + 1);
    memcpy(m->neu[m->n], neu, CV_TOKEN_CHARS + 1);
    size_t j = th(old) & (m->nslot - 1);
    while (m->slot[j]) j = (j + 1) & (m->nslot - 1);
    m->slot[j] = (uint32_t)(++m->n);
    return 0;
}

/* ---- forget ----------------------------------------------------------------------- */

/* Where the vault's tokens occur in the data, for a forget: a token held
 * only by records the forget deletes (the subject's other identifiers: an
 * e-mail beside the phone number asked for) loses its vault entries too,
 * else it would stay revealable; one that a kept record (or a kept file's
 * name) still holds keeps them. A file's occurrences are listed first (each
 * token once, by generation) and counted once its fate is known: a
 * transcript that goes with its call counts as deleted whole. */
enum { USE_DEL = 1, USE_KEEP = 2 };

typedef struct tokuse {
    tokmap map;                   /* the vault's tokens; map.n of them */
    uint8_t *flag;                /* USE_DEL | USE_KEEP per token */
    uint32_t *gen_del, *gen_keep; /* the file pass that listed the token last */
    uint32_t gen;
    uint32_t *fdel, *fkeep;       /* this file's, each once */
    size_t ndel, nkeep, capdel, capkeep;
    int oom;
} tokuse;

static void tokuse_free(tokuse *u)
{
    free(u->map.old);
    free(u->map.neu);
    free(u->map.slot);
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
    return map_add(&u->map, bare, bare);
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
    if (cv_grow((void **)v, cap, *n + 1, sizeof **v)) {
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
        if (i + CV_TOKEN_CHARS < n && is_b32(p[i + CV_TOKEN_CHARS])) continue;
        size_t k = 0;
        while (k < CV_TOKEN_CHARS && is_b32(p[i + k])) k++;
        if (k < CV_TOKEN_CHARS) continue;
        int idx = map_find(&u->map, p + i);
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
        if (find_tok(p, n, st->tok[i])) return 1;
    return 0;
}

static int name_has_any(const subject_toks *st, const char *rel)
{
    for (size_t i = 0; i < st->n; i++)
        if (name_has_tok(rel, st->tok[i])) return 1;
    return 0;
}

typedef struct forget_ctx {
    const subject_toks *st;
    int replace;
    rewriter *w;          /* NULL: counting pass */
    tokuse *use;          /* counting pass: where the vault's tokens occur */
    uint64_t removed, replaced;
} forget_ctx;

/* Replace each whole rendering of the token ("phone:…", "phone:+44:…",
 * "[phone:…]") by "[erased]". */
static int erase_in(const char *rec, size_t n, const char *tok, cv_buf *out, uint64_t *count)
{
    const char *p = rec, *end = rec + n;
    const char *hit;
    while ((hit = find_tok(p, (size_t)(end - p), tok))) {
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
        if (cv_buf_append(out, p, (size_t)(d - p)) || cv_buf_puts(out, "[erased]")) return CV_ENOMEM;
        (*count)++;
        p = r;
    }
    return cv_buf_append(out, p, (size_t)(end - p)) ? CV_ENOMEM : 0;
}

/* erase_in for each of the subject's tokens in turn. */
static int erase_all(const char *rec, size_t n, const subject_toks *st, cv_buf *out, uint64_t *count)
{
    if (st->n == 1) return erase_in(rec, n, st->tok[0], out, count);
    cv_buf a = { 0 }, b = { 0 };
    int rc = cv_buf_append(&a, rec, n) ? CV_ENOMEM : 0;
    for (size_t i = 0; i < st->n && !rc; i++) {
        cv_buf_clear(&b);
        rc = erase_in(a.p ? a.p : "", a.n, st->tok[i], &b, count);
        cv_buf t = a;
        a = b;
        b = t;
    }
    if (!rc && cv_buf_append(out, a.p ? a.p : "", a.n)) rc = CV_ENOMEM;
    cv_buf_free(&a);
    cv_buf_free(&b);
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
    if (!has) rc = cv_buf_append(o, rec, n) ? CV_ENOMEM : 0;
    else if (!f->replace) { f->removed++; rc = 0; }
    else rc = erase_all(rec, n, f->st, o, &f->replaced);
    return rc ? rc : rw_flush(f->w, 0);
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
        int idx = map_find(&v->use->map, bare);
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
    int rc = cv_buf_puts(v->keep, "{\"token\":") | cvi_json_string(v->keep, t, tn) |
             cv_buf_puts(v->keep, ",\"sealed\":\"") | cv_buf_puts(v->keep, b) | cv_buf_puts(v->keep, "\"}\n");
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
        if ((rc = subject_token(ctx, p, k, ids[i].type, ids[i].value, st.rendered[st.n], st.tok[st.n])) ||
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
    newfile *nf = NULL;
    dataset ds = { 0 };
    delset del = { NULL, 0 };        /* outputs deleted whole (erasure: drop) */
    int drop = !p->erasure_replace, lockfd = -1;
    cv_buf vkeep = { 0 }, entry = { 0 };
    cvi_commit *cm = NULL;
    cvi_register *reg = NULL;
    uint64_t added = 0;
    tokuse use;
    memset(&use, 0, sizeof use);
    char *vpath = cvi_path_join(outdir, CVI_VAULT_FILE);
    if (!vpath) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd)) || (rc = dataset_load(ctx, outdir, 1, p, k, p->epoch, &ds)) ||
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
        const recpair *rp = recording_of(ds.rec, ds.nrec, rels[i], 1);
        if (rp) del_recording(&del, rp, res);
        else del_add(&del, rels[i]);
    }

    /* 2. every other data file holding the subject, rewritten to a temporary
     * name; a call's transcript: the call goes with it */
    for (size_t i = 0; i < nrel && !rc; i++) {
        if (!is_data_file(rels[i])) continue;
        res->files++;
        if (del_has(&del, rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        if (!path) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); break; }
        forget_ctx f = { &st, p->erasure_replace, NULL, &use, 0, 0 };
        if ((rc = each_record(ctx, path, rels[i], forget_rec, &f))) {
            free(path);
            break;
        }
        const recpair *rp = f.removed ? recording_of(ds.rec, ds.nrec, rels[i], 0) : NULL;
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
        newfile *n = &nf[nnew++];
        f.removed = f.replaced = 0;
        f.use = NULL;
        rc = stage(ctx, rels[i], path, ds.zstd_level, forget_rec, &f, &f.w, n);
        n->removed = f.removed;
        n->replaced = f.replaced;
        res->records_removed += f.removed;
        res->tokens_replaced += f.replaced;
    }
    /* the records of the data files deleted whole */
    for (size_t i = 0; i < del.n && !rc; i++) {
        char *path = is_data_file(del.v[i]) ? cvi_path_join(outdir, del.v[i]) : NULL;
        struct stat sb;
        gone_ctx g = { &use, 0 };
        if (path && stat(path, &sb) == 0) rc = each_record(ctx, path, del.v[i], gone_rec, &g);
        res->records_removed += g.records;
        if (!rc) rc = use_done(ctx, &use, 0);
        free(path);
    }
    /* the names of the files kept */
    for (size_t i = 0; i < nrel && !rc; i++) {
        if (del_has(&del, rels[i])) continue;
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
    if ((rc = cvi_commit_create(ctx, outdir, "forget", &cm)) || (rc = commit_files(cm, nf, nnew))) goto out;
    for (size_t i = 0; i < del.n && !rc; i++) rc = cvi_commit_delete(cm, del.v[i]);
    if (rc) goto out;
    if (vf.removed && (rc = cvi_vault_stage(ctx, cm, vkeep.p ? vkeep.p : "", vkeep.n))) goto out;
    if ((nnew || del.n) && (rc = journal_stage(ctx, cm, outdir, nf, nnew, del.v, del.n))) goto out;
    if (added && (rc = cvi_register_stage(reg, cm))) goto out;
    char when[32];
    now_utc(when);
    if (st.n == 1) {
        rc = cv_buf_puts(&entry, "{\"op\": \"forget\", \"token\": ") |
             cvi_json_string(&entry, st.rendered[0], strlen(st.rendered[0]));
    } else {
        rc = cv_buf_puts(&entry, "{\"op\": \"forget\", \"tokens\": [");
        for (size_t i = 0; i < st.n; i++)
            rc |= cv_buf_puts(&entry, i ? ", " : "") | cvi_json_string(&entry, st.rendered[i], strlen(st.rendered[i]));
        rc |= cv_buf_putc(&entry, ']');
    }
    rc |= cv_buf_printf(&entry, ", \"at\": \"%s\", \"mode\": \"%s\", \"records_removed\": %" PRIu64
                                ", \"tokens_replaced\": %" PRIu64 ", \"vault_entries_removed\": %" PRIu64
                                ", \"recordings_removed\": %" PRIu64 ", \"files_deleted\": %" PRIu64 ", \"files\": [",
                        when, p->erasure_replace ? "replace" : "drop", res->records_removed, res->tokens_replaced,
                        res->vault_entries_removed, res->recordings_removed, res->files_deleted);
    for (size_t i = 0; i < nnew; i++) {
        char hx[65];
        sodium_bin2hex(hx, sizeof hx, nf[i].hash, 32);
        rc |= cv_buf_printf(&entry, "%s{\"output\": ", i ? ", " : "");
        rc |= cvi_json_string(&entry, nf[i].rel, strlen(nf[i].rel));
        rc |= cv_buf_printf(&entry, ", \"records_removed\": %" PRIu64 ", \"tokens_replaced\": %" PRIu64
                                    ", \"output_bytes\": %" PRIu64 ", \"output_blake2b\": \"%s\"}",
                            nf[i].removed, nf[i].replaced, nf[i].bytes, hx);
    }
    for (size_t i = 0; i < del.n; i++) {
        rc |= cv_buf_puts(&entry, nnew || i ? ", {\"output\": " : "{\"output\": ");
        rc |= cvi_json_string(&entry, del.v[i], strlen(del.v[i]));
        rc |= cv_buf_puts(&entry, ", \"deleted\": true}");
    }
    rc |= cv_buf_printf(&entry, "], \"linked_vault_entries_removed\": %" PRIu64 ", \"register_added\": %" PRIu64 "}",
                        res->linked_entries_removed, added);
    if (rc || !cv_buf_cstr(&entry)) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = manifest_stage(ctx, cm, outdir, entry.p, NULL)) || (rc = cvi_commit_run(cm))) goto out;
    res->files_changed = nnew;
    if (added)
        cvi_log(ctx, CV_LOG_INFO, "%s: %" PRIu64 " identifier(s) added to the erasure register: later runs into it "
                                  "drop every record that carries them", outdir, added);
out:
    cvi_commit_free(cm);
    cvi_register_free(reg);
    free(marks);
    free(mdom);
    newfiles_free(nf, nnew, 1);
    cvi_dataset_unlock(lockfd);
    dataset_free(&ds);
    free(del.v);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    free(vpath);
    cv_buf_free(&vkeep);
    cv_buf_free(&entry);
    tokuse_free(&use);
    free(st.tok);
    free(st.rendered);
    return rc;
}

/* ---- rekey ------------------------------------------------------------------------ */

typedef struct rekey_ctx {
    cv_ctx *ctx;
    const unsigned char *pk, *sk;
    cvi_tenant_key from, to;
    tokmap map;
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
    if (map_add(&r->map, old, neu)) return CV_ENOMEM;
    return cvi_vault_seal_line(r->pk, nt, strlen(nt), r->val.p, r->val.n, &r->vault);
}

typedef struct rekey_file {
    rekey_ctx *r;
    rewriter *w;              /* NULL: checking pass */
    uint64_t replaced, unmapped;
} rekey_file;

/* Is p[i..i+16) a token rendering's 16 characters: after "DOMAIN:" or
 * "DOMAIN:+CC:" of a domain the vault holds, and not inside a longer run? */
static int token_at(const tokmap *m, const char *p, size_t n, size_t i)
{
    if (i == 0 || p[i - 1] != ':' || i + CV_TOKEN_CHARS > n) return 0;
    for (size_t k = 0; k < CV_TOKEN_CHARS; k++)
        if (!is_b32(p[i + k])) return 0;
    if (i + CV_TOKEN_CHARS < n && is_b32(p[i + CV_TOKEN_CHARS])) return 0;
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
    const tokmap *m = &f->r->map;
    size_t at = f->w ? f->w->out.n : 0;
    if (f->w && cv_buf_append(&f->w->out, rec, n)) return CV_ENOMEM;
    if (header) return 0;
    const char *p = rec;
    for (const char *c = memchr(p, ':', n); c; c = memchr(c + 1, ':', n - (size_t)(c + 1 - rec))) {
        size_t i = (size_t)(c - rec) + 1;
        if (!token_at(m, rec, n, i)) continue;
        int idx = map_find(m, rec + i);
        if (idx < 0) {
            f->unmapped++;
            continue;
        }
        f->replaced++;
        if (f->w) memcpy(f->w->out.p + at + i, m->neu[idx], CV_TOKEN_CHARS);
    }
    return f->w ? rw_flush(f->w, 0) : 0;
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
    newfile *nf = NULL;
    char *vpath = cvi_path_join(outdir, CVI_VAULT_FILE), *jpath = cvi_path_join(outdir, ".callveil-journal");
    dataset ds = { 0 };
    cvi_commit *cm = NULL;
    int rc = 0, lockfd = -1;
    if (!vpath || !jpath) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); goto out; }
    if ((rc = cvi_dataset_lock(ctx, outdir, &lockfd)) || (rc = dataset_load(ctx, outdir, 1, p, k, from_epoch, &ds)) ||
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
        if (!is_data_file(rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        if (!path) { rc = cvi_error(ctx, CV_ENOMEM, "out of memory"); break; }
        rekey_file f = { &r, NULL, 0, 0 };
        if ((rc = each_record(ctx, path, rels[i], rekey_rec, &f))) { free(path); break; }
        if (f.unmapped) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: %" PRIu64 " token(s) not in the vault; nothing was changed "
                                           "(re-run from the source data instead)", rels[i], f.unmapped);
            free(path);
            break;
        }
        if (!f.replaced) { free(path); continue; }
        newfile *n = &nf[nnew++];
        f.replaced = 0;
        rc = stage(ctx, rels[i], path, ds.zstd_level, rekey_rec, &f, &f.w, n);
        res->tokens_replaced += f.replaced;
    }
    if (rc) goto out;
    /* commit, journaled: data files, vault, the resume journal (its ids
     * belong to the old epoch), manifest with the history entry */
    if ((rc = cvi_commit_create(ctx, outdir, "rekey", &cm)) || (rc = commit_files(cm, nf, nnew)) ||
        (rc = cvi_vault_stage(ctx, cm, r.vault.p ? r.vault.p : "", r.vault.n)))
        goto out;
    if (stat(jpath, &st) == 0 && (rc = cvi_commit_delete(cm, ".callveil-journal"))) goto out;
    char when[32], e[512];
    now_utc(when);
    snprintf(e, sizeof e, "{\"op\": \"rekey\", \"at\": \"%s\", \"from_epoch\": %" PRIu64 ", \"to_epoch\": %" PRIu64
                          ", \"tokens_replaced\": %" PRIu64 ", \"vault_entries\": %" PRIu64 ", \"files_changed\": %" PRIu64
                          ", \"dates_shifted_kept\": %" PRIu64 "}",
             when, from_epoch, to_epoch, res->tokens_replaced, res->vault_entries, (uint64_t)nnew,
             res->dates_shifted_kept);
    if ((rc = manifest_stage(ctx, cm, outdir, e, &to_epoch)) || (rc = cvi_commit_run(cm))) goto out;
    res->files_changed = nnew;
out:
    cvi_commit_free(cm);
    newfiles_free(nf, nnew, 1);
    cvi_dataset_unlock(lockfd);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    free(vpath);
    free(jpath);
    dataset_free(&ds);
    cvi_tenant_key_free(&r.from);
    cvi_tenant_key_free(&r.to);
    free(r.map.old);
    free(r.map.neu);
    free(r.map.slot);
    if (r.vault.p) sodium_memzero(r.vault.p, r.vault.cap);
    if (r.val.p) sodium_memzero(r.val.p, r.val.cap);
    cv_buf_free(&r.vault);
    cv_buf_free(&r.val);
    sodium_free(sk);
    return rc;
}
