/*
 * recording.c - one call recording through the pipeline (DESIGN §7): its
 * word-timed transcript is redacted with the same engine (and tokens) as
 * chats, the transcript's spans and the DTMF tones found in the audio are
 * masked in the audio at sample precision, the voice is anonymised per
 * channel, and metadata is stripped.
 * Names, temporary files, renames and the journal are run.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/files.h"
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
    int rc = cv_sink_open_fd(fd, level, &s);
    if (!rc && (cv_sink_write(s, p, n) || cv_sink_finish(s))) rc = CV_EIO;
    cv_sink_free(s);
    if (!rc && fsync(fd) != 0) rc = CV_EIO;
    if (close(fd) != 0) rc = CV_EIO;
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
        rc = cv_transcript_redact(w, json.p ? json.p : "", json.n, &to, &red, &res, &tc, &d);
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
    cv_audio_stats as;
    memset(&as, 0, sizeof as);
    rc = api->redact(audio_path, audio_out, &ao, spans, nspans, &as, reason);
    if (rc) {
        st->seconds_in = as.seconds_in;     /* a truncated input: where it stops */
        if (transcript_out) unlink(transcript_out);
        goto out;
    }
    st->seconds_in = as.seconds_in;
    st->seconds_redacted = as.seconds_redacted;
    st->spans_redacted = as.spans_redacted;
    st->dtmf_tones = as.dtmf_tones;
    st->dtmf_spans = as.dtmf_spans;
    st->voice_channels = as.voice_channels;
    st->voice_unchanged = as.voice_unchanged;
    st->sample_rate = as.sample_rate;
    st->channels = as.channels;
    memcpy(st->codec, as.codec, sizeof st->codec);
    c->audio_ms_in += (uint64_t)(as.seconds_in * 1000.0 + 0.5);
    c->audio_ms_redacted += (uint64_t)(as.seconds_redacted * 1000.0 + 0.5);
    c->audio_spans += as.spans_redacted;
    c->dtmf_tones += as.dtmf_tones;
    c->dtmf_spans += as.dtmf_spans;
out:
    if (json.p) sodium_memzero(json.p, json.cap);
    if (red.p) sodium_memzero(red.p, red.cap);
    cv_buf_free(&json);
    cv_buf_free(&red);
    free(spans);
    cv_transcript_result_free(&res);
    if (rc == CV_ENOMEM && !*reason) *reason = "out of memory";
    if (rc && !*reason) *reason = "the recording cannot be processed";
    return rc;
}
