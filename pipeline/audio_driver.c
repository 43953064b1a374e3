/*
 * audio_driver.c - the audio module's driver (contract in audio.h): decode
 * (formats/audio_io.h), find DTMF tones (filters/dtmf.h) in a first pass,
 * then mask spans and tones at sample precision (filters/audio_edit.h),
 * anonymise each channel's voice (filters/voice.h) and encode, frame by
 * frame, memory bounded by a few frames whatever the duration.
 */
#include "audio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>

#include "callveil.h"
#include "../formats/audio_io.h"
#include "../filters/dtmf.h"
#include "../filters/voice.h"

/* ---- pass 1: DTMF ----------------------------------------------------- */

typedef struct dtmf_sink {
    cv_audio_span *spans;
    size_t n, cap;
    int nomem;
} dtmf_sink;

/* Tones arrive in time order per channel, channels interleaved per frame:
 * keep the list sorted by merging into the tail when they overlap. */
static int dtmf_found(void *opaque, uint64_t start, uint64_t end)
{
    dtmf_sink *k = opaque;
    double a = ((double)start - CV_DTMF_BLOCK) / CV_DTMF_RATE, b = ((double)end + CV_DTMF_BLOCK) / CV_DTMF_RATE;
    if (a < 0) a = 0;
    for (size_t i = k->n; i-- > 0 && i + 4 >= k->n;) {
        cv_audio_span *s = &k->spans[i];
        if (a <= s->end && b >= s->start) {
            if (a < s->start) s->start = a;
            if (b > s->end) s->end = b;
            return 0;
        }
    }
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        cv_audio_span *p = realloc(k->spans, cap * sizeof *p);
        if (!p) {
            k->nomem = 1;
            return 1;
        }
        k->spans = p;
        k->cap = cap;
    }
    k->spans[k->n++] = (cv_audio_span){ a, b, -1 };
    return 0;
}


/* cvi_audio_find_dtmf; *stopped (may be NULL) gets the seconds decoded when
 * the input turns out truncated. */
static int find_dtmf(const char *in_path, cv_audio_span **spans, size_t *nspans, uint64_t *tones, double *stopped,
                     const char **reason)
{
    *spans = NULL;
    *nspans = 0;
    if (tones) *tones = 0;
    cvi_audio_in in;
    int rc = cvi_audio_in_open(&in, in_path, 1, reason);
    if (rc) return rc;
    dtmf_sink sink = { 0 };
    SwrContext *swr = NULL;
    float **planes = NULL;
    int cap = 0;
    cv_dtmf *det = calloc((size_t)in.channels, sizeof *det);
    planes = calloc((size_t)in.channels, sizeof *planes);
    if (!det || !planes) goto nomem;
    for (int c = 0; c < in.channels; c++) cvi_dtmf_init(&det[c]);
    if (swr_alloc_set_opts2(&swr, &in.dec->ch_layout, AV_SAMPLE_FMT_FLTP, CV_DTMF_RATE, &in.dec->ch_layout,
                            in.dec->sample_fmt, in.rate, 0, NULL) < 0 || swr_init(swr) < 0) {
        CVI_SET_REASON(reason, "cannot set up the resampler");
        rc = CV_EINPUT;
        goto out;
    }
    for (;;) {
        int more = cvi_audio_in_next(&in, reason);
        if (more < 0) {
            rc = more;
            goto out;
        }
        int nin = more ? in.frame->nb_samples : 0;
        int need = swr_get_out_samples(swr, nin);
        if (need > cap) {
            for (int c = 0; c < in.channels; c++) {
                float *p = realloc(planes[c], (size_t)need * sizeof(float));
                if (!p) goto nomem;
                planes[c] = p;
            }
            cap = need;
        }
        int got = swr_convert(swr, (uint8_t **)planes, cap, more ? (const uint8_t **)in.frame->extended_data : NULL,
                              nin);
        if (more) av_frame_unref(in.frame);
        if (got < 0) {
            CVI_SET_REASON(reason, "resampling failed");
            rc = CV_EINPUT;
            goto out;
        }
        for (int c = 0; c < in.channels; c++)
            if (cvi_dtmf_feed_float(&det[c], planes[c], (size_t)got, dtmf_found, &sink)) goto nomem;
        if (!more && got == 0) break;
    }
    rc = cvi_audio_in_check_complete(&in, reason);
    if (rc) {
        if (stopped) *stopped = (double)in.decoded / in.rate;
        goto out;
    }
    uint64_t total = 0;
    for (int c = 0; c < in.channels; c++) {
        if (cvi_dtmf_finish(&det[c], dtmf_found, &sink)) goto nomem;
        total += cvi_dtmf_tones(&det[c]);
    }
    *nspans = cvi_time_spans_merge(sink.spans, sink.n, 0);
    *spans = sink.spans;
    sink.spans = NULL;
    if (tones) *tones = total;
    rc = 0;
    goto out;
nomem:
    CVI_SET_REASON(reason, "out of memory");
    rc = CV_ENOMEM;
out:
    if (planes)
        for (int c = 0; c < in.channels; c++) free(planes[c]);
    free(planes);
    free(det);
    free(sink.spans);
    swr_free(&swr);
    cvi_audio_in_close(&in);
    return rc;
}

