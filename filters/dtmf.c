/*
 * dtmf.c - Goertzel DTMF detector (contract and thresholds in dtmf.h).
 * The eight Goertzel filters run over 51-sample half windows; each 102-sample
 * window is the sum of two half windows' complex outputs (the second rotated
 * by its 51-sample delay), so half-overlapping windows cost no more than
 * disjoint ones. The off-frequency probes run only on candidate windows.
 */
#include "dtmf.h"

#include <math.h>
#include <string.h>

static const float FREQ[8] = { 697, 770, 852, 941, 1209, 1336, 1477, 1633 };
static const char KEYS[16] = "123A456B789C*0#D";

#define LEVEL_MIN 0.0822f        /* (10^(-45/20) * 51)^2: -45 dBFS sine over 102 samples */
#define ENERGY_FRACTION 0.7f     /* row + column >= 70 % of the window's energy */
#define NORMAL_TWIST 6.31f       /* 8 dB: column above row */
#define REVERSE_TWIST 2.512f     /* 4 dB: row above column */
#define RELATIVE_PEAK 6.31f      /* 8 dB */
#define PROBE_LO 0.95f
#define PROBE_HI 1.05f
#define HITS_TO_ACCEPT 4
#define MISSES_TO_END 2

/* Per-frequency constants, computed from FREQ on first use would need a
 * mutable global; they are cheap enough to derive per detector instead. */
typedef struct coefs {
    float c2[8];       /* 2 cos w */
    float cw[8], sw[8];/* cos w, sin w */
    float rr[8], ri[8];/* e^{-i 51 w} */
} coefs;

static void make_coefs(coefs *k)
{
    for (int i = 0; i < 8; i++) {
        double w = 2.0 * M_PI * FREQ[i] / CV_DTMF_RATE;
        k->c2[i] = (float)(2.0 * cos(w));
        k->cw[i] = (float)cos(w);
        k->sw[i] = (float)sin(w);
        k->rr[i] = (float)cos(w * CV_DTMF_HOP);
        k->ri[i] = (float)-sin(w * CV_DTMF_HOP);
    }
}

void cvi_dtmf_init(cv_dtmf *d)
{
    memset(d, 0, sizeof *d);
    d->key = -1;
}

uint64_t cvi_dtmf_tones(const cv_dtmf *d) { return d->tones; }

char cvi_dtmf_last_key(const cv_dtmf *d) { return d->last_key > 0 ? (char)d->last_key : 0; }

