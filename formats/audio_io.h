/*
 * audio_io.h - decoding and encoding call recordings with FFmpeg's
 * libraries, for the audio driver (pipeline/audio_driver.c) inside the
 * module callveil-audio.so: open the first audio stream of a file, decode it
 * frame by frame (cvi_audio_in), and write the same container, codec, rate
 * and channel layout, all metadata stripped, through an AVAudioFifo sized to
 * the encoder's frame (cvi_audio_out). AVERROR codes become CV_E* codes here
 * and nowhere else; *reason gets static strings that never hold content.
 */
#ifndef CV_AUDIO_IO_H
#define CV_AUDIO_IO_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>

#include "../pipeline/common/samples.h"

#define CVI_SET_REASON(r, s) do { if (r) *(r) = (s); } while (0)

typedef struct cvi_audio_in {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int demux_eof;
    int cvfmt, planar;      /* CV_SAMPLE_* of the decoded samples */
    int rate, channels;
    int64_t decoded;        /* samples decoded so far */
    int last_size;          /* bytes of the last packet sent to the decoder */
    unsigned char last_head[4];   /* and its first bytes */
} cvi_audio_in;

/* Open path's first audio stream (decode 0: demux only, for probing).
 * 0 or CV_EINPUT / CV_EIO / CV_ENOMEM with *reason; on error nothing to close. */
int cvi_audio_in_open(cvi_audio_in *in, const char *path, int decode, const char **reason);
/* The next decoded frame into in->frame: 1, 0 at the end, or a CV_E* code. */
int cvi_audio_in_next(cvi_audio_in *in, const char **reason);
/* At the end: 0, or CV_EINPUT if the file stops in the middle of a frame
 * or page (a truncated MP3 or Ogg), with *reason. */
int cvi_audio_in_check_complete(const cvi_audio_in *in, const char **reason);
void cvi_audio_in_close(cvi_audio_in *in);

typedef struct cvi_audio_out {
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *st;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *frame;
    AVPacket *pkt;
    uint8_t **conv;          /* swr output buffer */
    int conv_cap;
    int frame_size;          /* samples per encoder frame */
    int fixed_frame;         /* encoder needs exactly frame_size (but the last) */
    int64_t next_pts;
    int opened;              /* out_path created */
} cvi_audio_out;

/* Create path for in's stream (codec_name NULL: the input's codec). */
int cvi_audio_out_open(cvi_audio_out *o, const cvi_audio_in *in, const char *path, const char *codec_name,
                       const char **reason);
/* Encode nin samples in the decoded layout of the input. */
int cvi_audio_out_push(cvi_audio_out *o, uint8_t *const *data, int nin, const char **reason);
/* Flush the encoder and write the trailer. */
int cvi_audio_out_finish(cvi_audio_out *o, const char **reason);
/* Free everything; failed: remove path if it was created. */
void cvi_audio_out_close(cvi_audio_out *o, const char *path, int failed);

/* Duration (seconds; the container's estimate, -1 if unknown), sample rate
 * and channels of the first audio stream, without decoding. Any out pointer
 * may be NULL. Returns 0, CV_EINPUT or CV_EIO; *reason as above. */
int cvi_audio_probe(const char *path, double *seconds, int *sample_rate, int *channels, const char **reason);

#endif
