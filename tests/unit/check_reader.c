/*
 * check_reader.c - the record reader (formats/record_reader.c): every byte
 * of the input accounted for as header, records and bad spans with exact
 * lines and byte offsets; LF and CRLF; quoted CSV line feeds; blank lines
 * before a header; a rejected header; over-long records skipped to the
 * end of their line, also across read blocks; a last record cut short;
 * a callback that stops the read; read errors; bad arguments.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zstd.h>

#include "formats/record_reader.h"

/* ---- an event log ---------------------------------------------------------- */

enum { EV_HEADER, EV_RECORD, EV_BAD };

typedef struct event {
    int kind;
    uint64_t line, off;
    size_t n, nlines;
    const char *reason;
} event;

typedef struct evlog {
    const char *in;        /* the decoded input: record bytes are checked against it */
    size_t in_len;
    event *ev;
    size_t n, cap;
    size_t mismatches;     /* records whose bytes are not the input's at their offset */
    size_t stop_at;        /* return stop_rc on this event (1-based); 0: never */
    int stop_rc;
} evlog;

static int log_ev(evlog *L, event e)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 64;
        L->ev = realloc(L->ev, L->cap * sizeof *L->ev);
        ck_assert_ptr_nonnull(L->ev);
    }
    L->ev[L->n++] = e;
    return L->stop_at == L->n ? L->stop_rc : 0;
}

static void check_bytes(evlog *L, const char *rec, size_t n, uint64_t off)
{
    if (!L->in || off > L->in_len || n > L->in_len - off || memcmp(L->in + off, rec, n) != 0) L->mismatches++;
}

static int on_header(void *ud, const char *rec, size_t n, uint64_t line, uint64_t off)
{
    check_bytes(ud, rec, n, off);
    return log_ev(ud, (event){ EV_HEADER, line, off, n, 0, NULL });
}

static int on_record(void *ud, const char *rec, size_t n, uint64_t line, uint64_t off, size_t nlines)
{
    check_bytes(ud, rec, n, off);
    return log_ev(ud, (event){ EV_RECORD, line, off, n, nlines, NULL });
}

static int on_bad(void *ud, uint64_t line, uint64_t off, const char *reason)
{
    return log_ev(ud, (event){ EV_BAD, line, off, 0, 0, reason });
}

static const cvi_reader_cb with_header = { on_header, on_record, on_bad };
static const cvi_reader_cb no_header = { NULL, on_record, on_bad };

static int memfile(const void *p, size_t n)
{
    char path[] = "/tmp/cvreadXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)p + done, n - done);
        ck_assert_int_gt(w, 0);
        done += (size_t)w;
    }
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* Read raw[0..raw_len) (zstd: decoded is what it decodes to) with fmt. */
static int read_raw(const cv_format_type *fmt, const char *raw, size_t raw_len, const char *decoded,
                    size_t dec_len, size_t max_record, const cvi_reader_cb *cb, evlog *L, cvi_read_fail *fail)
{
    int fd = memfile(raw, raw_len);
    cv_source *src = NULL;
    ck_assert_int_eq(cvi_source_open_fd(fd, -1, &src), 0);
    void *fstate = calloc(1, fmt->state_size ? fmt->state_size : 1);
    ck_assert_ptr_nonnull(fstate);
    L->in = decoded;
    L->in_len = dec_len;
    int rc = cvi_read_records(src, fmt, fstate, max_record, cb, L, fail);
    if (fmt->state_free) fmt->state_free(fstate);
    free(fstate);
    cvi_source_free(src);
    close(fd);
    return rc;
}

static int read_str(const char *fmtname, const char *in, size_t max_record, const cvi_reader_cb *cb, evlog *L,
                    cvi_read_fail *fail)
{
    const cv_format_type *fmt = cvi_format_find(fmtname);
    ck_assert_ptr_nonnull(fmt);
    size_t n = strlen(in);
    return read_raw(fmt, in, n, in, n, max_record, cb, L, fail);
}

