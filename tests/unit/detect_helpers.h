/*
 * detect_helpers.h - helpers shared by the detector suites: build a detector
 * set for one entity (or all, with -1), run it over a string, and assert
 * the spans found.
 */
#ifndef CV_DETECT_HELPERS_H
#define CV_DETECT_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filters.h"

static inline cv_detector_set *mkset_gate(const char *region, int entity, int no_gates)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, region, 2);
    o.no_gates = (uint8_t)no_gates;
    uint8_t en[CV_ENT__COUNT];
    for (int i = 0; i < CV_ENT__COUNT; i++) en[i] = entity < 0 || i == entity;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cvi_detector_set_create(&o, en, &s, &err), 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

static inline cv_detector_set *mkset(const char *region, int entity) { return mkset_gate(region, entity, 0); }

/* The agent detectors with the policy's `trunks:` list (borrowed). */
static inline cv_detector_set *mkset_trunks(const char *region, const char *const *trunks, size_t ntrunks)
{
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, region, 2);
    o.trunks = trunks;
    o.ntrunks = ntrunks;
    uint8_t en[CV_ENT__COUNT];
    for (int i = 0; i < CV_ENT__COUNT; i++) en[i] = i == CV_ENT_AGENT;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cvi_detector_set_create(&o, en, &s, &err), 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

static inline cv_span_list run_gate(const char *region, int entity, const char *text, size_t len, int no_gates)
{
    cv_detector_set *s = mkset_gate(region, entity, no_gates);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    ck_assert_int_eq(cvi_detect(s, ws, text, len, &l), 0);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    return l;
}

/* The cue gate (cv_detector_type.cues) only skips detectors that could find
 * nothing: the spans with it equal those without, whatever the text. */
static inline void same_without_gate(const char *region, int entity, const char *text, size_t len,
                                     const cv_span_list *l)
{
    cv_span_list g = run_gate(region, entity, text, len, 1);
    ck_assert_msg(g.n == l->n, "cue gate: %zu spans, %zu without it, case starting %.12s", l->n, g.n, text);
    for (size_t i = 0; i < g.n; i++) {
        ck_assert_uint_eq(g.v[i].start, l->v[i].start);
        ck_assert_uint_eq(g.v[i].end, l->v[i].end);
        ck_assert_int_eq(g.v[i].entity, l->v[i].entity);
        ck_assert_str_eq(g.v[i].norm, l->v[i].norm);
    }
    cvi_span_list_free(&g);
}

/* The spans of text; every run is checked against a run without the gate. */
static inline cv_span_list run(const char *region, int entity, const char *text)
{
    cv_span_list l = run_gate(region, entity, text, strlen(text), 0);
    same_without_gate(region, entity, text, strlen(text), &l);
    return l;
}

/* Exactly one span: entity, the covered text and the norm. */
static inline void one(const char *region, int entity, const char *text, const char *covered, const char *norm)
{
    cv_span_list l = run(region, entity, text);
    ck_assert_msg(l.n == 1, "%zu spans in case starting %.12s", l.n, text);
    const char *at = strstr(text, covered);
    ck_assert_ptr_nonnull(at);
    ck_assert_uint_eq(l.v[0].start, (size_t)(at - text));
    ck_assert_uint_eq(l.v[0].end, (size_t)(at - text) + strlen(covered));
    if (entity >= 0) ck_assert_int_eq(l.v[0].entity, entity);
    ck_assert_str_eq(l.v[0].norm, norm);
    ck_assert_uint_eq(l.v[0].norm_len, strlen(norm));
    cvi_span_list_free(&l);
}

static inline void none(const char *region, int entity, const char *text)
{
    cv_span_list l = run(region, entity, text);
    ck_assert_msg(l.n == 0, "unexpected span [%u,%u)", l.n ? l.v[0].start : 0, l.n ? l.v[0].end : 0);
    cvi_span_list_free(&l);
}

/* tests/fixtures/DIR/NAME under the source tree (CV_SRC), opened to read. */
static inline FILE *fixture_file(const char *dir, const char *name)
{
    const char *src = getenv("CV_SRC");
    ck_assert_msg(src != NULL, "CV_SRC must name the source directory");
    char p[4096];
    snprintf(p, sizeof p, "%s/tests/fixtures/%s/%s", src, dir, name);
    FILE *f = fopen(p, "r");
    ck_assert_msg(f != NULL, "cannot open %s", p);
    return f;
}

/* The lines of f (closed here) whose spans, found with s, hit() counts;
 * *total: the lines read. For the false-positive corpora. */
static inline size_t corpus_hits(FILE *f, const cv_detector_set *s, int (*hit)(const cv_span_list *), size_t *total)
{
    char line[2048];
    size_t hits = 0;
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    *total = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        ++*total;
        ck_assert_int_eq(cvi_detect(s, ws, line, n, &l), 0);
        hits += hit(&l) != 0;
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    return hits;
}

static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
