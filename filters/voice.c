/*
 * voice.c - McAdams-coefficient voice anonymisation, streaming, one channel
 * (contract in voice.h). Per hop: the last N input samples form a frame;
 * y = frame * sqrt(hann); LPC a from frame * hann; residual e = A(z) y;
 * poles of 1/A moved in angle (phi^alpha) give B; s = e / B(z), scaled to
 * y's energy; s * sqrt(hann) is added into the overlap-add accumulator,
 * whose first hop is then complete.
 */
#include "voice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "callveil.h"

struct cv_voice {
    int rate, order;
    double alpha;
    size_t n, hop;            /* frame length (even) and hop = n / 2 */
    double *win;              /* sqrt of the periodic Hann window, n */
    double *buf;              /* the current frame's input, n */
    double *acc;              /* overlap-add accumulator, n */
    double *y, *e, *s;        /* work, n each */
    size_t fill;              /* new samples in buf's second half */
    size_t skip;              /* output samples still to drop (before time 0) */
    uint64_t in_total, out_total;
    double complex z[CV_VOICE_ORDER_MAX];
    int warm;                 /* z holds the previous frame's roots */
    uint64_t frames, fallbacks;
};

void cv_voice_free(cv_voice *v)
{
    if (!v) return;
    free(v->win);
    free(v->buf);
    free(v->acc);
    free(v->y);
    free(v->e);
    free(v->s);
    free(v);
}

int cv_voice_create(cv_voice **out, int rate, double alpha)
{
    *out = NULL;
    if (rate < 4000 || rate > 768000 || !(alpha >= 0.5 && alpha <= 1.5)) return CV_EUSAGE;
    cv_voice *v = calloc(1, sizeof *v);
    if (!v) return CV_ENOMEM;
    v->rate = rate;
    v->alpha = alpha;
    v->order = 4 + rate / 1000;
    if (v->order < 8) v->order = 8;
    if (v->order > CV_VOICE_ORDER_MAX) v->order = CV_VOICE_ORDER_MAX;
    v->hop = (size_t)lround(CV_VOICE_FRAME_SECONDS * rate / 2);
    v->n = 2 * v->hop;
    v->skip = v->hop;
    v->win = malloc(v->n * sizeof *v->win);
    v->buf = calloc(v->n, sizeof *v->buf);
    v->acc = calloc(v->n, sizeof *v->acc);
    v->y = malloc(v->n * sizeof *v->y);
    v->e = malloc(v->n * sizeof *v->e);
    v->s = malloc(v->n * sizeof *v->s);
    if (!v->win || !v->buf || !v->acc || !v->y || !v->e || !v->s) {
        cv_voice_free(v);
        return CV_ENOMEM;
    }
    for (size_t i = 0; i < v->n; i++)
        v->win[i] = sqrt(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)v->n));
    *out = v;
    return 0;
}

size_t cv_voice_hop(const cv_voice *v) { return v->hop; }
int cv_voice_order(const cv_voice *v) { return v->order; }
uint64_t cv_voice_frames(const cv_voice *v) { return v->frames; }
uint64_t cv_voice_fallbacks(const cv_voice *v) { return v->fallbacks; }

int cvi_voice_levinson(const double *r, int p, double *a)
{
    double err = r[0];
    a[0] = 1.0;
    for (int i = 1; i <= p; i++) a[i] = 0.0;
    if (!(err > 0)) return -1;
    double tmp[CV_VOICE_ORDER_MAX + 1];
    for (int i = 1; i <= p; i++) {
        double acc = r[i];
        for (int j = 1; j < i; j++) acc += a[j] * r[i - j];
        double k = -acc / err;
        if (!(fabs(k) < 1.0)) return -1;
        memcpy(tmp, a, (size_t)(i + 1) * sizeof *a);
        for (int j = 1; j < i; j++) a[j] = tmp[j] + k * tmp[i - j];
        a[i] = k;
        err *= 1.0 - k * k;
        if (!(err > 0)) return -1;
    }
    return 0;
}

/* Coefficients c[0..p] (c[0] = 1) of prod (1 - z_k x^-1), real parts. */
static void rebuild(const double complex *z, int p, double complex *c)
{
    c[0] = 1.0;
    for (int i = 1; i <= p; i++) c[i] = 0.0;
    for (int k = 0; k < p; k++)
        for (int i = k + 1; i >= 1; i--) c[i] -= z[k] * c[i - 1];
}

int cvi_voice_roots(const double *a, int p, double complex *z, int warm)
{
    if (p < 1 || p > CV_VOICE_ORDER_MAX) return -1;
    if (!warm) {
        /* the poles of a stable LPC filter lie inside the unit circle */
        for (int k = 0; k < p; k++) z[k] = 0.9 * cexp(I * (2.0 * M_PI * k / p + 0.4));
    }
    int converged = 0;
    for (int it = 0; it < 80 && !converged; it++) {
        double worst = 0;
        for (int k = 0; k < p; k++) {
            double complex x = z[k], f = 1.0, d = 0.0;
            for (int i = 1; i <= p; i++) {
                d = d * x + f;
                f = f * x + a[i];
            }
            if (f == 0) continue;
            if (d == 0) d = 1e-30;
            double complex ratio = f / d, sum = 0.0;
            for (int j = 0; j < p; j++)
                if (j != k) {
                    double complex diff = x - z[j];
                    if (diff == 0) diff = 1e-30;
                    sum += 1.0 / diff;
                }
            double complex w = ratio / (1.0 - ratio * sum);
            if (!isfinite(creal(w)) || !isfinite(cimag(w))) return -1;
            z[k] = x - w;
            double m = cabs(w) / (1.0 + cabs(x));
            if (m > worst) worst = m;
        }
        converged = worst < 1e-12;
    }
    if (!converged) return -1;
    double complex c[CV_VOICE_ORDER_MAX + 1];
    rebuild(z, p, c);
    double scale = 1.0;
    for (int i = 1; i <= p; i++) scale += fabs(a[i]);
    for (int i = 1; i <= p; i++)
        if (cabs(c[i] - a[i]) > 1e-7 * scale) return -1;
    return 0;
}