static void expect(const evlog *L, size_t i, int kind, uint64_t line, uint64_t off, size_t n, size_t nlines)
{
    ck_assert_uint_lt(i, L->n);
    ck_assert_int_eq(L->ev[i].kind, kind);
    ck_assert_uint_eq(L->ev[i].line, line);
    ck_assert_uint_eq(L->ev[i].off, off);
    if (kind != EV_BAD) ck_assert_uint_eq(L->ev[i].n, n);
    if (kind == EV_RECORD) ck_assert_uint_eq(L->ev[i].nlines, nlines);
}

/* ---- a line format with hooks the real formats do not reach --------------- */

/* Records end at '\n'. A line starting with '?' is CV_SPLIT_BAD with no
 * reason and rec_len 0; with no '\n' at eof it is CV_SPLIT_MORE (a last
 * record cut short). The header: blank is CV_EEMPTY, '!' is rejected at its
 * byte 2, '%' runs out of memory. */
static int lines_split(void *state, const char *buf, size_t len, int eof, size_t max_len, size_t *rec_len,
                       size_t *nlines, const char **reason)
{
    (void)eof;
    if (buf[0] == '?') {
        *rec_len = 0;
        *nlines = 0;
        return CV_SPLIT_BAD;
    }
    /* JSON Lines' splitter, told there is always more to come */
    return cvi_format_find("jsonl")->split(state, buf, len, 0, max_len, rec_len, nlines, reason);
}

static int lines_header(void *state, const char *rec, size_t len, cv_diag *diag)
{
    (void)state;
    if (len == 1 || (len == 2 && rec[0] == '\r')) return CV_EEMPTY;
    if (rec[0] == '%') return CV_ENOMEM;
    if (rec[0] == '!') {
        diag->reason = "bad header";
        diag->offset = 2;
        return CV_EINPUT;
    }
    return 0;
}

static const cv_format_type lines_fmt = {
    .name = "lines",
    .has_header = 1,
    .split = lines_split,
    .parse_header = lines_header,
};

