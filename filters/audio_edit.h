/*
 * audio_edit.h - sample-exact masking of time spans in decoded audio: silence
 * (samples become the format's zero) or a 1 kHz beep at -20 dBFS (amplitude
 * 0.1 of full scale), with 5 ms raised-cosine ramps placed inside the span
 * edges so the edit never clicks. Samples outside every span are not touched
 * (bit-exact). Pure C; knows nothing about codecs or containers.
 */
#ifndef CV_AUDIO_EDIT_H
#define CV_AUDIO_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline/common/samples.h"
#include "../pipeline/common/spans.h"

/* A time span to mask, in seconds from the first decoded sample; channel -1
 * = all channels, else the 0-based channel index. */
typedef cvi_time_span cv_audio_span;

enum { CV_AUDIO_SILENCE = 0, CV_AUDIO_BEEP = 1 };

#define CV_AUDIO_RAMP_SECONDS 0.005
#define CV_AUDIO_BEEP_HZ 1000.0
#define CV_AUDIO_BEEP_AMPLITUDE 0.1   /* -20 dBFS */


/* The spans of one recording, resolved to sorted, merged sample ranges per
 * channel (a channel's list holds its own spans and the all-channel ones).
 * Immutable once built, so one editor can serve any number of frames. */
typedef struct cv_audio_editor cv_audio_editor;

/* Build an editor for `channels` channels at `rate` Hz. Spans (borrowed) are
 * converted with start rounded down and end rounded up to whole samples;
 * empty, negative or NaN spans are ignored; spans naming a channel outside
 * [-1, channels) apply to all channels (fail closed). Overlapping and
 * adjacent spans merge. Returns 0, CV_EUSAGE (bad rate/channels/mode) or
 * CV_ENOMEM. */
int cvi_audio_editor_create(cv_audio_editor **out, const cv_audio_span *spans, size_t n,
                           int channels, int rate, int mode);
void cvi_audio_editor_free(cv_audio_editor *e);   /* NULL ok */

/* Edit n samples of channel ch whose first sample has absolute index pos.
 * data points at that sample; consecutive samples are `stride` elements apart
 * (1 for planar, the channel count for interleaved). fmt is CV_SAMPLE_*. */
void cvi_audio_editor_apply(const cv_audio_editor *e, int ch, int64_t pos, void *data, int fmt,
                           size_t stride, size_t n);

/* Does any span of channel ch intersect [pos, pos + n)? */
int cvi_audio_editor_touches(const cv_audio_editor *e, int ch, int64_t pos, size_t n);

/* Samples in [0, limit) masked on at least one channel (the union over
 * channels) and the number of merged spans counted that way. Returns 0 or
 * CV_ENOMEM. */
int cvi_audio_editor_masked(const cv_audio_editor *e, int64_t limit, int64_t *samples, uint64_t *nspans);

/* Samples of one channel to and from float (full scale +-1.0: U8 and S16
 * are divided by 128 and 32768, S32 by 2^31, float and double as they are).
 * data points at the first sample, consecutive samples `stride` elements
 * apart. Integer writes round and clamp to the format's range; S16 and U8
 * survive the round trip exactly. */
void cvi_audio_samples_get(const void *data, int fmt, size_t stride, size_t n, float *out);
void cvi_audio_samples_put(void *data, int fmt, size_t stride, size_t n, const float *in);

#endif
