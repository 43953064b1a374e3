/*
 * check_voice.c - the McAdams voice anonymiser (filters/voice.h): Levinson
 * known answer, roots and pole-angle warp against poles placed by hand, the
 * analysis/resynthesis round trip with alpha = 1 (within 1e-4 of full
 * scale, any chunking), formants of a synthetic vowel moved to phi^alpha,
 * stream lengths, silence, bad arguments; the sample converters; the keyed
 * coefficient (pipeline/pseudonym.h) against its formula. The pitch change
 * (beta): beta = 1 is McAdams exactly; F0 of a pulse-excited vowel moves by
 * beta while its formants stay; lengths and output for any chunking;
 * silence stays exact zeros; the keyed beta against its formula.
 */
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "callveil.h"
#include "filters/audio_edit.h"
#include "filters/voice.h"
#include "pipeline/pseudonym.h"

/* Whole-stream transform: out gets exactly n samples. Chunks of `chunk`. */
static size_t run(cv_voice *v, const float *x, size_t n, size_t chunk, float *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        w += cvi_voice_process(v, x + i, k, out + w);
    }
    w += cvi_voice_finish(v, out + w);
    return w;
}

/* A voiced signal: an f0 Hz pulse train through three resonances at f[0..2]
 * Hz (bandwidth 80 Hz), plus a little noise; scaled to peak 0.5. */
static void vowel_f0(float *x, size_t n, int rate, const double f[3], int f0)
{
    double a[7] = { 1, 0, 0, 0, 0, 0, 0 };
    int p = 0;
    for (int k = 0; k < 3; k++) {
        double r = exp(-M_PI * 80.0 / rate), c1 = -2 * r * cos(2 * M_PI * f[k] / rate), c2 = r * r;
        for (int i = p + 2; i >= 1; i--) a[i] += c1 * a[i - 1] + (i >= 2 ? c2 * a[i - 2] : 0);
        p += 2;
    }
    double *y = calloc(n, sizeof *y), peak = 0;
    unsigned seed = 1;
    int period = rate / f0;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        double e = (i % (size_t)period == 0 ? 1.0 : 0.0) + 0.002 * ((double)(seed >> 16) / 32768.0 - 1.0);
        for (int k = 1; k <= p && (size_t)k <= i; k++) e -= a[k] * y[i - (size_t)k];
        y[i] = e;
        if (fabs(e) > peak) peak = fabs(e);
    }
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * y[i] / peak);
    free(y);
}

static void vowel(float *x, size_t n, int rate, const double f[3]) { vowel_f0(x, n, rate, f, 120); }

START_TEST(test_levinson_known_answer)
{
    /* AR(1) x[n] = 0.5 x[n-1] + e: r[k] = 0.5^k, a = [1, -0.5, 0] */
    double r[3] = { 1, 0.5, 0.25 }, a[3];
    ck_assert_int_eq(cvi_voice_levinson(r, 2, a), 0);
    ck_assert_double_eq_tol(a[0], 1.0, 1e-12);
    ck_assert_double_eq_tol(a[1], -0.5, 1e-12);
    ck_assert_double_eq_tol(a[2], 0.0, 1e-12);
    double z[3] = { 0, 0, 0 };
    ck_assert_int_eq(cvi_voice_levinson(z, 2, a), -1);      /* silence */
    double bad[2] = { 1, 1.5 };                                /* not positive definite */
    ck_assert_int_eq(cvi_voice_levinson(bad, 1, a), -1);
}
END_TEST

/* Poles placed by hand: the roots come back, and warp raises each complex
 * pole's angle to alpha, keeps radii and real poles. */
