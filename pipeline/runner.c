/*
 * runner.c - the streaming engine: read, split into batches, process on a
 * worker pool, compress each batch as one zstd frame, write in input order.
 * See runner.h for the invariants (ordering, determinism, bounded memory).
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "common/ctx.h"
#include "common/files.h"
#include "runner.h"
#include "vault.h"
#include "../formats/record_reader.h"

#define DEFAULT_BATCH (1u << 20)
#define MAX_BATCH_RECORDS 16384
/* A batch whose input grew past TRIM_FACTOR batch sizes (it held a record
 * of several MB) leaves its buffers, and the worker that processed it its
 * scratch, at that record's size. Both are given back after it, so that
 * peak memory follows the records in flight, not every thread's and every
 * slot's largest record ever seen. */
#define TRIM_FACTOR 4

/* Freed memory back to the system. glibc raises its mmap threshold to the
 * size of any mmapped block freed (up to 32 MB), so the next record-sized
 * buffers come from per-thread heaps that free() does not shrink: eight
 * threads kept ~420 MB for 15 MiB records without this (~165 MB with). */
/* Not under AddressSanitizer: its allocator replaces glibc's, whose
 * malloc_trim would walk arenas glibc never set up (a crash in mtrim). */
#if defined(__SANITIZE_ADDRESS__)
#define CV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CV_ASAN 1
#endif
#endif

static void give_back(void)
{
#if defined(__GLIBC__) && !defined(CV_ASAN)
    malloc_trim(0);
#endif
}

typedef struct rec_meta {
    size_t off, len;        /* within batch->in */
    uint64_t line, abs;     /* location in the input */
} rec_meta;

typedef struct batch {
    const cvi_stream *st;
    const void *fstate;
    char *in;
    size_t in_len, in_cap;
    rec_meta *recs;
    size_t nrec, caprec;
    cv_buf prefix;          /* written before the records (CSV header) */
    cv_buf out;             /* serialised records */
    cv_buf zout;            /* the batch's zstd frame */
    cvi_reject *rej;
    size_t nrej, caprej;
    cvi_counts counts;
    uint64_t records, written;
    int rc;
    int done;               /* processed, and compressed if the output is zstd */
    int zpending;           /* processed, compression left to the writing thread */
} batch;

typedef struct wctx {
    cvi_pool *pool;
    cvi_worker *w;
    ZSTD_CCtx *z;
    cv_record rec;
    int vault_rc;           /* CV_ENOMEM a replaced worker had seen while collecting */
    pthread_t th;
} wctx;

struct cvi_pool {
    cv_ctx *ctx;
    const cvi_engine *e;
    size_t batch_bytes, max_record;
    int progress;
    int nthreads, started;
    wctx *wc;
    cvi_worker *main_w;
    batch *b;
    size_t nb;
    /* the work queue: indexes into b, in submission order */
    size_t *q;
    size_t qhead, qlen;
    int stop;
    int zhandoff;           /* batches left for the writing thread to compress (0 or 1) */
    ZSTD_CCtx *zw;          /* the writing thread's compression context */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
};

void cvi_file_stats_free(cvi_file_stats *fs)
{
    if (!fs) return;
    free(fs->rej);
    fs->rej = NULL;
    fs->nrej = fs->caprej = 0;
}

static int push_reject(cvi_reject **v, size_t *n, size_t *cap, uint64_t line, uint64_t off, const char *reason)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        cvi_reject *nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (cvi_reject){ line, off, reason };
    return 0;
}

/* ---- workers ------------------------------------------------------------ */

/* The batch's output as one zstd frame. */
static int compress_batch(ZSTD_CCtx *z, batch *b)
{
    size_t bound = ZSTD_compressBound(b->out.n);
    if (cvi_buf_reserve(&b->zout, bound)) return CV_ENOMEM;
    ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, b->st->zstd_level);
    ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
    size_t zn = ZSTD_compress2(z, b->zout.p, bound, b->out.p, b->out.n);
    if (ZSTD_isError(zn)) return CV_EINTERNAL;
    b->zout.n = zn;
    return 0;
}

static int needs_zstd(const batch *b) { return b->rc == 0 && b->st->zstd_level > 0 && !b->st->scan_only && b->out.n > 0; }

