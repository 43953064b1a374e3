/*
 * fuzz_jsonl.c - libFuzzer target for the JSON Lines format: split with a
 * small max_len, parse, drop a pseudo-random subset of nodes, write, and
 * check that what was written parses again (to the same nodes when nothing
 * was dropped).
 */
#include <stdlib.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const cv_record *a, const cv_record *b)
{
    if (a->n != b->n) abort();
    for (size_t i = 0; i < a->n; i++) {
        const cv_node *x = &a->nodes[i], *y = &b->nodes[i];
        if (x->kind != y->kind || x->depth != y->depth || x->end != y->end) abort();
        if (!cv_str_eq(x->key, y->key) || !cv_str_eq(x->path, y->path) || !cv_str_eq(x->value, y->value))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const cv_format_type *f = cvi_format_find("jsonl");
    size_t max_len = 8 + data[0] * 4u;
    uint8_t seed = data[0];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1, off = 0;
    char st[8] = { 0 };
    cv_record r, again;
    cv_buf out;
    cvi_record_init(&r);
    cvi_record_init(&again);
    cvi_buf_init(&out);

    while (off < len) {
        size_t rl = 0, nl = 0, rl2 = 0, nl2 = 0;
        const char *why = NULL, *why2 = NULL;
        int rc = f->split(st, buf + off, len - off, 1, max_len, &rl, &nl, &why);
        if (rc == CV_SPLIT_MORE) abort();                 /* bytes left at eof */
        if (rl < 1 || rl > len - off || rl > max_len) abort();
        /* without eof, a split either waits or agrees */
        int rc2 = f->split(st, buf + off, len - off, 0, max_len, &rl2, &nl2, &why2);
        if (rc2 != CV_SPLIT_MORE && (rc2 != rc || rl2 != rl || nl2 != nl)) abort();
        if (rc == CV_SPLIT_BAD) {
            if (!why) abort();
            off += rl;
            const char *e = memchr(buf + off, '\n', len - off);   /* as the runner does */
            off = e ? (size_t)(e - buf) + 1 : len;
            continue;
        }
        cvi_record_reset(&r);
        cv_diag d = { 0 };
        rc = f->parse(st, buf + off, rl, &r, &d);
        if (rc == CV_EINPUT) {
            if (!d.reason || d.offset > rl) abort();
        } else if (rc == 0) {
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
            cvi_record_reset(&again);
            if (f->parse(st, out.p, out.n, &again, &d)) abort();
            check_same(&r, &again);
            /* now drop some nodes and write again: still valid JSON */
            for (size_t i = 0; i < r.n; i++)
                if (((i * 131u + seed) & 3) == 0 && r.nodes[i].kind != CV_NODE_OBJ_END &&
                    r.nodes[i].kind != CV_NODE_ARR_END)
                    r.nodes[i].flags |= CV_NF_DROP;
            cv_buf_clear(&out);
            if (f->write(st, &r, &out)) abort();
            cvi_record_reset(&again);
            if (f->parse(st, out.p, out.n, &again, &d)) abort();
        } else if (rc != CV_EEMPTY) {
            abort();
        }
        off += rl;
    }
    cvi_record_free(&r);
    cvi_record_free(&again);
    cvi_buf_free(&out);
    return 0;
}
