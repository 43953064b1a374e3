/*
 * risk_report.c - the end of a risk report: unicity over the sampled
 * subjects, k-anonymity suppression (risk --enforce-k) and the report's
 * JSON (see risk.h).
 */
#include "risk_impl.h"

/* ---- unicity ---------------------------------------------------------------- */

/* Prepare the pass for sample slots [lo, hi): their drawn points in the
 * point map, no incidences yet. */
static int chunk_setup(risk *R, size_t lo, size_t hi)
{
    size_t npts = 0;
    for (size_t s = lo; s < hi; s++) npts += R->smp[s].npts;
    size_t cap = 16;
    while (cap < 2 * npts) cap *= 2;
    free(R->pm);
    free(R->head);
    R->pm = calloc(cap, sizeof *R->pm);
    R->head = calloc(npts ? npts : 1, sizeof *R->head);
    if (!R->pm || !R->head) return CV_ENOMEM;
    R->pm_cap = cap;
    R->c_lo = lo;
    R->c_hi = hi;
    R->npt = 0;
    for (size_t s = lo; s < hi; s++) {
        sample *sm = &R->smp[s];
        sm->best = 0;
        for (uint8_t b = 0; b < sm->npts; b++) {
            const uint8_t *h = R->pts[s * (size_t)R->P + b].h;
            size_t i = slot_of(h, cap - 1);
            while (R->pm[i].idx && memcmp(R->pm[i].h, h, 16)) i = (i + 1) & (cap - 1);
            if (!R->pm[i].idx) {
                memcpy(R->pm[i].h, h, 16);
                R->pm[i].idx = (uint32_t)++R->npt;
            }
            R->spt[s * (size_t)R->P + b] = R->pm[i].idx - 1;
        }
    }
    R->ninc = 0;
    pair_clear(&R->pairs);
    return 0;
}

/* After a chunk's pass: a sampled subject s is not unique at p when another
 * subject holds its first p drawn points. Every such subject holds the
 * first, so only the holders of the first point need checking. */
static void chunk_judge(risk *R)
{
    for (size_t s = R->c_lo; s < R->c_hi; s++) {
        sample *sm = &R->smp[s];
        if (sm->npts == 0) continue;
        const uint32_t *sp = &R->spt[s * (size_t)R->P];
        for (uint32_t l = R->head[sp[0]]; l && sm->best < sm->npts; l = R->inc_next[l - 1]) {
            uint32_t u = R->inc_u[l - 1];
            if (u == sm->id) continue;
            uint8_t t = 1;
            while (t < sm->npts && pair_has(&R->pairs, ((uint64_t)sp[t] << 32) | u)) t++;
            if (t > sm->best) sm->best = t;
        }
    }
}

int cvi_risk_unicity(risk *R)
{
    R->spt = malloc((R->nsmp ? R->nsmp : 1) * (size_t)R->P * sizeof *R->spt);
    if (!R->spt) return cvi_error(R->ctx, CV_ENOMEM, "out of memory");
    size_t lo = 0, len = R->nsmp;
    while (lo < R->nsmp) {
        size_t hi = lo + len < R->nsmp ? lo + len : R->nsmp;
        if (chunk_setup(R, lo, hi)) return cvi_error(R->ctx, CV_ENOMEM, "out of memory");
        int rc = cvi_risk_stream_pass(R, MODE_PAIRS);
        if (rc < 0) return rc;
        if (rc == STOP_EARLY) {
            /* the incidence set is full: halve the chunk and read again */
            len = (hi - lo + 1) / 2;
            continue;
        }
        chunk_judge(R);
        lo = hi;
    }
    cv_risk_result *res = R->res;
    for (int p = 1; p <= R->P; p++) {
        for (size_t s = 0; s < R->nsmp; s++) {
            const sample *sm = &R->smp[s];
            if (sm->npts < p) continue;
            res->eligible[p - 1]++;
            if (sm->best < p) res->unique[p - 1]++;
        }
    }
    return 0;
}

/* ---- suppression (enforce_k) -------------------------------------------------- */

/* The directory enforce_out is written in must exist: checked before any
 * pass, so the message names it instead of the temporary's ENOENT. */