static void process_batch(wctx *wc, batch *b)
{
    const cvi_stream *st = b->st;
    const cv_format_type *fmt = st->fmt;
    cv_record *r = &wc->rec;
    int rc = 0;
    cv_buf_clear(&b->out);
    cv_buf_clear(&b->zout);
    memset(&b->counts, 0, sizeof b->counts);
    b->written = 0;
    if (b->prefix.n && !st->scan_only) rc = cvi_buf_append(&b->out, b->prefix.p, b->prefix.n);
    cvi_worker_explain(wc->w, st->explain ? &b->out : NULL, st->display);
    for (size_t i = 0; i < b->nrec && !rc; i++) {
        const rec_meta *m = &b->recs[i];
        cv_diag d = { NULL, 0 };
        cvi_record_reset(r);
        r->line = m->line;
        r->offset = m->abs;
        int prc = fmt->parse(b->fstate, b->in + m->off, m->len, r, &d);
        if (prc == CV_EEMPTY) continue;
        b->records++;
        if (prc == CV_EINPUT) {
            rc = push_reject(&b->rej, &b->nrej, &b->caprej, m->line, m->abs + d.offset,
                             d.reason ? d.reason : "malformed record");
            continue;
        }
        if (prc) { rc = prc; break; }
        const char *why = NULL;
        prc = cvi_engine_apply(wc->w, st->rule, r, &b->counts, &why);
        if (prc == CV_EINPUT) {
            rc = push_reject(&b->rej, &b->nrej, &b->caprej, m->line, m->abs, why ? why : "record nested too deeply");
            continue;
        }
        if (prc == CVI_APPLY_DROPPED) continue;
        if (prc) { rc = prc; break; }
        if (!st->scan_only && (rc = fmt->write(b->fstate, r, &b->out))) break;
        b->written++;
    }
    b->rc = rc;
}

/* After a huge batch: the record's arena and the engine's scratch (match
 * buffers, folded text, spans) go back to the allocator. The engine keeps
 * no way to shrink a worker, so a new one replaces it; the (token, value)
 * pairs collected for the vault move over. A failed allocation keeps the
 * old worker: trimming is never an error. */
static void trim_worker(wctx *wc)
{
    cvi_record_free(&wc->rec);
    cvi_record_init(&wc->rec);
    cvi_worker *nw = cvi_worker_create(wc->pool->e);
    if (!nw) return;
    int orc = 0, nrc = 0;
    cvi_vault_set *os = cvi_worker_vault(wc->w, &orc);
    cvi_vault_set *ns = cvi_worker_vault(nw, &nrc);
    if (orc) wc->vault_rc = orc;
    *ns = *os;
    memset(os, 0, sizeof *os);
    cvi_worker_free(wc->w);
    wc->w = nw;
    give_back();
}

static void *worker_main(void *arg)
{
    wctx *wc = arg;
    cvi_pool *p = wc->pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->qlen == 0) pthread_cond_wait(&p->work, &p->mu);
        if (p->qlen == 0 && p->stop) break;
        batch *b = &p->b[p->q[p->qhead]];
        p->qhead = (p->qhead + 1) % p->nb;
        p->qlen--;
        pthread_mutex_unlock(&p->mu);
        process_batch(wc, b);
        if (b->in_cap > TRIM_FACTOR * p->batch_bytes) trim_worker(wc);
        pthread_mutex_lock(&p->mu);
        if (needs_zstd(b) && p->qlen > 0 && p->zhandoff == 0) {
            /* More records wait: leave this frame to the writing thread (one at
             * a time, so it never becomes the bottleneck) and parse on. */
            b->zpending = 1;
            p->zhandoff++;
        } else {
            if (needs_zstd(b)) {
                pthread_mutex_unlock(&p->mu);
                int zr = compress_batch(wc->z, b);
                pthread_mutex_lock(&p->mu);
                if (zr) b->rc = zr;
            }
            b->done = 1;
        }
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void cvi_pool_free(cvi_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->wc[i].th, NULL);
    for (int i = 0; i < p->nthreads; i++) {
        cvi_worker_free(p->wc[i].w);
        ZSTD_freeCCtx(p->wc[i].z);
        cvi_record_free(&p->wc[i].rec);
    }
    for (size_t i = 0; i < p->nb; i++) {
        batch *b = &p->b[i];
        free(b->in);
        free(b->recs);
        free(b->rej);
        cvi_buf_free(&b->prefix);
        cvi_buf_free(&b->out);
        cvi_buf_free(&b->zout);
    }
    cvi_worker_free(p->main_w);
    ZSTD_freeCCtx(p->zw);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->b);
    free(p->q);
    free(p->wc);
    free(p);
}

