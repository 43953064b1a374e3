/*
 * risk.h - internals of the re-identification risk report (risk.c): the
 * parsed form of a --generalise spec, shared with the unit tests. The
 * public entry point is cv_risk() in callveil.h.
 */
#ifndef CV_RISK_H
#define CV_RISK_H

#include "common/base.h"
#include "../filters/filters.h"

#define CVI_RISK_MAX_BANDS 32

/* A generalisation applied to one quasi-identifier before counting. */
typedef struct cvi_risk_gen {
    cv_gen_unit unit;                       /* CV_GEN_HOUR .. CV_GEN_BANDS */
    uint32_t bounds[CVI_RISK_MAX_BANDS];    /* CV_GEN_BANDS: ascending */
    size_t nbounds;
} cvi_risk_gen;

/* Parse "hour", "day", "week", "weekday_hour", "bands" (the policy's default
 * bands 30,60,120,300,600,1800) or "bands:B1,B2,..." (strictly ascending
 * seconds). Returns 0 or CV_EUSAGE. */
int cvi_risk_gen_parse(const char *spec, cvi_risk_gen *g);

/* Append the generalised form of in to out (cvi_generalise_time or
 * cvi_generalise_duration). Returns 0, CV_EINPUT (not a timestamp or
 * duration) or CV_ENOMEM. */
int cvi_risk_gen_apply(const cvi_risk_gen *g, const char *in, size_t len, cv_buf *out);

#endif
