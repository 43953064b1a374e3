/*
 * record_reader.c - reads a stream record by record for the runner, the
 * risk report and the dataset tools (see record_reader.h). Blocks of 1 MiB
 * are read into one buffer that holds the unsplit tail; the buffer grows
 * only while a record does not fit, up to max_record plus a few blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_reader.h"

#define READ_CHUNK (1u << 20)

const char cvi_reader_truncated[] = "truncated record";

int cvi_read_records(cv_source *src, const cv_format_type *fmt, void *fstate, size_t max_record,
                     const cvi_reader_cb *cb, void *ud, cvi_read_fail *fail)
{
    cvi_read_fail dummy;
    if (!fail) fail = &dummy;
    memset(fail, 0, sizeof *fail);
    if (!src || !fmt || !cb || !cb->record || !cb->bad || max_record == 0) return CV_EUSAGE;

    /* the buffer stops doubling past this, unless it is full */
    size_t grow_limit = max_record <= SIZE_MAX - 8 * (size_t)READ_CHUNK ? max_record + 8 * (size_t)READ_CHUNK
                                                                       : SIZE_MAX;
    size_t cap = READ_CHUNK * 4, len = 0, pos = 0;
    char *buf = malloc(cap);
    if (!buf) return CV_ENOMEM;
    int rc = 0, eof = 0, skipping = 0;
    int header_done = !fmt->has_header || !cb->header;
    uint64_t line = 1, abs = 0;
    for (;;) {
        if (skipping) {
            /* discarding the rest of an over-long line */
            const char *nl = memchr(buf + pos, '\n', len - pos);
            if (nl) {
                size_t k = (size_t)(nl - (buf + pos)) + 1;
                pos += k;
                abs += k;
                line++;
                skipping = 0;
                continue;
            }
            abs += len - pos;
            pos = len;
        }
        if (!skipping && pos < len) {
            size_t rl = 0, nls = 0;
            const char *reason = NULL;
            int sr = fmt->split(fstate, buf + pos, len - pos, eof, max_record, &rl, &nls, &reason);
            if (sr == CV_SPLIT_RECORD) {
                if (header_done) {
                    rc = cb->record(ud, buf + pos, rl, line, abs, nls);
                } else {
                    cv_diag d = { NULL, 0 };
                    int hr = fmt->parse_header(fstate, buf + pos, rl, &d);
                    if (hr == CV_ENOMEM) {
                        rc = hr;
                    } else if (hr == CV_EEMPTY) {
                        /* blank lines before the header */
                    } else if (hr) {
                        fail->reason = d.reason ? d.reason : "malformed header";
                        fail->line = line;
                        fail->offset = abs + d.offset;
                        rc = CV_EINPUT;
                    } else {
                        header_done = 1;
                        rc = cb->header(ud, buf + pos, rl, line, abs);
                    }
                }
                if (rc) goto out;
                pos += rl;
                abs += rl;
                line += nls;
                continue;
            }
            if (sr == CV_SPLIT_BAD) {
                if (rl == 0) rl = 1;
                if (rl > len - pos) rl = len - pos;
                if ((rc = cb->bad(ud, line, abs, reason ? reason : "malformed record"))) goto out;
                int ends_line = buf[pos + rl - 1] == '\n';
                pos += rl;
                abs += rl;
                line += nls;
                if (!ends_line && !(eof && pos == len)) skipping = 1;
                continue;
            }
            /* CV_SPLIT_MORE */
            if (eof) {
                /* a format must return its last partial record at eof; be safe */
                if ((rc = cb->bad(ud, line, abs, cvi_reader_truncated))) goto out;
                pos = len;
                continue;
            }
        }
        if (eof && pos >= len) break;
        /* read more */
        if (pos > 0) {
            memmove(buf, buf + pos, len - pos);
            len -= pos;
            pos = 0;
        }
        if (cap - len < READ_CHUNK) {
            size_t ncap = cap * 2;
            if (ncap > grow_limit && cap - len > 0) ncap = cap;
            if (ncap != cap) {
                char *nb = realloc(buf, ncap);
                if (!nb) {
                    rc = CV_ENOMEM;
                    goto out;
                }
                buf = nb;
                cap = ncap;
            }
        }
        const char *why = NULL;
        long got = cvi_source_read(src, buf + len, cap - len, &why);
        if (got < 0) {
            fail->reason = why ? why : "read error";
            fail->offset = abs + (len - pos);
            rc = (int)got;
            goto out;
        }
        if (got == 0) eof = 1;
        len += (size_t)got;
    }
out:
    free(buf);
    return rc;
}