/* Energy of one Goertzel filter at frequency f over x[0..n). */
static float goertzel(const float *x, size_t n, float f)
{
    float c = (float)(2.0 * cos(2.0 * M_PI * f / CV_DTMF_RATE));
    float s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        float s0 = x[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* Off-frequency probes on a full window: the nominal frequency must beat
 * both probes. */
static int on_frequency(const float *win, float e_nominal, float f)
{
    return e_nominal > goertzel(win, CV_DTMF_BLOCK, f * PROBE_LO) &&
           e_nominal > goertzel(win, CV_DTMF_BLOCK, f * PROBE_HI);
}

/* The key a window holds, or -1. */
static int classify(const cv_dtmf *d, const float *e, float total)
{
    int r = 0, c = 4;
    for (int i = 1; i < 4; i++) {
        if (e[i] > e[r]) r = i;
        if (e[4 + i] > e[c]) c = 4 + i;
    }
    float er = e[r], ec = e[c];
    if (er < LEVEL_MIN || ec < LEVEL_MIN) return -1;
    if (er + ec < ENERGY_FRACTION * (CV_DTMF_BLOCK / 2) * total) return -1;
    if (ec > er * NORMAL_TWIST || er > ec * REVERSE_TWIST) return -1;
    for (int i = 0; i < 4; i++) {
        if (i != r && e[i] * RELATIVE_PEAK > er) return -1;
        if (4 + i != c && e[4 + i] * RELATIVE_PEAK > ec) return -1;
    }
    float win[CV_DTMF_BLOCK];
    unsigned older = (unsigned)((d->pos / CV_DTMF_HOP) & 1u);   /* the half written first */
    memcpy(win, d->half[older], sizeof d->half[0]);
    memcpy(win + CV_DTMF_HOP, d->half[older ^ 1u], sizeof d->half[0]);
    if (!on_frequency(win, er, FREQ[r]) || !on_frequency(win, ec, FREQ[c])) return -1;
    return r * 4 + (c - 4);
}

static int close_run(cv_dtmf *d, cv_dtmf_cb cb, void *opaque)
{
    int rc = 0;
    if (d->key >= 0 && d->hits >= HITS_TO_ACCEPT) {
        d->tones++;
        d->last_key = KEYS[d->key];
        if (cb) rc = cb(opaque, d->run_start, d->run_end);
    }
    d->key = -1;
    d->hits = d->misses = 0;
    return rc;
}

/* A half window just completed (d->pos is its end). */
static int end_half(cv_dtmf *d, const coefs *k, cv_dtmf_cb cb, void *opaque)
{
    float re[8], im[8], e[8];
    for (int i = 0; i < 8; i++) {
        re[i] = d->s1[i] - k->cw[i] * d->s2[i];
        im[i] = k->sw[i] * d->s2[i];
        d->s1[i] = d->s2[i] = 0;
    }
    int rc = 0;
    if (d->halves >= 1) {
        for (int i = 0; i < 8; i++) {
            float wr = d->prev_re[i] + k->rr[i] * re[i] - k->ri[i] * im[i];
            float wi = d->prev_im[i] + k->rr[i] * im[i] + k->ri[i] * re[i];
            e[i] = wr * wr + wi * wi;
        }
        int key = classify(d, e, d->prev_energy + d->cur_energy);
        uint64_t wend = d->pos, wstart = d->pos - CV_DTMF_BLOCK;
        if (key >= 0 && key == d->key) {
            d->hits++;
            d->misses = 0;
            d->run_end = wend;
        } else if (key >= 0) {
            rc = close_run(d, cb, opaque);
            d->key = key;
            d->hits = 1;
            d->misses = 0;
            d->run_start = wstart;
            d->run_end = wend;
        } else if (d->key >= 0 && ++d->misses >= MISSES_TO_END) {
            rc = close_run(d, cb, opaque);
        }
    } else {
        d->halves = 1;
    }
    memcpy(d->prev_re, re, sizeof re);
    memcpy(d->prev_im, im, sizeof im);
    d->prev_energy = d->cur_energy;
    d->cur_energy = 0;
    return rc;
}

/* The hot loop: n samples, all inside the current half window. */
static void run(cv_dtmf *d, const coefs *k, const float *x, unsigned n)
{
    float s1[8], s2[8], c2[8];
    memcpy(s1, d->s1, sizeof s1);
    memcpy(s2, d->s2, sizeof s2);
    memcpy(c2, k->c2, sizeof c2);
    float en = d->cur_energy;
    float *keep = d->half[(d->pos / CV_DTMF_HOP) & 1u] + d->fill;
    for (unsigned j = 0; j < n; j++) {
        float v = x[j];
        keep[j] = v;
        en += v * v;
        for (int i = 0; i < 8; i++) {
            float s0 = v + c2[i] * s1[i] - s2[i];
            s2[i] = s1[i];
            s1[i] = s0;
        }
    }
    memcpy(d->s1, s1, sizeof s1);
    memcpy(d->s2, s2, sizeof s2);
    d->cur_energy = en;
}

int cvi_dtmf_feed_float(cv_dtmf *d, const float *x, size_t n, cv_dtmf_cb cb, void *opaque)
{
    coefs k;
    make_coefs(&k);
    while (n > 0) {
        unsigned m = CV_DTMF_HOP - d->fill;
        if (m > n) m = (unsigned)n;
        run(d, &k, x, m);
        d->fill += m;
        x += m;
        n -= m;
        if (d->fill == CV_DTMF_HOP) {
            d->pos += CV_DTMF_HOP;
            d->fill = 0;
            int rc = end_half(d, &k, cb, opaque);
            if (rc) return rc;
        }
    }
    return 0;
}

int cvi_dtmf_feed_s16(cv_dtmf *d, const int16_t *x, size_t n, cv_dtmf_cb cb, void *opaque)
{
    float buf[256];
    while (n > 0) {
        size_t m = n < 256 ? n : 256;
        for (size_t i = 0; i < m; i++) buf[i] = (float)x[i] * (1.0f / 32768.0f);
        int rc = cvi_dtmf_feed_float(d, buf, m, cb, opaque);
        if (rc) return rc;
        x += m;
        n -= m;
    }
    return 0;
}

int cvi_dtmf_finish(cv_dtmf *d, cv_dtmf_cb cb, void *opaque)
{
    return close_run(d, cb, opaque);
}