int cvi_risk_check_out_dir(cv_ctx *ctx, const char *out)
{
    const char *slash = strrchr(out, '/');
    if (!slash) return 0;
    size_t n = slash == out ? 1 : (size_t)(slash - out);
    char *dir = strndup(out, n);
    if (!dir) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = cvi_error(ctx, CV_EIO, "%s: the output directory %s %s", out, dir,
                       errno == ENOENT ? "does not exist (create it first: mkdir -p)" : cvi_strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = cvi_error(ctx, CV_EIO, "%s: %s is not a directory", out, dir);
    free(dir);
    return rc;
}

int cvi_risk_enforce(risk *R)
{
    const char *out = R->o->enforce_out;
    cvi_staged st;
    int rc = 0;
    if (cvi_staged_open(&st, out, 0666) != 0) {
        rc = cvi_error(R->ctx, CV_EIO, "%s: %s", st.tmp[0] ? st.tmp : out, cvi_strerror(errno));
        cvi_staged_discard(&st);
        return rc;
    }
    int level = R->zstd_in ? (R->o->zstd_level > 0 ? R->o->zstd_level : 3) : 0;
    if ((rc = cvi_sink_open_fd(st.fd, level, &R->sink))) {
        cvi_error(R->ctx, rc, "%s: cannot write: %s", out, cv_strerror(rc));
        goto out;
    }
    if ((rc = cvi_risk_stream_pass(R, MODE_WRITE))) goto out;
    if (cvi_sink_finish(R->sink)) {
        rc = cvi_error(R->ctx, CV_EIO, "%s: write failed: %s", out, cvi_strerror(errno));
        goto out;
    }
    if (level > 0 && cvi_sink_bytes_out(R->sink) == 0) {
        /* nothing kept: still a valid (empty) zstd frame */
        char z[64];
        size_t zn = ZSTD_compress(z, sizeof z, "", 0, level);
        if (ZSTD_isError(zn) || write(st.fd, z, zn) != (ssize_t)zn) {
            rc = cvi_error(R->ctx, CV_EIO, "%s: write failed", out);
            goto out;
        }
    }
    if (cvi_staged_commit(&st, 0) != 0) rc = cvi_error(R->ctx, CV_EIO, "%s: %s", out, cvi_strerror(errno));
out:
    cvi_sink_free(R->sink);
    R->sink = NULL;
    cvi_staged_discard(&st);
    return rc;
}

/* ---- the report ---------------------------------------------------------------- */

static int json_name(cv_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (cvi_utf8_valid_prefix(s, n) != n) return cvi_buf_puts(b, "null");
    return cvi_json_string(b, s, n);
}

static int json_share(cv_buf *b, uint64_t num, uint64_t den)
{
    if (den == 0) return cvi_buf_puts(b, "null");
    return cvi_buf_printf(b, "%.6f", (double)num / (double)den);
}

int cvi_risk_render(const risk *R, const kbucket *kb, size_t nkb, cv_buf *b)
{
    const cv_risk_result *res = R->res;
    const cv_risk_opts *o = R->o;
    int e = 0;
    if (R->npaths == 1) {
        e |= cvi_buf_puts(b, "{\"tool\":\"callveil " CV_VERSION "\",\"file\":");
        e |= json_name(b, R->paths[0]);
    } else {
        e |= cvi_buf_puts(b, "{\"tool\":\"callveil " CV_VERSION "\",\"files\":[");
        for (size_t i = 0; i < R->npaths; i++) {
            if (i) e |= cvi_buf_putc(b, ',');
            e |= json_name(b, R->paths[i]);
        }
        e |= cvi_buf_putc(b, ']');
    }
    e |= cvi_buf_printf(b, ",\"format\":\"%s\",\"quasi_identifiers\":[", R->fmt->name);
    for (size_t i = 0; i < R->nq; i++) {
        if (i) e |= cvi_buf_putc(b, ',');
        e |= json_name(b, R->q[i].name);
    }
    e |= cvi_buf_puts(b, "],\"generalised\":{");
    for (size_t i = 0; i < o->ngen; i++) {
        if (i) e |= cvi_buf_putc(b, ',');
        e |= json_name(b, o->gen[i].column);
        e |= cvi_buf_putc(b, ':');
        e |= json_name(b, o->gen[i].spec);
    }
    e |= cvi_buf_printf(b, "},\"records\":%llu,\"rejected\":%llu,\"equivalence_classes\":%llu,\"min_k\":%llu,"
                          "\"classes_k1\":%llu,\"classes_k_lt_5\":%llu,\"classes_k_lt_10\":%llu,"
                          "\"records_k_lt_5\":%llu,\"share_records_k_lt_5\":",
                       (unsigned long long)res->records, (unsigned long long)res->rejected,
                       (unsigned long long)res->classes, (unsigned long long)res->min_k,
                       (unsigned long long)res->classes_k1, (unsigned long long)res->classes_k_lt5,
                       (unsigned long long)res->classes_k_lt10, (unsigned long long)res->records_k_lt5);
    e |= json_share(b, res->records_k_lt5, res->records);
    e |= cvi_buf_printf(b, ",\"records_k_lt_10\":%llu,\"share_records_k_lt_10\":",
                       (unsigned long long)res->records_k_lt10);
    e |= json_share(b, res->records_k_lt10, res->records);
    e |= cvi_buf_puts(b, ",\"k_histogram\":[");
    for (size_t i = 0; i < nkb; i++) {
        if (i) e |= cvi_buf_putc(b, ',');
        if (kb[i].hi) e |= cvi_buf_printf(b, "{\"k_min\":%llu,\"k_max\":%llu,", (unsigned long long)kb[i].lo,
                                         (unsigned long long)kb[i].hi);
        else e |= cvi_buf_printf(b, "{\"k_min\":%llu,\"k_max\":null,", (unsigned long long)kb[i].lo);
        e |= cvi_buf_printf(b, "\"classes\":%llu,\"records\":%llu}", (unsigned long long)kb[i].classes,
                           (unsigned long long)kb[i].records);
    }
    e |= cvi_buf_puts(b, "],\"unicity\":");
    if (!res->unicity_computed) {
        e |= cvi_buf_puts(b, "{\"computed\":false,\"reason\":\"no subject column given (--subject)\"}");
    } else {
        e |= cvi_buf_puts(b, "{\"computed\":true,\"subject\":");
        e |= json_name(b, R->subj.name);
        e |= cvi_buf_printf(b, ",\"subjects\":%llu,\"records_without_subject\":%llu,\"sampled\":%llu,"
                              "\"seed\":%llu,\"method\":\"p distinct points drawn at random from the subject's "
                              "records; unique if no other subject has all p; subjects with fewer than p "
                              "distinct points are excluded for that p\",\"by_points\":[",
                           (unsigned long long)res->subjects, (unsigned long long)res->records_no_subject,
                           (unsigned long long)res->sampled, (unsigned long long)o->seed);
        for (int p = 1; p <= res->points; p++) {
            if (p > 1) e |= cvi_buf_putc(b, ',');
            e |= cvi_buf_printf(b, "{\"p\":%d,\"subjects\":%llu,\"unique\":%llu,\"share\":", p,
                               (unsigned long long)res->eligible[p - 1], (unsigned long long)res->unique[p - 1]);
            e |= json_share(b, res->unique[p - 1], res->eligible[p - 1]);
            e |= cvi_buf_putc(b, '}');
        }
        e |= cvi_buf_puts(b, "]}");
    }
    if (o->enforce_k > 0) {
        e |= cvi_buf_printf(b, ",\"enforce_k\":{\"k\":%llu,\"output\":", (unsigned long long)o->enforce_k);
        e |= json_name(b, o->enforce_out);
        e |= cvi_buf_printf(b, ",\"written\":%llu,\"suppressed\":%llu,\"suppressed_classes\":%llu,"
                              "\"rejected_not_written\":%llu}",
                           (unsigned long long)res->written, (unsigned long long)res->suppressed,
                           (unsigned long long)res->suppressed_classes, (unsigned long long)res->rejected);
    }
    e |= cvi_buf_printf(b, ",\"passes\":%llu}\n", (unsigned long long)res->passes);
    return e ? CV_ENOMEM : 0;
}

