/*
 * risk.c - re-identification risk of an anonymised dataset file (cv_risk):
 * k-anonymity over chosen quasi-identifiers and unicity, the share of
 * subjects that p random points of their own records single out (de
 * Montjoye et al. 2013, "Unique in the Crowd").
 *
 * The file is streamed with the format readers, several times:
 *  1. count: every record's quasi-identifier tuple (its "point", after the
 *     optional generalisation) is hashed (BLAKE2b-128) into a class table of
 *     counts; subjects are hashed into a subject table. The sampled subjects
 *     are the N with the smallest keyed rank PRF(seed, subject), kept in a
 *     bounded max-heap while streaming; for each of them the P distinct
 *     points with the smallest PRF(seed, subject, point) are kept: their
 *     first p are a uniform random p-subset of the subject's distinct points,
 *     and the draw depends on neither record order nor sharding.
 *  2. incidences (only with a subject): for every drawn point of the
 *     sample, the subjects that hold it. s is unique at p when no other
 *     subject holds all of its first p points; such a subject must hold the
 *     first, so only that point's holders are checked. The incidence set is
 *     bounded (max_pairs); when it would overflow, the sampled subjects are
 *     split into halves, each taking its own pass.
 *  3. write (only with enforce_k): the raw bytes of every record whose class
 *     has at least K records, header included, into a temporary file renamed
 *     over the output when complete.
 * Memory grows with classes + subjects (+ samples x points, + the bounded
 * incidence set), not with the file. No value is kept in memory beyond the
 * record being read, and none is ever reported: only counts and column names.
 */
#include "risk_impl.h"

/* ---- generalisation specs ------------------------------------------------ */

static const uint32_t default_bands[] = CVI_DURATION_BANDS_DEFAULT;

int cvi_risk_gen_parse(const char *spec, cvi_risk_gen *g)
{
    memset(g, 0, sizeof *g);
    if (!spec) return CV_EUSAGE;
    if (!strcmp(spec, "hour")) g->unit = CV_GEN_HOUR;
    else if (!strcmp(spec, "day")) g->unit = CV_GEN_DAY;
    else if (!strcmp(spec, "week")) g->unit = CV_GEN_WEEK;
    else if (!strcmp(spec, "weekday_hour")) g->unit = CV_GEN_WEEKDAY_HOUR;
    else if (!strcmp(spec, "month")) g->unit = CV_GEN_MONTH;
    else if (!strcmp(spec, "quarter")) g->unit = CV_GEN_QUARTER;
    else if (!strcmp(spec, "year")) g->unit = CV_GEN_YEAR;
    else if (!strcmp(spec, "bands")) {
        g->unit = CV_GEN_BANDS;
        g->nbounds = sizeof default_bands / sizeof default_bands[0];
        memcpy(g->bounds, default_bands, sizeof default_bands);
    } else if (!strncmp(spec, "bands:", 6)) {
        g->unit = CV_GEN_BANDS;
        const char *s = spec + 6;
        for (;;) {
            if (*s < '0' || *s > '9') return CV_EUSAGE;
            uint64_t v = 0;
            while (*s >= '0' && *s <= '9') {
                v = v * 10 + (uint64_t)(*s++ - '0');
                if (v > UINT32_MAX) return CV_EUSAGE;
            }
            if (g->nbounds == CVI_RISK_MAX_BANDS) return CV_EUSAGE;
            if (g->nbounds > 0 && v <= g->bounds[g->nbounds - 1]) return CV_EUSAGE;
            g->bounds[g->nbounds++] = (uint32_t)v;
            if (*s == '\0') break;
            if (*s++ != ',') return CV_EUSAGE;
        }
    } else {
        return CV_EUSAGE;
    }
    return 0;
}

int cvi_risk_gen_apply(const cvi_risk_gen *g, const char *in, size_t len, cv_buf *out)
{
    if (g->unit == CV_GEN_BANDS) return cvi_generalise_duration(in, len, g->bounds, g->nbounds, out);
    return cvi_generalise_time(in, len, g->unit, out);
}

/* ---- per record --------------------------------------------------------- */

