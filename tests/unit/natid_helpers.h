/*
 * natid_helpers.h - shared by the national id and account suites: the
 * recall sets and the negative corpus under tests/fixtures/national_id/
 * (made by gen_recall.py there), read and scored against the detectors.
 */
#ifndef CV_NATID_HELPERS_H
#define CV_NATID_HELPERS_H

#include <stdio.h>

#include "filters/national_id.h"
#include "tests/unit/detect_helpers.h"

/* Open tests/fixtures/national_id/<name> (CV_SRC names the source tree). */
static inline FILE *natid_fixture(const char *name) { return fixture_file("national_id", name); }

static inline void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* One exact span: entity, detector (CV_DET_*), the covered text, the norm. */
static inline void one_by(int detector, int entity, const char *text, const char *covered, const char *norm)
{
    one("GB", entity, text, covered, norm);
    cv_span_list l = run("GB", entity, text);
    ck_assert_uint_eq(l.v[0].detector, (unsigned)detector);
    cvi_span_list_free(&l);
}

/* The share of recall_<detector>.txt lines ("SPAN<TAB>TEXT") where the
 * detector (with all of `entity`'s detectors on) covers SPAN exactly, whole:
 * a hit leaves no part of the value in clear. Prints the rate; returns it
 * in per mille. */
static inline unsigned recall_permille(const char *file, int entity, int detector)
{
    FILE *f = natid_fixture(file);
    cv_detector_set *s = mkset("GB", entity);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    char line[1024];
    unsigned total = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        const char *span = line, *text = tab + 1;
        const char *at = strstr(text, span);
        ck_assert_ptr_nonnull(at);
        size_t b = (size_t)(at - text), e = b + strlen(span);
        total++;
        ck_assert_int_eq(cvi_detect(s, ws, text, strlen(text), &l), 0);
        int hit = 0;
        for (size_t i = 0; i < l.n; i++)
            hit |= l.v[i].start == b && l.v[i].end == e && l.v[i].entity == entity &&
                   (detector < 0 || l.v[i].detector == detector);
        if (hit) found++;
        else printf("  %s: missed: %s\n", file, text);
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    ck_assert_uint_ge(total, 30);
    printf("recall %s: %u/%u\n", file, found, total);
    return found * 1000 / total;
}

/* Lines of negative.txt in which any detector of the listed entities
 * (ended by -1) finds something. Prints the rate. */
static inline unsigned negative_changed(const int *entities, unsigned *lines)
{
    FILE *f = natid_fixture("negative.txt");
    cv_detect_opts o;
    memset(&o, 0, sizeof o);
    memcpy(o.region, "GB", 2);
    uint8_t en[CV_ENT__COUNT] = { 0 };
    for (const int *e = entities; *e >= 0; e++) en[*e] = 1;
    cv_detector_set *s = NULL;
    const char *err = NULL;
    ck_assert_int_eq(cvi_detector_set_create(&o, en, &s, &err), 0);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    ck_assert_ptr_nonnull(ws);
    cv_span_list l = { 0 };
    char line[1024];
    unsigned total = 0, changed = 0;
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        if (!line[0]) continue;
        total++;
        ck_assert_int_eq(cvi_detect(s, ws, line, strlen(line), &l), 0);
        if (l.n) {
            changed++;
            printf("  negative.txt: %s found in: %s\n", cvi_entity_name(l.v[0].entity), line);
        }
    }
    fclose(f);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    *lines = total;
    return changed;
}

#endif
