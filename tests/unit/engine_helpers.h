/*
 * engine_helpers.h - what the engine suites share: a context and a fixed
 * test key (setup/teardown), and apply(), which runs a policy's first input
 * over lines of a format as the runner does and returns the output.
 */
#ifndef CV_ENGINE_HELPERS_H
#define CV_ENGINE_HELPERS_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pipeline/engine.h"
#include "formats/formats.h"

static cv_ctx *ctx;
static cv_key *key;

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
    key = calloc(1, sizeof *key);
    key->k = sodium_malloc(CV_KEY_BYTES);
    for (int i = 0; i < CV_KEY_BYTES; i++) key->k[i] = (unsigned char)i;
}

static void teardown(void)
{
    cv_key_free(key);
    cv_ctx_free(ctx);
}

/* Apply the policy's first input to each JSON line of `in`; return the output
 * lines (malloc'ed) and the counters. */
static char *apply(const char *policy, const char *fmtname, const char *in, cvi_counts *c)
{
    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "test.yaml", policy, strlen(policy), &p);
    ck_assert_msg(rc == 0, "policy: %s", cv_ctx_error(ctx));
    cvi_engine *e = NULL;
    ck_assert_int_eq(cvi_engine_create(ctx, p, key, &e), 0);
    cvi_worker *w = cvi_worker_create(e);
    const cv_format_type *f = cvi_format_find(fmtname);
    ck_assert_ptr_nonnull(f);
    void *st = calloc(1, f->state_size + 1);
    cv_record r;
    cvi_record_init(&r);
    cv_buf out = { 0 };
    cvi_counts local = { 0 };
    if (!c) c = &local;
    memset(c, 0, sizeof *c);
    const char *s = in;
    int first = 1;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
        cv_diag d = { 0 };
        if (first && f->has_header) {
            ck_assert_int_eq(f->parse_header(st, s, n, &d), 0);
            const cv_str *names;
            size_t nc = f->columns(st, &names);
            uint8_t kept[64];
            cv_str hn[64];
            ck_assert_uint_le(nc, 64);
            for (size_t i = 0; i < nc; i++) kept[i] = (uint8_t)cvi_engine_column_kept(e, &p->inputs[0], names[i], NULL);
            /* as the runner does: identifiers in kept names replaced */
            ck_assert_int_eq(cvi_engine_header_names(w, names, nc, kept, NULL, &r, hn, c), 0);
            ck_assert_int_eq(f->write_header(st, hn, kept, NULL, &out), 0);
        } else {
            cvi_record_reset(&r);
            ck_assert_int_eq(f->parse(st, s, n, &r, &d), 0);
            ck_assert_int_eq(cvi_engine_apply(w, &p->inputs[0], &r, c, NULL), 0);
            ck_assert_int_eq(f->write(st, &r, &out), 0);
        }
        first = 0;
        s += n;
    }
    char *res = strdup(cvi_buf_cstr(&out));
    cvi_buf_free(&out);
    cvi_record_free(&r);
    if (f->state_free) f->state_free(st);
    free(st);
    cvi_worker_free(w);
    cvi_engine_free(e);
    cv_policy_free(p);
    return res;
}

#endif