START_TEST(test_roots_and_warp)
{
    const double rad[5] = { 0.95, 0.9, 0.85, 0.8, 0.7 }, ang[5] = { 0.3, 0.9, 1.6, 2.4, 2.9 };
    double complex z[12];
    int p = 0;
    for (int k = 0; k < 5; k++) {
        z[p++] = rad[k] * cexp(I * ang[k]);
        z[p++] = rad[k] * cexp(-I * ang[k]);
    }
    z[p++] = 0.6;
    z[p++] = -0.5;
    /* a = prod (1 - z_k x^-1) */
    double complex c[13] = { 1 };
    for (int k = 0; k < p; k++)
        for (int i = k + 1; i >= 1; i--) c[i] -= z[k] * c[i - 1];
    double a[13];
    for (int i = 0; i <= p; i++) a[i] = creal(c[i]);
    double complex got[12];
    ck_assert_int_eq(cvi_voice_roots(a, p, got, 0), 0);
    for (int k = 0; k < p; k++) {
        double best = 1;
        for (int j = 0; j < p; j++)
            if (cabs(got[j] - z[k]) < best) best = cabs(got[j] - z[k]);
        ck_assert_msg(best < 1e-8, "root %d not found (%g)", k, best);
    }
    double b[13];
    ck_assert_int_eq(cvi_voice_warp(got, p, 0.8, b), 0);
    double complex w[12];
    ck_assert_int_eq(cvi_voice_roots(b, p, w, 0), 0);
    for (int k = 0; k < 5; k++) {
        double complex want = rad[k] * cexp(I * pow(ang[k], 0.8));
        double best = 1;
        for (int j = 0; j < p; j++)
            if (cabs(w[j] - want) < best) best = cabs(w[j] - want);
        ck_assert_msg(best < 1e-7, "pole %d: angle %g not moved to %g", k, ang[k], pow(ang[k], 0.8));
    }
    for (int k = 10; k < 12; k++) {
        double best = 1;
        for (int j = 0; j < p; j++)
            if (cabs(w[j] - z[k]) < best) best = cabs(w[j] - z[k]);
        ck_assert_msg(best < 1e-7, "real pole %g moved", creal(z[k]));
    }
    /* alpha = 1 rebuilds the polynomial */
    ck_assert_int_eq(cvi_voice_warp(got, p, 1.0, b), 0);
    for (int i = 0; i <= p; i++) ck_assert_double_eq_tol(b[i], a[i], 1e-9);
    /* a pole on or outside the unit circle is refused */
    got[0] = 1.01 * got[0] / cabs(got[0]);
    ck_assert_int_eq(cvi_voice_warp(got, p, 0.8, b), -1);
}
END_TEST

/* alpha = 1: analysis, residual, resynthesis and overlap-add give back the
 * input within 1e-4 of full scale, at 8 and 16 kHz, whatever the chunking;
 * the stream length is kept exactly. */
START_TEST(test_round_trip_alpha_one)
{
    static const int rates[2] = { 8000, 16000 };
    for (int ri = 0; ri < 2; ri++) {
        int rate = rates[ri];
        size_t n = (size_t)rate + 37;
        float *x = malloc(n * sizeof *x), *y = malloc((n + 4096) * sizeof *y), *y2 = malloc((n + 4096) * sizeof *y);
        vowel(x, n, rate, (const double[3]){ 700, 1200, 2600 });
        for (size_t i = n / 2; i < n / 2 + 400; i++) x[i] = 0;   /* a silent stretch too */
        cv_voice *v;
        ck_assert_int_eq(cvi_voice_create(&v, rate, 1.0), 0);
        ck_assert_int_eq(cvi_voice_order(v), rate == 8000 ? 12 : 20);
        ck_assert_uint_eq(cvi_voice_hop(v), (size_t)rate / 100);
        ck_assert_uint_eq(run(v, x, n, 333, y), n);
        ck_assert_uint_gt(cvi_voice_frames(v), n / cvi_voice_hop(v) - 10);   /* all but the silent stretch */
        ck_assert_uint_eq(cvi_voice_fallbacks(v), 0);
        cvi_voice_free(v);
        double worst = 0;
        for (size_t i = 0; i < n; i++)
            if (fabs((double)y[i] - x[i]) > worst) worst = fabs((double)y[i] - x[i]);
        ck_assert_msg(worst < 1e-4, "%d Hz: round trip error %g", rate, worst);
        /* one sample at a time: the same output */
        ck_assert_int_eq(cvi_voice_create(&v, rate, 1.0), 0);
        ck_assert_uint_eq(run(v, x, n, 1, y2), n);
        cvi_voice_free(v);
        ck_assert_int_eq(memcmp(y, y2, n * sizeof *y), 0);
        free(x), free(y), free(y2);
    }
}
END_TEST

