/*
 * voice.h - voice anonymisation by the McAdams coefficient (the VoicePrivacy
 * challenge's signal-processing baseline): frame-wise LPC analysis, the
 * angle phi of every complex pole raised to a power alpha (phi -> phi^alpha,
 * radians; real poles unchanged), resynthesis of the frame's LPC residual
 * through the new all-pole filter, overlap-add. Formants below
 * rate / (2 pi) rise and those above fall, so the vocal tract no longer
 * matches its speaker's while pitch and timing (the residual) and the words
 * stay. Pure C on float samples of one channel; knows nothing about codecs.
 *
 * Frames: 20 ms (rounded to an even sample count), hop 10 ms (50 % overlap);
 * square-root periodic Hann window at analysis and again at synthesis, so
 * the two make one Hann and the overlap-add sums to exactly 1 (with
 * alpha = 1 the output is the input, up to rounding). LPC order
 * 4 + rate / 1000, clamped to 8..24 (12 at 8 kHz, 20 at 16 kHz), from the
 * autocorrelation of the Hann-windowed frame (Levinson-Durbin). Roots by
 * Aberth-Ehrlich iteration in double complex, warm-started from the
 * previous frame's; a frame whose roots do not converge, or do not rebuild
 * its polynomial, is passed through unmodified and counted. Each
 * resynthesised frame is scaled to the energy of the frame it replaces.
 * The output lags the input by one hop inside the filter, which the API
 * hides: over a whole stream exactly as many samples come out as went in,
 * aligned to them.
 *
 * Pitch change (cvi_voice_create_shift, beta != 1): the frames' LPC
 * residuals (the excitation) are overlap-added into one continuous
 * residual, which a two-tap delay-line shifter re-reads at rate beta: each
 * tap sweeps its delay over a 40 ms grain and is faded in and out by
 * sin^2 of its phase, the taps half a grain apart so the fades sum to 1;
 * 4-point (Catmull-Rom) interpolation. Each frame's (warped) all-pole filter
 * is then applied to the shifted residual, so F0 is multiplied by beta
 * while the envelope (formants, the words) and timing stay. A look-ahead of
 * half a grain keeps the excitation centred on its frame; the extra latency
 * (lag hops, 4 at 8 kHz) is hidden like the first, so the output still has
 * exactly the input's sample count, aligned. Silent frames pass through
 * unchanged; a frame whose roots fail keeps its formants but still gets the
 * pitch change. beta = 1 is exactly cvi_voice_create.
 */
#ifndef CV_VOICE_H
#define CV_VOICE_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

/* The range alpha is drawn from (pipeline: keyed hash per recording and
 * channel). Both ends move the formants audibly while keeping the words. */
#define CV_VOICE_ALPHA_MIN 0.75
#define CV_VOICE_ALPHA_MAX 0.90
/* The pitch factor beta's two ranges (pipeline: keyed hash, one range or
 * the other): F0 lowered by 13-25 % or raised by 15-30 %. Measured
 * (tests/e2e/test_voice.py with beta forced for every recording, alpha
 * keyed): speaker identification 87.5 % -> 37.5 % at 0.87, 12.5 % at 1.15,
 * but 65.6 % at 0.93 and 50 % at 1.07, so the ranges stop short of 1. */
#define CV_VOICE_BETA_LOW_MIN 0.75
#define CV_VOICE_BETA_LOW_MAX 0.87
#define CV_VOICE_BETA_HIGH_MIN 1.15
#define CV_VOICE_BETA_HIGH_MAX 1.30
#define CV_VOICE_FRAME_SECONDS 0.020
#define CV_VOICE_GRAIN_SECONDS 0.040
#define CV_VOICE_ORDER_MAX 24

typedef struct cv_voice cv_voice;

/* A voice transformer for one channel at `rate` Hz (4000..768000) with
 * coefficient alpha (0.5..1.5; 1 = analysis and resynthesis only).
 * Returns 0, CV_EUSAGE or CV_ENOMEM. */
int cvi_voice_create(cv_voice **out, int rate, double alpha);
/* The same with the pitch factor beta (0.5..2.0): F0 is multiplied by beta
 * (see above); beta = 1 is exactly cvi_voice_create. */
int cvi_voice_create_shift(cv_voice **out, int rate, double alpha, double beta);
double cvi_voice_pitch_factor(const cv_voice *v);
void cvi_voice_free(cv_voice *v);   /* NULL ok */

/* Samples per hop: process() writes at most n + hop samples, finish() at
 * most cvi_voice_tail() (2 hops without a pitch change, lag + 2 with). */
size_t cvi_voice_hop(const cv_voice *v);
size_t cvi_voice_tail(const cv_voice *v);
int cvi_voice_order(const cv_voice *v);

/* Feed n samples (full scale +-1.0); writes the output samples that are
 * complete to out and returns their count. */
size_t cvi_voice_process(cv_voice *v, const float *in, size_t n, float *out);

/* End of input: writes the remaining output (the total then equals the
 * total input) and returns its count. */
size_t cvi_voice_finish(cv_voice *v, float *out);

/* Frames analysed, and of those passed through unmodified because their
 * roots did not converge (silent frames are neither). */
uint64_t cvi_voice_frames(const cv_voice *v);
uint64_t cvi_voice_fallbacks(const cv_voice *v);

/* Building blocks, exposed for tests (cvi_). */
/* LPC by Levinson-Durbin from autocorrelation r[0..p]: a[0] = 1, a[1..p].
 * Returns 0, or -1 if r is not positive definite (silence). */
int cvi_voice_levinson(const double *r, int p, double *a);
/* The p roots of z^p + a[1] z^(p-1) + ... + a[p] into z (warm start: z
 * holds guesses when `warm`). Returns 0 when converged and the roots
 * rebuild the polynomial, else -1. */
int cvi_voice_roots(const double *a, int p, double complex *z, int warm);
/* b[0..p] = the polynomial with a's roots z, complex poles' angles raised to
 * alpha. Returns 0, or -1 if the roots do not pair up as conjugates. */
int cvi_voice_warp(const double complex *z, int p, double alpha, double *b);

#endif
