/*
 * audio_edit.c - span masking on decoded samples (contract in audio_edit.h).
 * Inside a span [s0, s1) the gain g falls from 1 to 0 over the first r
 * samples (raised cosine), stays 0, and rises back over the last r samples,
 * r = min(5 ms, half the span). Silence writes g*x; beep writes
 * g*x + (1-g)*0.1*sin(2 pi 1000 (k - s0) / rate), so a beep span fades in
 * from the speech and out again, its phase starting at the span start.
 */
#include "audio_edit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "callveil.h"

struct cv_audio_editor {
    int channels, rate, mode;
    int64_t ramp;          /* samples */
    cvi_range **lists;     /* per channel, sorted and merged (cvi_ranges_merge) */
    size_t *counts;
};

void cvi_audio_editor_free(cv_audio_editor *e)
{
    if (!e) return;
    if (e->lists)
        for (int c = 0; c < e->channels; c++) free(e->lists[c]);
    free(e->lists);
    free(e->counts);
    free(e);
}

int cvi_audio_editor_create(cv_audio_editor **out, const cv_audio_span *spans, size_t n,
                           int channels, int rate, int mode)
{
    *out = NULL;
    if (channels < 1 || channels > 64 || rate < 1 || (mode != CV_AUDIO_SILENCE && mode != CV_AUDIO_BEEP) ||
        (n > 0 && !spans))
        return CV_EUSAGE;
    cv_audio_editor *e = calloc(1, sizeof *e);
    if (!e) return CV_ENOMEM;
    e->channels = channels;
    e->rate = rate;
    e->mode = mode;
    e->ramp = (int64_t)llround(CV_AUDIO_RAMP_SECONDS * rate);
    if (e->ramp < 1) e->ramp = 1;
    e->lists = calloc((size_t)channels, sizeof *e->lists);
    e->counts = calloc((size_t)channels, sizeof *e->counts);
    if (!e->lists || !e->counts) goto nomem;
    for (int c = 0; c < channels; c++) {
        e->lists[c] = malloc((n ? n : 1) * sizeof(cvi_range));
        if (!e->lists[c]) goto nomem;
    }
    /* Sample indices are clamped to 2^52 so the double conversion is exact
     * and int64 never overflows (centuries of audio at any rate). */
    const double cap = 4503599627370496.0;
    for (size_t i = 0; i < n; i++) {
        double a = spans[i].start * rate, b = spans[i].end * rate;
        if (!(a == a) || !(b == b)) continue;             /* NaN */
        if (a < 0) a = 0;
        if (b > cap) b = cap;
        if (!(b > a)) continue;
        cvi_range r = { (int64_t)floor(a), (int64_t)ceil(b) };
        int ch = spans[i].channel;
        for (int c = 0; c < channels; c++)
            if (ch < 0 || ch >= channels || ch == c) e->lists[c][e->counts[c]++] = r;
    }
    for (int c = 0; c < channels; c++) e->counts[c] = cvi_ranges_merge(e->lists[c], e->counts[c]);
    *out = e;
    return 0;
nomem:
    cvi_audio_editor_free(e);
    return CV_ENOMEM;
}

/* First range of channel ch whose end is after pos. */
static size_t first_after(const cv_audio_editor *e, int ch, int64_t pos)
{
    const cvi_range *r = e->lists[ch];
    size_t lo = 0, hi = e->counts[ch];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].end <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int cvi_audio_editor_touches(const cv_audio_editor *e, int ch, int64_t pos, size_t n)
{
    if (ch < 0 || ch >= e->channels) return 0;
    size_t i = first_after(e, ch, pos);
    return i < e->counts[ch] && e->lists[ch][i].start < pos + (int64_t)n;
}

static double gain_at(int64_t k, const cvi_range *r, int64_t ramp)
{
    int64_t len = r->end - r->start;
    if (ramp > len / 2) ramp = len / 2;
    int64_t i = k - r->start, j = r->end - 1 - k;
    int64_t d = i < j ? i : j;
    if (d >= ramp) return 0.0;
    return 0.5 * (1.0 + cos(M_PI * ((double)d + 0.5) / (double)ramp));
}

