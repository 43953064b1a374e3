/*
 * subject.c - what the operations on a finished dataset share: subject
 * access (find.c), erasure (forget.c) and key rotation (rekey.c).
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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/ctx.h"
#include "common/files.h"
#include "subject.h"
#include "../formats/record_reader.h"

/* ---- reading a dataset file record by record ------------------------------ */

int cvi_is_data_file(const char *rel)
{
    size_t n = strlen(rel);
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    return n > 4 && memcmp(rel + n - 4, ".zst", 4) == 0 && strcmp(base, CVI_VAULT_FILE) != 0 &&
           cvi_format_for_path(rel) != NULL;
}

/* cvi_each_record's pass over one file: the first record of a header format is
 * the header (handed to fn as such, not parsed); a span that is no record
 * stops the pass (a dataset file is written by callveil: it has none). */
typedef struct each_ctx {
    cv_ctx *ctx;
    const char *rel;
    cvi_rec_fn fn;
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

int cvi_each_record(cv_ctx *ctx, const char *path, const char *rel, cvi_rec_fn fn, void *ud)
{
    const cv_format_type *fmt = cvi_format_for_path(rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, CV_EIO, "%s: %s", rel, cvi_strerror(errno));
    cv_source *src = NULL;
    void *fstate = calloc(1, fmt->state_size ? fmt->state_size : 1);
    int rc = fstate ? cvi_source_open_fd(fd, -1, &src) : CV_ENOMEM;
    if (!rc) {
        each_ctx e = { ctx, rel, fn, ud, fmt->has_header };
        cvi_read_fail fail;
        rc = cvi_read_records(src, fmt, fstate, (size_t)1 << 30, &each_cb, &e, &fail);
        if (rc && fail.reason) cvi_error(ctx, rc, "%s: %s", rel, fail.reason);
    }
    if (rc == CV_ENOMEM) cvi_error(ctx, rc, "out of memory");
    cvi_source_free(src);
    close(fd);
    free(fstate);
    return rc;
}

/* ---- writing a replacement file --------------------------------------------- */

static void rw_hash(void *ud, const void *p, size_t n)
{
    crypto_generichash_update(ud, p, n);
}

static int rw_open(cvi_rewriter *w, cv_ctx *ctx, const char *path, int level)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    if (cvi_staged_open(&w->st, path, 0666) != 0)
        return cvi_error(ctx, CV_EIO, "%s: %s", w->st.tmp[0] ? w->st.tmp : path, cvi_strerror(errno));
    crypto_generichash_init(&w->h, NULL, 0, 32);
    if (cvi_sink_open_fd(w->st.fd, level, &w->sink)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    cvi_sink_set_hash(w->sink, rw_hash, &w->h);
    return 0;
}

int cvi_rw_flush(cvi_rewriter *w, int force)
{
    if (w->out.n < (1u << 20) && !force) return 0;
    int rc = cvi_sink_write(w->sink, w->out.p, w->out.n);
    w->out.n = 0;
    return rc ? cvi_error(w->ctx, CV_EIO, "write: %s", cvi_strerror(errno)) : 0;
}

/* Finish the staged file (ok) and name it in nf, or remove it. */
static int rw_close(cvi_rewriter *w, cvi_newfile *nf, int ok)
{
    int rc = 0;
    if (ok) {
        if ((rc = cvi_rw_flush(w, 1)) == 0 && cvi_sink_finish(w->sink) != 0)
            rc = cvi_error(w->ctx, CV_EIO, "write failed");
        if (!rc) {
            nf->bytes = cvi_sink_bytes_out(w->sink);
            crypto_generichash_final(&w->h, nf->hash, 32);
        }
    }
    cvi_sink_free(w->sink);
    if (ok && !rc && cvi_staged_sync(&w->st) != 0)
        rc = cvi_error(w->ctx, CV_EIO, "%s: %s", w->st.tmp, cvi_strerror(errno));
    if (ok && !rc) {
        if ((nf->tmp = strdup(w->st.tmp))) cvi_staged_release(&w->st);     /* the newfile's now */
        else rc = cvi_error(w->ctx, CV_ENOMEM, "out of memory");
    }
    cvi_staged_discard(&w->st);
    cvi_buf_free(&w->out);
    return rc;
}

void cvi_newfiles_free(cvi_newfile *v, size_t n, int unlink_tmp)
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
 * the cvi_rewriter at *wp) writes the new records to a temporary file beside it.
 * n takes ownership of path. */
