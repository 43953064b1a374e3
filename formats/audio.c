/*
 * audio.c - decode and encode call recordings with libavformat,
 * libavcodec and libswresample (contract in audio_io.h; the driver that
 * masks and anonymises between the two is pipeline/audio_driver.c). AVERROR codes are
 * translated to CV_E* here and nowhere else; reasons are static strings.
 * Files are opened through FFmpeg's "file:" protocol with a protocol
 * whitelist of "file", so a path can never be taken for a URL.
 */
#include "audio_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>

#include "callveil.h"


/* ---- input ------------------------------------------------------------ */


void cvi_audio_in_close(cvi_audio_in *in)
{
    avcodec_free_context(&in->dec);
    avformat_close_input(&in->fmt);
    av_packet_free(&in->pkt);
    av_frame_free(&in->frame);
}

static int cv_sample_of(enum AVSampleFormat f)
{
    switch (av_get_packed_sample_fmt(f)) {
    case AV_SAMPLE_FMT_U8: return CV_SAMPLE_U8;
    case AV_SAMPLE_FMT_S16: return CV_SAMPLE_S16;
    case AV_SAMPLE_FMT_S32: return CV_SAMPLE_S32;
    case AV_SAMPLE_FMT_FLT: return CV_SAMPLE_FLT;
    case AV_SAMPLE_FMT_DBL: return CV_SAMPLE_DBL;
    default: return -1;
    }
}

/* "file:" + path, so FFmpeg never parses a protocol out of the name. */
static char *file_url(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(n + 6);
    if (u) {
        memcpy(u, "file:", 5);
        memcpy(u + 5, path, n + 1);
    }
    return u;
}

static int open_error(int err, const char **reason)
{
    if (err == AVERROR(ENOMEM)) {
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    if (err == AVERROR(ENOENT) || err == AVERROR(EACCES) || err == AVERROR(EISDIR) || err == AVERROR(EPERM)) {
        CVI_SET_REASON(reason, "cannot open the file");
        return CV_EIO;
    }
    if (err == AVERROR_EOF) {
        CVI_SET_REASON(reason, "truncated audio: the file ends inside its headers");
        return CV_EINPUT;
    }
    CVI_SET_REASON(reason, "not a readable media file");
    return CV_EINPUT;
}

/* Open the container and the first audio stream's decoder. With decode == 0
 * only the container is opened (for probing). */
int cvi_audio_in_open(cvi_audio_in *in, const char *path, int decode, const char **reason)
{
    memset(in, 0, sizeof *in);
    in->stream = -1;
    char *url = file_url(path);
    if (!url) {
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    int err = avformat_open_input(&in->fmt, url, NULL, &opts);
    av_dict_free(&opts);
    free(url);
    if (err < 0) return open_error(err, reason);
    err = avformat_find_stream_info(in->fmt, NULL);
    if (err < 0) {
        cvi_audio_in_close(in);
        return open_error(err == AVERROR(ENOMEM) || err == AVERROR_EOF ? err : AVERROR_INVALIDDATA, reason);
    }
    for (unsigned i = 0; i < in->fmt->nb_streams; i++) {
        AVStream *s = in->fmt->streams[i];
        if (in->stream < 0 && s->codecpar->codec_type == AVMEDIA_TYPE_AUDIO &&
            !(s->disposition & AV_DISPOSITION_ATTACHED_PIC))
            in->stream = (int)i;
        else
            s->discard = AVDISCARD_ALL;
    }
    if (in->stream < 0) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "no audio stream");
        return CV_EINPUT;
    }
    AVCodecParameters *par = in->fmt->streams[in->stream]->codecpar;
    in->rate = par->sample_rate;
    in->channels = par->ch_layout.nb_channels;
    if (!decode) return 0;

    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "no decoder for the audio codec");
        return CV_EINPUT;
    }
    in->dec = avcodec_alloc_context3(codec);
    in->pkt = av_packet_alloc();
    in->frame = av_frame_alloc();
    if (!in->dec || !in->pkt || !in->frame) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    if (avcodec_parameters_to_context(in->dec, par) < 0) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "bad audio stream parameters");
        return CV_EINPUT;
    }
    in->dec->pkt_timebase = in->fmt->streams[in->stream]->time_base;
    /* Fail on damaged data instead of concealing it. */
    in->dec->err_recognition |= AV_EF_CRCCHECK | AV_EF_EXPLODE;
    err = avcodec_open2(in->dec, codec, NULL);
    if (err < 0) {
        cvi_audio_in_close(in);
        return open_error(err == AVERROR(ENOMEM) ? err : AVERROR_INVALIDDATA, reason);
    }
    in->rate = in->dec->sample_rate;
    in->channels = in->dec->ch_layout.nb_channels;
    in->cvfmt = cv_sample_of(in->dec->sample_fmt);
    in->planar = av_sample_fmt_is_planar(in->dec->sample_fmt);
    if (in->rate <= 0 || in->rate > 768000 || in->channels < 1 || in->channels > 64) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "bad audio stream parameters");
        return CV_EINPUT;
    }
    if (in->cvfmt < 0) {
        cvi_audio_in_close(in);
        CVI_SET_REASON(reason, "unsupported sample format");
        return CV_EINPUT;
    }
    return 0;
}