int cvi_audio_find_dtmf(const char *in_path, cv_audio_span **spans, size_t *nspans, uint64_t *tones,
                       const char **reason)
{
    return find_dtmf(in_path, spans, nspans, tones, NULL, reason);
}

/* ---- voice ------------------------------------------------------------ */

/* Each channel's voice transformer and the buffers around it: decoded
 * samples to float, through cv_voice, back into the decoded layout, then to
 * the output. The transformer's output count is the same on every channel
 * (same rate, same hop), so channels stay aligned. */
typedef struct voicer {
    cv_voice **v;
    int channels, cvfmt, planar, bps;
    enum AVSampleFormat sfmt;
    float *inf, **outf;
    size_t incap, outcap;
    uint8_t **stage;          /* outcap samples in the decoded layout */
} voicer;

static void voicer_close(voicer *vr)
{
    if (vr->v)
        for (int c = 0; c < vr->channels; c++) cvi_voice_free(vr->v[c]);
    free(vr->v);
    if (vr->outf)
        for (int c = 0; c < vr->channels; c++) free(vr->outf[c]);
    free(vr->outf);
    free(vr->inf);
    if (vr->stage) av_freep(&vr->stage[0]);
    av_freep(&vr->stage);
    memset(vr, 0, sizeof *vr);
}

static int voicer_open(voicer *vr, const cvi_audio_in *in, const cv_audio_opts *o, const char **reason)
{
    memset(vr, 0, sizeof *vr);
    if (in->channels > 0 && (size_t)in->channels > o->nvoice_alpha) {
        CVI_SET_REASON(reason, "more channels than voice coefficients");
        return CV_EUSAGE;
    }
    vr->channels = in->channels;
    vr->cvfmt = in->cvfmt;
    vr->planar = in->planar;
    vr->sfmt = in->dec->sample_fmt;
    vr->bps = av_get_bytes_per_sample(vr->sfmt);
    vr->v = calloc((size_t)in->channels, sizeof *vr->v);
    vr->outf = calloc((size_t)in->channels, sizeof *vr->outf);
    if (!vr->v || !vr->outf) goto nomem;
    for (int c = 0; c < in->channels; c++) {
        int rc = cvi_voice_create_shift(&vr->v[c], in->rate, o->voice_alpha[c],
                                       o->voice_beta ? o->voice_beta[c] : 1.0);
        if (rc == CV_ENOMEM) goto nomem;
        if (rc) {
            CVI_SET_REASON(reason, "voice anonymisation cannot run at this sample rate or coefficient");
            voicer_close(vr);
            return CV_EUSAGE;
        }
    }
    return 0;
nomem:
    voicer_close(vr);
    CVI_SET_REASON(reason, "out of memory");
    return CV_ENOMEM;
}