static int read_lines(const char *in, size_t max_record, const cvi_reader_cb *cb, evlog *L, cvi_read_fail *fail)
{
    size_t n = strlen(in);
    return read_raw(&lines_fmt, in, n, in, n, max_record, cb, L, fail);
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(test_jsonl_lines_offsets)
{
    const char *in = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}";   /* CRLF, a blank line, no final LF */
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", in, 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_ptr_null(fail.reason);
    ck_assert_uint_eq(L.n, 4);
    expect(&L, 0, EV_RECORD, 1, 0, 8, 1);
    expect(&L, 1, EV_RECORD, 2, 8, 9, 1);
    expect(&L, 2, EV_RECORD, 3, 17, 1, 1);
    expect(&L, 3, EV_RECORD, 4, 18, 7, 0);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_empty_input)
{
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", "", 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 0);
    ck_assert_int_eq(read_str("csv", "", 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_csv_header_and_quoted_newlines)
{
    const char *in = "id,body\r\n1,\"two\nlines\"\r\n2,\"three\n\nlines\"\n3,x\n";
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("csv", in, 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 4);
    expect(&L, 0, EV_HEADER, 1, 0, 9, 0);
    expect(&L, 1, EV_RECORD, 2, 9, 15, 2);
    expect(&L, 2, EV_RECORD, 4, 24, 17, 3);
    expect(&L, 3, EV_RECORD, 7, 41, 4, 1);
    ck_assert_uint_eq(L.mismatches, 0);

    /* without a header callback the header is the first plain record */
    L.n = 0;
    ck_assert_int_eq(read_str("csv", in, 1 << 20, &no_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 4);
    expect(&L, 0, EV_RECORD, 1, 0, 9, 1);
    expect(&L, 1, EV_RECORD, 2, 9, 15, 2);
    free(L.ev);
}
END_TEST

START_TEST(test_blank_lines_before_header)
{
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_lines("\n\r\nhead\nrow\n", 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 2);
    expect(&L, 0, EV_HEADER, 3, 3, 5, 0);
    expect(&L, 1, EV_RECORD, 4, 8, 4, 1);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_bad_header)
{
    evlog L = { 0 };
    cvi_read_fail fail;
    /* located at the header's line and the byte the format names */
    ck_assert_int_eq(read_lines("\n\n!oops\nrow\n", 1 << 20, &with_header, &L, &fail), CV_EINPUT);
    ck_assert_str_eq(fail.reason, "bad header");
    ck_assert_uint_eq(fail.line, 3);
    ck_assert_uint_eq(fail.offset, 4);
    ck_assert_uint_eq(L.n, 0);
    /* the real CSV format: an empty header row */
    ck_assert_int_eq(read_str("csv", "\nid\n1\n", 1 << 20, &with_header, &L, &fail), CV_EINPUT);
    ck_assert_str_eq(fail.reason, "empty header");
    ck_assert_uint_eq(fail.line, 1);
    ck_assert_uint_eq(fail.offset, 0);
    ck_assert_uint_eq(L.n, 0);
    /* out of memory in parse_header is not a malformed header */
    ck_assert_int_eq(read_lines("%\nrow\n", 1 << 20, &with_header, &L, &fail), CV_ENOMEM);
    ck_assert_ptr_null(fail.reason);
    ck_assert_uint_eq(L.n, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_overlong_records)
{
    /* 16-byte records at most: the long one is rejected at its start, the
     * rest of its line skipped; counting resumes on the next line */
    const char *in = "{\"a\":1}\n{\"long\":\"0123456789abcdef\"}\n{\"b\":2}\n{\"long2\":\"0123456789abcdef\"}";
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", in, 16, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 4);
    expect(&L, 0, EV_RECORD, 1, 0, 8, 1);
    expect(&L, 1, EV_BAD, 2, 8, 0, 0);
    ck_assert_str_eq(L.ev[1].reason, "record exceeds the maximum record size");
    expect(&L, 2, EV_RECORD, 3, 36, 8, 1);
    expect(&L, 3, EV_BAD, 4, 44, 0, 0);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_overlong_across_blocks)
{
    /* a 5 MiB line, more than the reader's blocks and its first buffer,
     * between two small records, with max_record 1 KiB */
    size_t big = 5u << 20;
    size_t n = 8 + big + 1 + 8;
    char *in = malloc(n + 1);
    memcpy(in, "{\"a\":1}\n", 8);
    memset(in + 8, 'x', big);
    in[8 + big] = '\n';
    memcpy(in + 9 + big, "{\"b\":2}\n", 8);
    in[n] = '\0';
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", in, 1024, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 3);
    expect(&L, 0, EV_RECORD, 1, 0, 8, 1);
    expect(&L, 1, EV_BAD, 2, 8, 0, 0);
    expect(&L, 2, EV_RECORD, 3, 9 + big, 8, 1);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
    free(in);
}
END_TEST

START_TEST(test_many_records_across_blocks)
{
    /* ~6 MiB of records of varying length: every boundary of the reader's
     * blocks falls inside some record; each must come out whole and in place */
    size_t cap = 7u << 20, n = 0, count = 0;
    char *in = malloc(cap);
    uint32_t x = 12345;
    while (n < (6u << 20)) {
        x = x * 1103515245u + 12345u;
        size_t body = 1 + (x >> 16) % 3000;
        n += (size_t)snprintf(in + n, cap - n, "{\"i\":%zu,\"s\":\"", count);
        memset(in + n, 'a' + (int)(count % 26), body);
        n += body;
        memcpy(in + n, "\"}\n", 3);
        n += 3;
        count++;
    }
    in[n] = '\0';
    evlog L = { 0 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", in, 4096, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, count);
    ck_assert_uint_eq(L.mismatches, 0);
    uint64_t off = 0;
    for (size_t i = 0; i < L.n; i++) {
        ck_assert_int_eq(L.ev[i].kind, EV_RECORD);
        ck_assert_uint_eq(L.ev[i].line, i + 1);
        ck_assert_uint_eq(L.ev[i].off, off);
        off += L.ev[i].n;
    }
    ck_assert_uint_eq(off, n);
    free(L.ev);
    free(in);
}
END_TEST

START_TEST(test_bad_spans_and_truncation)
{
    evlog L = { 0 };
    cvi_read_fail fail;
    /* a '?' span: one byte with the default reason, the rest of its line
     * skipped; a last line with no LF that the format cannot close: truncated */
    ck_assert_int_eq(read_lines("head\n?junk\nok\nlast", 1 << 20, &with_header, &L, &fail), 0);
    ck_assert_uint_eq(L.n, 4);
    expect(&L, 0, EV_HEADER, 1, 0, 5, 0);
    expect(&L, 1, EV_BAD, 2, 5, 0, 0);
    ck_assert_str_eq(L.ev[1].reason, "malformed record");
    expect(&L, 2, EV_RECORD, 3, 11, 3, 1);
    expect(&L, 3, EV_BAD, 4, 14, 0, 0);
    ck_assert_ptr_eq(L.ev[3].reason, cvi_reader_truncated);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_callback_stops)
{
    const char *in = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
    evlog L = { .stop_at = 2, .stop_rc = 7 };
    cvi_read_fail fail;
    ck_assert_int_eq(read_str("jsonl", in, 1 << 20, &with_header, &L, &fail), 7);
    ck_assert_ptr_null(fail.reason);
    ck_assert_uint_eq(L.n, 2);
    /* a bad span's callback stops it too */
    free(L.ev);
    L = (evlog){ .stop_at = 2, .stop_rc = CV_EINPUT };
    ck_assert_int_eq(read_lines("head\n?\nrow\n", 1 << 20, &with_header, &L, &fail), CV_EINPUT);
    ck_assert_uint_eq(L.n, 2);
    ck_assert_int_eq(L.ev[1].kind, EV_BAD);
    /* and the header's */
    free(L.ev);
    L = (evlog){ .stop_at = 1, .stop_rc = -42 };
    ck_assert_int_eq(read_lines("head\nrow\n", 1 << 20, &with_header, &L, &fail), -42);
    ck_assert_uint_eq(L.n, 1);
    free(L.ev);
}
END_TEST

START_TEST(test_read_error)
{
    /* one whole zstd frame, then the magic number of a frame that never comes */
    const char *plain = "{\"a\":1}\n{\"b\":2}\n";
    size_t pn = strlen(plain);
    char z[256];
    size_t zn = ZSTD_compress(z, sizeof z - 4, plain, pn, 3);
    ck_assert(!ZSTD_isError(zn));
    memcpy(z + zn, "\x28\xb5\x2f\xfd", 4);
    evlog L = { 0 };
    cvi_read_fail fail;
    int rc = read_raw(cvi_format_find("jsonl"), z, zn + 4, plain, pn, 1 << 20, &with_header, &L, &fail);
    ck_assert_int_eq(rc, CV_EINPUT);
    ck_assert_str_eq(fail.reason, "truncated zstd stream");
    ck_assert_uint_eq(fail.line, 0);
    ck_assert_uint_eq(fail.offset, pn);
    ck_assert_uint_eq(L.n, 2);
    ck_assert_uint_eq(L.mismatches, 0);
    free(L.ev);
}
END_TEST

START_TEST(test_bad_arguments)
{
    evlog L = { 0 };
    cvi_read_fail fail = { "stale", 9, 9 };
    const cvi_reader_cb no_record = { NULL, NULL, on_bad };
    const cvi_reader_cb no_bad = { NULL, on_record, NULL };
    ck_assert_int_eq(read_str("jsonl", "{}\n", 0, &with_header, &L, &fail), CV_EUSAGE);
    ck_assert_ptr_null(fail.reason);
    ck_assert_int_eq(read_str("jsonl", "{}\n", 1 << 20, &no_record, &L, &fail), CV_EUSAGE);
    ck_assert_int_eq(read_str("jsonl", "{}\n", 1 << 20, &no_bad, &L, &fail), CV_EUSAGE);
    ck_assert_int_eq(cvi_read_records(NULL, cvi_format_find("jsonl"), NULL, 1 << 20, &with_header, &L, NULL),
                     CV_EUSAGE);
    ck_assert_uint_eq(L.n, 0);
    free(L.ev);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_jsonl_lines_offsets);
    tcase_add_test(tc, test_empty_input);
    tcase_add_test(tc, test_csv_header_and_quoted_newlines);
    tcase_add_test(tc, test_blank_lines_before_header);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_overlong_records);
    tcase_add_test(tc, test_overlong_across_blocks);
    tcase_add_test(tc, test_many_records_across_blocks);
    tcase_add_test(tc, test_bad_spans_and_truncation);
    tcase_add_test(tc, test_callback_stops);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