int cvi_pool_create(cv_ctx *ctx, const cvi_engine *e, const cv_run_opts *o, cvi_pool **out)
{
    cvi_pool *p = calloc(1, sizeof *p);
    if (!p) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    p->ctx = ctx;
    p->e = e;
    p->nthreads = o->threads;
    if (p->nthreads <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        p->nthreads = nc > 0 ? (int)nc : 1;
    }
    if (p->nthreads > 256) p->nthreads = 256;
    p->batch_bytes = o->batch_bytes ? o->batch_bytes : DEFAULT_BATCH;
    p->max_record = o->max_record ? o->max_record : CVI_MAX_RECORD_DEFAULT;
    p->progress = o->progress;
    p->nb = 2 * (size_t)p->nthreads + 2;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->b = calloc(p->nb, sizeof *p->b);
    p->q = calloc(p->nb, sizeof *p->q);
    p->wc = calloc((size_t)p->nthreads, sizeof *p->wc);
    p->main_w = cvi_worker_create(e);
    p->zw = ZSTD_createCCtx();
    if (!p->b || !p->q || !p->wc || !p->main_w || !p->zw) goto nomem;
    for (int i = 0; i < p->nthreads; i++) {
        wctx *wc = &p->wc[i];
        wc->pool = p;
        cvi_record_init(&wc->rec);
        wc->w = cvi_worker_create(e);
        wc->z = ZSTD_createCCtx();
        if (!wc->w || !wc->z) goto nomem;
    }
    for (int i = 0; i < p->nthreads; i++) {
        if (pthread_create(&p->wc[i].th, NULL, worker_main, &p->wc[i]) != 0) {
            cvi_pool_free(p);
            return cvi_error(ctx, CV_EINTERNAL, "cannot start worker threads");
        }
        p->started++;
    }
    *out = p;
    return 0;
nomem:
    cvi_pool_free(p);
    return cvi_error(ctx, CV_ENOMEM, "out of memory");
}

cvi_worker *cvi_pool_main_worker(cvi_pool *p) { return p->main_w; }

int cvi_pool_take_vault(cvi_pool *p, cvi_vault *v)
{
    int rc = 0, wrc = 0;
    for (int i = -1; i < p->nthreads && !rc; i++) {
        cvi_worker *w = i < 0 ? p->main_w : p->wc[i].w;
        cvi_vault_set *s = cvi_worker_vault(w, &wrc);
        if (i >= 0 && p->wc[i].vault_rc) {
            wrc = p->wc[i].vault_rc;
            p->wc[i].vault_rc = 0;
        }
        if (wrc) rc = cvi_error(p->ctx, wrc, "out of memory");
        else rc = cvi_vault_take(v, s);
    }
    return rc;
}

/* ---- the producer ------------------------------------------------------- */

typedef struct hash_sink {
    crypto_generichash_state st;
    uint64_t n;
    int on;                 /* digest wanted, else only count */
} hash_sink;

static void hash_update(void *ud, const void *p, size_t n)
{
    hash_sink *h = ud;
    if (h->on) crypto_generichash_update(&h->st, p, n);
    h->n += n;
}

typedef struct prod {
    cvi_pool *p;
    const cvi_stream *st;
    cvi_file_stats *fs;
    void *fstate;           /* the format's per-stream state */
    uint8_t *kept;          /* per column: kept in the output (header formats) */
    cv_str *added;          /* per column: the country-code column added after it */
    cv_str *hnames;         /* per column: the name written in the header */
    cv_record hstore;       /* an arena for the names the engine replaced */
    hash_sink out_hash;
    size_t fill, flush;     /* sequence numbers: next batch to fill / to write */
    batch *cur;
    uint64_t out_bytes;
    int io_err;
    time_t last_progress;
    uint64_t in_bytes;      /* decoded bytes consumed, for progress */
    size_t inflight;        /* input bytes of the batches submitted, not yet written */
} prod;

