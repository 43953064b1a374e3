/*
 * spans.h - time spans of a recording (seconds from its first sample, on
 * one channel or, channel -1, on all): what a transcript's identifiers and
 * the DTMF detector ask to mask (cv_tspan, cv_audio_span are this type),
 * and integer ranges (an audio editor's sample ranges): the one module that
 * merges spans, both kinds.
 */
#ifndef CV_SPANS_H
#define CV_SPANS_H

#include <stddef.h>
#include <stdint.h>

typedef struct cvi_time_span {
    double start, end;
    int channel;             /* -1: all channels */
} cvi_time_span;

/* Pad each span by pad seconds either side (start clamped at 0), sort by
 * channel, start and end, and merge the overlapping or touching spans of
 * each channel, in place. Returns the new count. */
size_t cvi_time_spans_merge(cvi_time_span *v, size_t n, double pad);

/* A half-open range [start, end) of integers (sample indices). */
typedef struct cvi_range {
    int64_t start, end;
} cvi_range;

/* Sort by start and merge the overlapping or touching ranges ([0,5) and
 * [5,9) make [0,9)), in place. Returns the new count (0 for n 0). */
size_t cvi_ranges_merge(cvi_range *r, size_t n);

#endif