static int is_scalar(const cv_node *nd)
{
    return nd->kind == CV_NODE_STRING || nd->kind == CV_NODE_NUMBER || nd->kind == CV_NODE_BOOL ||
           nd->kind == CV_NODE_NULL;
}

static const cv_node *find_field(const cv_record *r, field_ref *f)
{
    cv_str name = cv_str_make(f->name, f->len);
    if (f->hint >= 0 && (size_t)f->hint < r->n && cv_str_eq(r->nodes[f->hint].path, name))
        return &r->nodes[f->hint];
    for (size_t i = 0; i < r->n; i++) {
        if (cv_str_eq(r->nodes[i].path, name)) {
            f->hint = (int32_t)i;
            return &r->nodes[i];
        }
    }
    return NULL;
}

/* A field enters the hash as kind, length, bytes: no two tuples collide by
 * concatenation, and a missing member differs from an empty string. */
static void hash_field(crypto_generichash_state *st, uint8_t kind, const char *p, size_t n)
{
    uint8_t hdr[9];
    uint64_t len = n;
    hdr[0] = kind;
    for (int i = 0; i < 8; i++) hdr[1 + i] = (uint8_t)(len >> (8 * i));
    crypto_generichash_update(st, hdr, sizeof hdr);
    if (n) crypto_generichash_update(st, (const unsigned char *)p, n);
}

/* The class (point) of a record and its subject. Returns 0, 1 when the
 * record is to be rejected (*reason set), or CV_ENOMEM. */
static int record_keys(risk *R, const cv_record *r, uint8_t cls[16], uint8_t subj[16], int *has_subj,
                       const char **reason)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    for (size_t i = 0; i < R->nq; i++) {
        field_ref *f = &R->q[i];
        const cv_node *nd = find_field(r, f);
        if (!nd) {
            hash_field(&st, 0, NULL, 0);
            continue;
        }
        if (!is_scalar(nd)) {
            *reason = "a quasi-identifier is not a scalar value";
            return 1;
        }
        f->seen = 1;
        const char *p = nd->value.p;
        size_t n = nd->value.n;
        if (f->gen && n > 0 && (nd->kind == CV_NODE_STRING || nd->kind == CV_NODE_NUMBER)) {
            cv_buf_clear(&R->val);
            int rc = cvi_risk_gen_apply(f->gen, p, n, &R->val);
            if (rc == CV_ENOMEM) return rc;
            if (rc) {
                *reason = "a quasi-identifier cannot be generalised";
                return 1;
            }
            p = R->val.p;
            n = R->val.n;
        }
        hash_field(&st, nd->kind, p, n);
    }
    crypto_generichash_final(&st, cls, 16);

    *has_subj = 0;
    if (R->has_subj) {
        const cv_node *nd = find_field(r, &R->subj);
        if (nd && !is_scalar(nd)) {
            *reason = "the subject is not a scalar value";
            return 1;
        }
        if (nd) R->subj.seen = 1;
        if (nd && nd->kind != CV_NODE_NULL && nd->value.n > 0) {
            crypto_generichash_init(&st, NULL, 0, 16);
            hash_field(&st, nd->kind, nd->value.p, nd->value.n);
            crypto_generichash_final(&st, subj, 16);
            *has_subj = 1;
        }
    }
    return 0;
}

static uint64_t prf(const risk *R, const uint8_t *msg, size_t n)
{
    unsigned char out[crypto_shorthash_siphash24_BYTES];
    crypto_shorthash_siphash24(out, msg, n, R->prf_key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)out[i] << (8 * i);
    return v;
}

/* Total order of samples: rank, then subject hash. */
static int smp_less(const sample *a, const sample *b)
{
    if (a->rank != b->rank) return a->rank < b->rank;
    return memcmp(a->subj, b->subj, 16) < 0;
}

static void heap_down(risk *R, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < R->nsmp && smp_less(&R->smp[R->heap[m]], &R->smp[R->heap[l]])) m = l;
        if (r < R->nsmp && smp_less(&R->smp[R->heap[m]], &R->smp[R->heap[r]])) m = r;
        if (m == i) return;
        uint32_t t = R->heap[i];
        R->heap[i] = R->heap[m];
        R->heap[m] = t;
        i = m;
    }
}

