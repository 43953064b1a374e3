/*
 * audio_helpers.h - shared by the audio suites (check_dtmf, check_audio):
 * running a Check suite, a deterministic noise source and dual-tone
 * generation at 8 kHz-style sample rates.
 */
#ifndef CV_AUDIO_HELPERS_H
#define CV_AUDIO_HELPERS_H

#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

static inline int run_audio_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

static const double DTMF_ROW[4] = { 697, 770, 852, 941 };
static const double DTMF_COL[4] = { 1209, 1336, 1477, 1633 };
static const char DTMF_KEYS[] = "123A456B789C*0#D";

/* xorshift64: reproducible noise without libc's rand() state. */
static inline double ah_uniform(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static inline double ah_gauss(uint64_t *s)
{
    double u = ah_uniform(s) + 1e-12, v = ah_uniform(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Add a dual tone (row/column frequency and amplitude, full scale 1.0) to
 * x[at .. at+len) at the given sample rate. */
static inline void ah_add_tone(float *x, size_t at, size_t len, double rate, double fr, double ar, double fc,
                               double ac)
{
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / rate;
        x[at + i] += (float)(ar * sin(2 * M_PI * fr * t) + ac * sin(2 * M_PI * fc * t + 1.0));
    }
}

#endif
