/*
 * bench_audio.c - timing helper for bench_audio.sh (not a test).
 *   bench_audio dtmf RAW_S16LE_8K       DTMF detector alone over a raw 8 kHz mono
 *                                       s16le file: prints seconds of audio, CPU
 *                                       seconds and x real time
 *   bench_audio voice RAW_S16LE RATE     McAdams voice anonymiser alone (one
 *                                       channel, alpha 0.82): prints seconds
 *                                       of audio, CPU seconds, x real time
 *   bench_audio redact IN OUT SPANS [dtmf|voice]
 *                                       cvi_audio_redact with SPANS "a-b,a-b,..."
 *                                       (seconds): prints audio seconds, wall and
 *                                       CPU seconds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filters/dtmf.h"
#include "filters/voice.h"
#include "pipeline/audio.h"

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int count_tone(void *opaque, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    ++*(uint64_t *)opaque;
    return 0;
}

static int bench_dtmf(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_audio: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = (size_t)len / 2;
    int16_t *x = malloc(n * sizeof *x);
    if (!x || fread(x, 2, n, f) != n) {
        fprintf(stderr, "bench_audio: cannot read %s\n", path);
        fclose(f);
        free(x);
        return 1;
    }
    fclose(f);
    int reps = 5;
    uint64_t tones = 0;
    double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (int r = 0; r < reps; r++) {
        cv_dtmf d;
        cvi_dtmf_init(&d);
        cvi_dtmf_feed_s16(&d, x, n, count_tone, &tones);
        cvi_dtmf_finish(&d, count_tone, &tones);
    }
    double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double secs = (double)n / CV_DTMF_RATE * reps;
    printf("%.3f %.4f %.0f %llu\n", secs, cpu, secs / cpu, (unsigned long long)(tones / (uint64_t)reps));
    free(x);
    return 0;
}

static int bench_voice(const char *path, int rate, double beta)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_audio: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f) / 2;
    fseek(f, 0, SEEK_SET);
    int16_t *x = malloc(n * sizeof *x);
    float *in = malloc(n * sizeof *in), *out = malloc((n + 4096) * sizeof *out);
    if (!x || !in || !out || fread(x, 2, n, f) != n) {
        fprintf(stderr, "bench_audio: cannot read %s\n", path);
        fclose(f);
        free(x), free(in), free(out);
        return 1;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) in[i] = x[i] / 32768.0f;
    cv_voice *v;
    if (cvi_voice_create_shift(&v, rate, 0.82, beta)) return 1;
    double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    size_t w = 0;
    for (size_t i = 0; i < n; i += 4096) w += cvi_voice_process(v, in + i, n - i < 4096 ? n - i : 4096, out + w);
    w += cvi_voice_finish(v, out + w);
    double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0, secs = (double)n / rate;
    printf("%.3f %.4f %.0f %llu\n", secs, cpu, secs / cpu, (unsigned long long)cvi_voice_fallbacks(v));
    cvi_voice_free(v);
    free(x), free(in), free(out);
    return w == n ? 0 : 1;
}

static int bench_redact(const char *in, const char *out, const char *spec, int dtmf, int voice)
{
    cv_audio_span spans[256];
    size_t n = 0;
    const char *p = spec;
    while (*p && n < 256) {
        char *e;
        double a = strtod(p, &e);
        if (*e != '-') break;
        double b = strtod(e + 1, &e);
        spans[n++] = (cv_audio_span){ a, b, -1 };
        p = *e == ',' ? e + 1 : e;
    }
    double alpha[64];
    double beta[64];
    for (int c = 0; c < 64; c++) alpha[c] = 0.82, beta[c] = 1.22;
    cv_audio_opts o = { CV_AUDIO_SILENCE, dtmf, NULL, voice ? alpha : NULL, 64, voice ? beta : NULL };
    cv_audio_stats st;
    const char *reason = NULL;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    int rc = cvi_audio_redact(in, out, &o, spans, n, &st, &reason);
    double wall = now(CLOCK_MONOTONIC) - w0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc) {
        fprintf(stderr, "bench_audio: %s: %s\n", in, reason);
        return 1;
    }
    printf("%.3f %.4f %.4f %zu %.3f %llu\n", st.seconds_in, wall, cpu, n, st.seconds_redacted,
           (unsigned long long)st.dtmf_tones);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "dtmf")) return bench_dtmf(argv[2]);
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "voice"))
        return bench_voice(argv[2], atoi(argv[3]), argc == 5 ? atof(argv[4]) : 1.22);
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "redact"))
        return bench_redact(argv[2], argv[3], argv[4], argc == 6 && !strcmp(argv[5], "dtmf"),
                            argc == 6 && !strcmp(argv[5], "voice"));
    fprintf(stderr, "usage: bench_audio dtmf RAW | voice RAW RATE | redact IN OUT SPANS [dtmf|voice]\n");
    return 2;
}