/* Next decoded frame in in->frame: 1, 0 at the end, or a CV_E* code. */
int cvi_audio_in_next(cvi_audio_in *in, const char **reason)
{
    for (;;) {
        int err = avcodec_receive_frame(in->dec, in->frame);
        if (err == 0) {
            AVFrame *f = in->frame;
            if (f->format != in->dec->sample_fmt || f->sample_rate != in->rate ||
                f->ch_layout.nb_channels != in->channels) {
                CVI_SET_REASON(reason, "audio parameters change mid-stream");
                return CV_EINPUT;
            }
            in->decoded += f->nb_samples;
            return 1;
        }
        if (err == AVERROR_EOF) return 0;
        if (err != AVERROR(EAGAIN)) {
            CVI_SET_REASON(reason, err == AVERROR(ENOMEM) ? "out of memory" : "corrupt audio data");
            return err == AVERROR(ENOMEM) ? CV_ENOMEM : CV_EINPUT;
        }
        if (in->demux_eof) return 0;
        err = av_read_frame(in->fmt, in->pkt);
        if (err == AVERROR_EOF) {
            in->demux_eof = 1;
            err = avcodec_send_packet(in->dec, NULL);
        } else if (err < 0) {
            if (err == AVERROR(ENOMEM)) {
                CVI_SET_REASON(reason, "out of memory");
                return CV_ENOMEM;
            }
            if (err == AVERROR(EIO)) {
                CVI_SET_REASON(reason, "read error");
                return CV_EIO;
            }
            CVI_SET_REASON(reason, "corrupt container");
            return CV_EINPUT;
        } else if (in->pkt->stream_index != in->stream) {
            av_packet_unref(in->pkt);
            continue;
        } else {
            if (in->pkt->flags & AV_PKT_FLAG_CORRUPT) {
                av_packet_unref(in->pkt);
                CVI_SET_REASON(reason, "corrupt audio data");
                return CV_EINPUT;
            }
            in->last_size = in->pkt->size;
            memset(in->last_head, 0, sizeof in->last_head);
            memcpy(in->last_head, in->pkt->data, in->pkt->size < 4 ? (size_t)in->pkt->size : 4);
            err = avcodec_send_packet(in->dec, in->pkt);
            av_packet_unref(in->pkt);
        }
        if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
            CVI_SET_REASON(reason, err == AVERROR(ENOMEM) ? "out of memory" : "corrupt audio data");
            return err == AVERROR(ENOMEM) ? CV_ENOMEM : CV_EINPUT;
        }
    }
}

