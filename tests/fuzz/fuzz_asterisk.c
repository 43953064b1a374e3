/*
 * fuzz_asterisk.c - libFuzzer target for Asterisk Master.csv: split with a
 * small max_len, parse, write in cdr_csv style (with and without dropped
 * columns); the output must parse back to as many columns, with the same
 * values (dropped ones empty).
 */
#include <stdlib.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_reparse(const cv_format_type *f, const void *st, const cv_record *r, cv_record *again,
                          cv_buf *out)
{
    cv_diag d = { 0 };
    cv_buf_clear(out);
    if (f->write(st, r, out)) abort();
    cvi_record_reset(again);
    if (f->parse(st, out->p, out->n, again, &d)) abort();
    if (again->n != r->n) abort();
    for (size_t i = 0; i < r->n; i++) {
        cv_str want = (r->nodes[i].flags & CV_NF_DROP) ? cv_str_make("", 0) : r->nodes[i].value;
        if (!cv_str_eq(want, again->nodes[i].value)) abort();
        if (!cv_str_eq(r->nodes[i].path, again->nodes[i].path)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const cv_format_type *f = cvi_format_find("asterisk-cdr");
    size_t max_len = 64 + data[0] * 8u;
    uint8_t seed = data[0];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1, off = 0;
    void *st = calloc(1, f->state_size ? f->state_size : 1);
    cv_record r, again;
    cv_buf out;
    cvi_record_init(&r);
    cvi_record_init(&again);
    cvi_buf_init(&out);

    while (off < len) {
        size_t rl = 0, nl = 0;
        const char *why = NULL;
        int rc = f->split(st, buf + off, len - off, 1, max_len, &rl, &nl, &why);
        if (rc == CV_SPLIT_MORE) abort();
        if (rl < 1 || rl > len - off || rl > max_len) abort();
        if (rc == CV_SPLIT_BAD) {
            off += rl;
            continue;
        }
        cvi_record_reset(&r);
        cv_diag d = { 0 };
        rc = f->parse(st, buf + off, rl, &r, &d);
        if (rc == CV_EINPUT) {
            if (!d.reason || d.offset > rl) abort();
        } else if (rc == 0) {
            if (r.n < 18 || r.n > 64) abort();
            write_reparse(f, st, &r, &again, &out);
            for (size_t i = 0; i < r.n; i++)
                if (((i * 37u + seed) % 3) == 0) r.nodes[i].flags |= CV_NF_DROP;
            write_reparse(f, st, &r, &again, &out);
        } else if (rc != CV_EEMPTY) {
            abort();
        }
        off += rl;
    }
    free(st);
    cvi_record_free(&r);
    cvi_record_free(&again);
    cvi_buf_free(&out);
    return 0;
}