/* The spectral peaks of x[from, from + len): angles of the LPC poles of
 * radius > 0.85, in Hz, sorted; returns their count. */
static int formants(const float *x, size_t from, size_t len, int rate, int p, double *hz)
{
    double r[25] = { 0 }, a[25];
    for (int k = 0; k <= p; k++)
        for (size_t i = (size_t)k; i < len; i++) {
            double wi = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)len);
            double wj = 0.5 - 0.5 * cos(2 * M_PI * (double)(i - (size_t)k) / (double)len);
            r[k] += x[from + i] * wi * x[from + i - (size_t)k] * wj;
        }
    ck_assert_int_eq(cvi_voice_levinson(r, p, a), 0);
    double complex z[24];
    ck_assert_int_eq(cvi_voice_roots(a, p, z, 0), 0);
    int m = 0;
    for (int k = 0; k < p; k++)
        if (cimag(z[k]) > 0 && cabs(z[k]) > 0.85) hz[m++] = carg(z[k]) * rate / (2 * M_PI);
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && hz[j] < hz[j - 1]; j--) {
            double t = hz[j];
            hz[j] = hz[j - 1];
            hz[j - 1] = t;
        }
    return m;
}

static double nearest(const double *hz, int m, double f)
{
    double best = 1e9;
    for (int i = 0; i < m; i++)
        if (fabs(hz[i] - f) < fabs(best - f)) best = hz[i];
    return best;
}

/* A synthetic vowel at 16 kHz with formants 500, 1500, 2500 Hz: alpha = 0.8
 * moves them to rate/(2 pi) * phi^0.8 = 690, 1668, 2506 Hz (below
 * rate/(2 pi) = 2546 Hz they rise, the less the closer to it). */
START_TEST(test_formants_move)
{
    int rate = 16000;
    size_t n = 16000;
    const double f[3] = { 500, 1500, 2500 };
    float *x = malloc(n * sizeof *x), *y = malloc((n + 4096) * sizeof *y);
    vowel(x, n, rate, f);
    double hz[12];
    int m = formants(x, 4000, 4096, rate, 8, hz);
    ck_assert_int_ge(m, 3);
    for (int k = 0; k < 3; k++) ck_assert_double_eq_tol(nearest(hz, m, f[k]), f[k], 40);
    cv_voice *v;
    ck_assert_int_eq(cvi_voice_create(&v, rate, 0.8), 0);
    ck_assert_uint_eq(run(v, x, n, 1000, y), n);
    ck_assert_uint_eq(cvi_voice_fallbacks(v), 0);
    cvi_voice_free(v);
    m = formants(y, 4000, 4096, rate, 8, hz);
    for (int k = 0; k < 3; k++) {
        double phi = 2 * M_PI * f[k] / rate, want = pow(phi, 0.8) * rate / (2 * M_PI);
        double got = nearest(hz, m, want);
        ck_assert_msg(fabs(got - want) < 0.06 * want, "formant %g Hz: expected near %.0f Hz, found %.0f Hz", f[k],
                      want, got);
    }
    /* the first two have left their place */
    ck_assert_double_gt(fabs(nearest(hz, m, 500) - 500), 100);
    ck_assert_double_gt(fabs(nearest(hz, m, 1500) - 1500), 100);
    free(x), free(y);
}
END_TEST