/* Ogg: a complete stream ends with a page flagged end-of-stream. A file cut
 * short (its last page lost or partial) has none, and its duration, read
 * from the last whole page, agrees with what decodes: only this shows it.
 * Returns 1 when the last whole page of the file carries the flag, 0 when
 * not, -1 when out of memory. */
static int ogg_ends_whole(AVIOContext *pb)
{
    int64_t size = avio_size(pb);
    if (size <= 27) return 0;
    int64_t from = size > 65536 + 27 + 255 ? size - (65536 + 27 + 255) : 0;
    int n = (int)(size - from);
    unsigned char *b = malloc((size_t)n);
    if (!b) return -1;
    int ok = 0;
    if (avio_seek(pb, from, SEEK_SET) == from && avio_read(pb, b, n) == n) {
        for (int i = n - 27; i >= 0 && !ok; i--) {
            if (memcmp(b + i, "OggS", 4) || b[i + 4] != 0) continue;
            int nseg = b[i + 26], len = 27 + nseg;
            if (i + len > n) continue;
            for (int k = 0; k < nseg; k++) len += b[i + 27 + k];
            if (i + len > n) continue;       /* the partial page of a cut file */
            ok = (b[i + 5] & 0x04) != 0;
            break;
        }
    }
    free(b);
    return ok;
}

/* The length an MPEG audio Layer III frame header declares for its frame,
 * or 0 when h is no such header. */
static int mp3_frame_bytes(const unsigned char h[4])
{
    static const short kbps[2][16] = {
        { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 },   /* MPEG-1 */
        { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },       /* MPEG-2, 2.5 */
    };
    static const int hz[3][3] = { { 44100, 48000, 32000 }, { 22050, 24000, 16000 }, { 11025, 12000, 8000 } };
    if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0 || (h[1] & 0x06) != 0x02) return 0;
    int ver = (h[1] >> 3) & 3;           /* 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 */
    if (ver == 1) return 0;
    int bi = h[2] >> 4, si = (h[2] >> 2) & 3, pad = (h[2] >> 1) & 1;
    if (si == 3) return 0;
    int v = ver == 3 ? 0 : ver == 2 ? 1 : 2;
    int br = kbps[v ? 1 : 0][bi];
    if (!br) return 0;
    return (v ? 72000 : 144000) * br / hz[v][si] + pad;
}

/* After the last frame: a container that declares more audio than could be
 * decoded is truncated. Bit-rate estimates are not declarations. The
 * declared duration of a codec with priming samples (MP3's encoder and
 * decoder delay from the LAME tag, AAC's, Opus' pre-skip) counts samples the
 * decoder drops: those show as a start time after 0, and are not missing.
 * A recording that ends (or starts) in digital silence decodes like any
 * other; what matters is the sample count. */
