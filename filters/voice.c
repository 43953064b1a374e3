/*
 * voice.c - McAdams-coefficient voice anonymisation, streaming, one channel
 * (contract in voice.h). Per hop: the last N input samples form a frame;
 * y = frame * sqrt(hann); LPC a from frame * hann; residual e = A(z) y;
 * poles of 1/A moved in angle (phi^alpha) give B; s = e / B(z), scaled to
 * y's energy; s * sqrt(hann) is added into the overlap-add accumulator,
 * whose first hop is then complete.
 *
 * With a pitch factor beta != 1 the frame is split in two stages: analysis
 * (LPC, warp; the residual e * sqrt(hann) overlap-added into a continuous
 * residual, kept in a ring) and, `lag` frames later, synthesis: the
 * residual pitch-shifted by two crossfaded read taps (a grain of 40 ms, read
 * at rate beta, look-ahead of half a grain so the excitation stays centred
 * on its frame), windowed, filtered by that frame's 1/B(z), scaled to its
 * energy and overlap-added. Silent frames pass through; beta = 1 takes the
 * one-stage path, bit for bit the McAdams output.
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
    /* pitch change (beta != 1): analysis frames go into a queue of `lag`
     * + 1 slots; their residuals, overlap-added, into a history ring; the
     * shifted residual of a synthesis frame `lag` frames back into rp. */
    double beta;
    int shift;                /* beta != 1 */
    size_t grain, ahead;      /* grain (tap sweep) length; look-ahead = grain / 2 */
    size_t lag;               /* synthesis runs `lag` frames behind analysis */
    double *racc;             /* residual overlap-add accumulator, n */
    double *ring;             /* residual history by absolute time & rmask */
    size_t rmask;
    double *rp;               /* shifted residual of the synthesis frame, n */
    uint64_t rp_next;         /* next shifted-residual time to compute */
    double phase, dphase;     /* tap 0's phase in [0, 1), per sample */
    uint64_t af;              /* analysis frames done */
    struct vq {
        int mode;             /* 0: pass the frame through, 1: resynthesise */
        double ey;
        double b[CV_VOICE_ORDER_MAX + 1];
        double *y;            /* the sqrt-Hann windowed input frame, n */
    } *q;
};

void cvi_voice_free(cv_voice *v)
{
    if (!v) return;
    free(v->win);
    free(v->buf);
    free(v->acc);
    free(v->y);
    free(v->e);
    free(v->s);
    free(v->racc);
    free(v->ring);
    free(v->rp);
    if (v->q)
        for (size_t i = 0; i <= v->lag; i++) free(v->q[i].y);
    free(v->q);
    free(v);
}

int cvi_voice_create(cv_voice **out, int rate, double alpha)
{
    return cvi_voice_create_shift(out, rate, alpha, 1.0);
}

int cvi_voice_create_shift(cv_voice **out, int rate, double alpha, double beta)
{
    *out = NULL;
    if (rate < 4000 || rate > 768000 || !(alpha >= 0.5 && alpha <= 1.5) || !(beta >= 0.5 && beta <= 2.0))
        return CV_EUSAGE;
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
        cvi_voice_free(v);
        return CV_ENOMEM;
    }
    for (size_t i = 0; i < v->n; i++)
        v->win[i] = sqrt(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)v->n));
    v->beta = beta;
    v->shift = beta != 1.0;
    if (v->shift) {
        size_t h = v->hop, n = v->n;
        v->grain = 2 * (size_t)lround(CV_VOICE_GRAIN_SECONDS * rate / 2);
        v->ahead = v->grain / 2;
        /* synthesis frame g needs the residual up to g*h + n + ahead + 2,
         * complete after analysis frame g + lag */
        v->lag = (h + v->ahead + 2) / h + 1;
        size_t span = (v->lag + 3) * h + v->grain + 8, rs = 1;
        while (rs < span) rs <<= 1;
        v->rmask = rs - 1;
        v->dphase = fabs(1.0 - beta) / (double)v->grain;
        v->racc = calloc(n, sizeof *v->racc);
        v->ring = calloc(rs, sizeof *v->ring);
        v->rp = calloc(n, sizeof *v->rp);
        v->q = calloc(v->lag + 1, sizeof *v->q);
        if (!v->racc || !v->ring || !v->rp || !v->q) {
            cvi_voice_free(v);
            return CV_ENOMEM;
        }
        for (size_t i = 0; i <= v->lag; i++)
            if (!(v->q[i].y = malloc(n * sizeof *v->q[i].y))) {
                cvi_voice_free(v);
                return CV_ENOMEM;
            }
    }
    *out = v;
    return 0;
}

