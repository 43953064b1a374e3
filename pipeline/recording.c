/*
 * recording.c - one call recording through the pipeline (DESIGN §7): its
 * word-timed transcript is redacted with the same engine (and tokens) as
 * chats, the transcript's spans and the DTMF tones found in the audio are
 * masked in the audio at sample precision, the voice is anonymised per
 * channel, and metadata is stripped.
 * Here too: pairing a recording with its transcript, the transcript's
 * output name, and the recording's step of a run (temporary names and
 * renames); the journal and the table of input kinds are run.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/files.h"
#include "common/strmap.h"
#include "listing.h"
#include "manifest.h"
#include "recording.h"
#include "audio_module.h"
#include "transcript_redact.h"

#define TRANSCRIPT_MAX ((size_t)256 << 20)

static int write_zst(const char *path, const char *p, size_t n, int level, const char **reason)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        *reason = "cannot create the transcript output";
        return CV_EIO;
    }
    cv_sink *s = NULL;
    int rc = cvi_sink_open_fd(fd, level, &s);
    if (!rc && (cvi_sink_write(s, p, n) || cvi_sink_finish(s))) rc = CV_EIO;
    cvi_sink_free(s);
    if (close(fd) != 0) rc = CV_EIO;     /* fsynced when its staged write commits */
    if (rc) {
        *reason = "cannot write the transcript output";
        unlink(path);
    }
    return rc;
}

int cvi_recording_process(cvi_worker *w, const cv_input_rule *rule, const char *audio_path,
                          const char *transcript_path, const char *audio_out, const char *transcript_out,
                          int zstd_level, const unsigned char rec[32], cvi_counts *c, cvi_recording_stats *st,
                          const char **reason)
{
    cv_buf json = { 0 }, red = { 0 };
    cv_transcript_result res;
    memset(&res, 0, sizeof res);
    memset(st, 0, sizeof *st);
    st->per_speaker = rule->audio.nchannels > 0;
    int rc = 0;
    cv_audio_span *spans = NULL;
    size_t nspans = 0;
    *reason = NULL;

    if (transcript_path) {
        if ((rc = cvi_read_file(transcript_path, &json, TRANSCRIPT_MAX))) {
            *reason = rc == CV_EINPUT ? "the transcript is larger than 256 MiB" : rc == CV_EIO ? "the transcript cannot be read"
                                                                                              : NULL;
            goto out;
        }
        cv_transcript_opts to = { rule->audio.pad_ms, rule->audio.digit_run, (const char *const *)rule->audio.channels,
                                  rule->audio.nchannels };
        cv_diag d = { NULL, 0 };
        cvi_counts tc;
        memset(&tc, 0, sizeof tc);
        rc = cvi_transcript_redact(w, json.p ? json.p : "", json.n, &to, &red, &res, &tc, &d);
        if (rc) {
            if (rc == CV_EINPUT) *reason = d.reason ? d.reason : "the transcript cannot be read";
            goto out;
        }
        cvi_counts_add(c, &tc);
        st->transcript = 1;
        st->words = res.words;
        st->spoken_identifiers = res.identifiers;
        st->digit_runs = res.digit_runs;
        st->segment_timing = res.timing == CV_TIMING_SEGMENT;
        if (res.nspans) {
            if (!(spans = calloc(res.nspans, sizeof *spans))) { rc = CV_ENOMEM; goto out; }
            for (size_t i = 0; i < res.nspans; i++) {
                spans[i].start = res.spans[i].start;
                spans[i].end = res.spans[i].end;
                /* per channel only when the policy says who is on which */
                spans[i].channel = rule->audio.nchannels ? res.spans[i].channel : -1;
            }
            nspans = res.nspans;
        }
    }
    if (!audio_out) goto out;      /* scan: the transcript's counts only */
    if (transcript_out && (rc = write_zst(transcript_out, red.p ? red.p : "", red.n, zstd_level, reason))) goto out;
    const cvi_audio_api *api = cvi_audio_api_get(reason);
    if (!api) {
        rc = CV_EFORMAT;
        if (transcript_out) unlink(transcript_out);
        goto out;
    }
    /* one coefficient per channel the decoder may report (audio.c accepts up to 64) */
    double alpha[64], beta[64];
    for (int ch = 0; ch < 64; ch++) {
        alpha[ch] = cvi_worker_voice_alpha(w, rec, ch);
        beta[ch] = cvi_worker_voice_beta(w, rec, ch);
    }
    cv_audio_opts ao = { rule->audio.beep ? CV_AUDIO_BEEP : CV_AUDIO_SILENCE, rule->audio.dtmf, rule->audio.codec,
                         rule->audio.voice ? alpha : NULL, 64, rule->audio.voice ? beta : NULL };
    const cv_audio_stats *as = &st->audio;   /* on failure: seconds_in, where a truncated input stops */
    rc = api->redact(audio_path, audio_out, &ao, spans, nspans, &st->audio, reason);
    if (rc) {
        if (transcript_out) unlink(transcript_out);
        goto out;
    }
    c->audio_ms_in += (uint64_t)(as->seconds_in * 1000.0 + 0.5);
    c->audio_ms_redacted += (uint64_t)(as->seconds_redacted * 1000.0 + 0.5);
    c->audio_spans += as->spans_redacted;
    c->dtmf_tones += as->dtmf_tones;
    c->dtmf_spans += as->dtmf_spans;
out:
    if (json.p) sodium_memzero(json.p, json.cap);
    if (red.p) sodium_memzero(red.p, red.cap);
    cvi_buf_free(&json);
    cvi_buf_free(&red);
    free(spans);
    cvi_transcript_result_free(&res);
    if (rc == CV_ENOMEM && !*reason) *reason = "out of memory";
    if (rc && !*reason) *reason = "the recording cannot be processed";
    return rc;
}