START_TEST(test_silence_and_bad_args)
{
    cv_voice *v = (cv_voice *)1;
    ck_assert_int_eq(cvi_voice_create(&v, 3999, 0.8), CV_EUSAGE);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(cvi_voice_create(&v, 8000, 0.2), CV_EUSAGE);
    ck_assert_int_eq(cvi_voice_create(&v, 8000, NAN), CV_EUSAGE);
    cvi_voice_free(NULL);
    float z[5000] = { 0 }, out[6000];
    ck_assert_int_eq(cvi_voice_create(&v, 8000, 0.8), 0);
    ck_assert_uint_eq(run(v, z, 5000, 160, out), 5000);
    for (int i = 0; i < 5000; i++) ck_assert(out[i] == 0.0f);
    ck_assert_uint_eq(cvi_voice_frames(v), 0);
    /* no input: no output */
    cvi_voice_free(v);
    ck_assert_int_eq(cvi_voice_create(&v, 8000, 0.8), 0);
    ck_assert_uint_eq(cvi_voice_finish(v, out), 0);
    /* a few samples: as many out */
    ck_assert_uint_eq(cvi_voice_process(v, z, 3, out), 0);
    ck_assert_uint_eq(cvi_voice_finish(v, out), 3);
    cvi_voice_free(v);
}
END_TEST

START_TEST(test_sample_conversion)
{
    int16_t s[6] = { -32768, -1, 0, 1, 12345, 32767 }, back[6];
    float f[6];
    cvi_audio_samples_get(s, CV_SAMPLE_S16, 1, 6, f);
    ck_assert(f[0] == -1.0f && f[2] == 0.0f);
    cvi_audio_samples_put(back, CV_SAMPLE_S16, 1, 6, f);
    ck_assert_int_eq(memcmp(s, back, sizeof s), 0);
    /* interleaved: channel 1 of 2 only */
    uint8_t u[6] = { 0, 128, 64, 255, 200, 1 }, u2[6] = { 9, 9, 9, 9, 9, 9 };
    float g[3];
    cvi_audio_samples_get(u + 1, CV_SAMPLE_U8, 2, 3, g);
    ck_assert(g[0] == 0.0f);
    cvi_audio_samples_put(u2 + 1, CV_SAMPLE_U8, 2, 3, g);
    ck_assert_int_eq(u2[0], 9);
    ck_assert_int_eq(u2[1], 128);
    ck_assert_int_eq(u2[3], 255);
    ck_assert_int_eq(u2[5], 1);
    /* out of range clamps */
    float big[2] = { 3.0f, -3.0f };
    cvi_audio_samples_put(back, CV_SAMPLE_S16, 1, 2, big);
    ck_assert_int_eq(back[0], 32767);
    ck_assert_int_eq(back[1], -32768);
}
END_TEST

/* The keyed coefficient: the documented formula, in range, per channel and
 * per recording, and per tenant key. */
START_TEST(test_keyed_alpha)
{
    ck_assert_int_ge(sodium_init(), 0);
    cv_key master;
    unsigned char mk[32];
    for (int i = 0; i < 32; i++) mk[i] = (unsigned char)i;
    master.k = mk;
    master.ephemeral = 0;
    cvi_tenant_key t, t2;
    ck_assert_int_eq(cvi_tenant_key_derive(&master, "acme", 0, &t), 0);
    ck_assert_int_eq(cvi_tenant_key_derive(&master, "other", 0, &t2), 0);
    unsigned char rec[32], rec2[32];
    memset(rec, 0xab, 32);
    memset(rec2, 0xac, 32);
    double a0 = cvi_voice_alpha(&t, rec, 0), a1 = cvi_voice_alpha(&t, rec, 1);
    ck_assert_double_eq(a0, cvi_voice_alpha(&t, rec, 0));
    ck_assert(a0 != a1);
    ck_assert(a0 != cvi_voice_alpha(&t, rec2, 0));
    ck_assert(a0 != cvi_voice_alpha(&t2, rec, 0));
    /* the formula, computed here with libsodium directly */
    unsigned char msg[18 + 32 + 4], h[32];
    memcpy(msg, "callveil/v1/voice", 18);   /* with its NUL */
    memcpy(msg + 18, rec, 32);
    memcpy(msg + 50, "\0\0\0\1", 4);
    crypto_generichash(h, 32, msg, sizeof msg, t.k, 32);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | h[i];
    ck_assert_double_eq_tol(a1, 0.75 + 0.15 * ((double)u / 18446744073709551616.0), 1e-15);
    for (int c = 0; c < 64; c++) {
        double a = cvi_voice_alpha(&t, rec, c);
        ck_assert(a >= CV_VOICE_ALPHA_MIN && a < CV_VOICE_ALPHA_MAX);
    }
    cvi_tenant_key_free(&t);
    cvi_tenant_key_free(&t2);
}
END_TEST

