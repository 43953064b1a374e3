/*
 * record_reader.h - the one read-split-reject loop over a byte source:
 * blocks read from a cv_source, split into whole records by the format,
 * the header record parsed, and every span that is no record located
 * (line, byte offset, static reason) and skipped. Used by the runner (the
 * hot path), the risk report and the dataset tools (find, forget, rekey).
 * Internal. Memory: one buffer of at most max_record + 8 MiB.
 */
#ifndef CV_RECORD_READER_H
#define CV_RECORD_READER_H

#include "formats.h"

/* What the reader hands over. Each callback returns 0 to go on, or a
 * nonzero value that stops the read and is returned by cvi_read_records.
 * Locations: line is the input line (from 1) the bytes start on, offset
 * the absolute byte offset of their first byte in the decoded stream.
 * Record bytes are borrowed until the callback returns. */
typedef struct cvi_reader_cb {
    /* Formats with a header (fmt->has_header): the header record, once
     * fmt->parse_header has accepted it into fstate (blank lines before it
     * are skipped). NULL: no header is parsed; the first record, whatever
     * it is, goes to record() like any other. */
    int (*header)(void *ud, const char *rec, size_t n, uint64_t line, uint64_t offset);
    /* One whole record, terminator included; nlines: line feeds in it. */
    int (*record)(void *ud, const char *rec, size_t n, uint64_t line, uint64_t offset, size_t nlines);
    /* A span the format could not split into a record: a malformed start,
     * a record over max_record (the rest of its line is skipped), or a last
     * record cut short at the end of the input (cvi_reader_truncated).
     * reason is static. */
    int (*bad)(void *ud, uint64_t line, uint64_t offset, const char *reason);
} cvi_reader_cb;

/* Why the reader itself failed. */
typedef struct cvi_read_fail {
    const char *reason;     /* static; NULL when a callback stopped the read or memory ran out */
    uint64_t line;          /* the header's line for a rejected header; 0 for a read error */
    uint64_t offset;        /* byte offset: of the problem in the header, or bytes decoded before a read error */
} cvi_read_fail;

/* The reason given to bad() for a last record cut short by the end of input. */
extern const char cvi_reader_truncated[];

/* Read src (borrowed) to its end with format fmt and its zeroed per-stream
 * state fstate (borrowed; the caller frees what parse_header put there).
 * max_record (>= 1) bounds one record, as fmt->split's max_len.
 * Returns 0 at the end of the input; a callback's nonzero value; CV_EINPUT
 * for a header that fmt->parse_header rejects (*fail: its line, offset and
 * reason); the source's CV_EIO / CV_EINPUT on a read or decompression error
 * (*fail: reason, line 0, offset); CV_ENOMEM; CV_EUSAGE for max_record 0 or
 * a missing record/bad callback. fail may be NULL. */
int cvi_read_records(cv_source *src, const cv_format_type *fmt, void *fstate, size_t max_record,
                     const cvi_reader_cb *cb, void *ud, cvi_read_fail *fail);

#endif