static void heap_up(risk *R, size_t i)
{
    while (i > 0) {
        size_t pa = (i - 1) / 2;
        if (!smp_less(&R->smp[R->heap[pa]], &R->smp[R->heap[i]])) return;
        uint32_t t = R->heap[i];
        R->heap[i] = R->heap[pa];
        R->heap[pa] = t;
        i = pa;
    }
}

/* Admit a new subject to the sample if it ranks among the N smallest so far.
 * A subject outside the sample now can never enter it later (the threshold
 * only falls), and one inside stays while it belongs to the final N. */
static int sample_grow(risk *R)
{
    size_t cap = R->smp_cap * 2 < R->N ? R->smp_cap * 2 : R->N;
    sample *sm = realloc(R->smp, cap * sizeof *sm);
    if (!sm) return CV_ENOMEM;
    R->smp = sm;
    uint32_t *hp = realloc(R->heap, cap * sizeof *hp);
    if (!hp) return CV_ENOMEM;
    R->heap = hp;
    point *pt = realloc(R->pts, cap * (size_t)R->P * sizeof *pt);
    if (!pt) return CV_ENOMEM;
    R->pts = pt;
    R->smp_cap = cap;
    return 0;
}

static int sample_admit(risk *R, subj_ent *e)
{
    uint8_t msg[17];
    msg[0] = 'S';
    memcpy(msg + 1, e->h, 16);
    sample cand = { .rank = prf(R, msg, sizeof msg), .id = e->id };
    memcpy(cand.subj, e->h, 16);
    uint32_t s;
    if (R->nsmp < R->N) {
        if (R->nsmp == R->smp_cap && sample_grow(R)) return CV_ENOMEM;
        s = (uint32_t)R->nsmp;
        R->smp[s] = cand;
        R->heap[R->nsmp++] = s;
        heap_up(R, R->nsmp - 1);
    } else {
        s = R->heap[0];
        if (!smp_less(&cand, &R->smp[s])) return 0;
        subj_ent *old = subj_find(&R->subjects, R->smp[s].subj);
        if (old) old->slot = -1;
        R->smp[s] = cand;
        heap_down(R, 0);
    }
    e->slot = (int32_t)s;
    return 0;
}

/* Keep the P distinct points of a sampled subject with the smallest ranks. */
static void sample_point(risk *R, sample *sm, point *pts, const uint8_t cls[16])
{
    uint8_t msg[33];
    msg[0] = 'P';
    memcpy(msg + 1, sm->subj, 16);
    memcpy(msg + 17, cls, 16);
    point np = { .rank = prf(R, msg, sizeof msg) };
    memcpy(np.h, cls, 16);
    size_t n = sm->npts, i = n;
    for (size_t j = 0; j < n; j++) {
        if (pts[j].rank == np.rank && !memcmp(pts[j].h, np.h, 16)) return;   /* already drawn */
        if (i == n && (np.rank < pts[j].rank || (np.rank == pts[j].rank && memcmp(np.h, pts[j].h, 16) < 0)))
            i = j;
    }
    if (i >= (size_t)R->P) return;
    size_t keep = n < (size_t)R->P ? n : (size_t)R->P - 1;
    memmove(&pts[i + 1], &pts[i], (keep - i) * sizeof *pts);
    pts[i] = np;
    sm->npts = (uint8_t)(keep + 1);
}

static uint32_t pmap_find(const risk *R, const uint8_t h[16])
{
    size_t m = R->pm_cap - 1;
    for (size_t i = slot_of(h, m);; i = (i + 1) & m) {
        if (R->pm[i].idx == 0) return 0;
        if (!memcmp(R->pm[i].h, h, 16)) return R->pm[i].idx;
    }
}

static int on_count(risk *R, const uint8_t cls[16], const uint8_t subj[16], int has_subj)
{
    if (cls_add(&R->cls, cls)) return CV_ENOMEM;
    if (!has_subj) {
        if (R->has_subj) R->res->records_no_subject++;
        return 0;
    }
    subj_ent *e;
    int isnew;
    if (subj_get(&R->subjects, subj, &e, &isnew)) return CV_ENOMEM;
    if (isnew && sample_admit(R, e)) return CV_ENOMEM;
    if (e->slot >= 0) sample_point(R, &R->smp[e->slot], &R->pts[(size_t)e->slot * (size_t)R->P], cls);
    return 0;
}

