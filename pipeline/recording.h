/*
 * recording.h - a call recording and its transcript through the pipeline
 * (DESIGN §7), internal.
 */
#ifndef CV_RECORDING_H
#define CV_RECORDING_H

#include "engine.h"

typedef struct cvi_recording_stats {
    int transcript;                 /* a transcript was redacted */
    uint64_t words, spoken_identifiers, digit_runs;
    int segment_timing;             /* the transcript's spans are whole segments (cv_transcript_timing) */
    double seconds_in, seconds_redacted;
    uint64_t spans_redacted, dtmf_tones, dtmf_spans;
    int voice_channels;             /* channels whose voice was anonymised */
    uint64_t voice_unchanged;       /* voiced frames left unmodified (filters/voice.h) */
    int sample_rate, channels;
    char codec[32];
} cvi_recording_stats;

/* Redact the transcript (if transcript_path) with w, write it to
 * transcript_out (zstd at zstd_level, same JSON shape), then mask its spans
 * and the DTMF tones in the audio, anonymise the voice on each channel
 * (unless the policy keeps it; the coefficient from the tenant key and rec,
 * the BLAKE2b-256 of the recording's bytes) and write audio_out (same
 * container and codec unless the policy names one; no metadata). audio_out NULL: scan,
 * only the transcript is read and counted. Nothing is left at either output
 * on failure. Returns 0, or CV_EINPUT / CV_EFORMAT / CV_EIO / CV_ENOMEM
 * with *reason (static; never content). Counts go to c. */
int cvi_recording_process(cvi_worker *w, const cv_input_rule *rule, const char *audio_path,
                          const char *transcript_path, const char *audio_out, const char *transcript_out,
                          int zstd_level, const unsigned char rec[32], cvi_counts *c, cvi_recording_stats *st,
                          const char **reason);

#endif