static int cmp_reject(const void *a, const void *b)
{
    const cvi_reject *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Write batch seq (finished) and merge its results. Called without the lock. */
static int flush_batch(prod *pr, batch *b)
{
    const cvi_stream *st = pr->st;
    cvi_file_stats *fs = pr->fs;
    if (b->rc) return b->rc;
    if (st->scan_only && st->explain && b->out.n && cvi_write_all(st->out_fd, b->out.p, b->out.n)) return CV_EIO;
    if (!st->scan_only) {
        const cv_buf *o = st->zstd_level > 0 ? &b->zout : &b->out;
        if (o->n) {
            hash_update(&pr->out_hash, o->p, o->n);
            if (cvi_write_all(st->out_fd, o->p, o->n)) return CV_EIO;
            pr->out_bytes += o->n;
        }
    }
    fs->records_in += b->records;
    fs->written += b->written;
    fs->dropped += b->counts.expired;
    fs->rejected += b->nrej;
    cvi_counts_add(&fs->counts, &b->counts);
    if (b->nrej > 1) qsort(b->rej, b->nrej, sizeof *b->rej, cmp_reject);
    for (size_t i = 0; i < b->nrej; i++) {
        const cvi_reject *rj = &b->rej[i];
        if (st->log_rejects && fs->rejected - b->nrej + i < 100)
            cvi_log(pr->p->ctx, CV_LOG_WARN, "%s: line %llu, byte %llu: record rejected: %s", st->display,
                    (unsigned long long)rj->line, (unsigned long long)rj->offset, rj->reason);
        if (fs->nrej < CVI_MAX_REJECTS &&
            push_reject(&fs->rej, &fs->nrej, &fs->caprej, rj->line, rj->offset, rj->reason))
            return CV_ENOMEM;
    }
    return 0;
}

/* Make batch b ready to write: wait for it (if block) and, if a worker left
 * its compression to this thread, compress it here. Returns 1 when ready,
 * 0 when not ready and !block. */
static int take(cvi_pool *p, batch *b, int block)
{
    pthread_mutex_lock(&p->mu);
    while (!b->done && !b->zpending) {
        if (!block) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        pthread_cond_wait(&p->done, &p->mu);
    }
    if (b->zpending) {
        b->zpending = 0;
        p->zhandoff--;
        pthread_mutex_unlock(&p->mu);
        int rc = compress_batch(p->zw, b);
        pthread_mutex_lock(&p->mu);
        if (rc) b->rc = rc;
        b->done = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return 1;
}

/* A written batch that held a huge record gives its memory back now, not
 * when its slot is next filled (with 2 slots a thread, ten huge records
 * could otherwise all stay in memory). */
static void trim_batch(const cvi_pool *p, batch *b)
{
    if (b->in_cap <= TRIM_FACTOR * p->batch_bytes && b->out.cap <= TRIM_FACTOR * p->batch_bytes &&
        b->zout.cap <= TRIM_FACTOR * p->batch_bytes)
        return;
    free(b->in);
    b->in = NULL;
    b->in_cap = 0;
    cvi_buf_free(&b->out);
    cvi_buf_free(&b->zout);
    give_back();
}

/* Wait for the oldest batch in flight, write it. */
static int flush_one(prod *pr)
{
    batch *b = &pr->p->b[pr->flush % pr->p->nb];
    take(pr->p, b, 1);
    int rc = flush_batch(pr, b);
    pr->inflight -= b->in_len;
    pr->flush++;
    trim_batch(pr->p, b);
    return rc;
}

/* Input bytes that may be in flight at once: two batches a worker. */
static size_t inflight_budget(const cvi_pool *p) { return 2 * (size_t)p->nthreads * p->batch_bytes; }

static int flush_ready(prod *pr)
{
    cvi_pool *p = pr->p;
    while (pr->flush < pr->fill) {
        batch *b = &p->b[pr->flush % p->nb];
        if (!take(p, b, 0)) break;
        int rc = flush_batch(pr, b);
        pr->inflight -= b->in_len;
        pr->flush++;
        trim_batch(p, b);
        if (rc) return rc;
    }
    return 0;
}

/* The batch being filled, waiting for a free slot if all are in flight. */
static int current(prod *pr, batch **out)
{
    cvi_pool *p = pr->p;
    if (!pr->cur) {
        int rc;
        if (pr->fill - pr->flush == p->nb && (rc = flush_one(pr))) return rc;
        /* bytes in flight are bounded too, not only batches: records of
         * many MB each would otherwise fill every slot */
        while (pr->fill > pr->flush && pr->inflight > inflight_budget(p))
            if ((rc = flush_one(pr))) return rc;
        batch *b = &p->b[pr->fill % p->nb];
        trim_batch(p, b);
        b->st = pr->st;
        b->fstate = pr->fstate;
        b->in_len = b->nrec = b->nrej = 0;
        b->records = b->written = 0;
        b->rc = 0;
        b->done = 0;
        b->zpending = 0;
        cv_buf_clear(&b->prefix);
        pr->cur = b;
    }
    *out = pr->cur;
    return 0;
}

static int submit(prod *pr)
{
    cvi_pool *p = pr->p;
    batch *b = pr->cur;
    if (!b) return 0;
    pr->cur = NULL;
    pthread_mutex_lock(&p->mu);
    p->q[(p->qhead + p->qlen) % p->nb] = (size_t)(b - p->b);
    p->qlen++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    pr->inflight += b->in_len;
    pr->fill++;
    if (pr->p->progress) {
        time_t now = time(NULL);
        if (now != pr->last_progress) {
            pr->last_progress = now;
            cvi_log(p->ctx, CV_LOG_PROGRESS, "%s: %.1f MB read, %llu records", pr->st->display,
                    (double)pr->in_bytes / 1e6, (unsigned long long)pr->fs->records_in);
        }
    }
    return flush_ready(pr);
}

static int add_record(prod *pr, const char *p, size_t n, uint64_t line, uint64_t abs)
{
    batch *b;
    int rc = current(pr, &b);
    if (rc) return rc;
    if (b->in_len + n > b->in_cap) {
        size_t cap = b->in_cap ? b->in_cap : pr->p->batch_bytes + 4096;
        while (cap < b->in_len + n) cap *= 2;
        char *nb = realloc(b->in, cap);
        if (!nb) return CV_ENOMEM;
        b->in = nb;
        b->in_cap = cap;
    }
    if (b->nrec == b->caprec) {
        size_t cap = b->caprec ? 2 * b->caprec : 1024;
        rec_meta *nv = realloc(b->recs, cap * sizeof *nv);
        if (!nv) return CV_ENOMEM;
        b->recs = nv;
        b->caprec = cap;
    }
    memcpy(b->in + b->in_len, p, n);
    b->recs[b->nrec++] = (rec_meta){ b->in_len, n, line, abs };
    b->in_len += n;
    pr->in_bytes = abs + n;
    /* A batch is bounded by what it holds, its records' bookkeeping
     * included: a stream of blank lines is many records of no bytes. */
    if (b->in_len + b->nrec * sizeof *b->recs >= pr->p->batch_bytes || b->nrec >= MAX_BATCH_RECORDS)
        return submit(pr);
    return 0;
}

/* ---- the reader's callbacks (formats/record_reader.h) ----------------------- */

static int on_record(void *ud, const char *rec, size_t n, uint64_t line, uint64_t abs, size_t nlines)
{
    (void)nlines;
    return add_record(ud, rec, n, line, abs);
}

/* A record the splitter could not delimit: counted and located in the batch
 * being filled, so that rejects stay in input order. */
static int on_bad(void *ud, uint64_t line, uint64_t abs, const char *reason)
{
    prod *pr = ud;
    batch *b;
    int rc = current(pr, &b);
    if (rc) return rc;
    b->records++;
    return push_reject(&b->rej, &b->nrej, &b->caprej, line, abs, reason);
}

/* The header row: which columns are kept, and the output's header, whose
 * names get identifiers replaced (on the calling thread's worker: its
 * tokens reach the vault like the workers'). */
static int on_header(void *ud, const char *rec, size_t n, uint64_t line, uint64_t abs)
{
    (void)rec;
    (void)n;
    (void)line;
    (void)abs;
    prod *pr = ud;
    const cvi_stream *st = pr->st;
    const cv_format_type *fmt = st->fmt;
    if (!fmt->write_header) return 0;
    const cv_str *names = NULL;
    size_t nc = fmt->columns ? fmt->columns(pr->fstate, &names) : 0;
    pr->kept = calloc(nc ? nc : 1, 1);
    pr->added = calloc(nc ? nc : 1, sizeof *pr->added);
    pr->hnames = calloc(nc ? nc : 1, sizeof *pr->hnames);
    if (!pr->kept || !pr->added || !pr->hnames) return CV_ENOMEM;
    for (size_t c = 0; c < nc; c++) {
        const char *cc = NULL;
        pr->kept[c] = (uint8_t)cvi_engine_column_kept(pr->p->e, st->rule, names[c], &cc);
        if (cc) pr->added[c] = (cv_str){ cc, strlen(cc) };
    }
    int rc = cvi_engine_header_names(pr->p->main_w, names, nc, pr->kept, pr->added, &pr->hstore, pr->hnames,
                                     &pr->fs->counts);
    if (rc || st->scan_only) return rc;
    if (st->omit_header) return 0;   /* a shard after the first: the first one wrote it */
    batch *b;
    rc = current(pr, &b);
    return rc ? rc : fmt->write_header(pr->fstate, pr->hnames, pr->kept, pr->added, &b->prefix);
}

/* A headerless format written as a headed CSV (asterisk-cdr's `output:
 * csv`): the columns the rule keeps and the country-code columns it adds,
 * set before any record. The header row goes first, unless omitted (a
 * shard after the first). */
static int headed_output(prod *pr)
{
    const cvi_stream *st = pr->st;
    const cv_format_type *fmt = st->fmt;
    const cv_str *names = NULL;
    size_t nc = fmt->columns ? fmt->columns(pr->fstate, &names) : 0;
    pr->kept = calloc(nc ? nc : 1, 1);
    pr->added = calloc(nc ? nc : 1, sizeof *pr->added);
    if (!pr->kept || !pr->added) return CV_ENOMEM;
    for (size_t c = 0; c < nc; c++) {
        const char *cc = NULL;
        pr->kept[c] = (uint8_t)cvi_engine_column_kept(pr->p->e, st->rule, names[c], &cc);
        if (cc) pr->added[c] = (cv_str){ cc, strlen(cc) };
    }
    cv_buf scratch = { 0 };
    batch *b = NULL;
    int rc = st->omit_header ? 0 : current(pr, &b);
    if (!rc) rc = fmt->headed_output(pr->fstate, pr->kept, pr->added, b ? &b->prefix : &scratch);
    cvi_buf_free(&scratch);
    return rc;
}

static const cvi_reader_cb reader_cb = { on_header, on_record, on_bad };
static const cvi_reader_cb reader_cb_no_header = { NULL, on_record, on_bad };

int cvi_pool_stream(cvi_pool *p, const cvi_stream *st, cvi_file_stats *fs)
{
    const cv_format_type *fmt = st->fmt;
    cv_source *src = NULL;
    hash_sink in_hash;
    void *fstate = calloc(1, fmt->state_size ? fmt->state_size : 1);
    prod pr = { .p = p, .st = st, .fs = fs, .fstate = fstate };
    cvi_record_init(&pr.hstore);
    int rc = 0;
    crypto_generichash_init(&in_hash.st, NULL, 0, 32);
    in_hash.n = 0;
    in_hash.on = st->digests;
    crypto_generichash_init(&pr.out_hash.st, NULL, 0, 32);
    pr.out_hash.n = 0;
    pr.out_hash.on = st->digests;
    if (!fstate) return cvi_error(p->ctx, CV_ENOMEM, "out of memory");
    if ((rc = cvi_source_open_fd(st->in_fd, -1, &src))) {
        cvi_error(p->ctx, rc, "%s: cannot read: %s", st->display, cv_strerror(rc));
        goto out;
    }
    cvi_source_set_hash(src, hash_update, &in_hash);

    /* a header given apart (a sharded stream): parsed first, and the
     * stream read as records from its first line */
    const cvi_reader_cb *cb = &reader_cb;
    if (st->rule->output_csv && !fmt->has_header && fmt->headed_output && !st->scan_only &&
        (rc = headed_output(&pr))) {
        if (rc == CV_ENOMEM) cvi_error(p->ctx, rc, "out of memory");
        goto out;
    }
    if (st->header && fmt->has_header) {
        cv_diag d = { NULL, 0 };
        size_t hn = st->header_len;
        while (hn && (st->header[hn - 1] == '\n' || st->header[hn - 1] == '\r')) hn--;
        int hr = hn ? fmt->parse_header(fstate, st->header, hn, &d) : CV_EEMPTY;
        if (hr == CV_ENOMEM) { rc = cvi_error(p->ctx, hr, "out of memory"); goto out; }
        if (hr) {
            rc = cvi_error(p->ctx, CV_EINPUT, "%s: the given header is not a %s header: %s", st->display, fmt->name,
                           d.reason ? d.reason : "empty");
            goto out;
        }
        if ((rc = on_header(&pr, st->header, hn, 1, 0))) goto out;
        cb = &reader_cb_no_header;
    }
    cvi_read_fail fail;
    if ((rc = cvi_read_records(src, fmt, fstate, p->max_record, cb, &pr, &fail))) {
        if (fail.reason) {
            fs->fail_reason = fail.reason;
            if (fail.line)
                cvi_error(p->ctx, rc, "%s: line %llu, byte %llu: %s", st->display, (unsigned long long)fail.line,
                          (unsigned long long)fail.offset, fail.reason);
            else
                cvi_error(p->ctx, rc, "%s: byte %llu: %s", st->display, (unsigned long long)fail.offset,
                          fail.reason);
        }
        if (rc != CV_EINPUT) goto out;
        /* The input cannot be read to its end (truncated, corrupt): the
         * whole records before that point are still processed and counted,
         * so that the counts are true and `filter` writes them all. */
        int frc = submit(&pr);
        while (!frc && pr.flush < pr.fill) frc = flush_one(&pr);
        if (frc) rc = frc;
        goto out;
    }
    if ((rc = submit(&pr))) goto out;
    while (pr.flush < pr.fill)
        if ((rc = flush_one(&pr))) goto out;
    if (!st->scan_only && st->zstd_level > 0 && pr.out_bytes == 0) {
        /* no output at all: still a valid (empty) zstd frame */
        char z[64];
        size_t zn = ZSTD_compress(z, sizeof z, "", 0, st->zstd_level);
        if (ZSTD_isError(zn)) { rc = CV_EINTERNAL; goto out; }
        hash_update(&pr.out_hash, z, zn);
        if (cvi_write_all(st->out_fd, z, zn)) { rc = CV_EIO; goto out; }
        pr.out_bytes += zn;
    }
out:
    if (rc == CV_EIO && !fs->fail_reason) cvi_error(p->ctx, rc, "%s: write failed: %s", st->display, cvi_strerror(errno));
    if (rc == CV_ENOMEM) cvi_error(p->ctx, rc, "out of memory");
    if (rc == CV_EINTERNAL) cvi_error(p->ctx, rc, "%s: internal error while processing", st->display);
    /* A batch being filled when an error struck was never queued: drop it.
     * Wait for the ones in flight before the batches are reused. */
    pr.cur = NULL;
    while (pr.flush < pr.fill) take(p, &p->b[pr.flush++ % p->nb], 1);
    fs->bytes_in = in_hash.n;
    fs->bytes_out = pr.out_bytes;
    crypto_generichash_final(&in_hash.st, fs->in_hash, 32);
    crypto_generichash_final(&pr.out_hash.st, fs->out_hash, 32);
    if (fmt->state_free) fmt->state_free(fstate);
    free(fstate);
    free(pr.kept);
    free(pr.added);
    free(pr.hnames);
    cvi_record_free(&pr.hstore);
    cvi_source_free(src);
    return rc;
}