size_t cvi_voice_tail(const cv_voice *v) { return (v->shift ? v->lag + 2 : 2) * v->hop; }
double cvi_voice_pitch_factor(const cv_voice *v) { return v->beta; }

size_t cvi_voice_hop(const cv_voice *v) { return v->hop; }
int cvi_voice_order(const cv_voice *v) { return v->order; }
uint64_t cvi_voice_frames(const cv_voice *v) { return v->frames; }
uint64_t cvi_voice_fallbacks(const cv_voice *v) { return v->fallbacks; }

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

/* LPC a of the windowed frame y (energy ey) and its warped b. Returns 0
 * for silence (no LPC), 1 when b is ready, 2 when the roots or the warp
 * failed (a fallback, counted; a is still valid). v->s is work. */
static int lpc_warp(cv_voice *v, const double *y, double ey, double *a, double *b)
{
    size_t n = v->n;
    int p = v->order;
    double *s = v->s, r[CV_VOICE_ORDER_MAX + 1];
    /* Hann-windowed frame = y * win; below about -100 dBFS: silence */
    if (!(ey > 1e-10 * (double)n)) return 0;
    for (size_t i = 0; i < n; i++) s[i] = y[i] * v->win[i];
    for (int k = 0; k <= p; k++) {
        double acc = 0;
        for (size_t i = (size_t)k; i < n; i++) acc += s[i] * s[i - (size_t)k];
        r[k] = acc;
    }
    r[0] *= 1.0 + 1e-9;                      /* white-noise correction: keeps r positive definite */
    if (cvi_voice_levinson(r, p, a) != 0) return 0;
    v->frames++;
    int ok = cvi_voice_roots(a, p, v->z, v->warm) == 0;
    if (!ok && v->warm) ok = cvi_voice_roots(a, p, v->z, 0) == 0;
    v->warm = ok;
    if (ok) ok = cvi_voice_warp(v->z, p, v->alpha, b) == 0;
    if (ok) return 1;
    v->fallbacks++;
    return 2;
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
    double a[CV_VOICE_ORDER_MAX + 1], b[CV_VOICE_ORDER_MAX + 1];
    int modify = lpc_warp(v, y, ey, a, b) == 1;
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

/* Pitch path, analysis of buf (frame af): LPC, warp, residual into the
 * ring, parameters into the queue. */
static void analyse(cv_voice *v)
{
    size_t n = v->n, h = v->hop;
    int p = v->order;
    struct vq *slot = &v->q[v->af % (v->lag + 1)];
    double *y = slot->y, *e = v->e;
    double ey = 0;
    for (size_t i = 0; i < n; i++) {
        y[i] = v->buf[i] * v->win[i];
        ey += y[i] * y[i];
    }
    double a[CV_VOICE_ORDER_MAX + 1];
    int lpc = lpc_warp(v, y, ey, a, slot->b);
    /* a fallback keeps its formants (b = a) but still gets the pitch change */
    if (lpc == 2) memcpy(slot->b, a, (size_t)(p + 1) * sizeof *a);
    slot->mode = lpc != 0;
    slot->ey = ey;
    if (lpc) {
        for (size_t i = 0; i < n; i++) {
            double t = y[i];
            for (int k = 1; k <= p && (size_t)k <= i; k++) t += a[k] * y[i - (size_t)k];
            e[i] = t;
        }
    } else {
        memcpy(e, y, n * sizeof *e);
    }
    for (size_t i = 0; i < n; i++) v->racc[i] += e[i] * v->win[i];
    uint64_t t0 = v->af * (uint64_t)h;
    for (size_t i = 0; i < h; i++) v->ring[(t0 + i) & v->rmask] = v->racc[i];
    memmove(v->racc, v->racc + h, h * sizeof *v->racc);
    memset(v->racc + h, 0, h * sizeof *v->racc);
    v->af++;
}

/* The residual at fractional time pos (Catmull-Rom); before time 0: 0. */
static double residual_at(const cv_voice *v, double pos)
{
    double fl = floor(pos), f = pos - fl;
    int64_t i = (int64_t)fl;
    double x[4];
    for (int k = 0; k < 4; k++) {
        int64_t t = i - 1 + k;
        x[k] = t < 0 ? 0.0 : v->ring[(uint64_t)t & v->rmask];
    }
    return x[1] + 0.5 * f * (x[2] - x[0] + f * (2.0 * x[0] - 5.0 * x[1] + 4.0 * x[2] - x[3] +
                                                f * (3.0 * (x[1] - x[2]) + x[3] - x[0])));
}

/* The shifted residual at time t: two taps half a grain apart read the
 * residual at rate beta, each sweeping its delay over one grain and faded
 * by sin^2 of its phase (the two fades sum to 1). */
static double shifted(cv_voice *v, uint64_t t)
{
    double ph = v->phase, w = (double)v->grain, out = 0;
    for (int k = 0; k < 2; k++) {
        double q = ph + 0.5 * k;
        if (q >= 1.0) q -= 1.0;
        double d = (v->beta < 1.0 ? q : 1.0 - q) * w;
        double g = sin(M_PI * q);
        out += g * g * residual_at(v, (double)t + (double)v->ahead - d);
    }
    v->phase += v->dphase;
    if (v->phase >= 1.0) v->phase -= 1.0;
    return out;
}

/* Pitch path, synthesis of frame g (its slot) into acc. */
static void synthesise(cv_voice *v, uint64_t g)
{
    size_t n = v->n, h = v->hop;
    int p = v->order;
    struct vq *slot = &v->q[g % (v->lag + 1)];
    uint64_t t0 = g * (uint64_t)h;
    if (g > 0) memmove(v->rp, v->rp + h, h * sizeof *v->rp);
    for (; v->rp_next < t0 + n; v->rp_next++) v->rp[v->rp_next - t0] = shifted(v, v->rp_next);
    if (!slot->mode) {
        for (size_t i = 0; i < n; i++) v->acc[i] += slot->y[i] * v->win[i];
        return;
    }
    double *s = v->s, es = 0;
    for (size_t i = 0; i < n; i++) {
        double t = v->rp[i] * v->win[i];
        for (int k = 1; k <= p && (size_t)k <= i; k++) t -= slot->b[k] * s[i - (size_t)k];
        s[i] = t;
        es += t * t;
    }
    double gn = es > 0 ? sqrt(slot->ey / es) : 0;
    for (size_t i = 0; i < n; i++) v->acc[i] += gn * s[i] * v->win[i];
}

/* Append x; when a hop is complete, process the frame and emit up to
 * `limit` output samples into out. Returns the samples written. */
static size_t push(cv_voice *v, double x, float *out, uint64_t limit)
{
    size_t h = v->hop, w = 0;
    v->buf[h + v->fill++] = x;
    if (v->fill < h) return 0;
    if (v->shift) {
        analyse(v);
        memmove(v->buf, v->buf + h, h * sizeof *v->buf);
        v->fill = 0;
        if (v->af <= v->lag) return 0;
        synthesise(v, v->af - 1 - v->lag);
    } else {
        frame(v);
        memmove(v->buf, v->buf + h, h * sizeof *v->buf);
        v->fill = 0;
    }
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
    return w;
}

size_t cvi_voice_process(cv_voice *v, const float *in, size_t n, float *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        v->in_total++;
        w += push(v, in[i], out + w, UINT64_MAX);
    }
    return w;
}

size_t cvi_voice_finish(cv_voice *v, float *out)
{
    size_t w = 0;
    while (v->out_total < v->in_total) w += push(v, 0.0, out + w, v->in_total);
    return w;
}