/* beta = 1 is exactly the McAdams transform; beta != 1 changes it */
START_TEST(test_beta_one_is_mcadams)
{
    int rate = 8000;
    size_t n = 12000;
    float *x = malloc(n * sizeof *x), *y = malloc((n + 4096) * sizeof *y), *y2 = malloc((n + 4096) * sizeof *y);
    vowel(x, n, rate, (const double[3]){ 700, 1200, 2600 });
    cv_voice *v;
    ck_assert_int_eq(cvi_voice_create(&v, rate, 0.8), 0);
    ck_assert_double_eq(cvi_voice_pitch_factor(v), 1.0);
    ck_assert_uint_eq(cvi_voice_tail(v), 2 * cvi_voice_hop(v));
    ck_assert_uint_eq(run(v, x, n, 500, y), n);
    cvi_voice_free(v);
    ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.8, 1.0), 0);
    ck_assert_uint_eq(run(v, x, n, 77, y2), n);
    cvi_voice_free(v);
    ck_assert_int_eq(memcmp(y, y2, n * sizeof *y), 0);
    ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.8, 1.2), 0);
    ck_assert_uint_gt(cvi_voice_tail(v), 2 * cvi_voice_hop(v));
    ck_assert_uint_eq(run(v, x, n, 500, y2), n);
    cvi_voice_free(v);
    double diff = 0;
    for (size_t i = 0; i < n; i++) diff = fmax(diff, fabs((double)y[i] - y2[i]));
    ck_assert_double_gt(diff, 0.05);
    free(x), free(y), free(y2);
}
END_TEST

/* F0 of x[from, from + len) by normalised autocorrelation: the best lag in
 * rate/400 .. rate/60, refined by a parabola; in Hz. */
static double f0_of(const float *x, size_t from, size_t len, int rate)
{
    int lo = rate / 400, hi = rate / 60;
    double c[1024];
    ck_assert_int_lt(hi + 1, 1024);
    for (int l = lo - 1; l <= hi + 1; l++) {
        double num = 0, e1 = 0, e2 = 0;
        for (size_t i = 0; i + (size_t)l < len; i++) {
            num += (double)x[from + i] * x[from + i + (size_t)l];
            e1 += (double)x[from + i] * x[from + i];
            e2 += (double)x[from + i + (size_t)l] * x[from + i + (size_t)l];
        }
        c[l] = num / sqrt(e1 * e2 + 1e-30);
    }
    int best = lo;
    for (int l = lo; l <= hi; l++)
        if (c[l] > c[best]) best = l;
    double a = c[best - 1], b = c[best], d = c[best + 1], den = a - 2 * b + d;
    double off = den < 0 ? 0.5 * (a - d) / den : 0;
    return rate / ((double)best + off);
}

/* A 125 Hz pulse-excited vowel (formants 500, 1500, 2500 Hz at 8 kHz), alpha
 * = 1 so that only the pitch changes: F0 becomes 125 * beta within 1 %, the
 * formants stay within 5 % (LPC of order 8 on 0.5 s; measured: F0 within
 * 0.3 %, formants within 2.1 %). */
