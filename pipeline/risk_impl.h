/*
 * risk_impl.h - the risk report's private model, shared by risk.c (specs,
 * the per-record pass, streaming, the entry point) and risk_report.c
 * (unicity, suppression, the report): fixed-width hash tables keyed by
 * BLAKE2b outputs (a class or subject costs its 16 bytes, no key storage),
 * and the state of one report.
 */
#ifndef CV_RISK_IMPL_H
#define CV_RISK_IMPL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "../formats/formats.h"
#include "../formats/record_reader.h"
#include "common/files.h"
#include "risk.h"
#include "runner.h"

#define DEFAULT_SAMPLES 10000
#define DEFAULT_POINTS 4
#define DEFAULT_MAX_PAIRS (1u << 21)
#define MAX_LOGGED_REJECTS 100

/* ---- hash tables ---------------------------------------------------------- */

/* Keys are BLAKE2b outputs, so their first 8 bytes index the table directly. */
static inline size_t slot_of(const uint8_t h[16], size_t mask)
{
    uint64_t v;
    memcpy(&v, h, 8);
    return (size_t)v & mask;
}

typedef struct cls_ent {
    uint8_t h[16];
    uint64_t n;            /* records; 0 = empty slot */
} cls_ent;

typedef struct subj_ent {
    uint8_t h[16];
    uint32_t id;           /* 1-based, stable across rehashing; 0 = empty slot */
    int32_t slot;          /* sample slot, -1 if not sampled */
} subj_ent;

typedef struct cls_tab {
    cls_ent *v;
    size_t cap, n;
} cls_tab;

typedef struct subj_tab {
    subj_ent *v;
    size_t cap, n;
} subj_tab;

static inline cls_ent *cls_find(const cls_tab *t, const uint8_t h[16])
{
    if (!t->cap) return NULL;
    size_t m = t->cap - 1;
    for (size_t i = slot_of(h, m);; i = (i + 1) & m) {
        if (t->v[i].n == 0) return NULL;
        if (!memcmp(t->v[i].h, h, 16)) return &t->v[i];
    }
}

