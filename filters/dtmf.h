/*
 * dtmf.h - DTMF (keypad tone) detector for 8 kHz mono audio: Goertzel
 * filters at the 8 DTMF frequencies, ETSI/Asterisk-style acceptance. Pure C,
 * no allocation, one detector per channel. It reports only where tones are
 * (sample ranges), never which key was pressed: callers may count tones,
 * not read them.
 *
 * Acceptance, per 102-sample window (12.75 ms), windows hopping by 51 samples:
 * - level: strongest row and column tone each at least -45 dBFS (sine peak);
 * - energy: row + column energy >= 70 % of the window's total energy, so
 *   speech, music and noise (energy spread over many frequencies) do not hit;
 * - twist: column (high group) at most 8 dB above the row (normal twist),
 *   row at most 4 dB above the column (reverse twist);
 * - relative peak: strongest row 8 dB above every other row, same for columns;
 * - frequency: Goertzel probes at 0.95 f and 1.05 f of the chosen row and
 *   column must both be weaker than the nominal frequency, i.e. the tone lies
 *   within about +-2.5 %: +-1.5 % is accepted, +-3.5 % rejected.
 * A tone is a run of >= 4 consecutive hit windows with the same key (two
 * misses end it). Four half-overlapping windows span 255 samples, so tones
 * >= 40 ms are always accepted; a 20 ms tone can fill at most three windows
 * to 57 % and is never accepted; in between (about 32-38 ms) acceptance
 * depends on alignment. The reported range [start, end) runs from the
 * first hit window's start to the last hit window's end; callers mask it
 * plus CV_DTMF_BLOCK samples either side.
 */
#ifndef CV_DTMF_H
#define CV_DTMF_H

#include <stddef.h>
#include <stdint.h>

#define CV_DTMF_RATE 8000
#define CV_DTMF_BLOCK 102   /* samples per Goertzel window at 8 kHz */
#define CV_DTMF_HOP 51

/* Called for each accepted tone with its 8 kHz sample range [start, end),
 * counted from the first sample fed. Return nonzero to stop feeding (the
 * feed function then returns that value). */
typedef int (*cv_dtmf_cb)(void *opaque, uint64_t start, uint64_t end);

/* Detector state; plain data, no allocation, copyable. Fields are private. */
typedef struct cv_dtmf {
    float s1[8], s2[8];          /* Goertzel state of the current half window */
    float prev_re[8], prev_im[8];/* previous half window's Goertzel output */
    float half[2][CV_DTMF_HOP];  /* raw samples of the last two half windows */
    float prev_energy, cur_energy;
    unsigned fill;               /* samples in the current half window */
    unsigned halves;             /* half windows completed (saturates at 2) */
    uint64_t pos;                /* samples fed so far */
    int key, hits, misses;       /* current candidate: key index or -1 */
    uint64_t run_start, run_end; /* window range of the candidate's hits */
    int last_key;                /* last accepted key (tests only, cvi_) */
    uint64_t tones;
} cv_dtmf;

void cvi_dtmf_init(cv_dtmf *d);

/* Feed n samples (float: full scale +-1.0; int16: full scale 32768). Tones
 * are reported through cb as soon as they end. Returns 0 or cb's nonzero. */
int cvi_dtmf_feed_float(cv_dtmf *d, const float *x, size_t n, cv_dtmf_cb cb, void *opaque);
int cvi_dtmf_feed_s16(cv_dtmf *d, const int16_t *x, size_t n, cv_dtmf_cb cb, void *opaque);

/* End of input: report a tone still in progress. Returns 0 or cb's nonzero. */
int cvi_dtmf_finish(cv_dtmf *d, cv_dtmf_cb cb, void *opaque);

/* Tones accepted so far. */
uint64_t cvi_dtmf_tones(const cv_dtmf *d);

/* Test-only: the key ("0123456789*#ABCD") of the tone accepted last, or 0.
 * Never use it outside tests: callers report counts, not digits. */
char cvi_dtmf_last_key(const cv_dtmf *d);

#endif