START_TEST(test_pitch_moves_formants_stay)
{
    int rate = 8000;
    size_t n = 16000;
    const double f[3] = { 500, 1500, 2500 };
    static const double betas[4] = { 0.75, 0.87, 1.15, 1.3 };
    float *x = malloc(n * sizeof *x), *y = malloc((n + 4096) * sizeof *y);
    vowel_f0(x, n, rate, f, 125);       /* period 64 samples: exactly 125 Hz */
    ck_assert_double_eq_tol(f0_of(x, 6000, 4000, rate), 125.0, 0.5);
    for (int bi = 0; bi < 4; bi++) {
        double beta = betas[bi];
        cv_voice *v;
        ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 1.0, beta), 0);
        ck_assert_double_eq(cvi_voice_pitch_factor(v), beta);
        ck_assert_uint_eq(run(v, x, n, 1000, y), n);
        ck_assert_uint_eq(cvi_voice_fallbacks(v), 0);
        cvi_voice_free(v);
        double got = f0_of(y, 6000, 4000, rate), want = 125.0 * beta;
        ck_assert_msg(fabs(got - want) < 0.01 * want, "beta %.2f: F0 %.1f Hz, expected %.1f Hz", beta, got, want);
        double hz[12];
        int m = formants(y, 6000, 4000, rate, 8, hz);
        for (int k = 0; k < 3; k++) {
            double near = nearest(hz, m, f[k]);
            ck_assert_msg(fabs(near - f[k]) < 0.05 * f[k], "beta %.2f: formant %g Hz found at %.0f Hz", beta, f[k],
                          near);
        }
        /* the level stays near the input's (rms within 3 dB) */
        double ex = 0, eo = 0;
        for (size_t i = 2000; i < n - 2000; i++) ex += (double)x[i] * x[i], eo += (double)y[i] * y[i];
        ck_assert_double_lt(fabs(10 * log10(eo / ex)), 3.0);
    }
    free(x), free(y);
}
END_TEST

/* With a pitch change: as many samples out as in for any length and any
 * chunking, the same output whatever the chunking and run to run, and
 * silence in gives exact zeros out. */
START_TEST(test_pitch_lengths_chunking_determinism)
{
    static const int rates[2] = { 8000, 16000 };
    static const size_t chunks[5] = { 1, 7, 160, 333, 4096 };
    static const size_t lens[6] = { 0, 3, 159, 161, 1000, 9001 };
    for (int ri = 0; ri < 2; ri++) {
        int rate = rates[ri];
        size_t n = 9001;
        float *x = malloc(n * sizeof *x), *ref = malloc((n + 8192) * sizeof *ref),
              *y = malloc((n + 8192) * sizeof *y);
        vowel_f0(x, n, rate, (const double[3]){ 600, 1100, 2400 }, 180);
        cv_voice *v;
        ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.85, 1.22), 0);
        ck_assert_uint_eq(run(v, x, n, 4096, ref), n);
        cvi_voice_free(v);
        for (int ci = 0; ci < 5; ci++) {
            ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.85, 1.22), 0);
            ck_assert_uint_eq(run(v, x, n, chunks[ci], y), n);
            cvi_voice_free(v);
            ck_assert_msg(memcmp(ref, y, n * sizeof *y) == 0, "%d Hz: chunks of %zu differ", rate, chunks[ci]);
        }
        for (int li = 0; li < 6; li++)
            for (int ci = 0; ci < 5; ci++) {
                ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.8, 0.78), 0);
                size_t w = 0;
                for (size_t i = 0; i < lens[li]; i += chunks[ci]) {
                    size_t k = lens[li] - i < chunks[ci] ? lens[li] - i : chunks[ci];
                    size_t m = cvi_voice_process(v, x + i, k, y + w);
                    ck_assert_uint_le(m, k + cvi_voice_hop(v));
                    w += m;
                }
                size_t m = cvi_voice_finish(v, y + w);
                ck_assert_uint_le(m, cvi_voice_tail(v));
                ck_assert_uint_eq(w + m, lens[li]);
                ck_assert_uint_eq(cvi_voice_finish(v, y + w + m), 0);
                cvi_voice_free(v);
            }
        /* silence on either side of speech stays exactly silent more than a
         * frame away from it */
        memset(x, 0, 3000 * sizeof *x);
        memset(x + 6000, 0, (n - 6000) * sizeof *x);
        ck_assert_int_eq(cvi_voice_create_shift(&v, rate, 0.85, 1.22), 0);
        ck_assert_uint_eq(run(v, x, n, 333, y), n);
        cvi_voice_free(v);
        size_t fr = (size_t)rate / 50;
        for (size_t i = 0; i + fr < 3000; i++) ck_assert(y[i] == 0.0f);
        for (size_t i = 6000 + fr; i < n; i++) ck_assert(y[i] == 0.0f);
        double e = 0;
        for (size_t i = 3000; i < 6000; i++) e += (double)y[i] * y[i];
        ck_assert_double_gt(e, 1.0);
        free(x), free(ref), free(y);
    }
    cv_voice *v = (cv_voice *)1;
    ck_assert_int_eq(cvi_voice_create_shift(&v, 8000, 0.8, 0.4), CV_EUSAGE);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(cvi_voice_create_shift(&v, 8000, 0.8, 2.1), CV_EUSAGE);
    ck_assert_int_eq(cvi_voice_create_shift(&v, 8000, 0.8, NAN), CV_EUSAGE);
}
END_TEST