int cvi_stage(cv_ctx *ctx, const char *rel, char *path, int level, cvi_rec_fn fn, void *ud, cvi_rewriter **wp,
              cvi_newfile *n)
{
    n->path = path;
    n->rel = strdup(rel);
    if (!n->rel) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    cvi_rewriter w;
    *wp = &w;
    int rc = rw_open(&w, ctx, path, level);
    if (rc == 0) rc = cvi_each_record(ctx, path, rel, fn, ud);
    int crc = rw_close(&w, n, rc == 0);
    *wp = NULL;
    return rc ? rc : crc;
}

int cvi_newfiles_commit(cvi_commit *cm, cvi_newfile *nf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = cvi_commit_replace(cm, nf[i].rel, nf[i].tmp);
        if (rc) return rc;
        free(nf[i].tmp);
        nf[i].tmp = NULL;
    }
    return 0;
}

void cvi_now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

/* The recording whose transcript (or, with audio_too, whose audio) is rel. */
const cvi_recpair *cvi_recording_of(const cvi_recpair *v, size_t n, const char *rel, int audio_too)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].transcript, rel) == 0 || (audio_too && strcmp(v[i].audio, rel) == 0)) return &v[i];
    return NULL;
}

int cvi_del_has(const cvi_delset *d, const char *rel)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i], rel) == 0) return 1;
    return 0;
}

void cvi_del_add(cvi_delset *d, const char *rel)
{
    if (!cvi_del_has(d, rel)) d->v[d->n++] = rel;
}

/* ---- the subject's token ---------------------------------------------------------- */

/* The rendered token of (type, value) and its 16 characters. */
int cvi_subject_token(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
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
        int right = hit + CV_TOKEN_CHARS == end || !cvi_is_b32(hit[CV_TOKEN_CHARS]);
        if (left && right) return hit;
        p = hit + 1;
    }
    return NULL;
}

/* In a record, a rendering: "phone:<token>" */
const char *cvi_find_tok(const char *p, size_t n, const char *tok) { return find_tok_after(p, n, tok, ":"); }

/* Does the output name rel hold the token? Identifiers in input names are
 * tokenised with '-' for the ':' ("call_phone-<token>.wav"). */
int cvi_name_has_tok(const char *rel, const char *tok) { return find_tok_after(rel, strlen(rel), tok, ":-") != NULL; }

/* ---- tokens: a table of 16-character tokens (rekey: old to new; forget: the vault's) ---- */

static cv_str old_key(const void *arg, size_t i)
{
    return cv_str_make(((const cvi_tokmap *)arg)->old[i], CV_TOKEN_CHARS);
}

int cvi_map_find(const cvi_tokmap *m, const char *t)
{
    size_t i = cvi_idxmap_find(&m->idx, cv_str_make(t, CV_TOKEN_CHARS), old_key, m);
    return i == CVI_IDX_NONE ? -1 : (int)i;
}

int cvi_map_add(cvi_tokmap *m, const char *old, const char *neu)
{
    if (cvi_map_find(m, old) >= 0) return 0;
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
    if (cvi_idxmap_add(&m->idx, m->n, old_key, m)) return CV_ENOMEM;
    m->n++;
    return 0;
}

void cvi_map_free(cvi_tokmap *m)
{
    free(m->old);
    free(m->neu);
    cvi_idxmap_free(&m->idx);
}
