/*
 * manifest.h - the run's manifest.json (DESIGN §8) and the resume journal,
 * internal. Entries carry sanitised names, sizes, digests and counts: never
 * record content, never the key.
 */
#ifndef CV_MANIFEST_H
#define CV_MANIFEST_H

#include "runner.h"
#include "recording.h"

/* CVI_ERASED: not written, the file is an erased subject's whole (its name,
 * or a recording's transcript, holds a token in the erasure register). */
typedef enum { CVI_DONE = 0, CVI_RESUMED, CVI_SKIPPED, CVI_FAILED, CVI_ERASED } cvi_file_status;

typedef struct cvi_entry {
    char *input;                /* sanitised relative path */
    char *output;               /* sanitised relative output path, or NULL */
    const char *format;         /* static */
    cvi_file_status status;
    const char *reason;         /* static, for skipped / failed */
    int unread;                 /* failed before a byte was read: no size or digest to give */
    cvi_file_stats fs;
    char *json;                 /* resumed: the entry as an earlier run rendered it */
    struct cv_risk_result *risk;   /* the input's `risk:` report, or NULL */
    uint32_t risk_k;            /* its enforce_k (0: report only) */
    char *transcript;           /* recordings: sanitised output name of the redacted transcript */
    uint64_t transcript_bytes_in, transcript_bytes_out;
    unsigned char transcript_in_hash[32], transcript_out_hash[32];   /* BLAKE2b-256 of the transcript read and written */
    cvi_recording_stats rec;    /* recordings: the transcript's counts and the audio module's stats, as given
                                 * (rec.audio.codec[0] '\0': not a recording written) */
    size_t listed_at;           /* its place in the run's listing of every input (a shard's manifest records it) */
} cvi_entry;

typedef struct cvi_manifest_info {
    const cv_policy *policy;
    const cv_key *key;
    const char *as_of;
    int zstd_level;
    size_t max_record;
    int vault;                  /* a vault was written */
    uint64_t vault_entries;
    const unsigned char *vault_pk;   /* the controller public key it is sealed to */
    const uint8_t *rule_used;   /* per policy input rule: 1 if a file matched it (NULL: not known) */
    int erasure_register;       /* OUT has an erasure register ... */
    uint64_t register_entries;  /* ... of this many marks */
    uint32_t shard_index, shard_count;   /* run --shard I/N (count 0: not a shard) ... */
    size_t listed;              /* ... how many inputs the whole listing held */
    const char *listing;        /* ... and a keyed hash of it (hex; merge: every shard listed the same) */
} cvi_manifest_info;

/* The whole manifest document. */
int cvi_manifest_render(const cvi_manifest_info *mi, const cvi_entry *e, size_t n, cv_buf *out);

/* One journal line for a finished file, and parsing one back. */
int cvi_journal_line(const cv_policy *pol, const char *id, uint64_t size, int64_t mtime_ns, const cvi_entry *e,
                     cv_buf *out);
/* Parses a line (without its '\n'): id, size, mtime, the counts into fs and
 * the entry's JSON (malloc'ed into *json). 0, CV_EINPUT or CV_ENOMEM. */
int cvi_journal_parse(const char *line, size_t n, char id[64], uint64_t *size, int64_t *mtime_ns, char **json,
                      cvi_file_stats *fs);

/* forget: the journal line (without its '\n') of a file whose output
 * (`rel`, an output or a recording's transcript) forget rewrote, amended to
 * what it wrote: the new size and BLAKE2b, and `removed` records moved
 * from written to dropped and erased; so that `run --resume` keeps it.
 * *match: 0 if the line is not rel's (nothing appended), 1 if it is (the
 * amended line appended to out). CV_EINPUT for a line that does not parse. */
int cvi_journal_amend(const char *line, size_t n, const char *rel, uint64_t removed, uint64_t bytes,
                      const unsigned char hash[32], cv_buf *out, int *match);
/* 1 if the journal line's output (or transcript) is rel. */
int cvi_journal_names(const char *line, size_t n, const char *rel);

/* merge: an entry of a manifest's "files" list, the JSON text of one
 * object as cvi_manifest_render wrote it, read back into e: status,
 * output and transcript names, output digest (out_hash) and the counts
 * (fs, detections by the policy's entity and detector names), so that
 * totals can be summed again; e->json gets the text, rendered as it was.
 * 0, CV_EINPUT (not an entry of this policy's manifest) or CV_ENOMEM. */
int cvi_manifest_entry_read(const cv_policy *pol, const char *text, size_t n, cvi_entry *e);

/* Add a finished entry to the totals of a run (run.c). */
void cvi_totals_add(cv_totals *t, const cvi_entry *e);

/* forget, rekey: stage OUT/manifest.json in commit cm with one history
 * entry (one line of JSON, no personal data) appended to its "history"
 * list, as the commit's last step; the entry goes into the intent too
 * (cvi_commit_history). epoch (rekey; NULL: unchanged) replaces the
 * top-level epoch, so readers of the manifest see the dataset's epoch
 * without replaying the history. CV_EINPUT for a manifest callveil did not
 * write. */
struct cvi_commit;
int cvi_manifest_stage_history(cv_ctx *ctx, struct cvi_commit *cm, const char *outdir, const char *entry,
                               const uint64_t *epoch);

void cvi_entry_free(cvi_entry *e);

/* A file that could not be processed: nothing of it is written, every
 * record seen is counted as rejected so the totals still add up. */
void cvi_entry_fail(cvi_entry *en, const char *reason);
/* The file is an erased subject's whole (erasure register): nothing of it
 * is written, and the manifest says so. A name that holds the erased token
 * is not repeated (by_name): the manifest and the log say "[erased]". */
void cvi_entry_erased(cv_ctx *ctx, cvi_entry *en, int by_name);
/* 1 if the file at path has the BLAKE2b that the journalled entry json
 * records after key: an output edited or replaced since is done again. */
int cvi_journal_same_hash(const char *path, const char *json, const char *key);

/* ---- the resume journal's file (run --resume) ------------------------------
 * Its first line is CVI_JOURNAL_HEAD, a tab and the run's fingerprint (what
 * the outputs depend on besides the inputs); then one cvi_journal_line per
 * finished file. */
#define CVI_JOURNAL_HEAD "cvjh1"

typedef struct cvi_jent {
    char id[64];
    uint64_t size;
    int64_t mtime;
    char *json;
    cvi_file_stats fs;
} cvi_jent;

/* Load the journal at path: 1 (nothing loaded) if its fingerprint is not
 * fp, else 0 with its entries in *out (malloc'ed; a missing, empty or
 * unreadable journal loads nothing, so every file is done again; a torn
 * last line is ignored). */
int cvi_journal_load(const char *path, const char *fp, cvi_jent **out, size_t *nout);
/* Open the journal for this run: appended to on resume (a torn last line
 * ended first), else truncated; the head line written (and synced) when
 * the file is empty. 0 with *fd, or the error said on ctx. */
int cvi_journal_open(cv_ctx *ctx, const char *path, const char *fp, int resume, int *fd);

#endif
