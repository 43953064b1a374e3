/*
 * fuzz_detect.c - libFuzzer target for the detectors and validators (they
 * parse free text: phone numbers, dates, IBANs, addresses) through the
 * engine: each input line is a JSON record (or, if it is not one, a text
 * value) run under the embedded default policy. Checks that spans are
 * sorted, disjoint and inside the text, that the cue gate changes no span
 * (a set without it finds the same), and that the output re-parses.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pipeline/engine.h"
#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cv_ctx *ctx;
static cv_policy *pol;
static cv_key *key;
static cvi_engine *eng;
static cvi_worker *wk;
static cv_detector_set *det, *det_nogate;
static cv_detect_ws *ws, *ws_nogate;

static void init(void)
{
    ctx = cv_ctx_create();
    if (!ctx || cv_policy_load(ctx, NULL, &pol) || cv_key_ephemeral(ctx, &key) || cvi_engine_create(ctx, pol, key, &eng))
        abort();
    wk = cvi_worker_create(eng);
    const char *why;
    if (!wk || cvi_detector_set_create(&pol->dopts, NULL, &det, &why)) abort();
    ws = cvi_detect_ws_create(det);
    if (!ws) abort();
    cv_detect_opts o = pol->dopts;
    o.no_gates = 1;
    if (cvi_detector_set_create(&o, NULL, &det_nogate, &why)) abort();
    ws_nogate = cvi_detect_ws_create(det_nogate);
    if (!ws_nogate) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) init();
    const char *text = (const char *)data;
    if (cvi_utf8_valid_prefix(text, size) != size) return 0;

    cv_span_list l = { 0 };
    if (cvi_detect(det, ws, text, size, &l) == 0) {
        uint32_t prev = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (l.v[i].start >= l.v[i].end || l.v[i].end > size || l.v[i].start < prev) abort();
            if (l.v[i].norm_len > CV_NORM_MAX || strlen(l.v[i].norm) != l.v[i].norm_len) abort();
            prev = l.v[i].end;
        }
        cv_span_list g = { 0 };
        if (cvi_detect(det_nogate, ws_nogate, text, size, &g) != 0 || g.n != l.n) abort();
        for (size_t i = 0; i < l.n; i++)
            if (g.v[i].start != l.v[i].start || g.v[i].end != l.v[i].end || g.v[i].detector != l.v[i].detector ||
                strcmp(g.v[i].norm, l.v[i].norm) != 0)
                abort();
        cvi_span_list_free(&g);
    }
    cvi_span_list_free(&l);

    const cv_format_type *f = cvi_format_find("jsonl");
    cv_record r, back;
    cvi_record_init(&r);
    cvi_record_init(&back);
    cv_buf out = { 0 };
    cv_diag d;
    cvi_counts c = { 0 };
    if (f->parse(NULL, text, size, &r, &d) == 0) {
        const cv_input_rule *rule = cvi_policy_input_for(pol, "x.jsonl", NULL);
        if (cvi_engine_apply(wk, rule, &r, &c, NULL) == 0 && f->write(NULL, &r, &out) == 0) {
            if (f->parse(NULL, out.p, out.n, &back, &d) != 0) abort();   /* what we write, we read */
        }
    }
    cvi_buf_free(&out);
    cvi_record_free(&r);
    cvi_record_free(&back);
    return 0;
}
