/*
 * check_audio.c - cvi_audio_redact / cvi_audio_probe / cvi_audio_find_dtmf
 * through libavformat. Test files are generated here with libav (tags,
 * stream tags and, where the container allows, a cover picture), redacted,
 * and read back: silence inside spans, bit-identical PCM/FLAC outside, a
 * 1 kHz beep at -20 dBFS, per-channel spans, every codec round-trips with
 * no metadata left, DTMF tones masked and counted, bad input rejected with
 * nothing left behind.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>

#include "callveil.h"
#include "filters/dtmf.h"
#include "pipeline/audio.h"
#include "tests/test_files.h"
#include "tests/unit/audio_helpers.h"

static char DIR_[64];

static const char *tmp(const char *name)
{
    static char buf[64][256];
    static int k;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", DIR_, name);
    return buf[k];
}

static int exists(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0;
}

/* ---- writing test files --------------------------------------------- */

static void put_sample(AVFrame *f, int ch, int nch, int i, double v)
{
    if (v > 1) v = 1;
    if (v < -1) v = -1;
    enum AVSampleFormat fmt = f->format;
    int planar = av_sample_fmt_is_planar(fmt);
    uint8_t *base = planar ? f->extended_data[ch] : f->data[0];
    size_t idx = planar ? (size_t)i : (size_t)i * (size_t)nch + (size_t)ch;
    switch (av_get_packed_sample_fmt(fmt)) {
    case AV_SAMPLE_FMT_S16: ((int16_t *)base)[idx] = (int16_t)lrint(v * 32767); break;
    case AV_SAMPLE_FMT_S32: ((int32_t *)base)[idx] = (int32_t)lrint(v * 2147483647.0); break;
    case AV_SAMPLE_FMT_FLT: ((float *)base)[idx] = (float)v; break;
    case AV_SAMPLE_FMT_DBL: ((double *)base)[idx] = v; break;
    default: ck_abort_msg("sample format");
    }
}

/* A tiny PNG made with libavcodec, for cover art. */
static AVPacket *make_png(void)
{
    const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_PNG);
    ck_assert_ptr_nonnull(c);
    AVCodecContext *e = avcodec_alloc_context3(c);
    e->width = e->height = 4;
    e->pix_fmt = AV_PIX_FMT_RGB24;
    e->time_base = (AVRational){ 1, 1 };
    ck_assert_int_ge(avcodec_open2(e, c, NULL), 0);
    AVFrame *f = av_frame_alloc();
    f->width = f->height = 4;
    f->format = AV_PIX_FMT_RGB24;
    ck_assert_int_ge(av_frame_get_buffer(f, 0), 0);
    for (int y = 0; y < 4; y++) memset(f->data[0] + y * f->linesize[0], 0x40 * y, 12);
    ck_assert_int_ge(avcodec_send_frame(e, f), 0);
    AVPacket *p = av_packet_alloc();
    ck_assert_int_ge(avcodec_receive_packet(e, p), 0);
    av_frame_free(&f);
    avcodec_free_context(&e);
    return p;
}

/* Encode x (interleaved, nch channels, n frames, full scale 1.0) with encoder
 * `enc` into container `mux` at path, with container and stream tags and,
 * if cover, an attached PNG picture. */
