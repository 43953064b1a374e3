/*
 * check_dtmf.c - the Goertzel DTMF detector on generated 8 kHz buffers: all
 * 16 keys at -3 to -30 dBFS, twist limits, 40 ms found / 20 ms not at every
 * block alignment, tones in white noise, +-1.5 % found / +-3.5 % not, two
 * digits 40 ms apart, and no false alarms on voice-like harmonics, chords,
 * noise and a 1 kHz tone. Reported ranges must cover the tone within one
 * block either side.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "filters/dtmf.h"
#include "tests/unit/audio_helpers.h"

#define RATE 8000.0
#define ROW DTMF_ROW
#define COL DTMF_COL
#define KEYS DTMF_KEYS

typedef struct found {
    uint64_t start[64], end[64];
    char key[64];
    int n;
    cv_dtmf *d;
} found;

static int on_tone(void *opaque, uint64_t a, uint64_t b)
{
    found *f = opaque;
    if (f->n < 64) {
        f->start[f->n] = a;
        f->end[f->n] = b;
        f->key[f->n] = cvi_dtmf_last_key(f->d);
    }
    f->n++;
    return 0;
}

static void add_tone(float *x, size_t at, size_t len, double fr, double ar, double fc, double ac)
{
    ah_add_tone(x, at, len, RATE, fr, ar, fc, ac);
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static double gauss(void) { return ah_gauss(&rng); }

static found detect(const float *x, size_t n)
{
    static cv_dtmf d;
    found f = { .n = 0 };
    f.d = &d;
    cvi_dtmf_init(&d);
    /* Odd chunk sizes so half-window boundaries fall inside chunks. */
    size_t i = 0, chunk = 37;
    while (i < n) {
        size_t m = n - i < chunk ? n - i : chunk;
        ck_assert_int_eq(cvi_dtmf_feed_float(&d, x + i, m, on_tone, &f), 0);
        i += m;
        chunk = chunk * 7 % 501 + 1;
    }
    ck_assert_int_eq(cvi_dtmf_finish(&d, on_tone, &f), 0);
    ck_assert_uint_eq(cvi_dtmf_tones(&d), (uint64_t)f.n);
    return f;
}

/* The reported range lies within the tone +- one block and, padded by one
 * block, covers it. */
static void assert_covers(const found *f, int i, size_t at, size_t len)
{
    ck_assert_uint_le(f->start[i], at + CV_DTMF_BLOCK);
    ck_assert_uint_ge(f->end[i] + CV_DTMF_BLOCK, at + len);
    ck_assert_uint_ge(f->start[i] + CV_DTMF_BLOCK, at);
    ck_assert_uint_le(f->end[i], at + len + CV_DTMF_BLOCK);
    ck_assert_uint_lt(f->start[i], f->end[i]);
}

static float *silence(size_t n) { return calloc(n, sizeof(float)); }

START_TEST(test_all_keys_levels)
{
    static const double levels[] = { -3, -10, -20, -30 };
    size_t n = 8000;
    for (int k = 0; k < 16; k++) {
        for (int l = 0; l < 4; l++) {
            float *x = silence(n);
            double a = pow(10, levels[l] / 20) / 2;   /* composite peak at the level */
            size_t at = 800 + (size_t)(k * 13 + l * 29) % 102, len = 400;   /* 50 ms */
            add_tone(x, at, len, ROW[k / 4], a, COL[k % 4], a);
            found f = detect(x, n);
            ck_assert_msg(f.n == 1, "key %c at %g dBFS: %d tones", KEYS[k], levels[l], f.n);
            ck_assert_int_eq(f.key[0], KEYS[k]);
            assert_covers(&f, 0, at, len);
            free(x);
        }
    }
}
END_TEST

START_TEST(test_int16_feed)
{
    size_t n = 4000, at = 1000, len = 480;
    float *x = silence(n);
    add_tone(x, at, len, ROW[2], 0.25, COL[1], 0.25);
    int16_t *s = malloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) s[i] = (int16_t)lrintf(x[i] * 32767.0f);
    cv_dtmf d;
    found f = { .n = 0, .d = &d };
    cvi_dtmf_init(&d);
    ck_assert_int_eq(cvi_dtmf_feed_s16(&d, s, n, on_tone, &f), 0);
    ck_assert_int_eq(cvi_dtmf_finish(&d, on_tone, &f), 0);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.key[0], '8');
    assert_covers(&f, 0, at, len);
    free(s);
    free(x);
}
END_TEST