static int voicer_reserve(voicer *vr, size_t n)
{
    if (n > vr->incap) {
        float *p = realloc(vr->inf, n * sizeof *p);
        if (!p) return CV_ENOMEM;
        vr->inf = p;
        vr->incap = n;
    }
    size_t need = n + cvi_voice_tail(vr->v[0]);
    if (need > vr->outcap) {
        for (int c = 0; c < vr->channels; c++) {
            float *p = realloc(vr->outf[c], need * sizeof *p);
            if (!p) return CV_ENOMEM;
            vr->outf[c] = p;
        }
        if (vr->stage) av_freep(&vr->stage[0]);
        av_freep(&vr->stage);
        if (av_samples_alloc_array_and_samples(&vr->stage, NULL, vr->channels, (int)need, vr->sfmt, 0) < 0)
            return CV_ENOMEM;
        vr->outcap = need;
    }
    return 0;
}

/* Transform n decoded samples (data NULL: the end of input) and push what
 * comes out to o. */
static int voicer_feed(voicer *vr, cvi_audio_out *o, uint8_t *const *data, int n, const char **reason)
{
    if (voicer_reserve(vr, data ? (size_t)n : 0)) {
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    size_t got = 0;
    for (int c = 0; c < vr->channels; c++) {
        size_t m;
        if (data) {
            if (vr->planar) cvi_audio_samples_get(data[c], vr->cvfmt, 1, (size_t)n, vr->inf);
            else
                cvi_audio_samples_get(data[0] + (size_t)c * (size_t)vr->bps, vr->cvfmt, (size_t)vr->channels,
                                     (size_t)n, vr->inf);
            m = cvi_voice_process(vr->v[c], vr->inf, (size_t)n, vr->outf[c]);
        } else {
            m = cvi_voice_finish(vr->v[c], vr->outf[c]);
        }
        if (c > 0 && m != got) {
            CVI_SET_REASON(reason, "internal audio buffer error");
            return CV_EINTERNAL;
        }
        got = m;
        if (vr->planar) cvi_audio_samples_put(vr->stage[c], vr->cvfmt, 1, m, vr->outf[c]);
        else
            cvi_audio_samples_put(vr->stage[0] + (size_t)c * (size_t)vr->bps, vr->cvfmt, (size_t)vr->channels, m,
                                 vr->outf[c]);
    }
    return got ? cvi_audio_out_push(o, vr->stage, (int)got, reason) : 0;
}

/* ---- redact ----------------------------------------------------------- */

static void edit_frame(const cv_audio_editor *ed, const cvi_audio_in *in, AVFrame *f, int64_t pos)
{
    int bps = av_get_bytes_per_sample(in->dec->sample_fmt);
    for (int c = 0; c < in->channels; c++) {
        if (!cvi_audio_editor_touches(ed, c, pos, (size_t)f->nb_samples)) continue;
        if (in->planar)
            cvi_audio_editor_apply(ed, c, pos, f->extended_data[c], in->cvfmt, 1, (size_t)f->nb_samples);
        else
            cvi_audio_editor_apply(ed, c, pos, f->data[0] + (size_t)c * (size_t)bps, in->cvfmt,
                                  (size_t)in->channels, (size_t)f->nb_samples);
    }
}

static int frame_touched(const cv_audio_editor *ed, const cvi_audio_in *in, const AVFrame *f, int64_t pos)
{
    for (int c = 0; c < in->channels; c++)
        if (cvi_audio_editor_touches(ed, c, pos, (size_t)f->nb_samples)) return 1;
    return 0;
}

static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int cvi_audio_redact(const char *in_path, const char *out_path, const cv_audio_opts *o,
                    const cv_audio_span *spans, size_t nspans, cv_audio_stats *st, const char **reason)
{
    static const cv_audio_opts defaults = { CV_AUDIO_SILENCE, 0, NULL, NULL, 0, NULL };
    if (!o) o = &defaults;
    if (st) memset(st, 0, sizeof *st);
    CVI_SET_REASON(reason, "");
    if (!in_path || !out_path || (nspans && !spans) || (o->mode != CV_AUDIO_SILENCE && o->mode != CV_AUDIO_BEEP)) {
        CVI_SET_REASON(reason, "bad arguments");
        return CV_EUSAGE;
    }
    if (same_file(in_path, out_path)) {
        CVI_SET_REASON(reason, "output is the input");
        return CV_EUSAGE;
    }
    cv_audio_span *all = NULL, *tones = NULL;
    size_t ntones = 0;
    uint64_t ntone_count = 0;
    cv_audio_editor *ed = NULL;
    cvi_audio_in in;
    cvi_audio_out out;
    voicer vr;
    memset(&vr, 0, sizeof vr);
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    int rc = 0;
    if (o->dtmf) {
        rc = find_dtmf(in_path, &tones, &ntones, &ntone_count, st ? &st->seconds_in : NULL, reason);
        if (rc) return rc;
    }
    all = malloc((nspans + ntones + 1) * sizeof *all);
    if (!all) {
        free(tones);
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    if (nspans) memcpy(all, spans, nspans * sizeof *all);
    if (ntones) memcpy(all + nspans, tones, ntones * sizeof *all);
    free(tones);

    rc = cvi_audio_in_open(&in, in_path, 1, reason);
    if (rc) goto out;
    rc = cvi_audio_editor_create(&ed, all, nspans + ntones, in.channels, in.rate, o->mode);
    if (rc) {
        CVI_SET_REASON(reason, rc == CV_ENOMEM ? "out of memory" : "bad audio stream parameters");
        goto out;
    }
    rc = cvi_audio_out_open(&out, &in, out_path, o->codec, reason);
    if (rc) goto out;
    if (o->voice_alpha && (rc = voicer_open(&vr, &in, o, reason))) goto out;
    for (;;) {
        int more = cvi_audio_in_next(&in, reason);
        if (more < 0) {
            rc = more;
            goto out;
        }
        if (!more) break;
        AVFrame *f = in.frame;
        int64_t pos = in.decoded - f->nb_samples;
        if (frame_touched(ed, &in, f, pos)) {
            if (av_frame_make_writable(f) < 0) {
                CVI_SET_REASON(reason, "out of memory");
                rc = CV_ENOMEM;
                goto out;
            }
            edit_frame(ed, &in, f, pos);
        }
        rc = vr.v ? voicer_feed(&vr, &out, f->extended_data, f->nb_samples, reason)
                  : cvi_audio_out_push(&out, f->extended_data, f->nb_samples, reason);
        av_frame_unref(f);
        if (rc) goto out;
    }
    rc = cvi_audio_in_check_complete(&in, reason);
    if (rc) {
        if (st) st->seconds_in = (double)in.decoded / in.rate;   /* where the audio stops */
        goto out;
    }
    if (vr.v && (rc = voicer_feed(&vr, &out, NULL, 0, reason))) goto out;
    rc = cvi_audio_out_finish(&out, reason);
    if (rc) goto out;
    if (st) {
        for (int c = 0; vr.v && c < vr.channels; c++) {
            st->voice_frames += cvi_voice_frames(vr.v[c]);
            st->voice_unchanged += cvi_voice_fallbacks(vr.v[c]);
        }
        st->voice_channels = vr.v ? vr.channels : 0;
        int64_t masked = 0;
        uint64_t n = 0;
        rc = cvi_audio_editor_masked(ed, in.decoded, &masked, &n);
        if (rc) {
            CVI_SET_REASON(reason, "out of memory");
            goto out;
        }
        st->seconds_in = (double)in.decoded / in.rate;
        st->seconds_redacted = (double)masked / in.rate;
        st->spans_redacted = n;
        st->dtmf_tones = ntone_count;
        for (size_t i = 0; i < ntones; i++)
            if (all[nspans + i].start * in.rate < (double)in.decoded) st->dtmf_spans++;
        st->sample_rate = out.enc->sample_rate;
        st->channels = out.enc->ch_layout.nb_channels;
        snprintf(st->codec, sizeof st->codec, "%s", avcodec_get_name(out.enc->codec_id));
    }
out:
    cvi_audio_out_close(&out, out_path, rc != 0);
    cvi_audio_in_close(&in);
    voicer_close(&vr);
    cvi_audio_editor_free(ed);
    free(all);
    return rc;
}