static void write_audio(const char *path, const char *mux, const char *enc, int rate, int nch, const float *x,
                        size_t n, long bit_rate, int cover)
{
    AVFormatContext *oc = NULL;
    ck_assert_int_ge(avformat_alloc_output_context2(&oc, NULL, mux, path), 0);
    av_dict_set(&oc->metadata, "title", "Call from +447700900123", 0);
    av_dict_set(&oc->metadata, "artist", "Jane Customer", 0);
    av_dict_set(&oc->metadata, "comment", "card 4111111111111111", 0);
    const AVCodec *c = avcodec_find_encoder_by_name(enc);
    ck_assert_msg(c != NULL, "encoder %s", enc);
    AVCodecContext *e = avcodec_alloc_context3(c);
    e->sample_rate = rate;
    av_channel_layout_default(&e->ch_layout, nch);
    e->sample_fmt = c->sample_fmts ? c->sample_fmts[0] : AV_SAMPLE_FMT_S16;
    if (c->id == AV_CODEC_ID_FLAC) e->sample_fmt = AV_SAMPLE_FMT_S16;
    e->bit_rate = bit_rate;
    e->time_base = (AVRational){ 1, rate };
    if (oc->oformat->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ck_assert_int_ge(avcodec_open2(e, c, NULL), 0);
    AVStream *st = avformat_new_stream(oc, NULL);
    avcodec_parameters_from_context(st->codecpar, e);
    st->time_base = e->time_base;
    av_dict_set(&st->metadata, "title", "customer channel", 0);
    av_dict_set(&st->metadata, "language", "eng", 0);
    AVPacket *png = NULL;
    if (cover) {
        png = make_png();
        AVStream *ps = avformat_new_stream(oc, NULL);
        ps->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
        ps->codecpar->codec_id = AV_CODEC_ID_PNG;
        ps->codecpar->width = ps->codecpar->height = 4;
        ps->disposition = AV_DISPOSITION_ATTACHED_PIC;
        ps->time_base = (AVRational){ 1, 90000 };
    }
    ck_assert_int_ge(avio_open(&oc->pb, path, AVIO_FLAG_WRITE), 0);
    ck_assert_int_ge(avformat_write_header(oc, NULL), 0);
    if (png) {
        png->stream_index = 1;
        png->flags |= AV_PKT_FLAG_KEY;
        ck_assert_int_ge(av_interleaved_write_frame(oc, png), 0);
        av_packet_free(&png);
    }
    int fs = e->frame_size > 0 ? e->frame_size : 1024;
    AVFrame *f = av_frame_alloc();
    AVPacket *p = av_packet_alloc();
    int64_t pts = 0;
    for (size_t i = 0; i <= n; i += (size_t)fs) {
        AVFrame *send = NULL;
        if (i < n) {
            int m = (int)(n - i < (size_t)fs ? n - i : (size_t)fs);
            if (e->frame_size > 0 && !(c->capabilities & (AV_CODEC_CAP_VARIABLE_FRAME_SIZE | AV_CODEC_CAP_SMALL_LAST_FRAME)))
                m = fs;
            f->nb_samples = m;
            f->format = e->sample_fmt;
            f->sample_rate = rate;
            av_channel_layout_copy(&f->ch_layout, &e->ch_layout);
            ck_assert_int_ge(av_frame_get_buffer(f, 0), 0);
            for (int k = 0; k < m; k++)
                for (int ch = 0; ch < nch; ch++)
                    put_sample(f, ch, nch, k, i + (size_t)k < n ? x[(i + (size_t)k) * (size_t)nch + (size_t)ch] : 0);
            f->pts = pts;
            pts += m;
            send = f;
        }
        ck_assert_int_ge(avcodec_send_frame(e, send), 0);
        av_frame_unref(f);
        while (avcodec_receive_packet(e, p) == 0) {
            av_packet_rescale_ts(p, e->time_base, st->time_base);
            p->stream_index = 0;
            ck_assert_int_ge(av_interleaved_write_frame(oc, p), 0);
        }
    }
    ck_assert_int_ge(av_write_trailer(oc), 0);
    avio_closep(&oc->pb);
    av_frame_free(&f);
    av_packet_free(&p);
    avcodec_free_context(&e);
    avformat_free_context(oc);
}

/* ---- reading back ----------------------------------------------------- */

typedef struct decoded {
    double *x;          /* interleaved, full scale 1.0 (exact for s16/s32) */
    size_t n;           /* frames */
    int rate, channels;
    enum AVCodecID codec;
    long bit_rate;
    int nb_streams, fmt_tags, stream_tags;   /* tags other than structural ones */
    int frame_size;
} decoded;

static double get_sample(const AVFrame *f, int ch, int nch, int i)
{
    enum AVSampleFormat fmt = f->format;
    int planar = av_sample_fmt_is_planar(fmt);
    const uint8_t *base = planar ? f->extended_data[ch] : f->data[0];
    size_t idx = planar ? (size_t)i : (size_t)i * (size_t)nch + (size_t)ch;
    switch (av_get_packed_sample_fmt(fmt)) {
    case AV_SAMPLE_FMT_U8: return (((const uint8_t *)base)[idx] - 128) / 128.0;
    case AV_SAMPLE_FMT_S16: return ((const int16_t *)base)[idx] / 32768.0;
    case AV_SAMPLE_FMT_S32: return ((const int32_t *)base)[idx] / 2147483648.0;
    case AV_SAMPLE_FMT_FLT: return ((const float *)base)[idx];
    case AV_SAMPLE_FMT_DBL: return ((const double *)base)[idx];
    default: ck_abort_msg("sample format"); return 0;
    }
}

/* Tags, not counting the ones the MP4 demuxer derives from the file's
 * structure (ftyp brands, the handler, the track language "und"); those are
 * checked to hold none of the planted values. */
static int count_tags(const AVDictionary *m)
{
    static const char *const structural[] = { "major_brand", "minor_version", "compatible_brands",
                                              "handler_name", "vendor_id", "language" };
    int n = 0;
    const AVDictionaryEntry *e = NULL;
    while ((e = av_dict_get(m, "", e, AV_DICT_IGNORE_SUFFIX))) {
        int skip = 0;
        for (size_t i = 0; i < sizeof structural / sizeof structural[0]; i++)
            if (!strcmp(e->key, structural[i])) skip = 1;
        if (!strcmp(e->key, "language") && strcmp(e->value, "und")) skip = 0;
        if (strstr(e->value, "447700") || strstr(e->value, "Jane") || strstr(e->value, "4111") ||
            strstr(e->value, "customer"))
            skip = 0;
        n += !skip;
    }
    return n;
}

static decoded read_audio(const char *path)
{
    decoded d;
    memset(&d, 0, sizeof d);
    AVFormatContext *ic = NULL;
    ck_assert_msg(avformat_open_input(&ic, path, NULL, NULL) == 0, "open %s", path);
    ck_assert_int_ge(avformat_find_stream_info(ic, NULL), 0);
    int si = av_find_best_stream(ic, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    ck_assert_int_ge(si, 0);
    AVStream *st = ic->streams[si];
    d.nb_streams = (int)ic->nb_streams;
    d.fmt_tags = count_tags(ic->metadata);
    d.stream_tags = count_tags(st->metadata);
    d.codec = st->codecpar->codec_id;
    d.bit_rate = (long)st->codecpar->bit_rate;
    const AVCodec *c = avcodec_find_decoder(d.codec);
    AVCodecContext *dc = avcodec_alloc_context3(c);
    avcodec_parameters_to_context(dc, st->codecpar);
    dc->pkt_timebase = st->time_base;
    ck_assert_int_ge(avcodec_open2(dc, c, NULL), 0);
    d.rate = dc->sample_rate;
    d.channels = dc->ch_layout.nb_channels;
    d.frame_size = dc->frame_size;
    size_t cap = 1 << 16;
    d.x = malloc(cap * (size_t)d.channels * sizeof(double));
    AVPacket *p = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int eof = 0;
    for (;;) {
        int r = avcodec_receive_frame(dc, f);
        if (r == 0) {
            while (d.n + (size_t)f->nb_samples > cap) {
                cap *= 2;
                d.x = realloc(d.x, cap * (size_t)d.channels * sizeof(double));
            }
            for (int i = 0; i < f->nb_samples; i++)
                for (int ch = 0; ch < d.channels; ch++)
                    d.x[(d.n + (size_t)i) * (size_t)d.channels + (size_t)ch] = get_sample(f, ch, d.channels, i);
            d.n += (size_t)f->nb_samples;
            av_frame_unref(f);
            continue;
        }
        if (r == AVERROR_EOF) break;
        ck_assert_int_eq(r, AVERROR(EAGAIN));
        ck_assert_int_eq(eof, 0);
        if (av_read_frame(ic, p) < 0) {
            eof = 1;
            avcodec_send_packet(dc, NULL);
            continue;
        }
        if (p->stream_index == si) avcodec_send_packet(dc, p);
        av_packet_unref(p);
    }
    av_packet_free(&p);
    av_frame_free(&f);
    avcodec_free_context(&dc);
    avformat_close_input(&ic);
    return d;
}

static double rms_db(const decoded *d, int ch, size_t a, size_t b)
{
    double s = 0;
    if (b > d->n) b = d->n;
    ck_assert_uint_gt(b, a);
    for (size_t i = a; i < b; i++) {
        double v = d->x[i * (size_t)d->channels + (size_t)ch];
        s += v * v;
    }
    s /= (double)(b - a);
    return s > 0 ? 10 * log10(s) : -200;
}

/* "Speech-ish" test signal: a few harmonics with a wandering pitch plus
 * noise, around -12 dBFS; per-channel different. */
static float *make_signal(size_t n, int nch, int rate, uint64_t seed)
{
    float *x = malloc(n * (size_t)nch * sizeof *x);
    for (int ch = 0; ch < nch; ch++) {
        double ph = 0;
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / rate, f0 = 140 + 30 * ch + 20 * sin(2 * M_PI * 0.7 * t);
            ph += 2 * M_PI * f0 / rate;
            double v = 0.12 * sin(ph) + 0.08 * sin(2 * ph + 0.3) + 0.05 * sin(3 * ph + 1) + 0.02 * ah_gauss(&seed);
            x[i * (size_t)nch + (size_t)ch] = (float)v;
        }
    }
    return x;
}

/* Samples of [s, e) seconds: first sample and one past the last. */
static size_t s_first(double s, int rate) { return (size_t)floor(s * rate); }
static size_t s_last(double e, int rate) { return (size_t)ceil(e * rate); }

static int in_any(size_t k, const cv_audio_span *sp, size_t n, int ch, int rate)
{
    for (size_t i = 0; i < n; i++)
        if ((sp[i].channel < 0 || sp[i].channel == ch) && k >= s_first(sp[i].start, rate) && k < s_last(sp[i].end, rate))
            return 1;
    return 0;
}

/* ---- tests ------------------------------------------------------------ */

static const struct lossless {
    const char *mux, *enc, *file;
    enum AVCodecID id;
} LOSSLESS[] = {
    { "wav", "pcm_s16le", "s16.wav", AV_CODEC_ID_PCM_S16LE },
    { "wav", "pcm_mulaw", "ulaw.wav", AV_CODEC_ID_PCM_MULAW },
    { "wav", "pcm_alaw", "alaw.wav", AV_CODEC_ID_PCM_ALAW },
    { "flac", "flac", "in.flac", AV_CODEC_ID_FLAC },
};

START_TEST(test_lossless_silence_exact)
{
    const struct lossless *L = &LOSSLESS[_i];
    int rate = 8000;
    size_t n = 3 * 8000;
    float *x = make_signal(n, 1, rate, 7);
    const char *in = tmp(L->file), *out = tmp("out_lossless");
    write_audio(in, L->mux, L->enc, rate, 1, x, n, 0, 0);
    cv_audio_span sp[] = { { 0.5, 0.8, -1 }, { 1.2, 1.25, -1 }, { 1.24, 1.4, -1 }, { 2.9, 3.5, 0 } };
    cv_audio_stats st;
    const char *reason = NULL;
    ck_assert_int_eq(cvi_audio_redact(in, out, NULL, sp, 4, &st, &reason), 0);
    decoded a = read_audio(in), b = read_audio(out);
    ck_assert_int_eq(b.codec, L->id);
    ck_assert_int_eq(b.rate, rate);
    ck_assert_int_eq(b.channels, 1);
    ck_assert_uint_eq(a.n, n);
    ck_assert_uint_eq(b.n, n);
    size_t changed = 0;
    for (size_t k = 0; k < n; k++) {
        if (!in_any(k, sp, 4, 0, rate)) {
            ck_assert_msg(a.x[k] == b.x[k], "%s sample %zu differs outside spans", L->file, k);
        } else {
            changed += a.x[k] != b.x[k];
            ck_assert_double_le(fabs(b.x[k]), fabs(a.x[k]) + 1e-9);   /* gain <= 1, never louder */
        }
    }
    ck_assert_uint_gt(changed, 4000);
    int ramp = 40;
    ck_assert_double_lt(rms_db(&b, 0, 4000 + ramp, 6400 - ramp), -60);
    ck_assert_double_lt(rms_db(&b, 0, 9600 + ramp, 11200 - ramp), -60);
    ck_assert_double_lt(rms_db(&b, 0, 23200 + ramp, n), -60);
    ck_assert_double_gt(rms_db(&a, 0, 4000 + ramp, 6400 - ramp), -30);   /* there was sound */
    /* the middle of a span is the codec's zero (A-law has none: +-8/32768) */
    ck_assert_double_le(fabs(b.x[5000]), L->id == AV_CODEC_ID_PCM_ALAW ? 8.0 / 32768 : 0.0);
    ck_assert_double_eq_tol(st.seconds_in, 3.0, 1e-9);
    ck_assert_double_eq_tol(st.seconds_redacted, 0.3 + 0.2 + 0.1, 1e-9);
    ck_assert_uint_eq(st.spans_redacted, 3);
    ck_assert_uint_eq(st.dtmf_tones, 0);
    ck_assert_int_eq(st.sample_rate, rate);
    ck_assert_int_eq(st.channels, 1);
    ck_assert_str_eq(st.codec, avcodec_get_name(L->id));
    free(a.x);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

/* Goertzel amplitude of frequency f over x[a, b) of channel ch. */
static double tone_amplitude(const decoded *d, int ch, size_t a, size_t b, double f)
{
    double w = 2 * M_PI * f / d->rate, c = 2 * cos(w), s1 = 0, s2 = 0;
    for (size_t i = a; i < b; i++) {
        double s0 = d->x[i * (size_t)d->channels + (size_t)ch] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    double p = s1 * s1 + s2 * s2 - c * s1 * s2;
    return 2 * sqrt(p) / (double)(b - a);
}

START_TEST(test_beep)
{
    int rate = 16000;
    size_t n = 2 * 16000;
    float *x = make_signal(n, 1, rate, 11);
    const char *in = tmp("beep_in.wav"), *out = tmp("beep_out.wav");
    write_audio(in, "wav", "pcm_s16le", rate, 1, x, n, 0, 0);
    cv_audio_span sp = { 0.5, 1.0, -1 };
    cv_audio_opts o = { CV_AUDIO_BEEP, 0, NULL, NULL, 0, NULL };
    cv_audio_stats st;
    ck_assert_int_eq(cvi_audio_redact(in, out, &o, &sp, 1, &st, NULL), 0);
    decoded a = read_audio(in), b = read_audio(out);
    ck_assert_uint_eq(b.n, n);
    size_t s0 = 8000, s1 = 16000, ramp = 80;
    for (size_t k = 0; k < n; k++)
        if (k < s0 || k >= s1) ck_assert(a.x[k] == b.x[k]);
    double amp = tone_amplitude(&b, 0, s0 + ramp, s1 - ramp, 1000);
    ck_assert_double_eq_tol(20 * log10(amp), -20, 0.2);
    /* the span holds nothing but the tone: its power is the whole power */
    double tone_db = 20 * log10(amp / sqrt(2));
    ck_assert_double_eq_tol(rms_db(&b, 0, s0 + ramp, s1 - ramp), tone_db, 0.1);
    /* no click: sample steps at the span edges stay small */
    for (size_t k = s0 - 2; k < s0 + ramp + 2; k++) ck_assert_double_lt(fabs(b.x[k + 1] - b.x[k]), 0.1);
    ck_assert_double_eq_tol(st.seconds_redacted, 0.5, 1e-9);
    free(a.x);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

START_TEST(test_stereo_channel)
{
    static const char *const mux[] = { "wav", "flac" }, *const enc[] = { "pcm_s16le", "flac" };
    int rate = 8000;
    size_t n = 2 * 8000;
    float *x = make_signal(n, 2, rate, 3);
    const char *in = tmp(_i ? "st.flac" : "st.wav"), *out = tmp("st_out");
    write_audio(in, mux[_i], enc[_i], rate, 2, x, n, 0, 0);
    cv_audio_span sp[] = { { 0.25, 0.75, 1 }, { 1.5, 1.6, -1 } };
    cv_audio_stats st;
    ck_assert_int_eq(cvi_audio_redact(in, out, NULL, sp, 2, &st, NULL), 0);
    decoded a = read_audio(in), b = read_audio(out);
    ck_assert_int_eq(b.channels, 2);
    ck_assert_uint_eq(b.n, n);
    for (size_t k = 0; k < n; k++)
        for (int ch = 0; ch < 2; ch++)
            if (!in_any(k, sp, 2, ch, rate)) ck_assert(a.x[k * 2 + (size_t)ch] == b.x[k * 2 + (size_t)ch]);
    ck_assert_double_lt(rms_db(&b, 1, 2000 + 40, 6000 - 40), -60);
    ck_assert_double_gt(rms_db(&b, 0, 2000 + 40, 6000 - 40), -30);   /* the other channel keeps talking */
    ck_assert_double_lt(rms_db(&b, 0, 12000 + 40, 12800 - 40), -60);
    ck_assert_double_lt(rms_db(&b, 1, 12000 + 40, 12800 - 40), -60);
    ck_assert_double_eq_tol(st.seconds_redacted, 0.6, 1e-9);
    ck_assert_uint_eq(st.spans_redacted, 2);
    free(a.x);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

static const struct codec_case {
    const char *mux, *enc, *file;
    enum AVCodecID id;
    int rate, channels;
    long bit_rate;
    int cover;
} CODECS[] = {
    { "wav", "pcm_s16le", "c1.wav", AV_CODEC_ID_PCM_S16LE, 8000, 2, 0, 0 },
    { "wav", "pcm_mulaw", "c2.wav", AV_CODEC_ID_PCM_MULAW, 8000, 1, 0, 0 },
    { "wav", "pcm_alaw", "c3.wav", AV_CODEC_ID_PCM_ALAW, 8000, 1, 0, 0 },
    { "flac", "flac", "c4.flac", AV_CODEC_ID_FLAC, 16000, 1, 0, 1 },
    { "mp3", "libmp3lame", "c5.mp3", AV_CODEC_ID_MP3, 16000, 1, 32000, 1 },
    { "ogg", "libopus", "c6.ogg", AV_CODEC_ID_OPUS, 8000, 1, 24000, 0 },
    { "ogg", "libopus", "c7.opus", AV_CODEC_ID_OPUS, 48000, 2, 48000, 0 },
    { "ipod", "aac", "c8.m4a", AV_CODEC_ID_AAC, 16000, 1, 48000, 1 },
    { "mp4", "aac", "c9.mp4", AV_CODEC_ID_AAC, 44100, 2, 96000, 0 },
};

START_TEST(test_codec_roundtrip_and_metadata)
{
    const struct codec_case *C = &CODECS[_i];
    size_t n = (size_t)C->rate * 3;
    float *x = make_signal(n, C->channels, C->rate, 5 + (uint64_t)_i);
    const char *in = tmp(C->file), *out = tmp("rt_out");
    write_audio(in, C->mux, C->enc, C->rate, C->channels, x, n, C->bit_rate, C->cover);
    decoded a = read_audio(in);
    /* the input really carries what must be stripped */
    ck_assert_msg(a.fmt_tags + a.stream_tags > 0, "%s: test input has no tags", C->file);
    if (C->cover) ck_assert_int_eq(a.nb_streams, 2);
    cv_audio_span sp = { 1.0, 2.0, -1 };
    cv_audio_stats st;
    const char *reason = NULL;
    int rc = cvi_audio_redact(in, out, NULL, &sp, 1, &st, &reason);
    ck_assert_msg(rc == 0, "%s: %d %s", C->file, rc, reason);
    decoded b = read_audio(out);
    ck_assert_int_eq(b.codec, C->id);
    ck_assert_int_eq(b.rate, a.rate);
    ck_assert_int_eq(b.channels, C->channels);
    ck_assert_int_eq(b.nb_streams, 1);
    ck_assert_msg(b.fmt_tags == 0 && b.stream_tags == 0, "%s: %d container, %d stream tags left", C->file,
                  b.fmt_tags, b.stream_tags);
    long frame = a.frame_size > 0 ? a.frame_size : 1;
    if (C->id == AV_CODEC_ID_OPUS) frame = 960 * (a.rate / 48000 > 0 ? a.rate / 48000 : 1);
    ck_assert_msg(labs((long)b.n - (long)a.n) <= frame, "%s: %zu samples in, %zu out", C->file, a.n, b.n);
    /* MP3 is CBR: the same rate exactly. AAC's rate control spends less on
     * the silenced third, so only "near the input's rate" can be asked. */
    if (C->id == AV_CODEC_ID_MP3) ck_assert_int_eq(b.bit_rate, a.bit_rate);
    if (C->id == AV_CODEC_ID_AAC)
        ck_assert_msg(b.bit_rate > a.bit_rate / 2 && b.bit_rate < a.bit_rate * 3 / 2, "%s: bit rate %ld vs %ld",
                      C->file, b.bit_rate, a.bit_rate);
    /* silence in the middle of the span survives the codec */
    size_t r = (size_t)b.rate / 10;
    for (int ch = 0; ch < b.channels; ch++) {
        ck_assert_msg(rms_db(&b, ch, (size_t)b.rate + r, 2 * (size_t)b.rate - r) < -60, "%s ch %d", C->file, ch);
        ck_assert_double_gt(rms_db(&b, ch, (size_t)b.rate / 4, (size_t)b.rate - r), -35);
    }
    ck_assert_str_eq(st.codec, avcodec_get_name(C->id));
    ck_assert_double_eq_tol(st.seconds_redacted, 1.0, 1e-3);
    free(a.x);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

START_TEST(test_codec_override)
{
    int rate = 8000;
    size_t n = 8000;
    float *x = make_signal(n, 1, rate, 9);
    const char *in = tmp("ov.wav"), *out = tmp("ov_out.wav");
    write_audio(in, "wav", "pcm_s16le", rate, 1, x, n, 0, 0);
    cv_audio_opts o = { CV_AUDIO_SILENCE, 0, "pcm_mulaw", NULL, 0, NULL };
    cv_audio_stats st;
    ck_assert_int_eq(cvi_audio_redact(in, out, &o, NULL, 0, &st, NULL), 0);
    decoded b = read_audio(out);
    ck_assert_int_eq(b.codec, AV_CODEC_ID_PCM_MULAW);
    ck_assert_uint_eq(b.n, n);
    ck_assert_str_eq(st.codec, "pcm_mulaw");
    ck_assert_double_eq(st.seconds_redacted, 0);
    free(b.x);
    unlink(out);
    /* an encoder that does not exist, or that the container cannot hold */
    const char *reason = NULL;
    o.codec = "no_such_encoder";
    ck_assert_int_eq(cvi_audio_redact(in, out, &o, NULL, 0, &st, &reason), CV_EFORMAT);
    ck_assert(!exists(out));
    o.codec = "png";   /* not an audio encoder */
    ck_assert_int_eq(cvi_audio_redact(in, out, &o, NULL, 0, &st, &reason), CV_EFORMAT);
    ck_assert(!exists(out));
    const char *flac = tmp("ov.flac"), *flac_out = tmp("ov_out.flac");
    write_audio(flac, "flac", "flac", rate, 1, x, n, 0, 0);
    o.codec = "pcm_s16le";   /* a FLAC file holds only FLAC */
    ck_assert_int_eq(cvi_audio_redact(flac, flac_out, &o, NULL, 0, &st, &reason), CV_EFORMAT);
    ck_assert(!exists(flac_out));
    unlink(flac);
    free(x);
    unlink(in);
}
END_TEST

/* Insert dual tones into a "speech" signal at the given rate. */
static void add_dtmf(float *x, int nch, int only_ch, int rate, size_t at, size_t len, int key, double amp)
{
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / rate;
        double v = amp * sin(2 * M_PI * DTMF_ROW[key / 4] * t) + amp * sin(2 * M_PI * DTMF_COL[key % 4] * t + 1);
        for (int ch = 0; ch < nch; ch++)
            if (only_ch < 0 || ch == only_ch) x[(at + i) * (size_t)nch + (size_t)ch] = (float)v;
    }
}

START_TEST(test_dtmf_masked)
{
    /* 8 kHz mono, and 16 kHz stereo with the tones on one channel only
     * (resampled for detection; masked on both channels). */
    int rate = _i ? 16000 : 8000, nch = _i ? 2 : 1, only = _i ? 1 : -1;
    size_t n = (size_t)rate * 3;
    float *x = make_signal(n, nch, rate, 21);
    for (size_t i = 0; i < n * (size_t)nch; i++) x[i] *= 0.3f;
    double at[3] = { 0.5, 1.3, 2.2 }, len = 0.06;
    for (int t = 0; t < 3; t++)
        add_dtmf(x, nch, only, rate, (size_t)(at[t] * rate), (size_t)(len * rate), 3 + 4 * t, 0.15);
    const char *in = tmp("dtmf.wav"), *out = tmp("dtmf_out.wav");
    write_audio(in, "wav", "pcm_s16le", rate, nch, x, n, 0, 0);
    cv_audio_opts o = { CV_AUDIO_SILENCE, 1, NULL, NULL, 0, NULL };
    cv_audio_stats st;
    const char *reason = NULL;
    ck_assert_int_eq(cvi_audio_redact(in, out, &o, NULL, 0, &st, &reason), 0);
    ck_assert_uint_eq(st.dtmf_tones, 3);
    ck_assert_uint_eq(st.dtmf_spans, 3);
    ck_assert_uint_eq(st.spans_redacted, 3);
    decoded a = read_audio(in), b = read_audio(out);
    ck_assert_uint_eq(b.n, n);
    double block = (double)CV_DTMF_BLOCK / CV_DTMF_RATE;
    ck_assert_double_ge(st.seconds_redacted, 3 * len);
    ck_assert_double_le(st.seconds_redacted, 3 * (len + 4 * block));
    for (int t = 0; t < 3; t++) {
        size_t a0 = (size_t)(at[t] * rate), a1 = a0 + (size_t)(len * rate);
        for (int ch = 0; ch < nch; ch++) ck_assert_double_lt(rms_db(&b, ch, a0, a1), -60);
    }
    /* far from the tones nothing changed */
    size_t far = (size_t)(3 * block * rate);
    for (size_t k = 0; k < n; k++) {
        int near = 0;
        for (int t = 0; t < 3; t++) {
            size_t a0 = (size_t)(at[t] * rate), a1 = a0 + (size_t)(len * rate);
            if (k + far >= a0 && k < a1 + far) near = 1;
        }
        if (!near)
            for (int ch = 0; ch < nch; ch++) ck_assert(a.x[k * (size_t)nch + (size_t)ch] == b.x[k * (size_t)nch + (size_t)ch]);
    }
    /* the same through pass 1 alone */
    cv_audio_span *spans = NULL;
    size_t ns = 0;
    uint64_t tones = 0;
    ck_assert_int_eq(cvi_audio_find_dtmf(in, &spans, &ns, &tones, &reason), 0);
    ck_assert_uint_eq(ns, 3);
    ck_assert_uint_eq(tones, 3);
    for (int t = 0; t < 3; t++) {
        ck_assert_int_eq(spans[t].channel, -1);
        ck_assert_double_le(spans[t].start, at[t]);
        ck_assert_double_ge(spans[t].end, at[t] + len);
        ck_assert_double_ge(spans[t].start, at[t] - 3 * block);
        ck_assert_double_le(spans[t].end, at[t] + len + 3 * block);
    }
    free(spans);
    /* without o.dtmf the tones stay */
    ck_assert_int_eq(cvi_audio_redact(in, out, NULL, NULL, 0, &st, &reason), 0);
    ck_assert_uint_eq(st.dtmf_tones, 0);
    free(b.x);
    b = read_audio(out);
    for (size_t k = 0; k < n * (size_t)nch; k++) ck_assert(a.x[k] == b.x[k]);
    free(a.x);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

START_TEST(test_speech_no_dtmf)
{
    if (system("command -v espeak-ng >/dev/null 2>&1") != 0) {
        fprintf(stderr, "check_audio: espeak-ng not installed, speech false-alarm test skipped\n");
        return;
    }
    const char *wav = tmp("speech.wav");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "espeak-ng -w '%s' 'Hello, thank you for calling. My card number is four one one one, and my "
             "phone number is oh seven seven double oh nine. Could you please check my last order? "
             "One two three four five six seven eight nine zero.' 2>/dev/null",
             wav);
    ck_assert_int_eq(system(cmd), 0);
    cv_audio_span *spans = NULL;
    size_t ns = 0;
    uint64_t tones = 99;
    const char *reason = NULL;
    double secs = 0;
    ck_assert_int_eq(cvi_audio_probe(wav, &secs, NULL, NULL, &reason), 0);
    ck_assert_double_gt(secs, 5);
    ck_assert_int_eq(cvi_audio_find_dtmf(wav, &spans, &ns, &tones, &reason), 0);
    ck_assert_uint_eq(tones, 0);
    ck_assert_uint_eq(ns, 0);
    free(spans);
    unlink(wav);
}
END_TEST

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static char *read_bytes(const char *path, size_t *n)
{
    char *p = readfile(path, n);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void expect_rejected(const char *in, int code, const char *what)
{
    const char *out = tmp("bad_out"), *reason = NULL;
    cv_audio_stats st;
    cv_audio_span sp = { 0.1, 0.2, -1 };
    cv_audio_opts o = { CV_AUDIO_SILENCE, 1, NULL, NULL, 0, NULL };
    int rc = cvi_audio_redact(in, out, &o, &sp, 1, &st, &reason);
    ck_assert_msg(rc == code, "%s: %d (%s), wanted %d", what, rc, reason, code);
    ck_assert_msg(!exists(out), "%s: output left behind", what);
    ck_assert_ptr_nonnull(reason);
    ck_assert_uint_gt(strlen(reason), 0);
    o.dtmf = 0;
    rc = cvi_audio_redact(in, out, &o, &sp, 1, &st, &reason);
    ck_assert_msg(rc == code, "%s without dtmf: %d (%s)", what, rc, reason);
    ck_assert(!exists(out));
}

START_TEST(test_bad_input)
{
    expect_rejected(tmp("does_not_exist.wav"), CV_EIO, "missing");
    const char *txt = tmp("text.wav");
    const char *words = "name,phone\nJane,+447700900123\n";
    write_bytes(txt, words, strlen(words));
    expect_rejected(txt, CV_EINPUT, "text");
    write_bytes(txt, "", 0);
    expect_rejected(txt, CV_EINPUT, "empty");
    /* a picture only: no audio stream */
    AVPacket *png = make_png();
    const char *pic = tmp("pic.png");
    write_bytes(pic, png->data, (size_t)png->size);
    av_packet_free(&png);
    expect_rejected(pic, CV_EINPUT, "png");

    size_t n = 8000 * 2;
    float *x = make_signal(n, 1, 8000, 1);
    const char *wav = tmp("good.wav"), *flac = tmp("good.flac"), *cut = tmp("cut.wav"), *bad = tmp("bad.flac");
    write_audio(wav, "wav", "pcm_s16le", 8000, 1, x, n, 0, 0);
    write_audio(flac, "flac", "flac", 8000, 1, x, n, 0, 0);
    size_t len;
    char *p = read_bytes(wav, &len);
    write_bytes(cut, p, len / 2);                  /* truncated WAV */
    expect_rejected(cut, CV_EINPUT, "truncated wav");
    write_bytes(cut, p, 30);                       /* header cut short */
    expect_rejected(cut, CV_EINPUT, "wav header only");
    free(p);
    p = read_bytes(flac, &len);
    write_bytes(bad, p, len * 2 / 3);              /* truncated FLAC */
    expect_rejected(bad, CV_EINPUT, "truncated flac");
    for (size_t i = len / 2; i < len / 2 + 64; i++) p[i] ^= 0x5a;   /* corrupt frames */
    write_bytes(bad, p, len);
    expect_rejected(bad, CV_EINPUT, "corrupt flac");
    free(p);
    /* output onto the input */
    const char *reason = NULL;
    ck_assert_int_eq(cvi_audio_redact(wav, wav, NULL, NULL, 0, NULL, &reason), CV_EUSAGE);
    ck_assert(exists(wav));
    /* bad arguments */
    cv_audio_opts o = { 7, 0, NULL, NULL, 0, NULL };
    ck_assert_int_eq(cvi_audio_redact(wav, tmp("x.wav"), &o, NULL, 0, NULL, &reason), CV_EUSAGE);
    ck_assert_int_eq(cvi_audio_redact(wav, tmp("x.wav"), NULL, NULL, 3, NULL, &reason), CV_EUSAGE);
    ck_assert(!exists(tmp("x.wav")));
    /* probe */
    double secs = 0;
    int r = 0, c = 0;
    ck_assert_int_eq(cvi_audio_probe(wav, &secs, &r, &c, &reason), 0);
    ck_assert_double_eq_tol(secs, 2.0, 1e-6);
    ck_assert_int_eq(r, 8000);
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(cvi_audio_probe(txt, &secs, &r, &c, &reason), CV_EINPUT);
    ck_assert_int_eq(cvi_audio_probe(pic, &secs, &r, &c, &reason), CV_EINPUT);
    free(x);
    unlink(txt);
    unlink(pic);
    unlink(wav);
    unlink(flac);
    unlink(cut);
    unlink(bad);
}
END_TEST

/* Spans given out of order, overlapping, negative, NaN, past the end, and a
 * channel the file does not have (applies to all channels). */
START_TEST(test_span_edge_cases)
{
    int rate = 8000;
    size_t n = 8000;
    float *x = make_signal(n, 2, rate, 4);
    const char *in = tmp("edge.wav"), *out = tmp("edge_out.wav");
    write_audio(in, "wav", "pcm_s16le", rate, 2, x, n, 0, 0);
    cv_audio_span sp[] = { { 0.6, 0.7, 5 }, { -1.0, 0.05, -1 }, { NAN, 0.5, -1 }, { 0.9, 20.0, 0 }, { 0.3, 0.3, -1 } };
    cv_audio_stats st;
    ck_assert_int_eq(cvi_audio_redact(in, out, NULL, sp, 5, &st, NULL), 0);
    decoded b = read_audio(out);
    ck_assert_double_lt(rms_db(&b, 0, 4800 + 40, 5600 - 40), -60);
    ck_assert_double_lt(rms_db(&b, 1, 4800 + 40, 5600 - 40), -60);
    ck_assert_double_lt(rms_db(&b, 0, 40, 400 - 40), -60);
    ck_assert_double_lt(rms_db(&b, 0, 7200 + 40, 8000), -60);
    ck_assert_double_gt(rms_db(&b, 1, 7200 + 40, 8000), -30);
    ck_assert_double_eq_tol(st.seconds_redacted, 0.05 + 0.1 + 0.1, 1e-9);
    ck_assert_uint_eq(st.spans_redacted, 3);
    free(b.x);
    free(x);
    unlink(in);
    unlink(out);
}
END_TEST

int main(void)
{
    snprintf(DIR_, sizeof DIR_, "/tmp/check_audio_XXXXXX");
    if (!mkdtemp(DIR_)) return 1;
    av_log_set_level(AV_LOG_QUIET);
    Suite *s = suite_create("audio");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_lossless_silence_exact, 0, 4);
    tcase_add_test(tc, test_beep);
    tcase_add_loop_test(tc, test_stereo_channel, 0, 2);
    tcase_add_loop_test(tc, test_codec_roundtrip_and_metadata, 0, (int)(sizeof CODECS / sizeof CODECS[0]));
    tcase_add_test(tc, test_codec_override);
    tcase_add_loop_test(tc, test_dtmf_masked, 0, 2);
    tcase_add_test(tc, test_speech_no_dtmf);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_span_edge_cases);
    suite_add_tcase(s, tc);
    int rc = run_audio_suite(s);
    rmdir(DIR_);
    return rc;
}