/* beta from bytes 8..16 of the same keyed hash as alpha (pseudonym.h) */
START_TEST(test_keyed_beta)
{
    ck_assert_int_ge(sodium_init(), 0);
    unsigned char mk[32];
    memset(mk, 7, sizeof mk);
    cv_key k;
    k.k = mk;
    k.ephemeral = 0;
    cvi_tenant_key t;
    ck_assert_int_eq(cvi_tenant_key_derive(&k, "acme", 0, &t), 0);
    unsigned char rec[32];
    for (int i = 0; i < 32; i++) rec[i] = (unsigned char)(i * 5 + 1);
    int low = 0, high = 0;
    for (int c = 0; c < 64; c++) {
        double b = cvi_voice_beta(&t, rec, c);
        ck_assert_double_eq(b, cvi_voice_beta(&t, rec, c));
        unsigned char msg[18 + 32 + 4], h[32];
        memcpy(msg, "callveil/v1/voice", 18);
        memcpy(msg + 18, rec, 32);
        msg[50] = 0, msg[51] = 0, msg[52] = 0, msg[53] = (unsigned char)c;
        crypto_generichash(h, 32, msg, sizeof msg, t.k, 32);
        uint64_t u = 0;
        for (int i = 8; i < 16; i++) u = (u << 8) | h[i];
        double w = (double)u / 18446744073709551616.0;
        double want = w < 0.5 ? 0.75 + 2 * w * 0.12 : 1.15 + (2 * w - 1) * 0.15;
        ck_assert_double_eq_tol(b, want, 1e-12);
        if (b < 1) {
            ck_assert(b >= CV_VOICE_BETA_LOW_MIN && b < CV_VOICE_BETA_LOW_MAX);
            low++;
        } else {
            ck_assert(b >= CV_VOICE_BETA_HIGH_MIN && b < CV_VOICE_BETA_HIGH_MAX);
            high++;
        }
    }
    ck_assert_int_gt(low, 10);
    ck_assert_int_gt(high, 10);
    cvi_tenant_key_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("voice");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_levinson_known_answer);
    tcase_add_test(tc, test_roots_and_warp);
    tcase_add_test(tc, test_round_trip_alpha_one);
    tcase_add_test(tc, test_formants_move);
    tcase_add_test(tc, test_silence_and_bad_args);
    tcase_add_test(tc, test_sample_conversion);
    tcase_add_test(tc, test_keyed_alpha);
    tcase_add_test(tc, test_beta_one_is_mcadams);
    tcase_add_test(tc, test_pitch_moves_formants_stay);
    tcase_add_test(tc, test_pitch_lengths_chunking_determinism);
    tcase_add_test(tc, test_keyed_beta);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
