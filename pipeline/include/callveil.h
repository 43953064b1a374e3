/*
 * callveil.h - public API of libcallveil: pseudonymise and anonymise
 * contact-centre data (chats, SMS, CDRs) under a policy and a key.
 *
 * Conventions: functions return 0 on success or a negative CV_E* code;
 * cv_ctx_error() then holds a message naming file, line, byte offset and
 * reason (never record content). Objects come in _create/_load and _free
 * pairs; every _free accepts NULL. The library never prints or exits: log
 * lines go through the callback set with cv_ctx_set_log().
 */
#ifndef CALLVEIL_H
#define CALLVEIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CV_BUILDING_LIBRARY) && defined(__GNUC__)
#define CV_API __attribute__((visibility("default")))
#else
#define CV_API
#endif

#define CV_VERSION "0.1.0"   /* the version of this header; cv_version() is the library's */

/* The version of the library linked at run time ("0.1.0"), static: compare
 * it with CV_VERSION to catch a header and a library of different releases. */
CV_API const char *cv_version(void);

/* Bytes a token buffer must hold (cv_token's out, NUL included): enough for
 * the longest rendering, "[" TYPE ":" "+CCC:" TOKEN "@" DOMAIN "]" with a
 * 32-character type and a 254-byte e-mail address. */
#define CV_TOKEN_BUF_SIZE 512

/* Error codes (negative). */
enum {
    CV_OK = 0,
    CV_EUSAGE = -1,     /* bad argument */
    CV_ENOMEM = -2,
    CV_EIO = -3,        /* read/write/open failed */
    CV_EPOLICY = -4,    /* policy invalid */
    CV_EKEY = -5,       /* key missing, malformed, or unsafe permissions */
    CV_EINPUT = -6,     /* input record or file malformed */
    CV_EFORMAT = -7,    /* unknown or unsupported format */
    CV_ECRYPTO = -8,    /* libsodium failure */
    CV_EINTERNAL = -9,
    CV_EEMPTY = -10,    /* a blank line: not a record (internal to readers) */
    CV_ESPACE = -11     /* cv_process_record: the output buffer is too small */
};
CV_API const char *cv_strerror(int code);

typedef struct cv_ctx cv_ctx;
typedef struct cv_policy cv_policy;
typedef struct cv_key cv_key;

/* CV_LOG_VERBOSE: one line per input file of run and scan (name, status,
 * counts; never content), for a verbose mode. */
enum { CV_LOG_ERROR = 0, CV_LOG_WARN = 1, CV_LOG_INFO = 2, CV_LOG_PROGRESS = 3, CV_LOG_VERBOSE = 4 };
typedef void (*cv_log_fn)(void *ud, int level, const char *msg);

/* Create a context. Returns NULL on ENOMEM or if libsodium cannot start. */
CV_API cv_ctx *cv_ctx_create(void);
CV_API void cv_ctx_free(cv_ctx *ctx);
/* Silence FFmpeg's own log output (process-wide): its messages can quote
 * container fields, i.e. metadata that may be personal. The CLI calls it. */
CV_API void cv_codec_logs_off(void);
CV_API void cv_ctx_set_log(cv_ctx *ctx, cv_log_fn fn, void *ud);
/* The detailed message of the last failure ("" if none). Borrowed. */
CV_API const char *cv_ctx_error(const cv_ctx *ctx);

/* ---- Policy ------------------------------------------------------------ */

/* Load a YAML policy from a file, or the embedded default when path is NULL.
 * On CV_EPOLICY the first problem is in cv_ctx_error(). */
CV_API int cv_policy_load(cv_ctx *ctx, const char *path, cv_policy **out);
/* Load from memory; name is used in messages and the manifest. */
CV_API int cv_policy_load_mem(cv_ctx *ctx, const char *name, const char *text, size_t len, cv_policy **out);
CV_API void cv_policy_free(cv_policy *p);
/* The embedded default policy's YAML text (static). */
CV_API const char *cv_policy_default_text(void);
/* The built-in entity types, comma-separated ("phone, email, ..."). */
CV_API const char *cv_entity_names(void);
/* Validate a policy file and report every problem: fn is called once per
 * problem with its line (1-based, 0 if unknown) and message. Returns the
 * number of problems (0 = valid), or a negative CV_E* if the file cannot be read. */
typedef void (*cv_diag_fn)(void *ud, int line, const char *msg);
CV_API int cv_policy_check(cv_ctx *ctx, const char *path, cv_diag_fn fn, void *ud);
/* Accessors used by the CLI. */
CV_API const char *cv_policy_key_path(const cv_policy *p);    /* NULL if none */
CV_API const char *cv_policy_tenant(const cv_policy *p);