int cvi_recording_rule(const cv_input_rule *rule) { return rule && strcmp(rule->format, "audio") == 0; }

static char *expand_transcript(const char *pattern, const char *path)
{
    if (!pattern) return NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t dl = slash ? (size_t)(slash - path) : 1, bl = strlen(base), sl = dot && dot > base ? (size_t)(dot - base) : bl;
    cv_buf b = { 0 };
    int rc = 0;
    for (const char *p = pattern; *p && !rc;) {
        if (!strncmp(p, "{dir}", 5)) { rc = cvi_buf_append(&b, slash ? path : ".", dl); p += 5; }
        else if (!strncmp(p, "{stem}", 6)) { rc = cvi_buf_append(&b, base, sl); p += 6; }
        else if (!strncmp(p, "{name}", 6)) { rc = cvi_buf_append(&b, base, bl); p += 6; }
        else rc = cvi_buf_putc(&b, *p++);
    }
    if (rc || !cvi_buf_cstr(&b)) {
        cvi_buf_free(&b);
        return NULL;
    }
    return b.p;
}

char *cvi_recording_transcript(const cv_input_rule *rule, const char *path)
{
    char *t = cvi_recording_rule(rule) ? expand_transcript(rule->transcript, path) : NULL;
    struct stat st;
    if (t && (stat(t, &st) != 0 || !S_ISREG(st.st_mode))) {
        free(t);
        t = NULL;
    }
    return t;
}

int cvi_recording_transcript_name(cvi_worker *w, const char *rel, const char *tpath, cv_buf *tname)
{
    const char *base = strrchr(tpath, '/');
    base = base ? base + 1 : tpath;
    const char *rs = strrchr(rel, '/');
    cv_buf r = { 0 };
    int rc = cvi_buf_append(&r, rel, rs ? (size_t)(rs - rel) + 1 : 0) | cvi_buf_puts(&r, base);
    if (rc || !cvi_buf_cstr(&r) || cvi_sanitise_rel(w, r.p, tname) || cvi_buf_puts(tname, ".zst") ||
        !cvi_buf_cstr(tname)) {
        cvi_buf_free(&r);
        cvi_buf_free(tname);
        return CV_ENOMEM;
    }
    cvi_buf_free(&r);
    return 0;
}

int cvi_recording_prepare(cv_ctx *ctx, const cv_input_rule *rule, const char *path, const char *tpath, int scan,
                          cvi_entry *en)
{
    if (!tpath && rule->audio.transcript_required) {
        en->fs.records_in = 1;
        if (cvi_hash_file(path, en->fs.in_hash, &en->fs.bytes_in))
            return cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
        cvi_entry_fail(en, "the recording has no transcript (the policy requires one)");
        cvi_log(ctx, CV_LOG_ERROR, "%s: %s", en->input, en->reason);
        return 0;
    }
    if (!tpath && !scan)
        cvi_log(ctx, CV_LOG_WARN, "%s: no transcript: only DTMF tones are masked, spoken identifiers are not",
                en->input);
    return 0;
}

int cvi_recording_scan(cv_ctx *ctx, cvi_worker *w, const cv_input_rule *rule, const char *path, const char *tpath,
                       cvi_entry *en)
{
    cvi_recording_stats rs;
    const char *why = NULL;
    en->fs.records_in = 1;
    if (cvi_hash_file(path, en->fs.in_hash, &en->fs.bytes_in))
        return cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
    int rc = cvi_recording_process(w, rule, path, tpath, NULL, NULL, 0, en->fs.in_hash, &en->fs.counts, &rs, &why);
    if (rc == CV_ENOMEM) return rc;
    if (rc) cvi_entry_fail(en, why);
    else en->fs.written = 1;
    return 0;
}

int cvi_recording_journal_id(const char *tpath, cv_buf *idsrc)
{
    struct stat ts;
    if (tpath && stat(tpath, &ts) == 0)
        return cvi_buf_printf(idsrc, "\n%llu\n%lld.%09ld", (unsigned long long)ts.st_size, (long long)ts.st_mtim.tv_sec,
                             (long)ts.st_mtim.tv_nsec);
    return cvi_buf_puts(idsrc, "\n-");
}