static inline int cls_grow(cls_tab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    cls_ent *v = calloc(cap, sizeof *v);
    if (!v) return CV_ENOMEM;
    for (size_t j = 0; j < t->cap; j++) {
        if (!t->v[j].n) continue;
        size_t i = slot_of(t->v[j].h, cap - 1);
        while (v[i].n) i = (i + 1) & (cap - 1);
        v[i] = t->v[j];
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return 0;
}

/* Count one more record of class h. */
static inline int cls_add(cls_tab *t, const uint8_t h[16])
{
    if ((t->n + 1) * 2 > t->cap && cls_grow(t)) return CV_ENOMEM;
    size_t m = t->cap - 1;
    size_t i = slot_of(h, m);
    while (t->v[i].n && memcmp(t->v[i].h, h, 16)) i = (i + 1) & m;
    if (!t->v[i].n) {
        memcpy(t->v[i].h, h, 16);
        t->n++;
    }
    t->v[i].n++;
    return 0;
}

static inline subj_ent *subj_find(const subj_tab *t, const uint8_t h[16])
{
    if (!t->cap) return NULL;
    size_t m = t->cap - 1;
    for (size_t i = slot_of(h, m);; i = (i + 1) & m) {
        if (t->v[i].id == 0) return NULL;
        if (!memcmp(t->v[i].h, h, 16)) return &t->v[i];
    }
}

static inline int subj_grow(subj_tab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    subj_ent *v = calloc(cap, sizeof *v);
    if (!v) return CV_ENOMEM;
    for (size_t j = 0; j < t->cap; j++) {
        if (!t->v[j].id) continue;
        size_t i = slot_of(t->v[j].h, cap - 1);
        while (v[i].id) i = (i + 1) & (cap - 1);
        v[i] = t->v[j];
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return 0;
}

/* The entry of subject h, inserted (slot -1) if new; *isnew says which. */
static inline int subj_get(subj_tab *t, const uint8_t h[16], subj_ent **out, int *isnew)
{
    if (t->n >= UINT32_MAX - 1) return CV_ENOMEM;
    if ((t->n + 1) * 2 > t->cap && subj_grow(t)) return CV_ENOMEM;
    size_t m = t->cap - 1;
    size_t i = slot_of(h, m);
    while (t->v[i].id && memcmp(t->v[i].h, h, 16)) i = (i + 1) & m;
    *isnew = t->v[i].id == 0;
    if (*isnew) {
        memcpy(t->v[i].h, h, 16);
        t->v[i].id = (uint32_t)++t->n;
        t->v[i].slot = -1;
    }
    *out = &t->v[i];
    return 0;
}

/* A set of 64-bit keys: (point index, subject id) incidences. */
typedef struct pair_tab {
    uint64_t *key;         /* UINT64_MAX = empty */
    size_t cap, n;
} pair_tab;

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline void pair_clear(pair_tab *t)
{
    if (t->key) memset(t->key, 0xff, t->cap * sizeof *t->key);
    t->n = 0;
}

static inline int pair_grow(pair_tab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 4096;
    uint64_t *k = malloc(cap * sizeof *k);
    if (!k) return CV_ENOMEM;
    memset(k, 0xff, cap * sizeof *k);
    for (size_t j = 0; j < t->cap; j++) {
        if (t->key[j] == UINT64_MAX) continue;
        size_t i = (size_t)mix64(t->key[j]) & (cap - 1);
        while (k[i] != UINT64_MAX) i = (i + 1) & (cap - 1);
        k[i] = t->key[j];
    }
    free(t->key);
    t->key = k;
    t->cap = cap;
    return 0;
}

static inline int pair_has(const pair_tab *t, uint64_t key)
{
    if (!t->cap) return 0;
    size_t m = t->cap - 1;
    for (size_t i = (size_t)mix64(key) & m;; i = (i + 1) & m) {
        if (t->key[i] == UINT64_MAX) return 0;
        if (t->key[i] == key) return 1;
    }
}

/* Insert a key known to be absent. */
static inline int pair_add(pair_tab *t, uint64_t key)
{
    if ((t->n + 1) * 2 > t->cap && pair_grow(t)) return CV_ENOMEM;
    size_t m = t->cap - 1;
    size_t i = (size_t)mix64(key) & m;
    while (t->key[i] != UINT64_MAX) i = (i + 1) & m;
    t->key[i] = key;
    t->n++;
    return 0;
}

/* ---- the state of one report ---------------------------------------------- */

typedef struct point {
    uint64_t rank;         /* PRF(seed, subject, point) */
    uint8_t h[16];         /* the class */
} point;

typedef struct sample {
    uint64_t rank;         /* PRF(seed, subject) */
    uint8_t subj[16];
    uint32_t id;           /* the subject's id */
    uint8_t npts;          /* distinct points drawn so far, <= P */
    uint8_t best;          /* largest p such that another subject holds the first p points */
} sample;

/* Point map of one unicity chunk: class -> index of the drawn point. */
typedef struct pmap_ent {
    uint8_t h[16];
    uint32_t idx;          /* point index + 1; 0 = empty slot */
} pmap_ent;

enum { MODE_COUNT, MODE_PAIRS, MODE_WRITE };
enum { STOP_EARLY = 1 };   /* a pass ended before the end of the file, on purpose */

typedef struct field_ref {
    const char *name;
    size_t len;
    int32_t hint;          /* node index where it was last found */
    uint8_t seen;          /* found in at least one record */
    const cvi_risk_gen *gen;
} field_ref;

typedef struct risk {
    cv_ctx *ctx;
    const char *path;                 /* the file being read (messages) */
    const char *const *paths;         /* every file: one dataset, read as one */
    size_t npaths;
    uint8_t *zin;                     /* per file: zstd */
    const cv_format_type *fmt;
    const cv_risk_opts *o;
    cv_risk_result *res;
    int zstd_in;
    size_t max_record;
    field_ref q[CV_RISK_MAX_QUASI];
    size_t nq;
    field_ref subj;
    int has_subj;
    cvi_risk_gen gens[CV_RISK_MAX_QUASI];
    unsigned char prf_key[crypto_shorthash_siphash24_KEYBYTES];
    int P;
    size_t N;

    cls_tab cls;
    subj_tab subjects;
    uint64_t records, rejected;       /* pass 1 */
    uint64_t p_records, p_rejected;   /* this pass */
    uint64_t logged;

    sample *smp;                      /* N slots */
    point *pts;                       /* N * P points, sorted by (rank, h) */
    uint32_t *heap;                   /* max-heap of slot indices by (rank, subj) */
    size_t nsmp, smp_cap;             /* grown up to N as subjects arrive */

    /* one unicity chunk: the drawn points of sample slots [c_lo, c_hi), and
     * the incidences (point, subject holding it) as a set and, per point, a
     * list of subjects */
    size_t c_lo, c_hi;
    pmap_ent *pm;
    size_t pm_cap, npt;
    uint32_t *spt;                    /* N * P: point index of each slot's drawn point */
    uint32_t *head;                   /* per point: first incidence + 1 */
    uint32_t *inc_u, *inc_next;       /* incidences: subject id, next + 1 */
    size_t ninc, inc_cap;
    pair_tab pairs;                   /* (point, subject) set */
    size_t max_pairs;

    cv_sink *sink;
    cv_buf val;                       /* scratch: generalised value */
} risk;

/* One k-anonymity bucket of the report: classes of lo..hi records. */
typedef struct kbucket {
    uint64_t lo, hi;       /* hi 0: no upper bound */
    uint64_t classes, records;
} kbucket;

/* Shared between risk.c and risk_report.c. */
int cvi_risk_unicity(risk *R);
int cvi_risk_stream_pass(risk *R, int mode);
int cvi_risk_render(const risk *R, const kbucket *kb, size_t nkb, cv_buf *b);
int cvi_risk_enforce(risk *R);
int cvi_risk_check_out_dir(cv_ctx *ctx, const char *out);

#endif
