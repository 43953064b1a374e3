/*
 * fuzz_transcript.c - libFuzzer target for transcripts: the input is one
 * JSON document redacted under the embedded default policy (first byte: the
 * fail-safe digit-run length, 0..15). Checks the contract: on CV_EINPUT a
 * reason and no output; on success spans sorted per channel, disjoint, not
 * negative, and the output parses again as a transcript of the same flavour
 * and timing with no more word items (Whisper token lists are dropped; a
 * segment-timed transcript's words are its texts', where a rendering such
 * as a mask may hold spaces, so there no more segments instead).
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/transcript_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cv_ctx *ctx;
static cv_policy *pol;
static cv_key *key;
static cvi_engine *eng;
static cvi_worker *wk;

static void init(void)
{
    ctx = cv_ctx_create();
    if (!ctx || cv_policy_load(ctx, NULL, &pol) || cv_key_ephemeral(ctx, &key) || cvi_engine_create(ctx, pol, key, &eng))
        abort();
    wk = cvi_worker_create(eng);
    if (!wk) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) init();
    if (size < 1) return 0;
    static const char *const speakers[] = { "spk_0", "spk_1", "1" };
    cv_transcript_opts o = { .pad_ms = 200, .digit_run_min = data[0] & 15u, .speakers = speakers,
                             .nspeakers = data[0] & 16u ? 3 : 0 };
    const char *json = (const char *)data + 1;
    size_t len = size - 1;
    cv_buf out = { 0 };
    cv_transcript_result res;
    cv_diag d = { 0 };
    cvi_counts c = { 0 };
    int rc = cvi_transcript_redact(wk, json, len, &o, &out, &res, &c, &d);
    if (rc == CV_EINPUT) {
        if (!d.reason || out.n || res.spans || d.offset > len) abort();
    } else if (rc == 0) {
        for (size_t i = 0; i < res.nspans; i++) {
            const cv_tspan *s = &res.spans[i];
            if (!(s->start >= 0) || !(s->end >= s->start)) abort();
            if (i && s->channel == s[-1].channel && s->start <= s[-1].end) abort();
            if (i && s->channel < s[-1].channel) abort();
        }
        cv_transcript a, b;
        cvi_transcript_init(&a);
        cvi_transcript_init(&b);
        cv_diag d2 = { 0 };
        if (cvi_transcript_parse(&a, json, len, &d2)) abort();
        if (cvi_transcript_parse(&b, out.p, out.n, &d2)) abort();
        if (a.flavour != b.flavour || a.timing != b.timing || res.timing != a.timing) abort();
        if (a.timing == CV_TIMING_WORD && b.nwords > a.nwords) abort();   /* fewer: word objects inside dropped Whisper token lists */
        if (a.timing == CV_TIMING_SEGMENT && b.nfull > a.nfull) abort();
        for (size_t i = 0; a.timing == CV_TIMING_SEGMENT && i < res.nspans; i++) {
            /* a span is whole segments: it starts at some word's start (less the padding) */
            int found = 0;
            for (size_t k = 0; k < a.nwords && !found; k++)
                found = res.spans[i].start <= a.words[k].start && a.words[k].start - 0.2 <= res.spans[i].start + 1e-9;
            if (!found) abort();
        }
        cvi_transcript_free(&a);
        cvi_transcript_free(&b);
        cvi_transcript_result_free(&res);
    } else if (rc != CV_ENOMEM) {
        abort();
    }
    cvi_buf_free(&out);
    return 0;
}
