/*
 * find.c - subject access: `callveil find` lists where a subject is in a
 * finished dataset, by their token (subject.h): each record holding it
 * (file and line) and each file that is theirs whole (named after them, or
 * a call recording whose transcript holds them).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/files.h"
#include "policy.h"
#include "subject.h"

typedef struct find_ctx {
    const char *tok, *rel;
    cv_buf *out;
    uint64_t hits;
} find_ctx;

static int find_rec(void *ud, const char *rec, size_t n, uint64_t line, int header)
{
    find_ctx *f = ud;
    if (header || !cvi_find_tok(rec, n, f->tok)) return 0;
    f->hits++;
    return cvi_buf_printf(f->out, "%s\t%" PRIu64 "\n", f->rel, line) ? CV_ENOMEM : 0;
}

int cv_find(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
            const char *outdir, int out_fd, uint64_t *hits)
{
    char rendered[CVI_TOKEN_TEXT_MAX + 32], tok[CV_TOKEN_CHARS + 1];
    int rc = cvi_subject_token(ctx, p, k, type, value, rendered, tok);
    if (rc) return rc;
    char **rels = NULL;
    size_t nrel = 0;
    cvi_dataset_info ds = { 0 };
    cvi_delset whole = { NULL, 0 };      /* files that are the subject's whole, each listed once */
    cv_buf out = { 0 };
    *hits = 0;
    if ((rc = cvi_dataset_settle(ctx, outdir)) || (rc = cvi_list_files(ctx, outdir, &rels, &nrel)) ||
        (rc = cvi_dataset_load(ctx, outdir, 0, p, k, p->epoch, &ds)))
        goto out;
    if (!(whole.v = calloc(2 * nrel + 1, sizeof *whole.v))) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nrel && !rc; i++) {
        const cvi_recpair *rp = cvi_recording_of(ds.rec, ds.nrec, rels[i], 1);
        if (cvi_name_has_tok(rels[i], tok)) {
            /* named after the subject: the whole file, a recording with its transcript */
            if (rp) {
                cvi_del_add(&whole, rp->audio);
                cvi_del_add(&whole, rp->transcript);
            } else {
                cvi_del_add(&whole, rels[i]);
            }
            continue;
        }
        if (!cvi_is_data_file(rels[i]) || cvi_del_has(&whole, rels[i])) continue;
        char *path = cvi_path_join(outdir, rels[i]);
        find_ctx f = { tok, rels[i], &out, 0 };
        rc = path ? cvi_each_record(ctx, path, rels[i], find_rec, &f) : cvi_error(ctx, CV_ENOMEM, "out of memory");
        *hits += f.hits;
        free(path);
        /* a call whose transcript holds the subject: its audio too */
        if (!rc && f.hits && rp && !strcmp(rp->transcript, rels[i])) cvi_del_add(&whole, rp->audio);
    }
    for (size_t i = 0; i < whole.n && !rc; i++) {
        if (cvi_buf_printf(&out, "%s\t-\n", whole.v[i])) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    }
    for (size_t off = 0; !rc && off < out.n;) {
        ssize_t w = write(out_fd, out.p + off, out.n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = cvi_error(ctx, CV_EIO, "write: %s", cvi_strerror(errno));
        else off += (size_t)w;
    }
out:
    cvi_dataset_info_free(&ds);
    free(whole.v);
    for (size_t i = 0; i < nrel; i++) free(rels[i]);
    free(rels);
    cvi_buf_free(&out);
    return rc;
}