int cvi_audio_in_check_complete(const cvi_audio_in *in, const char **reason)
{
    const AVStream *s = in->fmt->streams[in->stream];
    if (in->decoded == 0) {
        CVI_SET_REASON(reason, "no audio samples");
        return CV_EINPUT;
    }
    if (!strcmp(in->fmt->iformat->name, "ogg") && in->fmt->pb) {
        int whole = ogg_ends_whole(in->fmt->pb);
        if (whole < 0) {
            CVI_SET_REASON(reason, "out of memory");
            return CV_ENOMEM;
        }
        if (!whole) {
            CVI_SET_REASON(reason, "truncated audio: the Ogg stream has no end-of-stream page");
            return CV_EINPUT;
        }
    }
    /* MP3 without a Xing/VBRI header declares no length: a file cut short
     * shows in its last frame, shorter than its header says */
    if (in->dec->codec_id == AV_CODEC_ID_MP3 && in->last_size > 0) {
        int want = mp3_frame_bytes(in->last_head);
        if (want > 0 && in->last_size < want) {
            CVI_SET_REASON(reason, "truncated audio: the last MP3 frame is cut short");
            return CV_EINPUT;
        }
    }
    if (s->duration == AV_NOPTS_VALUE || s->duration <= 0 ||
        in->fmt->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE)
        return 0;
    int64_t declared = av_rescale_q(s->duration, s->time_base, (AVRational){ 1, in->rate });
    int64_t frame = in->dec->frame_size > 0 ? in->dec->frame_size : 4096;
    int64_t priming = 0;
    if (s->start_time != AV_NOPTS_VALUE && s->start_time > 0)
        priming = av_rescale_q(s->start_time, s->time_base, (AVRational){ 1, in->rate });
    /* priming is a few frames at most; a larger start time is no licence */
    if (priming > 4 * frame) priming = 4 * frame;
    int64_t slack = in->rate / 20 + 2 * frame + priming;
    if (declared - in->decoded > slack) {
        CVI_SET_REASON(reason, "truncated audio: fewer samples decode than the container declares");
        return CV_EINPUT;
    }
    return 0;
}

/* ---- output ----------------------------------------------------------- */


/* The muxer matching the input's demuxer (same container). */
static const AVOutputFormat *same_container(const AVFormatContext *ic)
{
    const char *name = ic->iformat->name;
    if (strstr(name, "mp4") || strstr(name, "mov")) {
        const AVDictionaryEntry *b = av_dict_get(ic->metadata, "major_brand", NULL, 0);
        return av_guess_format(b && strncmp(b->value, "M4A", 3) == 0 ? "ipod" : "mp4", NULL, NULL);
    }
    char first[32];
    size_t n = strcspn(name, ",");
    if (n >= sizeof first) return NULL;
    memcpy(first, name, n);
    first[n] = 0;
    return av_guess_format(first, NULL, NULL);
}

static int pick_rate(const AVCodec *c, int want)
{
    if (!c->supported_samplerates) return want;
    int best_above = 0, best = 0;
    for (const int *r = c->supported_samplerates; *r; r++) {
        if (*r == want) return want;
        if (*r > want && (!best_above || *r < best_above)) best_above = *r;
        if (*r > best) best = *r;
    }
    return best_above ? best_above : best;
}

static enum AVSampleFormat pick_format(const AVCodec *c, enum AVSampleFormat want)
{
    if (!c->sample_fmts) return want;
    for (const enum AVSampleFormat *f = c->sample_fmts; *f != AV_SAMPLE_FMT_NONE; f++)
        if (*f == want) return want;
    /* Prefer the same depth class: float for float input, else the first. */
    return c->sample_fmts[0];
}

static int pick_layout(const AVCodec *c, const AVChannelLayout *want, AVChannelLayout *out)
{
    if (c->ch_layouts) {
        const AVChannelLayout *same_count = NULL;
        for (const AVChannelLayout *l = c->ch_layouts; l->nb_channels; l++) {
            if (!av_channel_layout_compare(l, want)) return av_channel_layout_copy(out, l);
            if (!same_count && l->nb_channels == want->nb_channels) same_count = l;
        }
        if (same_count) return av_channel_layout_copy(out, same_count);
        return AVERROR(EINVAL);
    }
    if (want->order == AV_CHANNEL_ORDER_UNSPEC) {
        av_channel_layout_default(out, want->nb_channels);
        return 0;
    }
    return av_channel_layout_copy(out, want);
}

void cvi_audio_out_close(cvi_audio_out *o, const char *path, int failed)
{
    if (o->fmt && o->fmt->pb) avio_closep(&o->fmt->pb);
    avformat_free_context(o->fmt);
    o->fmt = NULL;
    avcodec_free_context(&o->enc);
    swr_free(&o->swr);
    if (o->fifo) av_audio_fifo_free(o->fifo);
    o->fifo = NULL;
    av_frame_free(&o->frame);
    av_packet_free(&o->pkt);
    if (o->conv) av_freep(&o->conv[0]);
    av_freep(&o->conv);
    if (failed && o->opened) unlink(path);
    o->opened = 0;
}