/* ---- Keys -------------------------------------------------------------- */

/* Write a new random 32-byte master key as 64 hex characters + newline, mode
 * 0600, refusing to overwrite an existing file. */
CV_API int cv_key_generate_file(cv_ctx *ctx, const char *path);
/* Load a master key. Refuses (CV_EKEY) a file readable or writable by group
 * or others, or not exactly 64 hex characters (+ optional newline). Key bytes
 * live in sodium_malloc'ed memory, wiped by cv_key_free. */
CV_API int cv_key_load_file(cv_ctx *ctx, const char *path, cv_key **out);
/* A random key that lives only in this process (tokens join within one run). */
CV_API int cv_key_ephemeral(cv_ctx *ctx, cv_key **out);
CV_API void cv_key_free(cv_key *k);
CV_API int cv_key_is_ephemeral(const cv_key *k);

/* The controller's box key pair for the sealed vault (DESIGN §6): writes
 * PREFIX.pub (mode 0644) and PREFIX.sec (mode 0600), never overwriting. */
CV_API int cv_controller_keygen(cv_ctx *ctx, const char *prefix);
/* Print "TOKEN<TAB>VALUE" lines for the given tokens ("phone:k3m9…", also
 * "[phone:+44:k3m9…]") from a vault, opened with the controller's secret
 * key. The public key seals, so an entry is believed only if its value
 * gives back its token under the master key k, the policy's tenant and
 * epoch (epoch < 0: the policy's; a rekeyed dataset: the epoch it was
 * rekeyed to): otherwise it is a forged or invalid entry (CV_ECRYPTO, the
 * token named, never the value). Entries of one token with different
 * values are an error (CV_EINPUT); identical ones are one. A vault beside
 * a manifest.json must belong to that key, tenant and epoch (CV_EKEY).
 * All or nothing: a token not in the vault, a wrong key or a tampered,
 * forged or conflicting entry is an error and nothing is written. */
CV_API int cv_reveal(cv_ctx *ctx, const cv_policy *p, const cv_key *k, int64_t epoch, const char *vault_path,
                     const char *secret_key_path, const char *const *tokens, size_t n, int out_fd);

/* The token a value of the given type gets under key + policy (tenant, epoch,
 * region, rendering options), rendered as in a field ("phone:k3m9x2p7q1w8e5r4"),
 * NUL-terminated. A buffer of CV_TOKEN_BUF_SIZE bytes always suffices; a
 * smaller one that cannot hold this token is CV_EUSAGE. */
CV_API int cv_token(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type,
                    const char *value, size_t len, char *out, size_t cap);

/* ---- Processing -------------------------------------------------------- */

typedef struct cv_run_opts {
    int threads;            /* worker threads; <= 0: all cores */
    int zstd_level;         /* text outputs: 1..19; filter: 0 = plain */
    size_t max_record;      /* bytes; 0: default 16 MiB */
    size_t batch_bytes;     /* 0: default */
    int resume;             /* run: skip inputs already completed in OUT */
    int overwrite;          /* run: OUT may hold another key's, tenant's or policy's dataset: remove it
                             * whole first (without it, and without resume, that is CV_EKEY) */
    int progress;           /* report progress through the log callback */
    const char *as_of;      /* YYYY-MM-DD; NULL: today (UTC) */
    int explain;            /* scan: one JSON line per decision to out_fd instead of the counts report */
    /* filter, headed formats (csv), for sharded streams: the header row
     * given here (the stream then starts with records), and/or no header
     * row written (a shard after the first). */
    const char *header;
    size_t header_len;
    int omit_header;
    /* run: file-level sharding. shard_count > 0: process only the files
     * whose shard (cv_shard_of their relative path) is shard_index
     * (0 <= shard_index < shard_count); the manifest records the shard so
     * that cv_merge can join the shards. Refused with a one-off key. */
    uint32_t shard_index, shard_count;
} cv_run_opts;

CV_API void cv_run_opts_init(cv_run_opts *o);

#define CV_SHARD_MAX 65536
/* The shard (0 .. count-1) of an input file of `run`: its path relative to
 * the INPUT it was found under (a file named on the command line: its base
 * name), one trailing ".zst" or ".gz" taken off (so inputs that would write
 * the same output name fall in the same shard), keyed with the tenant key:
 * first 8 bytes, little-endian, of BLAKE2b-256(key = K_t, msg =
 * "callveil/v1/shard" || 0x00 || path), mod count. Depends only on key,
 * tenant, epoch and the path: the same on every machine, whatever the
 * listing order. 0 or CV_EUSAGE (count 0 or > CV_SHARD_MAX), CV_ENOMEM. */
