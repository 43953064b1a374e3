/*
 * transcript.h - word-timed call transcripts (DESIGN §7): parse the three
 * flavours recognisers write into words with times, channels and speakers,
 * and the record they came from (written back by the redaction, see
 * pipeline/transcript_redact.h).
 *
 * Flavours (one JSON document, any whitespace; a UTF-8 BOM is skipped):
 *  - AWS Transcribe batch: results.items[] (type pronunciation/punctuation,
 *    start_time/end_time strings of seconds, alternatives[0].content,
 *    optional channel_label "ch_N" and speaker_label),
 *    results.channel_labels.channels[].items[] (channel-identified jobs),
 *    results.transcripts[].transcript (full text), results.speaker_labels.
 *    segments[] (speaker of the words by time; times and labels kept);
 *  - generic / Whisper: {"words":[{"word","start","end"[,"channel"][,"speaker"]}]}
 *    and segments[].words[] (numbers), segments[].text, segments[].speaker
 *    and top-level text; segment-timed: segments[] with start, end and text
 *    but no words[] (Whisper without word_timestamps), or segments[].words[]
 *    items without times: each word of the segment's text (split at
 *    whitespace) takes its segment's whole [start, end], so a match silences
 *    the whole segments holding it (fail closed; CV_TIMING_SEGMENT). A word
 *    without times and no segment times to fall back on is CV_EINPUT;
 *  - Deepgram: results.channels[c].alternatives[].words[] (word,
 *    punctuated_word, start, end, speaker; channel = c when there are two or
 *    more channels, else none: the mix), alternatives[].transcript,
 *    results.utterances[] (transcript, channel, speaker, words[]).
 * Anything else is CV_EINPUT ("unrecognised transcript shape"): an unknown
 * transcript is never passed through.
 *
 * This is the format: parsing and the parsed model. Finding and replacing
 * the identifiers it holds is pipeline/transcript_redact.c (above the
 * detectors and the engine).
 */
#ifndef CV_TRANSCRIPT_H
#define CV_TRANSCRIPT_H

#include "formats.h"
#include "../pipeline/common/spans.h"

/* A time span to redact, seconds; channel -1 = all channels (unknown). */
typedef cvi_time_span cv_tspan;

#define CV_TRANSCRIPT_PAD_MS 200

typedef struct cv_transcript_opts {
    unsigned pad_ms;          /* padding before and after each span (CV_TRANSCRIPT_PAD_MS is the usual value) */
    unsigned digit_run_min;   /* fail-safe: every spoken run of >= this many digits is a span; 0 = off */
    /* The speaker on each audio channel (policy `channels:`), or none. A word
     * the transcript does not put on a channel (ch_N, a Deepgram channel)
     * but labels with a speaker named here is on that speaker's channel;
     * otherwise it stays on -1 (all channels). */
    const char *const *speakers;
    size_t nspeakers;
} cv_transcript_opts;

typedef enum cv_transcript_flavour {
    CV_TRANSCRIPT_AWS = 1,
    CV_TRANSCRIPT_WORDS,      /* generic {"words":[...]} / Whisper segments[].words[] */
    CV_TRANSCRIPT_DEEPGRAM
} cv_transcript_flavour;

/* How precisely the words are timed: each word its own times, or (some)
 * words only their segment's (a span is then whole segments). */
typedef enum cv_transcript_timing {
    CV_TIMING_WORD = 0,
    CV_TIMING_SEGMENT
} cv_transcript_timing;

typedef struct cv_transcript_result {
    cv_tspan *spans;          /* merged, sorted by channel then start; owned, cvi_transcript_result_free */
    size_t nspans;
    uint64_t words;           /* spoken words (not punctuation) of the primary word list */
    uint64_t identifiers;     /* detector matches in the word list */
    uint64_t digit_runs;      /* fail-safe digit runs redacted (no detector matched them) */
    int flavour;              /* cv_transcript_flavour */
    int timing;               /* cv_transcript_timing */
} cv_transcript_result;

void cvi_transcript_result_free(cv_transcript_result *r);   /* NULL ok; leaves r empty */

/* What a record node of the transcript is to its redaction: free text to
 * scan, kept as is (times, labels, numbers), a word item's text, or a
 * full-text field rebuilt from the redacted words. */
typedef enum cv_transcript_role { CV_TROLE_SCAN = 0, CV_TROLE_KEEP, CV_TROLE_WORD, CV_TROLE_FULL } cv_transcript_role;

/* One word item of a parsed transcript. */
typedef struct cv_tword {
    cv_str text;              /* as written (borrowed from the input); punctuated_word if present */
    double start, end;        /* seconds; both -1 for punctuation items without times */
    int channel;              /* -1 unknown */
    cv_str speaker;           /* speaker label (AWS speaker_label, "speaker"), borrowed; empty if none */
    uint8_t punct;            /* AWS punctuation item */
    uint8_t primary;          /* 1: the word list detection runs on; 0: a copy redacted by time overlap */
    uint8_t seg;              /* start/end are its segment's (segment-timed); node[0] -1: a word of the segment's text */
    int32_t node[2];          /* record nodes holding the text (second: Deepgram "word" beside "punctuated_word"), -1 none */
    int32_t group;            /* full-text group (segment, alternative, utterance), -1 none */
    int32_t list;             /* AWS: 0 results.items, 1 channel_labels items; else 0 */
} cv_tword;

/* A parsed transcript: the record (nodes borrow json's bytes: keep it alive)
 * and its word items in document order. */
typedef struct cv_transcript {
    cv_record rec;
    int flavour;
    int timing;               /* cv_transcript_timing */
    cv_tword *words;
    size_t nwords, cap;
    struct cv_tfull { int32_t node, group, list; } *full;   /* full-text fields and where they come from */
    size_t nfull, fullcap;
    uint8_t *role;            /* per node: a cv_transcript_role */
    size_t rolecap;
} cv_transcript;

void cvi_transcript_init(cv_transcript *t);
void cvi_transcript_free(cv_transcript *t);    /* NULL ok */

/* Parse json[0..len) (borrowed; must outlive t's use). Returns 0, CV_ENOMEM,
 * or CV_EINPUT with diag (static reason; offset = byte offset for syntax
 * errors, 0 when the problem is in the structure). */
int cvi_transcript_parse(cv_transcript *t, const char *json, size_t len, cv_diag *diag);

#endif