int cvi_audio_out_open(cvi_audio_out *o, const cvi_audio_in *in, const char *path, const char *codec_name,
                       const char **reason)
{
    memset(o, 0, sizeof *o);
    const AVStream *ist = in->fmt->streams[in->stream];
    const AVOutputFormat *ofmt = same_container(in->fmt);
    if (!ofmt) {
        CVI_SET_REASON(reason, "no muxer for the input's container");
        return CV_EFORMAT;
    }
    const AVCodec *codec = codec_name ? avcodec_find_encoder_by_name(codec_name)
                                      : avcodec_find_encoder(ist->codecpar->codec_id);
    if (!codec || codec->type != AVMEDIA_TYPE_AUDIO) {
        CVI_SET_REASON(reason, "no encoder for the output codec");
        return CV_EFORMAT;
    }
    if (avformat_query_codec(ofmt, codec->id, FF_COMPLIANCE_NORMAL) == 0) {   /* < 0: unknown, try */
        CVI_SET_REASON(reason, "the container cannot hold the output codec");
        return CV_EFORMAT;
    }
    if (avformat_alloc_output_context2(&o->fmt, ofmt, NULL, NULL) < 0) goto nomem;
    o->fmt->flags |= AVFMT_FLAG_BITEXACT;
    o->enc = avcodec_alloc_context3(codec);
    o->frame = av_frame_alloc();
    o->pkt = av_packet_alloc();
    if (!o->enc || !o->frame || !o->pkt) goto nomem;

    AVCodecContext *e = o->enc;
    if (pick_layout(codec, &in->dec->ch_layout, &e->ch_layout) < 0) {
        CVI_SET_REASON(reason, "the encoder cannot write this channel layout");
        return CV_EFORMAT;
    }
    e->sample_rate = pick_rate(codec, in->rate);
    e->sample_fmt = pick_format(codec, in->dec->sample_fmt);
    e->time_base = (AVRational){ 1, e->sample_rate };
    e->flags |= AV_CODEC_FLAG_BITEXACT;
    if (ofmt->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    const AVCodecDescriptor *d_in = avcodec_descriptor_get(ist->codecpar->codec_id);
    const AVCodecDescriptor *d_out = avcodec_descriptor_get(codec->id);
    int lossy_out = d_out && (d_out->props & AV_CODEC_PROP_LOSSY);
    int lossy_in = d_in && (d_in->props & AV_CODEC_PROP_LOSSY);
    if (lossy_out && lossy_in) {
        e->bit_rate = ist->codecpar->bit_rate > 0 ? ist->codecpar->bit_rate : in->fmt->bit_rate;
        if (e->bit_rate < 0) e->bit_rate = 0;
    }
    if (!lossy_out) {
        int bits = in->dec->bits_per_raw_sample;
        if (bits <= 0) bits = ist->codecpar->bits_per_raw_sample;
        if (bits > 0 && bits <= av_get_bytes_per_sample(e->sample_fmt) * 8) e->bits_per_raw_sample = bits;
    }
    int err = avcodec_open2(e, codec, NULL);
    if (err < 0) {
        if (err == AVERROR(ENOMEM)) goto nomem;
        CVI_SET_REASON(reason, "the encoder rejected the audio parameters");
        return CV_EFORMAT;
    }
    o->fixed_frame = e->frame_size > 0 && !(codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    o->frame_size = o->fixed_frame ? e->frame_size : 4096;

    o->st = avformat_new_stream(o->fmt, NULL);
    if (!o->st) goto nomem;
    if (avcodec_parameters_from_context(o->st->codecpar, e) < 0) goto nomem;
    o->st->time_base = e->time_base;

    if (e->sample_fmt != in->dec->sample_fmt || e->sample_rate != in->rate) {
        /* Same layout on both sides: relabel, never remix. */
        if (swr_alloc_set_opts2(&o->swr, &e->ch_layout, e->sample_fmt, e->sample_rate, &e->ch_layout,
                                in->dec->sample_fmt, in->rate, 0, NULL) < 0 ||
            swr_init(o->swr) < 0) {
            CVI_SET_REASON(reason, "cannot set up the resampler");
            return CV_EFORMAT;
        }
    }
    o->fifo = av_audio_fifo_alloc(e->sample_fmt, e->ch_layout.nb_channels, o->frame_size * 2);
    if (!o->fifo) goto nomem;

    char *url = file_url(path);
    if (!url) goto nomem;
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    err = avio_open2(&o->fmt->pb, url, AVIO_FLAG_WRITE, NULL, &opts);
    av_dict_free(&opts);
    free(url);
    if (err < 0) {
        CVI_SET_REASON(reason, "cannot create the output file");
        return err == AVERROR(ENOMEM) ? CV_ENOMEM : CV_EIO;
    }
    o->opened = 1;
    AVDictionary *mux = NULL;
    if (!strcmp(ofmt->name, "mp3")) {
        av_dict_set(&mux, "id3v2_version", "0", 0);   /* no ID3v2 tag at all */
        av_dict_set(&mux, "write_id3v1", "0", 0);
    }
    err = avformat_write_header(o->fmt, &mux);
    av_dict_free(&mux);
    if (err < 0) {
        if (err == AVERROR(ENOMEM)) {
            CVI_SET_REASON(reason, "out of memory");
            return CV_ENOMEM;
        }
        if (err == AVERROR(EIO) || err == AVERROR(ENOSPC) || err == AVERROR(EDQUOT) || err == AVERROR(EFBIG)) {
            CVI_SET_REASON(reason, "cannot write the output header");
            return CV_EIO;
        }
        CVI_SET_REASON(reason, "the container cannot hold the output codec");
        return CV_EFORMAT;
    }
    return 0;
nomem:
    CVI_SET_REASON(reason, "out of memory");
    return CV_ENOMEM;
}

static int mux_error(int err, const char **reason)
{
    if (err == AVERROR(ENOMEM)) {
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    CVI_SET_REASON(reason, "cannot encode or write the output");
    return CV_EIO;
}

/* Send one frame (NULL: flush) and write every packet it produces. */
static int encode(cvi_audio_out *o, AVFrame *f, const char **reason)
{
    int err = avcodec_send_frame(o->enc, f);
    if (err < 0) return mux_error(err, reason);
    for (;;) {
        err = avcodec_receive_packet(o->enc, o->pkt);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return 0;
        if (err < 0) return mux_error(err, reason);
        av_packet_rescale_ts(o->pkt, o->enc->time_base, o->st->time_base);
        o->pkt->stream_index = 0;
        err = av_write_frame(o->fmt, o->pkt);
        av_packet_unref(o->pkt);
        if (err < 0) return mux_error(err, reason);
    }
}

/* Encode n samples from the fifo as one frame (padded with silence to the
 * encoder's frame size if it cannot take a short one). */
static int encode_from_fifo(cvi_audio_out *o, int n, const char **reason)
{
    AVFrame *f = o->frame;
    int size = n;
    if (o->fixed_frame && n < o->frame_size && !(o->enc->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME))
        size = o->frame_size;
    f->nb_samples = size;
    f->format = o->enc->sample_fmt;
    f->sample_rate = o->enc->sample_rate;
    if (av_channel_layout_copy(&f->ch_layout, &o->enc->ch_layout) < 0 || av_frame_get_buffer(f, 0) < 0) {
        av_frame_unref(f);
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    if (size > n)
        av_samples_set_silence(f->extended_data, 0, size, o->enc->ch_layout.nb_channels, o->enc->sample_fmt);
    if (av_audio_fifo_read(o->fifo, (void **)f->extended_data, n) != n) {
        av_frame_unref(f);
        CVI_SET_REASON(reason, "internal audio buffer error");
        return CV_EINTERNAL;
    }
    f->pts = o->next_pts;
    o->next_pts += size;
    int rc = encode(o, f, reason);
    av_frame_unref(f);
    return rc;
}

/* Queue nin samples in the decoded layout (data NULL: flush the
 * resampler) and encode every full frame. */
int cvi_audio_out_push(cvi_audio_out *o, uint8_t *const *data, int nin, const char **reason)
{
    if (o->swr) {
        if (!data) nin = 0;
        int need = swr_get_out_samples(o->swr, nin);
        if (need > o->conv_cap) {
            if (o->conv) av_freep(&o->conv[0]);
            av_freep(&o->conv);
            o->conv_cap = 0;
            if (av_samples_alloc_array_and_samples(&o->conv, NULL, o->enc->ch_layout.nb_channels, need,
                                                   o->enc->sample_fmt, 0) < 0) {
                CVI_SET_REASON(reason, "out of memory");
                return CV_ENOMEM;
            }
            o->conv_cap = need;
        }
        int got = swr_convert(o->swr, o->conv, o->conv_cap, data ? (const uint8_t **)data : NULL, nin);
        if (got < 0) {
            CVI_SET_REASON(reason, "resampling failed");
            return CV_EINTERNAL;
        }
        if (got > 0 && av_audio_fifo_write(o->fifo, (void **)o->conv, got) != got) {
            CVI_SET_REASON(reason, "out of memory");
            return CV_ENOMEM;
        }
    } else if (data && av_audio_fifo_write(o->fifo, (void **)data, nin) != nin) {
        CVI_SET_REASON(reason, "out of memory");
        return CV_ENOMEM;
    }
    while (av_audio_fifo_size(o->fifo) >= o->frame_size) {
        int rc = encode_from_fifo(o, o->frame_size, reason);
        if (rc) return rc;
    }
    return 0;
}

int cvi_audio_out_finish(cvi_audio_out *o, const char **reason)
{
    int rc = o->swr ? cvi_audio_out_push(o, NULL, 0, reason) : 0;
    while (!rc && av_audio_fifo_size(o->fifo) > 0) {
        int n = av_audio_fifo_size(o->fifo);
        rc = encode_from_fifo(o, n < o->frame_size ? n : o->frame_size, reason);
    }
    if (!rc) rc = encode(o, NULL, reason);
    if (!rc) {
        int err = av_write_trailer(o->fmt);
        if (err < 0) rc = mux_error(err, reason);
    }
    if (!rc && o->fmt->pb) {
        avio_flush(o->fmt->pb);
        if (o->fmt->pb->error < 0) rc = mux_error(o->fmt->pb->error, reason);
    }
    return rc;
}

int cvi_audio_probe(const char *path, double *seconds, int *sample_rate, int *channels, const char **reason)
{
    CVI_SET_REASON(reason, "");
    if (!path) {
        CVI_SET_REASON(reason, "bad arguments");
        return CV_EUSAGE;
    }
    cvi_audio_in in;
    int rc = cvi_audio_in_open(&in, path, 0, reason);
    if (rc) return rc;
    const AVStream *s = in.fmt->streams[in.stream];
    double secs = -1;
    if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
        secs = (double)s->duration * av_q2d(s->time_base);
    else if (in.fmt->duration != AV_NOPTS_VALUE && in.fmt->duration > 0)
        secs = (double)in.fmt->duration / AV_TIME_BASE;
    if (seconds) *seconds = secs;
    if (sample_rate) *sample_rate = in.rate;
    if (channels) *channels = in.channels;
    cvi_audio_in_close(&in);
    return 0;
}