CV_API int cv_shard_of(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *rel, uint32_t count,
                       uint32_t *shard);

/* Totals of one run / filter / scan. */
typedef struct cv_totals {
    uint64_t files, files_skipped, files_failed;   /* failed: could not be read to its end; nothing written */
    uint64_t records_in, written, dropped, rejected;
    uint64_t detections;
    uint64_t bytes_in, bytes_out;
    double audio_seconds_in, audio_seconds_redacted;   /* call recordings */
    uint64_t audio_spans, dtmf_spans;
    uint64_t values_unparseable;   /* values a generalise action could not read (emptied) */
} cv_totals;

/* Batch: process files and directories into outdir (mirrored tree, atomic
 * outputs, manifest.json). Returns 0, or a negative CV_E* for a failure that
 * stopped the run; rejected records are reported in totals (exit 3 in the CLI). */
CV_API int cv_run(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *inputs,
                  size_t ninputs, const char *outdir, const cv_run_opts *o, cv_totals *t);

/* Merge the datasets of `run --shard I/N` (I = 0..N-1, each once, made
 * with the same key, tenant, epoch, policy, --as-of, options and tool
 * version as p and k, into fresh output directories) into outdir, as one
 * un-sharded run would have written it: the output files copied (their
 * BLAKE2b checked against the shard's manifest), the vaults' entries
 * united (one per token), the journals joined, and a manifest whose files
 * are in the un-sharded run's order and whose totals are the sums. The
 * shards are not changed. Anything that does not agree (another key,
 * policy, epoch, N; a shard missing or given twice; two shards writing one
 * output name) is refused, nothing written (CV_EKEY for key, tenant, epoch
 * or policy; CV_EINPUT otherwise). outdir must not hold a dataset unless
 * overwrite (then its files are replaced or removed). Atomic: staged and
 * committed through the dataset's journaled commit, so an interrupted merge
 * leaves no half dataset (the next command on outdir finishes or undoes it). */
CV_API int cv_merge(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *const *shards, size_t nshards,
                    const char *outdir, int overwrite, cv_totals *t);

/* Filter: one stream in, one out. format names the format ("jsonl", "csv",
 * "asterisk-cdr"); match_path (may be NULL) picks the policy input rule as if
 * the stream were that file. Input zstd is detected by its magic number.
 * Rejected records are reported through the log callback (location and
 * reason only) and counted in t. */
CV_API int cv_filter(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *format,
                     const char *match_path, int in_fd, int out_fd, const cv_run_opts *o, cv_totals *t);
/* 1 if format names a record format cv_filter takes ("jsonl", "csv",
 * "asterisk-cdr"), else 0. */
CV_API int cv_format_known(const char *name);

/* ---- One record in memory (embedding, language bindings) ----------------
 * A record processor applies the policy to single records held in memory,
 * exactly as `callveil filter` does to each record of a stream: the bytes
 * cv_process_record writes for a record are the bytes filter writes for
 * that line (same key, policy, format, --as path, --as-of date, and for csv
 * the same --header with --no-header). No file is opened, nothing is
 * logged, no thread is started.
 *
 * Thread safety: a processor is used by one thread at a time (it holds
 * scratch buffers and sets its ctx's error message); make one processor,
 * each with its own ctx, per thread. The policy and key are only read and
 * may be shared by processors on several threads; they must outlive every
 * processor made from them. */
typedef struct cv_recproc cv_recproc;

/* Make a processor for records of format ("jsonl", "csv", "asterisk-cdr";
 * NULL: from match_path through the policy's inputs) under the policy
 * input rule picked as cv_filter picks it (match_path may be NULL). From o
 * (NULL: defaults) it takes max_record, as_of (NULL: today, UTC, when the
 * processor is made) and, for csv, header/header_len: the header row whose
 * column names the records have (required for csv). Fails (CV_EPOLICY)
 * for a policy with a vault, which only `callveil run` writes. */
CV_API int cv_recproc_create(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *format,
                             const char *match_path, const cv_run_opts *o, cv_recproc **out);
CV_API void cv_recproc_free(cv_recproc *rp);

/* Status of a record processed whole and not written (its age is past
 * the input's retention max_age): no output, *out_len = 0. Positive: not an
 * error. (An input's `risk:` block and the erasure register belong to a
 * dataset, i.e. to `callveil run`: filter and this call do not apply them.) */
#define CV_RECORD_DROPPED 1