START_TEST(test_twist)
{
    size_t n = 4000, at = 1000, len = 480;
    struct { double col_db; int found; } cases[] = {
        { 7, 1 }, { 9, 0 },      /* normal twist: column (high group) louder */
        { -3, 1 }, { -5, 0 },    /* reverse twist: row louder */
        { 0, 1 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int k = 0; k < 16; k += 5) {
            float *x = silence(n);
            double ar = 0.1, ac = 0.1 * pow(10, cases[c].col_db / 20);
            add_tone(x, at, len, ROW[k / 4], ar, COL[k % 4], ac);
            found f = detect(x, n);
            ck_assert_msg(f.n == cases[c].found, "key %c twist %g dB: %d tones", KEYS[k], cases[c].col_db, f.n);
            free(x);
        }
}
END_TEST

START_TEST(test_durations)
{
    size_t n = 4000;
    for (int k = 0; k < 16; k += 3)
        for (size_t shift = 0; shift < CV_DTMF_BLOCK; shift += 7) {
            size_t at = 1000 + shift;
            float *x = silence(n);
            add_tone(x, at, 320, ROW[k / 4], 0.2, COL[k % 4], 0.2);          /* 40 ms */
            found f = detect(x, n);
            ck_assert_msg(f.n == 1, "40 ms key %c shift %zu: %d tones", KEYS[k], shift, f.n);
            assert_covers(&f, 0, at, 320);
            free(x);
            x = silence(n);
            add_tone(x, at, 160, ROW[k / 4], 0.2, COL[k % 4], 0.2);          /* 20 ms */
            f = detect(x, n);
            ck_assert_msg(f.n == 0, "20 ms key %c shift %zu: %d tones", KEYS[k], shift, f.n);
            free(x);
        }
}
END_TEST

START_TEST(test_noise)
{
    size_t n = 16000;
    for (int k = 0; k < 16; k++) {
        float *x = silence(n);
        double a = 0.1;   /* per tone: -20 dBFS; noise 20 dB below the tone pair's power */
        double sigma = sqrt(a * a / 100.0);
        for (size_t i = 0; i < n; i++) x[i] = (float)(sigma * gauss());
        size_t at = 4000 + (size_t)k * 11, len = 480;
        add_tone(x, at, len, ROW[k / 4], a, COL[k % 4], a);
        found f = detect(x, n);
        ck_assert_msg(f.n == 1, "key %c in noise: %d tones", KEYS[k], f.n);
        ck_assert_int_eq(f.key[0], KEYS[k]);
        assert_covers(&f, 0, at, len);
        free(x);
    }
    /* Noise alone, loud and quiet: nothing. */
    static const double sig[] = { 0.3, 0.03, 0.003 };
    for (int s = 0; s < 3; s++) {
        size_t m = 80000;
        float *x = silence(m);
        for (size_t i = 0; i < m; i++) x[i] = (float)(sig[s] * gauss());
        found f = detect(x, m);
        ck_assert_int_eq(f.n, 0);
        free(x);
    }
}
END_TEST

START_TEST(test_frequency_tolerance)
{
    size_t n = 4000, at = 1000, len = 480;
    static const double ok[] = { -0.015, 0.015 }, bad[] = { -0.035, 0.035 };
    for (int k = 0; k < 16; k++)
        for (int s = 0; s < 2; s++) {
            /* both groups off by 1.5 %: found */
            float *x = silence(n);
            add_tone(x, at, len, ROW[k / 4] * (1 + ok[s]), 0.1, COL[k % 4] * (1 + ok[s]), 0.1);
            found f = detect(x, n);
            ck_assert_msg(f.n == 1 && f.key[0] == KEYS[k], "key %c off %+g: %d tones", KEYS[k], ok[s], f.n);
            free(x);
            /* row off by 3.5 %: not found */
            x = silence(n);
            add_tone(x, at, len, ROW[k / 4] * (1 + bad[s]), 0.1, COL[k % 4], 0.1);
            f = detect(x, n);
            ck_assert_msg(f.n == 0, "key %c row off %+g: %d tones", KEYS[k], bad[s], f.n);
            free(x);
            /* column off by 3.5 %: not found */
            x = silence(n);
            add_tone(x, at, len, ROW[k / 4], 0.1, COL[k % 4] * (1 + bad[s]), 0.1);
            f = detect(x, n);
            ck_assert_msg(f.n == 0, "key %c col off %+g: %d tones", KEYS[k], bad[s], f.n);
            free(x);
        }
}
END_TEST

START_TEST(test_two_digits)
{
    size_t n = 8000;
    /* different keys, then the same key twice, 40 ms of silence between */
    static const int pairs[][2] = { { 0, 5 }, { 9, 9 }, { 13, 14 } };
    for (int p = 0; p < 3; p++) {
        float *x = silence(n);
        size_t a1 = 1000, a2 = 1000 + 400 + 320;
        int k1 = pairs[p][0], k2 = pairs[p][1];
        add_tone(x, a1, 400, ROW[k1 / 4], 0.15, COL[k1 % 4], 0.15);
        add_tone(x, a2, 400, ROW[k2 / 4], 0.15, COL[k2 % 4], 0.15);
        found f = detect(x, n);
        ck_assert_int_eq(f.n, 2);
        ck_assert_int_eq(f.key[0], KEYS[k1]);
        ck_assert_int_eq(f.key[1], KEYS[k2]);
        assert_covers(&f, 0, a1, 400);
        assert_covers(&f, 1, a2, 400);
        free(x);
    }
    /* a tone running to the end of the input is reported by finish */
    float *x = silence(2000);
    add_tone(x, 1500, 500, ROW[1], 0.2, COL[2], 0.2);
    found f = detect(x, 2000);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.key[0], '6');
    free(x);
}
END_TEST