/* Record that subject holds drawn point of the chunk. */
static int on_pairs(risk *R, const uint8_t cls[16], const uint8_t subj[16], int has_subj)
{
    if (!has_subj) return 0;
    uint32_t pi = pmap_find(R, cls);
    if (!pi) return 0;
    const subj_ent *e = subj_find(&R->subjects, subj);
    if (!e) return cvi_error(R->ctx, CV_EINPUT, "%s: the file changed while it was being read", R->path);
    uint64_t key = ((uint64_t)(pi - 1) << 32) | e->id;
    if (pair_has(&R->pairs, key)) return 0;
    /* Full: split the chunk. The points of one sampled subject are held by
     * at most P x subjects, so a chunk of one is never cut. */
    if (R->pairs.n >= R->max_pairs && R->c_hi - R->c_lo > 1) return STOP_EARLY;
    if (pair_add(&R->pairs, key)) return CV_ENOMEM;
    if (R->ninc == R->inc_cap) {
        size_t cap = R->inc_cap ? 2 * R->inc_cap : 4096;
        if (cap > UINT32_MAX - 1) return CV_ENOMEM;
        uint32_t *u = realloc(R->inc_u, cap * sizeof *u);
        if (!u) return CV_ENOMEM;
        R->inc_u = u;
        uint32_t *nx = realloc(R->inc_next, cap * sizeof *nx);
        if (!nx) return CV_ENOMEM;
        R->inc_next = nx;
        R->inc_cap = cap;
    }
    R->inc_u[R->ninc] = e->id;
    R->inc_next[R->ninc] = R->head[pi - 1];
    R->head[pi - 1] = (uint32_t)++R->ninc;
    return 0;
}

/* ---- streaming one pass ----------------------------------------------------- */

static int is_extra_ast_column(const char *name)
{
    return !strcmp(name, "peeraccount") || !strcmp(name, "linkedid") || !strcmp(name, "sequence");
}

/* Formats with columns: every named field must be a column. */
static int check_columns(risk *R, const void *fstate)
{
    const cv_str *names = NULL;
    size_t nc = R->fmt->columns(fstate, &names);
    int ast = !strcmp(R->fmt->name, "asterisk-cdr");
    for (size_t i = 0; i <= R->nq; i++) {
        const field_ref *f = i < R->nq ? &R->q[i] : &R->subj;
        if (i == R->nq && !R->has_subj) break;
        int found = ast && is_extra_ast_column(f->name);
        for (size_t c = 0; c < nc && !found; c++) found = cv_str_eqz(names[c], f->name);
        if (!found)
            return cvi_error(R->ctx, CV_EINPUT, "%s: unknown column '%.64s' (not in the %s)", R->path, f->name,
                             R->fmt->has_header ? "header" : "Asterisk cdr_csv columns");
    }
    return 0;
}

static int sink_put(risk *R, const char *p, size_t n)
{
    int rc = cvi_sink_write(R->sink, p, n);
    if (rc) return cvi_error(R->ctx, CV_EIO, "%s: write failed: %s", R->o->enforce_out, cvi_strerror(errno));
    return 0;
}

static int reject(risk *R, int mode, uint64_t line, uint64_t abs, const char *reason)
{
    R->p_rejected++;
    if (mode == MODE_COUNT && R->logged++ < MAX_LOGGED_REJECTS)
        cvi_log(R->ctx, CV_LOG_WARN, "%s: line %llu, byte %llu: record rejected: %s", R->path,
                (unsigned long long)line, (unsigned long long)abs, reason);
    return 0;
}

/* One pass: what the reader's callbacks need. */
typedef struct pass {
    risk *R;
    int mode;
    const void *fstate;
    cv_record r;
    int header_done;
} pass;

static int pass_header(void *ud, const char *rec, size_t n, uint64_t line, uint64_t abs)
{
    (void)line;
    (void)abs;
    pass *ps = ud;
    ps->header_done = 1;
    if (ps->mode == MODE_COUNT) return check_columns(ps->R, ps->fstate);
    if (ps->mode == MODE_WRITE) return sink_put(ps->R, rec, n);
    return 0;
}