/* Process one record: in[0..len) holds exactly one record of the
 * processor's format, its line end optional. On 0 the output record, its
 * line end included, is in out[0..*out_len), followed by a NUL when cap
 * leaves room for one. Returns 0, CV_RECORD_DROPPED, or a negative code
 * with nothing written to out (fail closed) and *out_len = 0, except:
 *   CV_ESPACE   cap is too small: *out_len gets the bytes needed (call
 *               again with a buffer that large; the result is the same);
 *   CV_EINPUT   the record is rejected: malformed (syntax, invalid UTF-8,
 *               wrong field count), blank, more than one record, larger
 *               than max_record, or refused by the policy (nested too
 *               deeply, a fail-closed rule): what `filter` rejects;
 *   CV_EUSAGE   a NULL argument;  CV_ENOMEM.
 * cv_ctx_error() of the processor's ctx then gives the byte offset in the
 * record and the reason, never record content. */
CV_API int cv_process_record(cv_recproc *rp, const char *in, size_t len, char *out, size_t cap, size_t *out_len);

/* Scan: count what would be found per file and entity type; writes nothing
 * but the report (JSON) to out_fd. With o->explain, writes instead one JSON
 * line per decision (file, record line, the field rule, byte offsets,
 * entity, detector, action and what decided it), never a value. */
CV_API int cv_scan(cv_ctx *ctx, const cv_policy *p, const char *const *inputs, size_t ninputs,
                   int out_fd, const cv_run_opts *o, cv_totals *t);

/* ---- Re-identification risk (pipeline/risk.c) ---------------------------
 * k-anonymity and unicity of an anonymised dataset file (CSV with header,
 * Asterisk Master.csv, JSON Lines; plain or zstd) over chosen
 * quasi-identifiers: equivalence classes, minimum k, k histogram, and the
 * share of subjects identified uniquely by p random points (de Montjoye et
 * al. 2013, "Unique in the Crowd"). Streams the file (several passes); memory
 * grows with the number of classes and subjects, not with the file. Values
 * are kept only as BLAKE2b hashes; the report holds counts and column names,
 * never a value. */
#define CV_RISK_MAX_QUASI 32
#define CV_RISK_MAX_POINTS 16

typedef struct cv_risk_gen {
    const char *column;         /* a quasi-identifier */
    const char *spec;           /* hour | day | week | weekday_hour | bands[:30,60,...] */
} cv_risk_gen;

typedef struct cv_risk_opts {
    const char *const *quasi;   /* column names (CSV, Master.csv) or dotted paths of scalars (JSON) */
    size_t nquasi;              /* 1..CV_RISK_MAX_QUASI */
    const char *subject;        /* column / path of the subject (e.g. the token column src); NULL: no unicity */
    const char *format;         /* "csv", "asterisk-cdr", "jsonl"; NULL: from the file name */
    int points;                 /* unicity for p = 1..points (1..CV_RISK_MAX_POINTS); 0: 4 */
    uint64_t samples;           /* subjects sampled for unicity; 0: 10000 */
    uint64_t seed;              /* seed of the sampling (keyed SipHash-2-4 as PRF) */
    const cv_risk_gen *gen;     /* generalisations applied before counting */
    size_t ngen;
    uint64_t enforce_k;         /* > 0: write enforce_out without the records of classes with k < enforce_k */
    const char *enforce_out;    /* same format as the input, zstd when the input was; temp + rename */
    int zstd_level;             /* enforce_out level when zstd; 0: 3 */
    size_t max_record;          /* bytes; 0: 16 MiB */
    size_t max_pairs;           /* unicity working set, (point, subject) incidences; 0: 2 Mi. Smaller = more passes */
} cv_risk_opts;

CV_API void cv_risk_opts_init(cv_risk_opts *o);

typedef struct cv_risk_result {
    uint64_t records;           /* records counted (rejected ones excluded) */
    uint64_t rejected;          /* unreadable records; located in log lines, suppressed from enforce_out */
    uint64_t classes, min_k;    /* equivalence classes; smallest class size (0 if no record) */
    uint64_t classes_k1, classes_k_lt5, classes_k_lt10;
    uint64_t records_k_lt5, records_k_lt10;   /* records in classes with k < 5 / < 10 */
    int unicity_computed;       /* 0 without a subject */
    uint64_t subjects;          /* distinct subjects */
    uint64_t records_no_subject;/* records whose subject is empty, null or missing (not in unicity) */
    uint64_t sampled;           /* subjects sampled */
    uint64_t passes;            /* passes over the file */
    int points;
    uint64_t eligible[CV_RISK_MAX_POINTS];   /* [p-1]: sampled subjects with at least p distinct points */
    uint64_t unique[CV_RISK_MAX_POINTS];     /* [p-1]: of those, identified uniquely by p random points */
    uint64_t written, suppressed;            /* enforce_k: records kept / suppressed (k < K) */
    uint64_t suppressed_classes;
} cv_risk_result;