/* Voice-like: harmonics of a 120-200 Hz fundamental with a falling spectrum
 * and slow pitch movement; each second a new fundamental. */
START_TEST(test_no_false_alarm_voice)
{
    size_t n = 8000 * 17;
    float *x = silence(n);
    for (int s = 0; s < 17; s++) {
        double f0 = 120 + 5 * s, ph = 0;
        for (size_t i = 0; i < 8000; i++) {
            double t = (double)i / RATE;
            double f = f0 * (1 + 0.03 * sin(2 * M_PI * 3 * t));
            ph += 2 * M_PI * f / RATE;
            double v = 0;
            for (int h = 1; h <= 20; h++) v += sin(h * ph) / h;
            x[(size_t)s * 8000 + i] = (float)(0.2 * v);
        }
    }
    found f = detect(x, n);
    ck_assert_int_eq(f.n, 0);
    /* steady (no vibrato) voices whose harmonics hit DTMF rows and columns */
    for (int s = 0; s < 17; s++) {
        double f0 = 120 + 5 * s;
        for (size_t i = 0; i < 8000; i++) {
            double t = (double)i / RATE, v = 0;
            for (int h = 1; h <= 12; h++) v += sin(2 * M_PI * h * f0 * t) * (h % 3 == 0 ? 1.0 : 0.5);
            x[(size_t)s * 8000 + i] = (float)(0.1 * v);
        }
    }
    f = detect(x, n);
    ck_assert_int_eq(f.n, 0);
    free(x);
}
END_TEST