int cvi_recording_resumable(cv_ctx *ctx, cvi_worker *w, const char *rel, const char *tpath, const char *outdir,
                            const char *json, int *there)
{
    if (!*there || !tpath) return 0;
    /* a recording is done only if its transcript's output is there too */
    cv_buf tn = { 0 };
    char tdst[PATH_MAX];
    if (cvi_recording_transcript_name(w, rel, tpath, &tn)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    if (cvi_worker_settle(w)) *there = 0;     /* done again: the register drops it */
    snprintf(tdst, sizeof tdst, "%s/%s", outdir, tn.p);
    cvi_buf_free(&tn);
    struct stat tst;
    *there = stat(tdst, &tst) == 0 && S_ISREG(tst.st_mode) && cvi_journal_same_hash(tdst, json, "\"transcript_blake2b\": \"");
    return 0;
}

int cvi_recording_step(cv_ctx *ctx, cvi_worker *w, const cv_input_rule *rule, const char *path, const char *rel,
                       const char *tpath, const char *outdir, int zstd_level, cvi_staged *out, cvi_entry *en,
                       double *seconds)
{
    cv_buf tname = { 0 };
    char tdst[PATH_MAX] = "";
    cvi_staged tout = { .fd = -1 };
    int rc = 0;
    en->fs.records_in = 1;
    if (cvi_hash_file(path, en->fs.in_hash, &en->fs.bytes_in))
        return cvi_error(ctx, CV_EIO, "%s: %s", en->input, cvi_strerror(errno));
    if (tpath) {
        if (cvi_recording_transcript_name(w, rel, tpath, &tname)) return cvi_error(ctx, CV_ENOMEM, "out of memory");
        snprintf(tdst, sizeof tdst, "%s/%s", outdir, tname.p);
        if (cvi_staged_init(&tout, tdst) != 0) {
            cvi_buf_free(&tname);
            return cvi_error(ctx, CV_EIO, "%s: the transcript's output name: %s", en->output, cvi_strerror(ENAMETOOLONG));
        }
    }
    cvi_recording_stats rs;
    const char *why = NULL;
    rc = cvi_recording_process(w, rule, path, tpath, out->tmp, tpath ? tout.tmp : NULL, zstd_level, en->fs.in_hash,
                               &en->fs.counts, &rs, &why);
    if (rc == CV_ENOMEM) {
        rc = cvi_error(ctx, rc, "out of memory");
        goto out;
    }
    if (rc) {
        cvi_entry_fail(en, why);
        if (rs.audio.seconds_in > 0)
            cvi_log(ctx, CV_LOG_ERROR, "%s: recording rejected: %s (the audio stops at %.3f s)", en->input, why,
                    rs.audio.seconds_in);
        else
            cvi_log(ctx, CV_LOG_ERROR, "%s: recording rejected: %s", en->input, why);
        cvi_staged_discard(out);
        rc = 0;
        goto out;
    }
    if (cvi_worker_settle(w)) {
        /* its transcript holds an erased subject: the call is theirs whole */
        cvi_entry_erased(ctx, en, 0);
        cvi_staged_discard(out);
        goto out;
    }
    en->fs.written = 1;
    en->rec = rs;
    if (cvi_hash_file(out->tmp, en->fs.out_hash, &en->fs.bytes_out)) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    if (tpath && (cvi_hash_file(tpath, en->transcript_in_hash, &en->transcript_bytes_in) ||
                  cvi_hash_file(tout.tmp, en->transcript_out_hash, &en->transcript_bytes_out))) {
        rc = cvi_error(ctx, CV_EIO, "%s: transcript: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    if (cvi_staged_commit(out, 0) != 0 || (tpath && cvi_staged_commit(&tout, 0) != 0)) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", en->output, cvi_strerror(errno));
        goto out;
    }
    if (tpath && !(en->transcript = strdup(tname.p))) rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
    *seconds += rs.audio.seconds_in;
out:
    cvi_staged_discard(&tout);
    cvi_buf_free(&tname);
    return rc;
}

int cvi_recording_pair(cvi_items *it)
{
    char **paired = calloc(it->n + 1, sizeof *paired);
    size_t npaired = 0;
    cvi_strmap pairs = { 0 };
    int rc = paired ? 0 : CV_ENOMEM;
    for (size_t i = 0; !rc && i < it->n; i++) {
        cvi_item *x = &it->v[i];
        if (x->skip) continue;
        x->transcript = cvi_recording_transcript(x->rule, x->path);
        char real[PATH_MAX];
        if (x->transcript && realpath(x->transcript, real) && !(paired[npaired++] = strdup(real))) rc = CV_ENOMEM;
    }
    for (size_t q = 0; !rc && q < npaired; q++) rc = cvi_strmap_put(&pairs, cv_str_make(paired[q], strlen(paired[q])), q);
    for (size_t i = 0; !rc && npaired && i < it->n; i++) {
        char real[PATH_MAX];
        if (realpath(it->v[i].path, real))
            it->v[i].paired = cvi_strmap_get(&pairs, cv_str_make(real, strlen(real))) != NULL;
    }
    cvi_strmap_free(&pairs);
    for (size_t i = 0; i < npaired; i++) free(paired[i]);
    free(paired);
    return rc;
}