/* Compute the report for the dataset file at path and write it as JSON to
 * out_fd (< 0: none). The file is read more than once, so it must be a
 * regular file. Returns 0 (rejected records, if any, are counted in res and
 * logged with line, byte offset and reason), CV_EUSAGE (bad options),
 * CV_EINPUT (unknown column, unreadable header or zstd stream, file changed
 * between passes), CV_EIO, CV_EFORMAT (format unknown) or CV_ENOMEM. */
CV_API int cv_risk(cv_ctx *ctx, const char *path, const cv_risk_opts *o, int out_fd, cv_risk_result *res);

/* The same over a dataset in several files of one format (shards, months):
 * their records counted together as one dataset, subjects across files.
 * enforce_k needs exactly one file. */
CV_API int cv_risk_files(cv_ctx *ctx, const char *const *paths, size_t npaths, const cv_risk_opts *o, int out_fd,
                         cv_risk_result *res);

/* ---- Subject access, erasure, key rotation (on a dataset OUT/) ---------- */

/* Print "FILE<TAB>LINE" for every record of the dataset holding the token
 * of (type, value) under key and policy, then "FILE<TAB>-" for every file
 * that is the subject's whole: a call recording whose transcript holds the
 * token (paired through the manifest), and an output named after the
 * subject (with its recording or transcript). *hits gets the records. */
CV_API int cv_find(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                   const char *outdir, int out_fd, uint64_t *hits);

typedef struct cv_forget_result {
    uint64_t files, files_changed;
    uint64_t records_removed;          /* policy `erasure: drop` (default) */
    uint64_t tokens_replaced;          /* policy `erasure: replace`: token → "[erased]" */
    uint64_t vault_entries_removed;
    uint64_t recordings_removed;       /* `erasure: drop`: calls whose transcript or name held the subject (audio and transcript deleted) */
    uint64_t files_deleted;            /* `erasure: drop`: outputs deleted whole (those, and files named after the subject) */
    uint64_t linked_entries_removed;   /* of vault_entries_removed: other tokens' entries (below) */
    uint64_t register_added;           /* identifiers added to the dataset's erasure register */
} cv_forget_result;

/* Erase a subject: rewrite every dataset file holding their token without
 * their records (or with the token replaced), delete their vault entries,
 * append an entry (token, time, counts; never the value) to the manifest's
 * "history". With `erasure: drop`, a call recording whose transcript holds
 * the token is deleted with its transcript (the voice is the subject's
 * data too; the manifest pairs them), and so is every output whose name
 * holds the token (an input named by the subject's phone number). All files
 * are written before any
 * replaces the old one; a second run finds nothing and changes nothing. */
CV_API int cv_forget(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *type, const char *value,
                     const char *outdir, cv_forget_result *res);

/* One identifier of a subject: its type (as cv_token takes it) and value. */
typedef struct cv_subject_id {
    const char *type, *value;
} cv_subject_id;

/* cv_forget for a subject known by several identifiers (a phone number and
 * an e-mail address): the records holding any of their tokens go (or have
 * them replaced), in one commit with one history entry ("tokens": every
 * token). Besides the subject's own vault entries, those of every other
 * token that only the deleted records (and deleted files) held go too —
 * the subject's name or e-mail token beside the number asked for, which
 * would otherwise stay revealable; a token that a kept record or a kept
 * file's name still holds keeps its entries (linked_entries_removed counts
 * those that went). cv_forget is this with one identifier. */
CV_API int cv_forget_ids(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const cv_subject_id *ids, size_t n,
                         const char *outdir, cv_forget_result *res);

typedef struct cv_rekey_result {
    uint64_t vault_entries, tokens_replaced, files_changed;
    /* dates the run shifted per subject (policy shift_days): they keep the
     * offsets derived from the old tokens (the original dates are not in the
     * vault); a run at the new epoch shifts the same subject differently */
    uint64_t dates_shifted_kept;
} cv_rekey_result;

/* Rotate a dataset's tokens from one epoch to another: needs the vault and
 * the controller's secret key (values never leave memory) and the master
 * key. Fails, changing nothing, if any token in the data is not in the vault. */
CV_API int cv_rekey(cv_ctx *ctx, const cv_policy *p, const cv_key *k, const char *secret_key_path,
                    uint64_t from_epoch, uint64_t to_epoch, const char *outdir, cv_rekey_result *res);

#ifdef __cplusplus
}
#endif
#endif
