/*
 * runner.h - streaming records through the engine on worker threads
 * (DESIGN §9), internal.
 *
 * The calling thread reads and splits an input into batches of whole
 * records; N workers parse, apply the policy, serialise and (for zstd
 * outputs) compress each batch into its own zstd frame; the calling thread
 * writes finished batches strictly in input order. zstd is a large share of
 * the work, so a worker with more records waiting hands one frame at a time
 * to the calling thread to compress (DESIGN §9: zstd on its own thread);
 * bounded to one, so that thread never becomes the bottleneck at high -j. Batch boundaries depend
 * only on the input bytes and the batch size, never on -j or on read sizes,
 * so the output is byte-identical at any -j. Memory is bounded by the
 * number of batches in flight (2N + 2) times the batch size, plus one
 * maximal record.
 */
#ifndef CV_RUNNER_H
#define CV_RUNNER_H

#include "engine.h"
#include "../formats/formats.h"

/* The record size limit when the caller sets none (cv_*_opts.max_record 0). */
#define CVI_MAX_RECORD_DEFAULT ((size_t)16 << 20)
#define CVI_MAX_REJECTS 1000   /* per file, listed in the manifest; all are counted */

typedef struct cvi_reject {
    uint64_t line, offset;
    const char *reason;        /* static */
} cvi_reject;

typedef struct cvi_file_stats {
    uint64_t records_in, written, dropped, rejected;
    cvi_counts counts;
    cvi_reject *rej;
    size_t nrej, caprej;
    uint64_t bytes_in, bytes_out;
    unsigned char in_hash[32], out_hash[32];
    uint64_t vault_size;       /* the vault's size once this file's entries were appended (resume) */
    const char *fail_reason;   /* set when the stream could not be processed at all */
} cvi_file_stats;

void cvi_file_stats_free(cvi_file_stats *fs);

typedef struct cvi_pool cvi_pool;

int cvi_pool_create(cv_ctx *ctx, const cvi_engine *e, const cv_run_opts *o, cvi_pool **out);
void cvi_pool_free(cvi_pool *p);
cvi_worker *cvi_pool_main_worker(cvi_pool *p);    /* a worker for the calling thread */
/* Between streams: move what every worker collected for the vault into v. */
struct cvi_vault;
int cvi_pool_take_vault(cvi_pool *p, struct cvi_vault *v);

typedef struct cvi_stream {
    const cv_format_type *fmt;
    const cv_input_rule *rule;
    int in_fd;                 /* borrowed */
    int out_fd;                /* borrowed; -1 for scan */
    int zstd_level;            /* 0: plain output */
    int scan_only;             /* count, write nothing */
    const char *display;       /* name for messages (sanitised, never content) */
    int log_rejects;           /* report each rejected record through the log */
    int digests;               /* BLAKE2b of the input and output bytes (for the manifest) */
    int explain;               /* scan_only: write the engine's decisions to out_fd */
    const char *header;        /* headed formats: the header row, given (the input has none) */
    size_t header_len;
    int omit_header;           /* write no header row */
} cvi_stream;

/* Process one stream. Returns 0 when the stream was read to its end (rejected
 * records are in fs), CV_EINPUT when it could not be processed (fs->fail_reason),
 * or another CV_E* (I/O, memory). */
int cvi_pool_stream(cvi_pool *p, const cvi_stream *s, cvi_file_stats *fs);

/* The format and policy input rule of a stream (cv_filter, cv_process_record):
 * by format name and/or as if the stream were match_path. Refuses a policy
 * with a vault (only `run` writes one). 0, CV_EUSAGE or CV_EPOLICY. */
int cvi_stream_rule(cv_ctx *ctx, const cv_policy *p, const char *format, const char *match_path,
                    const cv_format_type **fmt, const cv_input_rule **rule);
/* A relative path sanitised for OUT: every component through the
 * detectors, known extensions (".csv.zst") kept (run.c). 0 or CV_ENOMEM. */
int cvi_sanitise_rel(cvi_worker *w, const char *rel, cv_buf *out);
/* The reference date: given (checked, YYYY-MM-DD) or today in UTC. */
int cvi_as_of(cv_ctx *ctx, const char *given, char out[11]);

#endif