static int pass_bad(void *ud, uint64_t line, uint64_t abs, const char *reason)
{
    pass *ps = ud;
    return reject(ps->R, ps->mode, line, abs, reason);
}

static int pass_record(void *ud, const char *rec, size_t n, uint64_t line, uint64_t abs, size_t nlines)
{
    (void)nlines;
    pass *ps = ud;
    risk *R = ps->R;
    cv_diag d = { NULL, 0 };
    cvi_record_reset(&ps->r);
    ps->r.line = line;
    ps->r.offset = abs;
    int pr = R->fmt->parse(ps->fstate, rec, n, &ps->r, &d);
    if (pr == CV_ENOMEM) return pr;
    if (pr == CV_EEMPTY) return 0;    /* a blank line: not a record */
    if (pr) return reject(R, ps->mode, line, abs + d.offset, d.reason ? d.reason : "malformed record");
    uint8_t cls[16], subj[16];
    int hs = 0;
    const char *why = NULL;
    int kr = record_keys(R, &ps->r, cls, subj, &hs, &why);
    if (kr < 0) return kr;
    if (kr) return reject(R, ps->mode, line, abs, why);
    R->p_records++;
    if (ps->mode == MODE_COUNT) return on_count(R, cls, subj, hs);
    if (ps->mode == MODE_PAIRS) return on_pairs(R, cls, subj, hs);
    const cls_ent *c = cls_find(&R->cls, cls);
    if (!c) return cvi_error(R->ctx, CV_EINPUT, "%s: the file changed while it was being read", R->path);
    if (c->n < R->o->enforce_k) {
        R->res->suppressed++;
        return 0;
    }
    R->res->written++;
    return sink_put(R, rec, n);
}

static const cvi_reader_cb pass_cb = { pass_header, pass_record, pass_bad };

/* One file of a pass (R->path, R->zstd_in). */
static int stream_file(risk *R, int mode)
{
    const cv_format_type *fmt = R->fmt;
    cv_source *src = NULL;
    void *fstate = calloc(1, fmt->state_size ? fmt->state_size : 1);
    pass ps = { .R = R, .mode = mode, .fstate = fstate, .header_done = !fmt->has_header };
    cvi_record_init(&ps.r);
    int rc = 0, fd = -1;
    if (!fstate) return cvi_error(R->ctx, CV_ENOMEM, "out of memory");
    fd = open(R->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = cvi_error(R->ctx, CV_EIO, "%s: %s", R->path, cvi_strerror(errno));
        goto out;
    }
    if ((rc = cvi_source_open_fd(fd, R->zstd_in, &src))) goto out;
    if (mode == MODE_COUNT && !fmt->has_header && fmt->columns && (rc = check_columns(R, fstate))) goto out;

    cvi_read_fail fail;
    if ((rc = cvi_read_records(src, fmt, fstate, R->max_record, &pass_cb, &ps, &fail))) {
        if (fail.reason && fail.line)
            cvi_error(R->ctx, rc, "%s: line %llu, byte %llu: %s", R->path, (unsigned long long)fail.line,
                      (unsigned long long)fail.offset, fail.reason);
        else if (fail.reason)
            cvi_error(R->ctx, rc, "%s: byte %llu: %s", R->path, (unsigned long long)fail.offset, fail.reason);
        goto out;
    }
    if (!ps.header_done) rc = cvi_error(R->ctx, CV_EINPUT, "%s: no header row", R->path);
out:
    if (rc == CV_ENOMEM) cvi_error(R->ctx, rc, "out of memory");
    if (fmt->state_free) fmt->state_free(fstate);
    free(fstate);
    cvi_record_free(&ps.r);
    cvi_source_free(src);
    if (fd >= 0) close(fd);
    return rc;
}

