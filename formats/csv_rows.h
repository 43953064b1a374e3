/*
 * csv_rows.h - the CSV machinery shared by the generic CSV format (csv.c)
 * and Asterisk Master.csv (asterisk_cdr.c): the RFC 4180 quote-aware record
 * splitter, one-row parsing through libcsv, and field output. Internal.
 */
#ifndef CV_CSV_ROWS_H
#define CV_CSV_ROWS_H

#include "formats.h"

/* The split() of formats.h for RFC 4180 rows: a record ends at a '\n'
 * outside double quotes; line feeds inside quotes stay in the record and
 * are counted in *nlines. max_len 0 means no limit. */
int cvi_csv_split(const char *buf, size_t len, int eof, size_t max_len,
                  size_t *rec_len, size_t *nlines, const char **reason);

/* Parse one row (its CRLF/LF terminator optional) into r: one
 * CV_NODE_STRING per field, col = field index, key = path = names[col]
 * (borrowed; empty when names is NULL), value copied into r's arena,
 * CV_NF_QUOTED when the field was quoted. Fields are never trimmed.
 * More than max_fields fields is CV_EINPUT with too_many as the reason and
 * the offset of the first surplus field. Returns 0, CV_EEMPTY (nothing but
 * a line terminator), CV_EINPUT with *diag ("invalid UTF-8", "malformed
 * CSV"), or CV_ENOMEM. The caller checks the field count (r->n) further.
 * *content_len (may be NULL) receives len without the line terminator. */
int cvi_csv_parse_row(const char *rec, size_t len, const cv_str *names, size_t max_fields,
                      const char *too_many, cv_record *r, cv_diag *diag, size_t *content_len);

/* Field output. needs_quotes: the value contains ',', '"', CR or LF, or
 * begins or ends with a space. put_field appends the value, quoted (with
 * '"' doubled) when quote is non-zero, else raw. */
int cvi_csv_needs_quotes(cv_str v);
int cvi_csv_put_field(cv_buf *out, cv_str v, int quote);

#endif