START_TEST(test_no_false_alarm_music_and_tones)
{
    /* Triads and seventh chords (equal temperament, A4 = 440 Hz) rooted on
     * every semitone from C4 to B5, 0.25 s each. */
    size_t per = 2000, chords = 24 * 2, n = per * chords;
    float *x = silence(n);
    static const int shapes[2][4] = { { 0, 4, 7, -1 }, { 0, 3, 7, 10 } };
    for (size_t c = 0; c < chords; c++) {
        int root = -9 + (int)(c / 2);   /* semitones from A4: C4 = -9 */
        const int *sh = shapes[c % 2];
        for (size_t i = 0; i < per; i++) {
            double t = (double)i / RATE, v = 0;
            for (int j = 0; j < 4 && sh[j] >= 0; j++) {
                double f = 440 * pow(2, (root + sh[j]) / 12.0);
                v += sin(2 * M_PI * f * t) + 0.3 * sin(4 * M_PI * f * t);
            }
            x[c * per + i] = (float)(0.1 * v);
        }
    }
    found f = detect(x, n);
    ck_assert_int_eq(f.n, 0);
    free(x);
    /* 1 kHz tone, single DTMF frequencies alone, and a row+row pair */
    static const double single[][2] = { { 1000, 0 }, { 697, 0 }, { 1209, 0 }, { 697, 852 }, { 1336, 1633 } };
    for (int s = 0; s < 5; s++) {
        x = silence(8000);
        for (size_t i = 0; i < 8000; i++) {
            double t = (double)i / RATE;
            x[i] = (float)(0.3 * sin(2 * M_PI * single[s][0] * t) +
                           (single[s][1] > 0 ? 0.3 * sin(2 * M_PI * single[s][1] * t) : 0));
        }
        f = detect(x, 8000);
        ck_assert_msg(f.n == 0, "case %d: %d tones", s, f.n);
        free(x);
    }
    /* below the level threshold (-50 dBFS per tone): nothing */
    x = silence(4000);
    add_tone(x, 1000, 480, ROW[0], 0.00316, COL[0], 0.00316);
    f = detect(x, 4000);
    ck_assert_int_eq(f.n, 0);
    free(x);
}
END_TEST

/* A second row (or column) only 6 dB below the strongest: rejected; 12 dB
 * below: accepted. */
START_TEST(test_relative_peak)
{
    size_t n = 4000, at = 1000, len = 480;
    for (int k = 0; k < 16; k += 5) {
        int other_row = (k / 4 + 2) % 4, other_col = (k % 4 + 2) % 4;
        static const double rel[2] = { 0.5, 0.25 };
        for (int r = 0; r < 2; r++) {
            float *x = silence(n);
            add_tone(x, at, len, ROW[k / 4], 0.1, COL[k % 4], 0.1);
            add_tone(x, at, len, ROW[other_row], 0.1 * rel[r], COL[0], 0);
            found f = detect(x, n);
            ck_assert_msg(f.n == r, "key %c second row at %g: %d tones", KEYS[k], rel[r], f.n);
            free(x);
            x = silence(n);
            add_tone(x, at, len, ROW[k / 4], 0.1, COL[k % 4], 0.1);
            add_tone(x, at, len, ROW[0], 0, COL[other_col], 0.1 * rel[r]);
            f = detect(x, n);
            ck_assert_msg(f.n == r, "key %c second column at %g: %d tones", KEYS[k], rel[r], f.n);
            free(x);
        }
    }
}
END_TEST

static int stop_at_first(void *opaque, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    ++*(int *)opaque;
    return 7;
}

START_TEST(test_callback_stops)
{
    size_t n = 8000;
    float *x = silence(n);
    add_tone(x, 500, 400, ROW[0], 0.2, COL[0], 0.2);
    add_tone(x, 2000, 400, ROW[1], 0.2, COL[1], 0.2);
    cv_dtmf d;
    cvi_dtmf_init(&d);
    int calls = 0;
    ck_assert_int_eq(cvi_dtmf_feed_float(&d, x, n, stop_at_first, &calls), 7);
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(cvi_dtmf_tones(&d), 1);
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dtmf");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_all_keys_levels);
    tcase_add_test(tc, test_int16_feed);
    tcase_add_test(tc, test_twist);
    tcase_add_test(tc, test_durations);
    tcase_add_test(tc, test_noise);
    tcase_add_test(tc, test_frequency_tolerance);
    tcase_add_test(tc, test_two_digits);
    tcase_add_test(tc, test_no_false_alarm_voice);
    tcase_add_test(tc, test_no_false_alarm_music_and_tones);
    tcase_add_test(tc, test_relative_peak);
    tcase_add_test(tc, test_callback_stops);
    suite_add_tcase(s, tc);
    return run_audio_suite(s);
}