/* One pass over every file, in order. */
int cvi_risk_stream_pass(risk *R, int mode)
{
    R->p_records = R->p_rejected = 0;
    R->res->passes++;
    int rc = 0;
    for (size_t i = 0; i < R->npaths && !rc; i++) {
        R->path = R->paths[i];
        R->zstd_in = R->zin[i];
        rc = stream_file(R, mode);
    }
    if (!rc && mode != MODE_COUNT && (R->p_records != R->records || R->p_rejected != R->rejected))
        rc = cvi_error(R->ctx, CV_EINPUT, "%s: the file changed while it was being read",
                       R->npaths == 1 ? R->paths[0] : "the dataset");
    return rc;
}

/* ---- entry point ---------------------------------------------------------------- */

void cv_risk_opts_init(cv_risk_opts *o)
{
    memset(o, 0, sizeof *o);
    o->points = DEFAULT_POINTS;
    o->samples = DEFAULT_SAMPLES;
    o->seed = 1;
}

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n < 1024 && cvi_utf8_valid_prefix(s, n) == n && !strstr(s, "[]");
}

/* A dataset file: a regular file (read more than once); zstd sniffed so the
 * suppressed copy is written the same way. */
static int check_file(cv_ctx *ctx, const char *path, uint8_t *zstd_in)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
    struct stat sb;
    unsigned char magic[4];
    ssize_t got = 0;
    int rc = 0;
    if (fstat(fd, &sb) != 0) rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        rc = cvi_error(ctx, CV_EINPUT, "%s: not a regular file (the report reads it more than once)", path);
    else {
        do got = pread(fd, magic, sizeof magic, 0);
        while (got < 0 && errno == EINTR);
        if (got < 0) rc = cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
    }
    close(fd);
    if (rc) return rc;
    uint32_t m = (uint32_t)magic[0] | (uint32_t)magic[1] << 8 | (uint32_t)magic[2] << 16 | (uint32_t)magic[3] << 24;
    *zstd_in = got == 4 && (m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START);
    /* the suppressed copy is written in the input's compression, and only
     * zstd is written: other compressions are named, not read as text */
    if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return cvi_error(ctx, CV_EINPUT, "%s: gzip-compressed: risk reads plain or zstd files (zcat it into a file, "
                                         "or run it through callveil first)", path);
    if (got >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h')
        return cvi_error(ctx, CV_EINPUT, "%s: bzip2-compressed: risk reads plain or zstd files", path);
    if (got >= 4 && !memcmp(magic, "\xfd" "7zX", 4))
        return cvi_error(ctx, CV_EINPUT, "%s: xz-compressed: risk reads plain or zstd files", path);
    return 0;
}

