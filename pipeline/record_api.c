/*
 * record_api.c - one record in memory through the policy (callveil.h:
 * cv_recproc, cv_process_record), for programs that embed the library and
 * for language bindings. The same steps as a filter worker (runner.c,
 * process_batch): split, parse, apply, write; so a record's output bytes
 * are the ones `callveil filter` writes for it.
 */
#include <stdlib.h>

#include <sodium.h>

#include "common/ctx.h"
#include "runner.h"


struct cv_recproc {
    cv_ctx *ctx;
    const cv_format_type *fmt;
    const cv_input_rule *rule;
    void *fstate;              /* the format's state (csv: the header's columns) */
    cvi_engine *e;
    cvi_worker *w;
    cv_record rec;
    cv_buf out;
    size_t max_record;
};

const char *cv_version(void) { return CV_VERSION; }

void cv_recproc_free(cv_recproc *rp)
{
    if (!rp) return;
    if (rp->fstate && rp->fmt->state_free) rp->fmt->state_free(rp->fstate);
    free(rp->fstate);
    cvi_worker_free(rp->w);
    cvi_engine_free(rp->e);
    cvi_record_free(&rp->rec);
    if (rp->out.p) sodium_memzero(rp->out.p, rp->out.cap);
    cvi_buf_free(&rp->out);
    free(rp);
}

int cv_recproc_create(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *format, const char *match_path,
                      const cv_run_opts *o, cv_recproc **out)
{
    if (!out) return cvi_error(ctx, CV_EUSAGE, "cv_recproc_create: missing argument");
    *out = NULL;
    if (!ctx || !p || !k) return cvi_error(ctx, CV_EUSAGE, "cv_recproc_create: missing argument");
    cv_run_opts def;
    if (!o) {
        cv_run_opts_init(&def);
        o = &def;
    }
    const cv_format_type *fmt;
    const cv_input_rule *rule;
    int rc = cvi_stream_rule(ctx, p, format, match_path, &fmt, &rule);
    if (rc) return rc;
    char as_of[11];
    if ((rc = cvi_as_of(ctx, o->as_of, as_of))) return rc;
    if (fmt->has_header && !o->header)
        return cvi_error(ctx, CV_EUSAGE, "format %s has a header row: give it (cv_run_opts.header)", fmt->name);
    if (!fmt->has_header && o->header)
        return cvi_error(ctx, CV_EUSAGE, "format %s has no header row (cv_run_opts.header is for csv)", fmt->name);
    cv_recproc *rp = calloc(1, sizeof *rp);
    if (!rp) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    rp->ctx = ctx;
    rp->fmt = fmt;
    rp->rule = rule;
    rp->max_record = o->max_record ? o->max_record : CVI_MAX_RECORD_DEFAULT;
    cvi_record_init(&rp->rec);
    if (!(rp->fstate = calloc(1, fmt->state_size ? fmt->state_size : 1))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = cvi_engine_create(ctx, p, k, &rp->e))) goto fail;
    if (cvi_engine_set_as_of(rp->e, as_of)) {
        rc = cvi_error(ctx, CV_EUSAGE, "--as-of: expected a date YYYY-MM-DD");
        goto fail;
    }
    if (!(rp->w = cvi_worker_create(rp->e))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto fail;
    }
    if (o->header) {
        /* as cv_filter takes --header: trailing line ends are not part of it */
        size_t hn = o->header_len;
        while (hn && (o->header[hn - 1] == '\n' || o->header[hn - 1] == '\r')) hn--;
        cv_diag d = { NULL, 0 };
        int hr = hn ? fmt->parse_header(rp->fstate, o->header, hn, &d) : CV_EEMPTY;
        if (hr == CV_ENOMEM) {
            rc = cvi_error(ctx, hr, "out of memory");
            goto fail;
        }
        if (hr) {
            rc = cvi_error(ctx, CV_EINPUT, "the given header is not a %s header: byte %zu: %s", fmt->name, d.offset,
                           d.reason ? d.reason : "empty");
            goto fail;
        }
    }
    *out = rp;
    return 0;
fail:
    cv_recproc_free(rp);
    return rc;
}

int cv_process_record(cv_recproc *rp, const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    if (out_len) *out_len = 0;
    if (!rp) return CV_EUSAGE;
    cv_ctx *ctx = rp->ctx;
    if (!out_len || (!in && len) || (!out && cap)) return cvi_error(ctx, CV_EUSAGE, "cv_process_record: missing argument");
    if (len > rp->max_record)
        return cvi_error(ctx, CV_EINPUT, "record: byte %zu: record exceeds the maximum record size", rp->max_record);
    const cv_format_type *fmt = rp->fmt;
    /* exactly one record: the format's own splitter must take all the bytes */
    size_t rl = 0, nls = 0;
    const char *reason = NULL;
    int sr = len ? fmt->split(rp->fstate, in ? in : "", len, 1, rp->max_record, &rl, &nls, &reason) : CV_SPLIT_MORE;
    if (len == 0) return cvi_error(ctx, CV_EINPUT, "record: byte 0: empty input: not a record");
    if (sr == CV_SPLIT_BAD)
        return cvi_error(ctx, CV_EINPUT, "record: byte 0: %s", reason ? reason : "malformed record");
    if (sr != CV_SPLIT_RECORD) return cvi_error(ctx, CV_EINPUT, "record: byte 0: truncated record");
    if (rl != len) return cvi_error(ctx, CV_EINPUT, "record: byte %zu: more than one record", rl);
    cv_record *r = &rp->rec;
    cvi_record_reset(r);
    r->line = 1;
    r->offset = 0;
    cv_diag d = { NULL, 0 };
    int rc = fmt->parse(rp->fstate, in, len, r, &d);
    if (rc == CV_EEMPTY) return cvi_error(ctx, CV_EINPUT, "record: byte 0: blank line: not a record");
    if (rc == CV_EINPUT)
        return cvi_error(ctx, CV_EINPUT, "record: byte %zu: %s", d.offset, d.reason ? d.reason : "malformed record");
    if (rc) return cvi_error(ctx, rc, "record: %s", cv_strerror(rc));
    cvi_counts counts;
    memset(&counts, 0, sizeof counts);
    const char *why = NULL;
    rc = cvi_engine_apply(rp->w, rp->rule, r, &counts, &why);
    if (rc == CV_EINPUT) return cvi_error(ctx, CV_EINPUT, "record: %s", why ? why : "record nested too deeply");
    if (rc == CVI_APPLY_DROPPED) {
        ctx->err[0] = '\0';
        return CV_RECORD_DROPPED;
    }
    if (rc) return cvi_error(ctx, rc, "record: %s", cv_strerror(rc));
    cv_buf_clear(&rp->out);
    if ((rc = fmt->write(rp->fstate, r, &rp->out))) return cvi_error(ctx, rc, "record: %s", cv_strerror(rc));
    if (rp->out.n > cap) {
        *out_len = rp->out.n;
        return cvi_error(ctx, CV_ESPACE, "record: the output needs %zu bytes, the buffer holds %zu", rp->out.n, cap);
    }
    memcpy(out, rp->out.p, rp->out.n);
    if (rp->out.n < cap) out[rp->out.n] = '\0';
    *out_len = rp->out.n;
    ctx->err[0] = '\0';
    return 0;
}