int cvi_voice_warp(const double complex *z, int p, double alpha, double *b)
{
    const double eps = 1e-9;
    int pos = 0, neg = 0;
    b[0] = 1.0;
    for (int i = 1; i <= p; i++) b[i] = 0.0;
    int deg = 0;
    for (int k = 0; k < p; k++) {
        double im = cimag(z[k]), r = cabs(z[k]);
        if (!(r < 1.0)) return -1;          /* LPC poles are inside the unit circle */
        if (im < -eps) {
            neg++;
            continue;
        }
        if (im <= eps) {                     /* real pole: b *= (1 - x z^-1) */
            double x = creal(z[k]);
            for (int i = deg + 1; i >= 1; i--) b[i] -= x * b[i - 1];
            deg += 1;
            continue;
        }
        pos++;
        double phi = pow(carg(z[k]), alpha);   /* carg in (0, pi) */
        double c1 = -2.0 * r * cos(phi), c2 = r * r;
        /* b *= (1 + c1 z^-1 + c2 z^-2) */
        for (int i = deg + 2; i >= 1; i--) {
            double t = c1 * b[i - 1];
            if (i >= 2) t += c2 * b[i - 2];
            b[i] += t;
        }
        deg += 2;
    }
    return pos == neg && deg == p ? 0 : -1;
}

/* One frame: buf -> acc (added). */
static void frame(cv_voice *v)
{
    size_t n = v->n;
    int p = v->order;
    double *y = v->y, *e = v->e, *s = v->s;
    double ey = 0;
    for (size_t i = 0; i < n; i++) {
        y[i] = v->buf[i] * v->win[i];
        ey += y[i] * y[i];
    }
    double r[CV_VOICE_ORDER_MAX + 1], a[CV_VOICE_ORDER_MAX + 1], b[CV_VOICE_ORDER_MAX + 1];
    /* Hann-windowed frame = y * win; below about -100 dBFS: silence */
    int modify = ey > 1e-10 * (double)n;
    if (modify) {
        for (size_t i = 0; i < n; i++) s[i] = y[i] * v->win[i];     /* s: work until resynthesis */
        for (int k = 0; k <= p; k++) {
            double acc = 0;
            for (size_t i = (size_t)k; i < n; i++) acc += s[i] * s[i - (size_t)k];
            r[k] = acc;
        }
        r[0] *= 1.0 + 1e-9;                  /* white-noise correction: keeps r positive definite */
        modify = cvi_voice_levinson(r, p, a) == 0;
    }
    if (modify) {
        v->frames++;
        int ok = cvi_voice_roots(a, p, v->z, v->warm) == 0;
        if (!ok && v->warm) ok = cvi_voice_roots(a, p, v->z, 0) == 0;
        v->warm = ok;
        if (ok) ok = cvi_voice_warp(v->z, p, v->alpha, b) == 0;
        if (!ok) {
            v->fallbacks++;
            modify = 0;
        }
    }
    if (!modify) {
        for (size_t i = 0; i < n; i++) v->acc[i] += y[i] * v->win[i];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double t = y[i];
        for (int k = 1; k <= p && (size_t)k <= i; k++) t += a[k] * y[i - (size_t)k];
        e[i] = t;
    }
    double es = 0;
    for (size_t i = 0; i < n; i++) {
        double t = e[i];
        for (int k = 1; k <= p && (size_t)k <= i; k++) t -= b[k] * s[i - (size_t)k];
        s[i] = t;
        es += t * t;
    }
    double g = es > 0 ? sqrt(ey / es) : 0;
    for (size_t i = 0; i < n; i++) v->acc[i] += g * s[i] * v->win[i];
}

/* Append x; when a hop is complete, process the frame and emit up to
 * `limit` output samples into out. Returns the samples written. */
static size_t push(cv_voice *v, double x, float *out, uint64_t limit)
{
    size_t h = v->hop, w = 0;
    v->buf[h + v->fill++] = x;
    if (v->fill < h) return 0;
    frame(v);
    for (size_t i = 0; i < h; i++) {
        if (v->skip) {
            v->skip--;
            continue;
        }
        if (v->out_total < limit) {
            out[w++] = (float)v->acc[i];
            v->out_total++;
        }
    }
    memmove(v->acc, v->acc + h, h * sizeof *v->acc);
    memset(v->acc + h, 0, h * sizeof *v->acc);
    memmove(v->buf, v->buf + h, h * sizeof *v->buf);
    v->fill = 0;
    return w;
}

size_t cv_voice_process(cv_voice *v, const float *in, size_t n, float *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        v->in_total++;
        w += push(v, in[i], out + w, UINT64_MAX);
    }
    return w;
}

size_t cv_voice_finish(cv_voice *v, float *out)
{
    size_t w = 0;
    while (v->out_total < v->in_total) w += push(v, 0.0, out + w, v->in_total);
    return w;
}
