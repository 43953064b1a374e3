/*
 * detect_int.h - what the detection engine (detect.c) and its prefilter
 * (detect_prefilter.c: the cue gate, a text's facts) share: the compiled
 * set's layout and the prefilter's entry points, called once per text (the
 * helpers they call per byte are static inline there). Private to
 * filters/detect*.c.
 */
#ifndef CV_DETECT_INT_H
#define CV_DETECT_INT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdint.h>

#include "filters.h"

/* What any match of a custom regex needs of the text: min_len bytes, one
 * of first[0..nfirst) (nfirst 0: no such test) and one of last[0..nlast). */
typedef struct need {
    uint32_t min_len;
    uint16_t nfirst, nlast;
    uint8_t first[256], last[2];
    uint64_t firstb, lastb;  /* the same as cv_detector_set.need_bit bits */
} need;
#define GATE_DIGITS 16

typedef struct compiled {
    const cv_detector_type *t;
    uint16_t id;             /* cv_detector_id, or CV_DET__COUNT + k for a custom one */
    uint16_t min_digits;     /* t's gates, kept beside it for the per-text loop */
    uint32_t runs_mask;      /* t->runs_any, or every bit (cv_text_facts.runs always has bit 0) */
    pcre2_code *code;
    int jit;
    const cv_custom_detector *cust;   /* a policy's detector, or NULL */
    need *need;              /* a custom regex's needs (owned), or NULL */
} compiled;

/* The cue gate (cv_detector_type.cues): the cue words of the detectors
 * that have them, found in one pass over a text. A detector's bit is its
 * index (detectors with cues are built-ins: the first 64 indexes). */
typedef struct cue {
    const char *s;           /* folded (ASCII lower case), in cue_gate.text */
    uint32_t n;
    uint64_t bit;
} cue;

typedef struct cue_gate {
    uint64_t mask;           /* the detectors gated */
    cue *v;                  /* cues of two bytes or more, by their first two bytes */
    size_t n;
    char *text;
    uint32_t first[257];     /* v[first[c] .. first[c + 1]) begin with byte c */
    uint64_t one[256];       /* the detectors with the one-byte cue c */
    uint8_t starts[256];     /* nonzero: some cue begins with (folded) byte c */
    uint64_t pair[1024];     /* bit c0 << 8 | c1: a cue begins with c0 c1 */
} cue_gate;

struct cv_detector_set {
    cv_detect_opts opts;
    cue_gate cues;
    size_t n;
    compiled *d;
    cv_detector_type *ctypes;    /* the custom detectors' descriptors (owned) */
    int *prio;                 /* a detector's priority, by id (CV_DET__COUNT + custom ones) */
    size_t nprio;
    size_t nplain;
    uint16_t *plain;           /* the detectors a text without digits can match, in order */
    uint16_t *all;             /* every detector, in order */
    /* The same gates as bit masks over detector indexes, for sets of at
     * most 64 detectors (else masked = 0 and the lists above are walked;
     * min_digits above GATE_DIGITS gate at GATE_DIGITS): a text's
     * candidates are one AND of two masks instead of a test per detector. */
    int masked;
    uint64_t plain_mask;                  /* the detectors in plain[] */
    uint64_t by_run[32];                  /* bit i: detector i's runs_mask has run bit k */
    uint64_t by_digits[GATE_DIGITS + 1];  /* bit i: min_digits <= d (d = GATE_DIGITS: and more) */
    uint64_t by_need[CV_NEED__BITS];      /* bit i: detector i's needs hold CV_NEED bit k */
    /* The bytes custom regexes need (need.first, need.last), one bit each
     * (modulo 64: two bytes may share one, which only weakens the test):
     * a text's bytes ORed together say at once which it holds. */
    uint64_t need_bit[256];
};

/* Build s->cues, the gate of the set's detectors (none under
 * s->opts.no_gates): 0 or CV_ENOMEM. Freed with the set. */
int cvi_cues_build(cv_detector_set *s);
/* The gated detectors among want whose cues text[0..len) holds (bit i:
 * detector i); every one of want if the text holds a caseless twin. */
uint64_t cvi_cues_found(const cue_gate *g, const char *text, size_t len, uint64_t want);
/* The prefilter facts of text[0..len) into f in one pass. Returns 1, with
 * f unset, if the text holds a look-alike to fold first (fold.c). */
int cvi_text_facts(const char *text, size_t len, cv_text_facts *f);

#endif
