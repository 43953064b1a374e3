/*
 * spans.c - see spans.h.
 */
#include <stdlib.h>

#include "spans.h"

static int cmp_span(const void *a, const void *b)
{
    const cvi_time_span *x = a, *y = b;
    if (x->channel != y->channel) return x->channel < y->channel ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

size_t cvi_time_spans_merge(cvi_time_span *v, size_t n, double pad)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        v[i].start -= pad;
        if (v[i].start < 0) v[i].start = 0;
        v[i].end += pad;
    }
    qsort(v, n, sizeof *v, cmp_span);
    size_t o = 0;
    for (size_t i = 1; i < n; i++) {
        if (v[i].channel == v[o].channel && v[i].start <= v[o].end) {
            if (v[i].end > v[o].end) v[o].end = v[i].end;
        } else {
            v[++o] = v[i];
        }
    }
    return o + 1;
}

static int cmp_range(const void *a, const void *b)
{
    const cvi_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

size_t cvi_ranges_merge(cvi_range *r, size_t n)
{
    if (n == 0) return 0;
    qsort(r, n, sizeof *r, cmp_range);
    size_t o = 0;
    for (size_t i = 1; i < n; i++) {
        if (r[i].start <= r[o].end) {
            if (r[i].end > r[o].end) r[o].end = r[i].end;
        } else {
            r[++o] = r[i];
        }
    }
    return o + 1;
}
