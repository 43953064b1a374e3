/*
 * formats.h - record formats (readers and writers) and byte sources/sinks.
 *
 * A format is a static const cv_format_type in its own file, listed once in
 * formats/registry.c. Formats are pure functions over memory: the runner
 * reads blocks through a cv_source, asks the format to split them into
 * whole records (split), hands batches of records to worker threads which
 * parse them into cv_records and, after the engine has applied the policy,
 * serialise them (write) into an output buffer that the runner writes, in
 * input order, to a cv_sink. A format never decides what is personal (it
 * never includes filters/).
 */
#ifndef CV_FORMATS_H
#define CV_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline/common/record.h"

/* split() results */
enum {
    CV_SPLIT_RECORD = 1,   /* *rec_len bytes form one record (terminator included) */
    CV_SPLIT_MORE = 0,     /* no complete record in the buffer: read more (only when !eof) */
    CV_SPLIT_BAD = -1      /* the bytes at the start cannot start a record; *rec_len bytes
                              (>= 1, up to and including the next line end) are to be rejected
                              with *reason (static string) */
};

/* Why a record was rejected: a static reason and the byte offset, relative to
 * the record's first byte, where the problem was seen. Never record content. */
typedef struct cv_diag {
    const char *reason;
    size_t offset;
} cv_diag;

typedef struct cv_format_type {
    const char *name;                    /* "jsonl", "csv", "asterisk-cdr" */
    const char *const *extensions;       /* NULL-terminated: ".jsonl", ".ndjson", ... */
    int has_header;                      /* the first record is a header (generic CSV) */
    size_t state_size;                   /* per-stream state, zeroed by the caller */

    /* Find the first record in buf[0..len). eof says no more bytes follow.
     * Sets *rec_len (bytes, terminator included) and *nlines (line feeds in
     * those bytes). A record longer than max_len is CV_SPLIT_BAD with reason
     * "record exceeds the maximum record size" once max_len bytes are buffered
     * without finding its end (*rec_len = max_len; the runner then discards
     * up to the next line end). Blank lines: returned as records; parse
     * reports them with CV_EEMPTY so the runner skips them uncounted. */
    int (*split)(void *state, const char *buf, size_t len, int eof, size_t max_len,
                 size_t *rec_len, size_t *nlines, const char **reason);

    /* Header formats: parse the header record into state (column names).
     * Returns 0 or CV_EINPUT with *diag. */
    int (*parse_header)(void *state, const char *rec, size_t len, cv_diag *diag);
    /* Column names, for formats with columns (NULL for JSON). */
    size_t (*columns)(const void *state, const cv_str **names);

    /* Parse one record into r (already reset). Nodes may borrow bytes of
     * rec (zero-copy), so rec must stay valid while r is in use. Must be
     * thread-safe with a const state. Returns 0, CV_EEMPTY for a blank line (not a record), or
     * CV_EINPUT with *diag (invalid syntax, invalid UTF-8, wrong field count). */
    int (*parse)(const void *state, const char *rec, size_t len, cv_record *r, cv_diag *diag);

    /* Write the header for the kept columns (kept[i] for column i), if the
     * format has one; names (may be NULL: the names as read) gives the name
     * to write for each column (the engine replaces identifiers in names);
     * added (may be NULL) names a column the engine adds after column i
     * (added[i].n > 0: a country-code column). May be NULL. */
    int (*write_header)(const void *state, const cv_str *names, const uint8_t *kept, const cv_str *added,
                        cv_buf *out);
    /* Serialise r (dropped nodes skipped) to out, record terminator included. */
    int (*write)(const void *state, const cv_record *r, cv_buf *out);
    /* Headerless formats that can also be written as a headed CSV
     * (asterisk-cdr's `output: csv`): switch state to that output, whose
     * columns are those of columns() with kept[i], each followed by added[i]
     * when added[i].n > 0, and append its header row to out. Called once,
     * before any record. 0 or CV_ENOMEM. May be NULL. */
    int (*headed_output)(void *state, const uint8_t *kept, const cv_str *added, cv_buf *out);
    /* Release anything parse_header allocated in state. May be NULL. */
    void (*state_free)(void *state);
} cv_format_type;

extern const cv_format_type *const cvi_formats[];     /* NULL-terminated registry */
const cv_format_type *cvi_format_find(const char *name);            /* by name, NULL if none */
/* By file name: strips a ".zst" suffix, then matches extensions; the base
 * name "Master.csv" selects asterisk-cdr. NULL if unknown. */
const cv_format_type *cvi_format_for_path(const char *path);

/* Append s[0..n) (UTF-8) as a JSON string literal, quotes included, escaped
 * as the JSON Lines writer escapes (formats/jsonl_write.c). 0 or CV_ENOMEM. */
int cvi_json_string(cv_buf *out, const char *s, size_t n);

/* JSON Lines: containers open at once, the top-level object included (the
 * reader refuses deeper records, the writer trusts no deeper one). */
#define JSON_MAX_DEPTH 256
/* The JSON Lines writer (jsonl_write.c) of cvi_format_jsonl (jsonl.c). */
int cvi_jsonl_write(const void *state, const cv_record *r, cv_buf *out);

/* ---- Byte sources and sinks (formats/zstd_io.c) ------------------------ */

typedef struct cv_source cv_source;
typedef struct cv_sink cv_sink;

/* A source over a file descriptor (borrowed: not closed). If zstd is 1 the
 * bytes are zstd frames and are decompressed; -1 sniffs the magic number:
 * zstd and gzip are decompressed, bzip2, xz and lz4 refused (CV_EINPUT, the
 * reason names the compression), anything else is plain. On a read or
 * decompression error returns CV_EIO / CV_EINPUT and sets *reason (static). */
int cvi_source_open_fd(int fd, int zstd, cv_source **out);
/* Read up to cap bytes; returns bytes read, 0 at end, or a negative CV_E*. */
long cvi_source_read(cv_source *s, void *buf, size_t cap, const char **reason);
uint64_t cvi_source_raw_bytes(const cv_source *s);     /* compressed bytes consumed so far */
/* A hash callback that sees every raw byte read from the fd (before any
 * decompression), for the manifest's input digests. */
void cvi_source_set_hash(cv_source *s, void (*fn)(void *ud, const void *p, size_t n), void *ud);
void cvi_source_free(cv_source *s);                    /* NULL ok */

/* A sink over a file descriptor (borrowed). zstd_level 0 writes plain
 * bytes; otherwise a zstd stream at that level. Compression runs in one
 * background zstd worker thread whenever libzstd supports it, so the output
 * bytes depend only on the input bytes and the level (never on -j).
 * A hash callback, if set, sees every byte written to the fd. */
int cvi_sink_open_fd(int fd, int zstd_level, cv_sink **out);
void cvi_sink_set_hash(cv_sink *s, void (*fn)(void *ud, const void *p, size_t n), void *ud);
int cvi_sink_write(cv_sink *s, const void *p, size_t n);
int cvi_sink_finish(cv_sink *s);                       /* ends the zstd frame, flushes */
uint64_t cvi_sink_bytes_out(const cv_sink *s);
void cvi_sink_free(cv_sink *s);                        /* NULL ok */

#endif
