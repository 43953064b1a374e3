/*
 * fuzz_wordset.c - libFuzzer target for the word matcher (filters/wordset.c):
 * the input up to the first NUL byte holds entries, one a line (a leading
 * '^' adds CV_WS_CAPITALISED), the rest is the text. Checks that matches
 * come in order, do not overlap, lie inside the text, name a real entry,
 * that a rebuild in place gives the same matches, and that the set built as
 * a trie (CV_WS_TRIE) gives them too: differential against the flat layout
 * cvi_wordset_build picks for a few entries.
 */
#include <stdlib.h>
#include <string.h>

#include "filters/filters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    cv_word_match v[256];
    size_t n, len;
    uint32_t last_end, nids;
} seen;

static int note(void *arg, const cv_word_match *m)
{
    seen *s = arg;
    if (m->start < s->last_end || m->start >= m->end || m->end > s->len || m->id >= s->nids) abort();
    s->last_end = m->end;
    if (s->n < 256) s->v[s->n++] = *m;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nul = memchr(p, 0, size);
    size_t elen = nul ? (size_t)(nul - p) : size;
    const char *text = nul ? nul + 1 : p + size;
    size_t tlen = nul ? size - elen - 1 : 0;
    cv_wordset_builder *b = cvi_wordset_builder_create();
    if (!b) return 0;
    for (size_t i = 0; i < elen;) {
        const char *nl = memchr(p + i, '\n', elen - i);
        size_t e = nl ? (size_t)(nl - p) : elen;
        unsigned fl = 0;
        size_t a = i;
        if (a < e && p[a] == '^') {
            fl = CV_WS_CAPITALISED;
            a++;
        }
        int rc = cvi_wordset_builder_add(b, p + a, e - a, fl);
        if (rc < 0 && rc != CV_EINPUT) abort();
        i = e + 1;
    }
    cv_wordset *s = NULL;
    if (cvi_wordset_build(b, &s)) abort();
    seen one = { .len = tlen, .nids = (uint32_t)cvi_wordset_builder_count(b) };
    if (cvi_wordset_scan(s, text, tlen, note, &one)) abort();
    if (cvi_wordset_build(b, &s)) abort();   /* in place */
    seen two = { .len = tlen, .nids = one.nids };
    if (cvi_wordset_scan(s, text, tlen, note, &two)) abort();
    if (one.n != two.n || memcmp(one.v, two.v, one.n * sizeof *one.v)) abort();
    cv_wordset *t = NULL;
    if (cvi_wordset_build_layout(b, &t, CV_WS_TRIE)) abort();
    seen three = { .len = tlen, .nids = one.nids };
    if (cvi_wordset_scan(t, text, tlen, note, &three)) abort();
    if (one.n != three.n || memcmp(one.v, three.v, one.n * sizeof *one.v)) abort();
    cvi_wordset_free(t);
    cvi_wordset_free(s);
    cvi_wordset_builder_free(b);
    return 0;
}
