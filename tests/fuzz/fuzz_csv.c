/*
 * fuzz_csv.c - libFuzzer target for generic CSV: split with a small
 * max_len, the first good record as header, then parse and write rows;
 * a written row must parse back to the same values.
 */
#include <stdlib.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const cv_format_type *f = cvi_format_find("csv");
    size_t max_len = 8 + data[0] * 4u;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1, off = 0;
    void *st = calloc(1, f->state_size);
    int have_header = 0;
    cv_record r, again;
    cv_buf out;
    cvi_record_init(&r);
    cvi_record_init(&again);
    cvi_buf_init(&out);

    while (off < len) {
        size_t rl = 0, nl = 0, rl2 = 0, nl2 = 0;
        const char *why = NULL, *why2 = NULL;
        int rc = f->split(st, buf + off, len - off, 1, max_len, &rl, &nl, &why);
        if (rc == CV_SPLIT_MORE) abort();
        if (rl < 1 || rl > len - off || rl > max_len) abort();
        int rc2 = f->split(st, buf + off, len - off, 0, max_len, &rl2, &nl2, &why2);
        if (rc2 != CV_SPLIT_MORE && (rc2 != rc || rl2 != rl || nl2 != nl)) abort();
        size_t lf = 0;
        for (size_t i = 0; i < rl; i++) lf += buf[off + i] == '\n';
        if (lf != nl) abort();
        if (rc == CV_SPLIT_BAD) {
            if (!why) abort();
            off += rl;
            continue;
        }
        cv_diag d = { 0 };
        if (!have_header) {
            rc = f->parse_header(st, buf + off, rl, &d);
            if (rc == 0) {
                have_header = 1;
                const cv_str *names;
                size_t n = f->columns(st, &names);
                uint8_t *kept = calloc(n, 1);
                for (size_t i = 0; i < n; i++) kept[i] = (uint8_t)(i & 1);
                cv_buf_clear(&out);
                if (f->write_header(st, NULL, kept, NULL, &out)) abort();
                free(kept);
            } else if (rc != CV_EINPUT || !d.reason) {
                abort();
            }
            off += rl;
            continue;
        }
        cvi_record_reset(&r);
        rc = f->parse(st, buf + off, rl, &r, &d);
        if (rc == CV_EINPUT) {
            if (!d.reason || d.offset > rl) abort();
        } else if (rc == 0) {
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
            cvi_record_reset(&again);
            if (f->parse(st, out.p, out.n, &again, &d)) abort();
            if (again.n != r.n) abort();
            for (size_t i = 0; i < r.n; i++)
                if (!cv_str_eq(r.nodes[i].value, again.nodes[i].value) || again.nodes[i].col != (int32_t)i) abort();
            for (size_t i = 0; i < r.n; i += 2) r.nodes[i].flags |= CV_NF_DROP;
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
        } else if (rc != CV_EEMPTY) {
            abort();
        }
        off += rl;
    }
    f->state_free(st);
    free(st);
    cvi_record_free(&r);
    cvi_record_free(&again);
    cvi_buf_free(&out);
    return 0;
}
