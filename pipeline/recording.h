/*
 * recording.h - a call recording and its transcript through the pipeline
 * (DESIGN §7), internal: pairing a recording with its transcript, naming
 * the transcript's output, and the recording's step of a run.
 */
#ifndef CV_RECORDING_H
#define CV_RECORDING_H

#include "engine.h"
#include "audio.h"
#include "common/files.h"

/* One recording's statistics: the transcript's counts, then the audio
 * module's cv_audio_stats as it gave them (no copy field by field); the
 * manifest entry (manifest.h cvi_entry.rec) holds this struct. */
typedef struct cvi_recording_stats {
    int transcript;                 /* a transcript was redacted */
    uint64_t words, spoken_identifiers, digit_runs;
    int segment_timing;             /* the transcript's spans are whole segments (cv_transcript_timing) */
    int per_speaker;                /* spans redacted on the speaker's channel (policy audio.channels), else on all */
    cv_audio_stats audio;           /* seconds, spans, DTMF, voice, rate, channels, codec */
} cvi_recording_stats;

struct cvi_entry;
struct cvi_items;

/* Each listed recording's transcript found (its rule already set), and
 * every transcript paired with a recording marked paired: it is processed
 * with its recording, not on its own. 0 or CV_ENOMEM. */
int cvi_recording_pair(struct cvi_items *it);

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

/* 1 if the rule is for recordings (format audio). */
int cvi_recording_rule(const cv_input_rule *rule);

/* The transcript paired with the recording at path: rule->transcript with
 * {dir} (the recording's directory), {stem} (its name without the last
 * extension) and {name} replaced, if the rule is a recording's, names one
 * and it is a regular file. NULL otherwise or on ENOMEM (malloc'd). */
char *cvi_recording_transcript(const cv_input_rule *rule, const char *path);

/* The output name of a recording's transcript (relative to OUT): beside the
 * recording's (rel), under its own sanitised name, ".zst" added. 0 or CV_ENOMEM. */
int cvi_recording_transcript_name(cvi_worker *w, const char *rel, const char *tpath, cv_buf *tname);

/* Once the recording is open: fails the entry if the policy requires a
 * transcript and there is none (a warning when there is none and it is not
 * required, unless scan). 0 or a CV_E* code (reported through ctx). */
int cvi_recording_prepare(cv_ctx *ctx, const cv_input_rule *rule, const char *path, const char *tpath, int scan,
                          struct cvi_entry *en);

/* scan: the recording's transcript read and counted, nothing written. */
int cvi_recording_scan(cv_ctx *ctx, cvi_worker *w, const cv_input_rule *rule, const char *path, const char *tpath,
                       struct cvi_entry *en);

/* What the journal id of a recording covers besides its path: its
 * transcript's size and mtime (an edited or newly added transcript is
 * processed again). 0 or CV_ENOMEM. */
int cvi_recording_journal_id(const char *tpath, cv_buf *idsrc);

/* resume: *there stays 1 only if the transcript's output is there as the
 * journalled entry json records it. 0 or CV_ENOMEM (reported). */
int cvi_recording_resumable(cv_ctx *ctx, cvi_worker *w, const char *rel, const char *tpath, const char *outdir,
                            const char *json, int *there);

/* The recording's step of a run: transcript and audio written by name as
 * staged files (the audio as out, named by cvi_staged_init for
 * outdir/en->output: removed on failure, committed, fsynced and renamed,
 * on success; the transcript beside it likewise). A recording that cannot be decoded, or whose transcript cannot be
 * read, fails the entry (rc 0): nothing of it is written. *seconds gets
 * the seconds of audio done. 0 or a CV_E* code (reported). */
int cvi_recording_step(cv_ctx *ctx, cvi_worker *w, const cv_input_rule *rule, const char *path, const char *rel,
                       const char *tpath, const char *outdir, int zstd_level, cvi_staged *out, struct cvi_entry *en,
                       double *seconds);

#endif