static int setup(risk *R, const cv_risk_opts *o)
{
    cv_ctx *ctx = R->ctx;
    if (o->nquasi < 1 || o->nquasi > CV_RISK_MAX_QUASI || !o->quasi)
        return cvi_error(ctx, CV_EUSAGE, "give 1 to %d quasi-identifiers", CV_RISK_MAX_QUASI);
    for (size_t i = 0; i < o->nquasi; i++) {
        if (!valid_name(o->quasi[i]))
            return cvi_error(ctx, CV_EUSAGE, "quasi-identifier %zu: expected a column name or dotted path "
                                             "(UTF-8, no array elements)", i + 1);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(o->quasi[i], o->quasi[j]))
                return cvi_error(ctx, CV_EUSAGE, "quasi-identifier '%.64s' named twice", o->quasi[i]);
        R->q[i] = (field_ref){ o->quasi[i], strlen(o->quasi[i]), -1, 0, NULL };
    }
    R->nq = o->nquasi;
    if (o->subject) {
        if (!valid_name(o->subject))
            return cvi_error(ctx, CV_EUSAGE, "subject: expected a column name or dotted path (UTF-8, no array elements)");
        R->subj = (field_ref){ o->subject, strlen(o->subject), -1, 0, NULL };
        R->has_subj = 1;
    }
    if (o->ngen > CV_RISK_MAX_QUASI || (o->ngen && !o->gen))
        return cvi_error(ctx, CV_EUSAGE, "too many generalisations");
    for (size_t g = 0; g < o->ngen; g++) {
        const char *col = o->gen[g].column;
        size_t i = 0;
        while (col && i < R->nq && strcmp(R->q[i].name, col)) i++;
        if (!col || i == R->nq)
            return cvi_error(ctx, CV_EUSAGE, "generalisation %zu: '%.64s' is not a quasi-identifier", g + 1,
                             col ? col : "");
        if (R->q[i].gen) return cvi_error(ctx, CV_EUSAGE, "'%.64s' generalised twice", col);
        if (cvi_risk_gen_parse(o->gen[g].spec, &R->gens[i]))
            return cvi_error(ctx, CV_EUSAGE, "generalisation of '%.64s': expected hour, day, week, weekday_hour, "
                                             "bands or bands:B1,B2,... (ascending seconds)", col);
        R->q[i].gen = &R->gens[i];
    }
    int points = o->points ? o->points : DEFAULT_POINTS;
    if (points < 1 || points > CV_RISK_MAX_POINTS)
        return cvi_error(ctx, CV_EUSAGE, "points: expected 1 to %d", CV_RISK_MAX_POINTS);
    R->P = points;
    uint64_t samples = o->samples ? o->samples : DEFAULT_SAMPLES;
    if (samples > 1000000) return cvi_error(ctx, CV_EUSAGE, "samples: at most 1000000 subjects");
    R->N = (size_t)samples;
    if ((o->enforce_k > 0) != (o->enforce_out != NULL))
        return cvi_error(ctx, CV_EUSAGE, "enforce k needs both k > 0 and an output file");
    if (o->enforce_k > 0 && R->npaths != 1)
        return cvi_error(ctx, CV_EUSAGE, "enforce k rewrites one file: give one input file");
    if (o->enforce_out) {
        int rc = cvi_risk_check_out_dir(ctx, o->enforce_out);
        if (rc) return rc;
    }
    if (o->zstd_level < 0 || o->zstd_level > 19) return cvi_error(ctx, CV_EUSAGE, "zstd level must be 1..19");
    R->max_record = o->max_record ? o->max_record : CVI_MAX_RECORD_DEFAULT;

    if (o->format) {
        R->fmt = cvi_format_find(o->format);
        if (!R->fmt)
            return cvi_error(ctx, CV_EUSAGE, "unknown format '%.40s' (jsonl, csv, asterisk-cdr)", o->format);
    } else {
        for (size_t i = 0; i < R->npaths; i++) {
            const cv_format_type *f = cvi_format_for_path(R->paths[i]);
            if (!f) return cvi_error(ctx, CV_EFORMAT, "%s: unknown format (give --format)", R->paths[i]);
            if (i && f != R->fmt)
                return cvi_error(ctx, CV_EFORMAT, "%s: not in the format of %s (%s); one dataset is one format",
                                 R->paths[i], R->paths[0], R->fmt->name);
            R->fmt = f;
        }
    }
    if (!(R->zin = calloc(R->npaths, 1))) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    for (size_t i = 0; i < R->npaths; i++) {
        int rc = check_file(ctx, R->paths[i], &R->zin[i]);
        if (rc) return rc;
    }
    R->path = R->paths[0];
    R->zstd_in = R->zin[0];


    unsigned char seed[8];
    for (int i = 0; i < 8; i++) seed[i] = (unsigned char)(o->seed >> (8 * i));
    memcpy(R->prf_key, seed, 8);
    memcpy(R->prf_key + 8, "cvrisk/1", 8);
    if (R->has_subj) {
        size_t cap = R->N < 1024 ? R->N : 1024;
        R->smp = malloc(cap * sizeof *R->smp);
        R->heap = malloc(cap * sizeof *R->heap);
        R->pts = malloc(cap * (size_t)R->P * sizeof *R->pts);
        if (!R->smp || !R->heap || !R->pts) return cvi_error(ctx, CV_ENOMEM, "out of memory");
        R->smp_cap = cap;
    }
    return 0;
}

static void teardown(risk *R)
{
    free(R->zin);
    free(R->cls.v);
    free(R->subjects.v);
    free(R->smp);
    free(R->pts);
    free(R->heap);
    free(R->pm);
    free(R->spt);
    free(R->head);
    free(R->inc_u);
    free(R->inc_next);
    free(R->pairs.key);
    cvi_buf_free(&R->val);
}

int cv_risk(cv_ctx *ctx, const char *path, const cv_risk_opts *o, int out_fd, cv_risk_result *res)
{
    return cv_risk_files(ctx, &path, 1, o, out_fd, res);
}

