/*
 * audio.h - call recordings: decode any container/codec FFmpeg's libraries
 * read, mask time spans and detected DTMF tones at sample precision, and
 * write the same container, codec, sample rate and channel layout with all
 * metadata stripped. Library level; the runner wires it to policies.
 *
 * Two passes over the input when DTMF masking is on: pass 1 decodes,
 * resamples each channel to 8 kHz and runs the DTMF detector; pass 2
 * decodes, edits the decoded samples (filters/audio_edit.h), anonymises
 * each channel's voice when asked (filters/voice.h) and encodes
 * frame by frame through an AVAudioFifo sized to the encoder's frame. Memory
 * is bounded by a few frames whatever the duration. Samples are counted from
 * the first decoded sample (span times are relative to it; timestamp gaps
 * in the input are not reproduced).
 * FFmpeg's own diagnostics go through av_log, a process-wide setting this
 * library leaves alone: the application should call
 * av_log_set_level(AV_LOG_QUIET) (or install a callback), since FFmpeg
 * messages may quote container fields.
 */
#ifndef CV_AUDIO_H
#define CV_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "../filters/audio_edit.h"   /* cv_audio_span, CV_AUDIO_SILENCE / CV_AUDIO_BEEP */

/* Duration, rate and channels without decoding: formats/audio_io.h. */
int cvi_audio_probe(const char *path, double *seconds, int *sample_rate, int *channels, const char **reason);

typedef struct cv_audio_opts {
    int mode;            /* CV_AUDIO_SILENCE (default) or CV_AUDIO_BEEP: 1 kHz at -20 dBFS */
    int dtmf;            /* 1: detect DTMF tones in the audio and mask them (also with no spans) */
    const char *codec;   /* NULL: the input's codec; else an FFmpeg encoder name ("libopus", "flac") */
    /* Voice anonymisation (filters/voice.h), after span and DTMF masking:
     * channel c with coefficient voice_alpha[c]. NULL: voices kept. A
     * recording with more channels than nvoice_alpha is refused. */
    const double *voice_alpha;
    size_t nvoice_alpha;
    /* The pitch factor of channel c, voice_beta[c] (as many as voice_alpha);
     * NULL: pitch kept (beta = 1). */
    const double *voice_beta;
} cv_audio_opts;

typedef struct cv_audio_stats {
    double seconds_in;        /* decoded duration (also set when the input is truncated: where it stops) */
    double seconds_redacted;  /* union of masked time over all channels, spans and DTMF */
    uint64_t spans_redacted;  /* merged masked spans (union over channels) inside the audio */
    uint64_t dtmf_tones;      /* DTMF tones detected (all channels) */
    uint64_t dtmf_spans;      /* merged DTMF mask spans (tone plus one block either side) */
    int voice_channels;       /* channels whose voice was anonymised (0: kept) */
    uint64_t voice_frames;    /* voiced frames transformed, all channels ... */
    uint64_t voice_unchanged; /* ... and of those left unmodified (LPC roots did not converge) */
    int sample_rate, channels;/* of the output */
    char codec[32];           /* output encoder's codec name, e.g. "pcm_mulaw" */
} cv_audio_stats;

/* Decode in_path, mask spans (borrowed; merged, clipped to the duration) and,
 * with o->dtmf, detected DTMF tones on all channels, and write out_path in
 * the input's container. o may be NULL (silence, no DTMF, same codec); st
 * may be NULL. PCM and FLAC samples outside masked spans are bit-identical
 * to the input; lossy codecs are re-encoded at the input's bit rate.
 * Returns 0, or CV_EINPUT (no audio stream, corrupt or truncated data),
 * CV_EFORMAT (no encoder/muxer for the requested output), CV_EIO, CV_ENOMEM,
 * CV_EUSAGE (bad arguments, output path is the input). *reason (may be NULL)
 * gets a static string that never holds file content. On error nothing is
 * left at out_path. The caller writes to a temporary name and renames. */
int cvi_audio_redact(const char *in_path, const char *out_path, const cv_audio_opts *o,
                    const cv_audio_span *spans, size_t nspans, cv_audio_stats *st, const char **reason);

/* Pass 1 alone: the DTMF mask spans of a recording (seconds, channel -1,
 * merged, padded by one detector block either side), malloc'd into *spans
 * (free() it; NULL when none). Returns 0 or a CV_E* code as cvi_audio_redact. */
int cvi_audio_find_dtmf(const char *in_path, cv_audio_span **spans, size_t *nspans, uint64_t *tones,
                       const char **reason);

#endif