static inline double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Write g*x + (1-g)*b (b in full-scale units) to one sample. */
static void put(void *data, int fmt, size_t idx, double g, double b)
{
    switch (fmt) {
    case CV_SAMPLE_U8: {
        uint8_t *p = (uint8_t *)data + idx;
        double x = (double)p[0] - 128.0;
        *p = (uint8_t)(128 + (int)lrint(clampd(g * x + (1 - g) * b * 127.0, -128, 127)));
        break;
    }
    case CV_SAMPLE_S16: {
        int16_t *p = (int16_t *)data + idx;
        *p = (int16_t)lrint(clampd(g * *p + (1 - g) * b * 32767.0, -32768, 32767));
        break;
    }
    case CV_SAMPLE_S32: {
        int32_t *p = (int32_t *)data + idx;
        *p = (int32_t)llrint(clampd(g * *p + (1 - g) * b * 2147483647.0, -2147483648.0, 2147483647.0));
        break;
    }
    case CV_SAMPLE_FLT: {
        float *p = (float *)data + idx;
        *p = (float)(g * *p + (1 - g) * b);
        break;
    }
    case CV_SAMPLE_DBL: {
        double *p = (double *)data + idx;
        *p = g * *p + (1 - g) * b;
        break;
    }
    default:
        break;
    }
}

void cvi_audio_editor_apply(const cv_audio_editor *e, int ch, int64_t pos, void *data, int fmt,
                           size_t stride, size_t n)
{
    if (ch < 0 || ch >= e->channels || n == 0) return;
    const cvi_range *r = e->lists[ch];
    int64_t end = pos + (int64_t)n;
    for (size_t i = first_after(e, ch, pos); i < e->counts[ch] && r[i].start < end; i++) {
        int64_t a = r[i].start > pos ? r[i].start : pos;
        int64_t b = r[i].end < end ? r[i].end : end;
        for (int64_t k = a; k < b; k++) {
            double g = gain_at(k, &r[i], e->ramp), beep = 0.0;
            if (e->mode == CV_AUDIO_BEEP)
                beep = CV_AUDIO_BEEP_AMPLITUDE *
                       sin(2.0 * M_PI * CV_AUDIO_BEEP_HZ * (double)(k - r[i].start) / e->rate);
            put(data, fmt, (size_t)(k - pos) * stride, g, beep);
        }
    }
}

int cvi_audio_editor_masked(const cv_audio_editor *e, int64_t limit, int64_t *samples, uint64_t *nspans)
{
    size_t total = 0;
    for (int c = 0; c < e->channels; c++) total += e->counts[c];
    *samples = 0;
    *nspans = 0;
    if (total == 0) return 0;
    cvi_range *all = malloc(total * sizeof *all);
    if (!all) return CV_ENOMEM;
    size_t k = 0;
    for (int c = 0; c < e->channels; c++)
        for (size_t i = 0; i < e->counts[c]; i++) all[k++] = e->lists[c][i];
    k = cvi_ranges_merge(all, k);
    for (size_t i = 0; i < k; i++) {
        int64_t a = all[i].start, b = all[i].end < limit ? all[i].end : limit;
        if (b > a) {
            *samples += b - a;
            (*nspans)++;
        }
    }
    free(all);
    return 0;
}

void cvi_audio_samples_get(const void *data, int fmt, size_t stride, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = i * stride;
        switch (fmt) {
        case CV_SAMPLE_U8: out[i] = (float)(((const uint8_t *)data)[k] - 128) / 128.0f; break;
        case CV_SAMPLE_S16: out[i] = (float)((const int16_t *)data)[k] / 32768.0f; break;
        case CV_SAMPLE_S32: out[i] = (float)((double)((const int32_t *)data)[k] / 2147483648.0); break;
        case CV_SAMPLE_FLT: out[i] = ((const float *)data)[k]; break;
        case CV_SAMPLE_DBL: out[i] = (float)((const double *)data)[k]; break;
        default: out[i] = 0; break;
        }
    }
}

void cvi_audio_samples_put(void *data, int fmt, size_t stride, size_t n, const float *in)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = i * stride;
        double v = in[i];
        switch (fmt) {
        case CV_SAMPLE_U8: ((uint8_t *)data)[k] = (uint8_t)(128 + (int)lrint(clampd(v * 128.0, -128, 127))); break;
        case CV_SAMPLE_S16: ((int16_t *)data)[k] = (int16_t)lrint(clampd(v * 32768.0, -32768, 32767)); break;
        case CV_SAMPLE_S32:
            ((int32_t *)data)[k] = (int32_t)llrint(clampd(v * 2147483648.0, -2147483648.0, 2147483647.0));
            break;
        case CV_SAMPLE_FLT: ((float *)data)[k] = in[i]; break;
        case CV_SAMPLE_DBL: ((double *)data)[k] = v; break;
        default: break;
        }
    }
}