int cv_risk_files(cv_ctx *ctx, const char *const *paths, size_t npaths, const cv_risk_opts *o, int out_fd,
                  cv_risk_result *res)
{
    if (!res) return cvi_error(ctx, CV_EUSAGE, "no result");
    memset(res, 0, sizeof *res);
    if (!paths || !npaths || !o) return cvi_error(ctx, CV_EUSAGE, "no input file or options");
    for (size_t i = 0; i < npaths; i++)
        if (!paths[i]) return cvi_error(ctx, CV_EUSAGE, "no input file or options");
    risk R;
    memset(&R, 0, sizeof R);
    R.ctx = ctx;
    R.paths = paths;
    R.npaths = npaths;
    R.path = paths[0];
    R.o = o;
    R.res = res;
    cvi_buf_init(&R.val);
    cv_buf doc;
    cvi_buf_init(&doc);
    int rc = setup(&R, o);
    if (rc) goto out;
    res->points = R.P;

    /* 1. classes, subjects, the sample and its drawn points */
    if ((rc = cvi_risk_stream_pass(&R, MODE_COUNT))) goto out;
    const char *path = npaths == 1 ? paths[0] : "the dataset";
    R.records = res->records = R.p_records;
    R.rejected = res->rejected = R.p_rejected;
    if (R.logged > MAX_LOGGED_REJECTS)
        cvi_log(ctx, CV_LOG_WARN, "%s: %llu more rejected records not listed", path,
                (unsigned long long)(R.logged - MAX_LOGGED_REJECTS));
    if (!R.fmt->columns && R.records > 0) {
        for (size_t i = 0; i <= R.nq; i++) {
            const field_ref *f = i < R.nq ? &R.q[i] : &R.subj;
            if (i == R.nq && !R.has_subj) break;
            if (!f->seen) {
                rc = cvi_error(ctx, CV_EINPUT, "%s: unknown field '%.64s' (no record has it)", path, f->name);
                goto out;
            }
        }
    }

    kbucket kb[] = { { 1, 1, 0, 0 },   { 2, 4, 0, 0 },   { 5, 9, 0, 0 }, { 10, 19, 0, 0 },
                     { 20, 49, 0, 0 }, { 50, 99, 0, 0 }, { 100, 0, 0, 0 } };
    size_t nkb = sizeof kb / sizeof kb[0];
    res->classes = R.cls.n;
    for (size_t i = 0; i < R.cls.cap; i++) {
        uint64_t k = R.cls.v[i].n;
        if (!k) continue;
        if (res->min_k == 0 || k < res->min_k) res->min_k = k;
        if (k == 1) res->classes_k1++;
        if (k < 5) {
            res->classes_k_lt5++;
            res->records_k_lt5 += k;
        }
        if (k < 10) {
            res->classes_k_lt10++;
            res->records_k_lt10 += k;
        }
        if (o->enforce_k > 0 && k < o->enforce_k) res->suppressed_classes++;
        for (size_t b = 0; b < nkb; b++) {
            if (k >= kb[b].lo && (kb[b].hi == 0 || k <= kb[b].hi)) {
                kb[b].classes++;
                kb[b].records += k;
                break;
            }
        }
    }

    /* 2. unicity */
    if (R.has_subj) {
        res->unicity_computed = 1;
        res->subjects = R.subjects.n;
        res->sampled = R.nsmp;
        R.max_pairs = o->max_pairs ? o->max_pairs : DEFAULT_MAX_PAIRS;
        if ((rc = cvi_risk_unicity(&R))) goto out;
    }

    /* 3. the suppressed copy */
    if (o->enforce_k > 0 && (rc = cvi_risk_enforce(&R))) goto out;

    if (out_fd >= 0) {
        if ((rc = cvi_risk_render(&R, kb, nkb, &doc))) {
            cvi_error(ctx, rc, "out of memory");
            goto out;
        }
        if (cvi_write_all(out_fd, doc.p, doc.n)) rc = cvi_error(ctx, CV_EIO, "report: write failed: %s", cvi_strerror(errno));
    }
out:
    cvi_buf_free(&doc);
    teardown(&R);
    return rc;
}
